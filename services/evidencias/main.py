"""Composition root of evidencias: ``uvicorn --factory services.evidencias.main:create_app``.

It builds the application (which keeps its read models, ``projections.Proyecciones``), the subscribers of
``messaging``, the periodic jobs (commitments falling due, the purge of cancelled docentes' attachments), the
process around them (relay, telemetry) and the HTTP app, and hands them to the routes through ``http.state``
(``api/dependencias.py``): each route module is a plain module with a ``router``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.evidencias import acceso, messaging
from services.evidencias.adjuntos import AlmacenAdjuntos
from services.evidencias.api import actas, adjuntos, compromisos, ejecucion, instrumentos, lote, visitas
from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings
from shared.runtime import ServiceRuntime
from shared.streams import ADJUNTOS_BUCKET
from shared.telemetry import Telemetry

log = logging.getLogger(__name__)
ROUTERS = (instrumentos.router, visitas.router, compromisos.router, actas.router, ejecucion.router, lote.router)


def create_app(settings: EvidenciasSettings | None = None, *span_processors: SpanProcessor,
               reloj: Callable[[], date] = date.today) -> FastAPI:
    settings = settings or EvidenciasSettings()
    evidencias = Evidencias(settings, reloj)
    evidencias.publicar_instrumentos_incluidos()
    runtime = ServiceRuntime(evidencias, messaging.Publicador(evidencias), Telemetry.create("evidencias", *span_processors))
    messaging.subscribe(runtime.consumers, evidencias)
    runtime.every(settings.vencimientos_cada, evidencias.vencer_compromisos)
    almacen = AlmacenAdjuntos(lambda: runtime.consumers.js, ADJUNTOS_BUCKET)

    async def purgar_adjuntos() -> None:
        """The content of a cancelled docente's attachments leaves the bucket too (Ley 29733): each one once,
        as its cancellation left it pending; one that is also attached elsewhere is kept."""
        if runtime.consumers.js is None:
            return
        for sha256, borrable in await asyncio.to_thread(evidencias.proyecciones.adjuntos_por_purgar):
            if borrable and await almacen.borrar(sha256):
                log.info("evidencias: contenido %s borrado (datos personales cancelados)", sha256)
            await asyncio.to_thread(evidencias.proyecciones.purgado, sha256)

    runtime.every(settings.purga_adjuntos_cada, purgar_adjuntos)
    subidas = APIRouter()  # the attachments' routes, with their own body limit (the service's is smaller)
    subidas.include_router(adjuntos.router, max_body_size=adjuntos.limite_de_cuerpo(settings.adjunto_max_bytes))
    http = runtime.http_app(
        title="Acompaña · evidencias",
        description="Evidencias de cada visita: observaciones con instrumentos versionados, retroalimentación, "
                    "compromisos, necesidades formativas, actas de GIA y RTC, y adjuntos (no públicos).",
        routers=[*ROUTERS, subidas],
    )
    # what api/dependencias.py hands to each route
    http.state.evidencias = evidencias
    http.state.proyecciones = evidencias.proyecciones
    http.state.almacen = almacen
    http.state.adjunto_max_bytes = settings.adjunto_max_bytes
    http.state.politica = acceso.politica(evidencias.proyecciones)
    http.state.politica.separacion = settings.separacion_finalidad
    adjuntos.limitar_subidas(http, settings.adjunto_max_bytes)
    return http
