"""Composition root of agenda: ``uvicorn --factory services.agenda.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.agenda import acceso, api, messaging
from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry


def create_app(settings: AgendaSettings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    settings = settings or AgendaSettings()
    agenda = Agenda(settings)
    agenda.publicar_protocolos_incluidos()
    runtime = ServiceRuntime(agenda, messaging.Publicador(agenda), Telemetry.create("agenda", *span_processors))
    messaging.subscribe(runtime.consumers, agenda)
    http = runtime.http_app(
        title="Acompaña · agenda",
        description="Protocolo anual de cada docente: plan por etapa, programación y realización de visitas, "
                    "GIA, talleres y RTC, y su cumplimiento.",
        routers=[api.router(agenda)],
    )
    http.state.agenda = agenda
    http.state.politica = acceso.politica(agenda)
    http.state.politica.separacion = settings.separacion_finalidad
    return http
