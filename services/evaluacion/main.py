"""Composition root of evaluacion: ``uvicorn --factory services.evaluacion.main:create_app``.

It builds the application, its read models (``projections.Proyecciones``, fed by the subscribers of
``messaging``) and their rebuilds, the process around them (relay, telemetry) and the HTTP app, and hands
them to the routes through ``http.state`` (``api/dependencias.py``): each route module is a plain module
with a ``router``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.evaluacion import acceso, messaging
from services.evaluacion.api import formativa, historia, informes, matrices, operacion, progreso
from services.evaluacion.application import Evaluacion
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from services.evaluacion.rebuild import Reconstrucciones
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry

ROUTERS = (formativa.router, matrices.router, progreso.router, informes.router, historia.router, operacion.router)


def create_app(settings: EvaluacionSettings | None = None, *span_processors: SpanProcessor,
               reloj: Callable[[], date] | None = None) -> FastAPI:
    settings = settings or EvaluacionSettings()
    evaluacion = Evaluacion(settings, reloj) if reloj else Evaluacion(settings)
    evaluacion.publicar_metas_incluidas()
    runtime = ServiceRuntime(evaluacion, messaging.Publicador(evaluacion), Telemetry.create("evaluacion", *span_processors))
    proyecciones = Proyecciones(settings)
    messaging.subscribe(runtime.consumers, evaluacion, proyecciones)
    reconstrucciones = Reconstrucciones(proyecciones, lambda: runtime.consumers.js, runtime.al_dia,
                                        settings.reconstruccion_gracia_segundos)
    runtime.closers.append(proyecciones.close)
    runtime.on_stop.append(reconstrucciones.detener)
    http = runtime.http_app(
        title="Acompaña · evaluacion",
        description="Evaluación formativa de cada docente (situación inicial, valoraciones por competencia, cierre de "
                    "etapa, metas) y las matrices de seguimiento y evaluación, con reportes a una fecha de corte.",
        routers=list(ROUTERS),
    )
    # what api/dependencias.py hands to each route
    http.state.evaluacion = evaluacion
    http.state.proyecciones = proyecciones
    http.state.reconstrucciones = reconstrucciones
    http.state.politica = acceso.politica(proyecciones)
    http.state.politica.separacion = settings.separacion_finalidad
    return http
