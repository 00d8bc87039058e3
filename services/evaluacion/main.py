"""Composition root of evaluacion: ``uvicorn --factory services.evaluacion.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.evaluacion import api, messaging
from services.evaluacion.application import Evaluacion
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry


def create_app(settings: EvaluacionSettings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    settings = settings or EvaluacionSettings()
    runtime = ServiceRuntime(
        Evaluacion(settings), messaging.to_publication, Telemetry.create("evaluacion", *span_processors)
    )
    proyecciones = Proyecciones(settings)
    messaging.subscribe(runtime.consumers, proyecciones)
    runtime.closers.append(proyecciones.close)
    http = runtime.http_app(
        title="Acompaña · evaluacion",
        description="Evaluación formativa: progreso por competencia de cada docente y resultados por etapa.",
        routers=[api.router(proyecciones)],
    )
    http.state.proyecciones = proyecciones
    return http
