"""Composition root of agenda: ``uvicorn --factory services.agenda.main:create_app``.

It builds the application (with its read models, ``projections.Proyecciones``), the subscribers of
``messaging``, the process around them (relay, telemetry) and the HTTP app, and hands them to the routes
through ``http.state`` (``api/dependencias.py``): each route module is a plain module with a ``router``.
"""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.agenda import acceso, messaging
from services.agenda.api import cumplimiento, documentos, lote, plan_ie, planes, programacion, realizacion
from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from shared.runtime import ServiceRuntime
from shared.telemetry import Telemetry
from shared.territorios import Territorios

ROUTERS = (planes.router, plan_ie.router, documentos.router, programacion.router, realizacion.router, lote.router,
           cumplimiento.router)


def create_app(settings: AgendaSettings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    settings = settings or AgendaSettings()
    agenda = Agenda(settings)
    agenda.publicar_protocolos_incluidos()
    runtime = ServiceRuntime(agenda, messaging.Publicador(agenda), Telemetry.create("agenda", *span_processors))
    territorios = Territorios.abrir(settings)  # the names of the DREs and UGELs, for the spreadsheets
    runtime.closers.append(territorios.close)
    messaging.subscribe(runtime.consumers, agenda, territorios)
    http = runtime.http_app(
        title="Acompaña · agenda",
        description="Protocolo anual de cada docente: plan por etapa, programación y realización de visitas, "
                    "GIA, talleres y RTC, y su cumplimiento.",
        routers=list(ROUTERS),
    )
    # what api/dependencias.py hands to each route
    http.state.agenda = agenda
    http.state.proyecciones = agenda.proyecciones
    http.state.territorios = territorios
    http.state.politica = acceso.politica(agenda)
    http.state.politica.separacion = settings.separacion_finalidad
    return http
