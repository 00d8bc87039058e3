"""Composition root of agenda: ``uvicorn --factory services.agenda.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.agenda import api
from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from services.agenda.messaging import to_publication
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry


def create_app(settings: AgendaSettings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    settings = settings or AgendaSettings()
    agenda = Agenda(settings)
    runtime = ServiceRuntime(agenda, to_publication, Telemetry.create("agenda", *span_processors))
    return runtime.http_app(
        title="Acompaña · agenda",
        description="Protocolo anual de cada docente: visitas, GIA, talleres y RTC; su programación y realización.",
        routers=[api.router(agenda)],
    )
