"""focalizacion's HTTP API for the padrón import (IIEE, docentes, acompañantes), with its progress.

A national padrón holds tens of thousands of schools and hundreds of thousands of people: its import runs
in a worker thread (the service keeps answering meanwhile), and a caller that asks for
``Accept: application/x-ndjson`` reads its progress as it happens, one JSON line per batch recorded
(``{"procesadas": n, "total": m}``) and a last line with the report (``{"informe": {...}}``). A file that
cannot be read at all (empty, no known columns) is refused with 422 before any line is sent, as without
progress; its valid rows are recorded and its rejected rows reported with line and reason either way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.focalizacion.application import Progreso
from services.focalizacion.dependencias import FocalizacionApp
from services.focalizacion.padron import ArchivoInvalido
from shared.eventstore import DomainError

log = logging.getLogger("acompana.focalizacion")
CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True,
       "description": "El archivo CSV (UTF-8 o Latin-1), tal como sale del sistema de origen."}
NDJSON = "application/x-ndjson"
AVANCE = {200: {"description": "El informe; con `Accept: application/x-ndjson`, una línea JSON por lote "
                               "registrado (`procesadas`, `total`) y al final la del informe (`informe`).",
                "content": {NDJSON: {"schema": {"type": "string"}}}}}
Importacion = Callable[[bytes, Progreso | None], dict[str, Any]]


class Informe(BaseModel):
    filas: int
    validas: int
    nuevas: int
    actualizadas: int
    sin_cambios: int
    rechazadas: list[dict[str, Any]] = Field(description="Cada fila rechazada: línea, clave y motivos por campo.")


def filas_del_archivo(contenido: bytes) -> int:
    """The rows a CSV file holds besides its header, counted by lines (what a progress bar needs)."""
    return max(contenido.rstrip(b"\r\n").count(b"\n"), 1)


def importar(comando: Importacion, contenido: bytes, progreso: Progreso | None = None) -> dict[str, Any]:
    if not contenido.strip():
        raise DomainError("El archivo está vacío.")
    try:
        return comando(contenido, progreso)
    except ArchivoInvalido as exc:
        raise DomainError(str(exc)) from None


async def con_avance(comando: Importacion, contenido: bytes) -> Response:
    """The import in a worker thread, its progress streamed as JSON lines. Waits for the first line first,
    so a file refused at once is still a plain 422."""
    loop = asyncio.get_running_loop()
    cola: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    total = filas_del_archivo(contenido)
    procesadas = 0

    def avance(n: int) -> None:
        nonlocal procesadas
        procesadas += n
        loop.call_soon_threadsafe(cola.put_nowait, ("avance", {"procesadas": min(procesadas, total),
                                                               "total": total}))

    async def correr() -> None:
        try:
            informe = await asyncio.to_thread(importar, comando, contenido, avance)
            cola.put_nowait(("informe", {"procesadas": total, "total": total,
                                         "informe": Informe(**informe).model_dump()}))
        except Exception as exc:  # noqa: BLE001 - handed to the request (422) or to the stream's last line
            cola.put_nowait(("error", exc))

    tarea = asyncio.create_task(correr())
    primero = await cola.get()
    if primero[0] == "error":
        raise primero[1]

    async def lineas() -> AsyncIterator[bytes]:
        siguiente = primero
        try:
            while True:
                tipo, dato = siguiente
                if tipo == "error":  # after the first batch: only a failure of the store itself
                    log.error("la importación del padrón falló a medio camino", exc_info=dato)
                    yield (json.dumps({"error": "La importación se interrumpió; las filas ya registradas quedan; "
                                                "vuelva a subir el archivo (lo ya registrado no se repite)."},
                                      ensure_ascii=False) + "\n").encode()
                    return
                yield (json.dumps(dato, ensure_ascii=False) + "\n").encode()
                if tipo == "informe":
                    return
                siguiente = await cola.get()
        finally:
            await tarea  # the import finishes even if the caller went away: its rows are recorded once

    return StreamingResponse(lineas(), media_type=NDJSON, headers={"Cache-Control": "no-store",
                                                                   "X-Accel-Buffering": "no"})


router = APIRouter(prefix="/v1/padron", tags=["focalizacion"])


async def responder(comando: Importacion, request: Request) -> Any:
    contenido = await request.body()
    if NDJSON in request.headers.get("accept", ""):
        return await con_avance(comando, contenido)
    return Informe(**await asyncio.to_thread(importar, comando, contenido))


@router.post("/ies", summary="Importar el padrón de IIEE (CSV)", response_model=Informe, responses=AVANCE,
             openapi_extra={"requestBody": CSV})
async def importar_ies(request: Request, app: FocalizacionApp) -> Any:
    return await responder(app.importar_ies, request)


@router.post("/docentes", summary="Importar docentes (CSV)", response_model=Informe, responses=AVANCE,
             openapi_extra={"requestBody": CSV})
async def importar_docentes(request: Request, app: FocalizacionApp) -> Any:
    return await responder(app.importar_docentes, request)


@router.post("/acompanantes", summary="Importar acompañantes (CSV)", response_model=Informe, responses=AVANCE,
             openapi_extra={"requestBody": CSV})
async def importar_acompanantes(request: Request, app: FocalizacionApp) -> Any:
    return await responder(app.importar_acompanantes, request)
