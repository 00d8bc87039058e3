"""Composition root of evidencias: ``uvicorn --factory services.evidencias.main:create_app``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.evidencias import acceso, api, messaging
from services.evidencias.adjuntos import AlmacenAdjuntos
from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings
from shared.runtime import ServiceRuntime
from shared.streams import ADJUNTOS_BUCKET
from shared.telemetry import Telemetry

log = logging.getLogger(__name__)


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
    http = runtime.http_app(
        title="Acompaña · evidencias",
        description="Evidencias de cada visita: observaciones con instrumentos versionados, retroalimentación, "
                    "compromisos, necesidades formativas, actas de GIA y RTC, y adjuntos (no públicos).",
        routers=[api.router(evidencias, almacen, settings.adjunto_max_bytes)],
    )
    http.state.evidencias = evidencias
    http.state.politica = acceso.politica(evidencias.proyecciones)
    http.state.politica.separacion = settings.separacion_finalidad
    api.limitar_subidas(http, settings.adjunto_max_bytes)
    return http
