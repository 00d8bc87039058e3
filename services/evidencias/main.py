"""Composition root of evidencias: ``uvicorn --factory services.evidencias.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.evidencias import api
from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings
from services.evidencias.messaging import to_publication
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry


def create_app(settings: EvidenciasSettings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    settings = settings or EvidenciasSettings()
    runtime = ServiceRuntime(Evidencias(settings), to_publication, Telemetry.create("evidencias", *span_processors))
    return runtime.http_app(
        title="Acompaña · evidencias",
        description="Evidencias de cada visita: observaciones con instrumentos versionados, retroalimentación, compromisos y adjuntos.",
        routers=[api.router()],
    )
