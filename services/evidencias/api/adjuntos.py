"""The files a visit or a GIA/RTC keeps over HTTP (photos, scans of signed actas): uploaded by who recorded it,
encrypted with its owner's key before they leave this process, and served to who may read its record, never
public (``Cache-Control: private, no-store``); a cancelled docente's are gone (410, Ley 29733).

An upload's size is limited twice: by its declared length before it is read (``limitar_subidas``), and as it
arrives, by the limit ``main.py`` gives this router when it includes it (``limite_de_cuerpo``).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, FastAPI, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias.adjuntos import (AdjuntoAlterado, AdjuntoDemasiadoGrande, AdjuntoNoDisponible,
                                          AlmacenAdjuntos, examinar, objeto_de)
from services.evidencias.api.comun import NO_PUBLICO, Id, Sha, registrado
from services.evidencias.api.dependencias import Almacen, EvidenciasApp, MaxBytes, Vistas
from services.evidencias.application import CANCELADOS, Evidencias
from services.evidencias.projections import Proyecciones
from shared.cifrado import LlaveSuprimida
from shared.eventstore import DomainError, NotFound

router = APIRouter(prefix="/v1", tags=["evidencias"])
HOLGURA = 64 * 1024  # a form's own fields and boundaries around the file
Tipo = Literal["visita", "reunion"]
SUBIDA: dict[int | str, dict[str, Any]] = {413: {"description": "Supera el tamaño máximo"},
                                           503: {"description": "Almacén no disponible"}}


def limite_de_cuerpo(max_bytes: int) -> int:
    """The largest body an upload may have: the file and the form around it."""
    return max_bytes + HOLGURA


def _demasiado_grande(mensaje: str) -> JSONResponse:
    return JSONResponse({"codigo": "demasiado_grande", "mensaje": mensaje,
                         "errores": [{"campo": "archivo", "motivo": mensaje}]}, status_code=413)


def limitar_subidas(http: FastAPI, max_bytes: int) -> None:
    """Refuse an upload whose declared length is over the limit before reading it. One sent
    without a length is cut off by the router's own body limit as it arrives."""
    http.state.limite_propio.append("/adjuntos")

    @http.middleware("http")
    async def limite(request: Request, call_next):  # noqa: ANN001, ANN202
        largo = request.headers.get("content-length", "")
        if request.url.path.endswith("/adjuntos") and largo.isdigit() and int(largo) > limite_de_cuerpo(max_bytes):
            return _demasiado_grande(f"El archivo supera el máximo de {max_bytes:,} bytes.")
        return await call_next(request)


async def adjuntar(app: Evidencias, almacen: AlmacenAdjuntos, max_bytes: int, tipo: Tipo, propietario_id: UUID,
                   archivo: UploadFile, autor_id: UUID, descripcion: str) -> Response:
    try:
        contenido = await asyncio.to_thread(examinar, await archivo.read(max_bytes + 1), max_bytes)
    except AdjuntoDemasiadoGrande as exc:
        return _demasiado_grande(str(exc))
    propietario = await asyncio.to_thread(app.propietario, tipo, str(propietario_id), str(autor_id))  # refused first
    if contenido.sha256 in propietario.adjuntos:
        # the same photo sent again (a retry after a lost answer): nothing stored or recorded anew
        return registrado(contenido.sha256, False, sha256=contenido.sha256, tipo_contenido=contenido.tipo,
                          bytes=contenido.bytes)
    sujeto = propietario.sujeto()
    try:  # the content leaves this process only encrypted with its owner's key (Ley 29733)
        cifrado = await asyncio.to_thread(app.cifrador.cifrar_bytes, sujeto, contenido.datos, contenido.sha256)
    except LlaveSuprimida:
        raise DomainError(CANCELADOS) from None
    objeto = objeto_de(contenido.sha256, sujeto)
    try:
        await almacen.guardar(objeto, cifrado)
    except AdjuntoNoDisponible as exc:
        return JSONResponse({"codigo": "no_disponible", "mensaje": str(exc)}, status_code=503)
    nuevo = await asyncio.to_thread(app.adjuntar, c.Adjuntar(
        tipo=tipo, propietario_id=str(propietario_id), autor_id=str(autor_id), sha256=contenido.sha256,
        objeto=objeto, tipo_contenido=contenido.tipo, bytes=contenido.bytes, nombre=(archivo.filename or "")[:200],
        descripcion=descripcion))
    return registrado(contenido.sha256, nuevo, sha256=contenido.sha256, tipo_contenido=contenido.tipo,
                      bytes=contenido.bytes)


async def servir(app: Evidencias, vistas: Proyecciones, almacen: AlmacenAdjuntos, tipo: Tipo, propietario_id: UUID,
                 sha256: str) -> Response:
    registro = await asyncio.to_thread(vistas.visita if tipo == "visita" else vistas.reunion, str(propietario_id))
    if registro is None:
        raise NotFound(f"No consta {'la visita' if tipo == 'visita' else 'el GIA o la RTC'} {propietario_id}.")
    fila = next((a for a in registro["adjuntos"] if a["sha256"] == sha256), None)
    if fila is None:
        raise NotFound(f"No hay un adjunto {sha256} en {propietario_id}.")
    sujeto = dm.sujeto_docente(registro["visita"]["docente_id"]) if tipo == "visita" else None
    if sujeto and await asyncio.to_thread(app.cifrador.llavero.suprimida, sujeto):
        return JSONResponse({"codigo": "suprimido", "mensaje": "Los datos personales del docente se cancelaron "
                             "(Ley 29733): el contenido de sus adjuntos ya no se entrega."}, status_code=410)
    duenio = sujeto or dm.sujeto_reunion(propietario_id)

    async def descifrar(guardado: bytes) -> bytes | None:
        return await asyncio.to_thread(app.cifrador.descifrar_bytes, duenio, guardado, sha256)
    try:  # an attachment recorded before encryption existed is under its bare hash, in clear
        datos = await almacen.leer(fila.get("objeto") or sha256, sha256, descifrar)
    except AdjuntoNoDisponible as exc:
        return JSONResponse({"codigo": "no_disponible", "mensaje": str(exc)}, status_code=503)
    except AdjuntoAlterado as exc:
        return JSONResponse({"codigo": "adjunto_alterado", "mensaje": str(exc)}, status_code=500)
    return Response(datos, media_type=fila["tipo_contenido"], headers={
        **NO_PUBLICO, "Content-Disposition": "attachment", "ETag": f'"{sha256}"'})


@router.post("/visitas/{visita_id}/adjuntos", status_code=201, summary="Adjuntar un archivo a una visita",
             responses=SUBIDA)
async def adjuntar_visita(visita_id: Id, archivo: Annotated[UploadFile, File()],
                          acompanante_id: Annotated[UUID, Form()], app: EvidenciasApp,
                          almacen: Almacen, max_bytes: MaxBytes,
                          descripcion: Annotated[str, Form(max_length=500)] = "") -> Any:
    return await adjuntar(app, almacen, max_bytes, "visita", visita_id, archivo, acompanante_id, descripcion)


@router.post("/reuniones/{actividad_id}/adjuntos", status_code=201, summary="Adjuntar un archivo a un GIA o RTC",
             responses=SUBIDA)
async def adjuntar_reunion(actividad_id: Id, archivo: Annotated[UploadFile, File()],
                           autor_id: Annotated[UUID, Form()], app: EvidenciasApp,
                           almacen: Almacen, max_bytes: MaxBytes,
                           descripcion: Annotated[str, Form(max_length=500)] = "") -> Any:
    return await adjuntar(app, almacen, max_bytes, "reunion", actividad_id, archivo, autor_id, descripcion)


@router.get("/visitas/{visita_id}/adjuntos/{sha256}", summary="Descargar un adjunto de una visita (no público)",
            responses={410: {"description": "Los datos personales del docente se cancelaron"}})
async def adjunto_visita(visita_id: Id, sha256: Sha, app: EvidenciasApp, vistas: Vistas, almacen: Almacen) -> Response:
    return await servir(app, vistas, almacen, "visita", visita_id, sha256)


@router.get("/reuniones/{actividad_id}/adjuntos/{sha256}", summary="Descargar un adjunto de un GIA o RTC (no público)")
async def adjunto_reunion(actividad_id: Id, sha256: Sha, app: EvidenciasApp, vistas: Vistas,
                          almacen: Almacen) -> Response:
    return await servir(app, vistas, almacen, "reunion", actividad_id, sha256)
