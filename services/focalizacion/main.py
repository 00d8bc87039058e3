"""Composition root of focalizacion: ``uvicorn --factory services.focalizacion.main:create_app``.

It builds the application (which keeps its read models, ``projections.Proyecciones``), the process around it
(relay, telemetry) and the HTTP app, and hands the application to the routes through ``http.state``
(``dependencias.FocalizacionApp``, ``dependencias.Vistas``): the route modules are plain modules with a ``router``
each.
"""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.focalizacion import acceso, api, api_carteras, api_datos_personales, api_padron, api_personas
from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.messaging import Publicador
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry

ROUTERS = (api.router, api_carteras.router, api_padron.router, api_datos_personales.router, api_personas.router)


def create_app(settings: FocalizacionSettings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    settings = settings or FocalizacionSettings()
    focalizacion = Focalizacion(settings)
    focalizacion.publicar_reglas_incluidas()
    runtime = ServiceRuntime(focalizacion, Publicador(focalizacion),
                             Telemetry.create("focalizacion", *span_processors))
    http = runtime.http_app(
        title="Acompaña · focalizacion",
        description="Focalización de IIEE, docentes y acompañantes; carga de cada acompañante (NT-026 §5.4).",
        routers=list(ROUTERS),
    )
    http.state.focalizacion = focalizacion  # what dependencias.FocalizacionApp hands to each route
    http.state.proyecciones = focalizacion.proyecciones  # dependencias.Vistas
    http.state.politica = acceso.politica(focalizacion.proyecciones)
    return http
