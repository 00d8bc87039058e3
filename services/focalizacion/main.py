"""Composition root of focalizacion: ``uvicorn --factory services.focalizacion.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.focalizacion import acceso, api, api_datos_personales, api_padron, api_personas
from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.messaging import Publicador
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry


def create_app(settings: FocalizacionSettings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    settings = settings or FocalizacionSettings()
    app = Focalizacion(settings)
    app.publicar_reglas_incluidas()
    runtime = ServiceRuntime(app, Publicador(app), Telemetry.create("focalizacion", *span_processors))
    http = runtime.http_app(
        title="Acompaña · focalizacion",
        description="Focalización de IIEE, docentes y acompañantes; carga de cada acompañante (NT-026 §5.4).",
        routers=[api.router(app), api_padron.router(app), api_datos_personales.router(app), api_personas.router(app)],
    )
    http.state.politica = acceso.politica(app)
    return http
