"""The outbox's endpoints (``POST /cola/{tipo}``, ``POST /cola/adjuntos``) and the field kit's list
(``GET /sin-conexion/paquete``), as WEB_CONTRACT.md fixes them; the plain HTML forms post here too.

Every answer is JSON with the outbox state (see ``comandos`` for the mapping). The CSRF token comes in
the ``X-CSRF-Token`` header (JSON) or the ``csrf`` field (forms).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile  # what request.form() gives (fastapi.UploadFile is a subclass)

from services.web.comandos import COMANDOS, DatoInvalido, identificador
from services.web.i18n import _
from services.web.ingreso import destino_seguro
from services.web.servicios import Rechazo, ServicioCaido
from services.web.vistas import Contexto, comprobar_csrf, contexto

COACH = frozenset({"acompanante"})


async def ejecutar(ctx: Contexto, tipo: str, datos: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Send one command to its service; answers (HTTP status, outbox answer). Who may do what is the
    service's decision: its 403 is the outbox's "no tiene permiso"."""
    comando = COMANDOS.get(tipo)
    if comando is None:
        return 404, {"estado": "rechazado", "motivo": _("No existe")}
    try:
        llamada = comando(datos, ctx.usuario)
        codigo, _respuesta = await ctx.enviar(llamada.servicio, llamada.ruta, llamada.cuerpo)
    except DatoInvalido as exc:
        return 422, {"estado": "rechazado", "motivo": exc.motivo, "campo": exc.campo}
    except Rechazo as exc:
        return _rechazo(exc)
    if codigo == 201:
        return 200, {"estado": "registrado", "mensaje": _("Registrado.")}
    return 200, {"estado": "ya_registrado", "mensaje": _("Ya estaba registrado: no se registró dos veces.")}


def _rechazo(exc: Rechazo) -> tuple[int, dict[str, Any]]:
    if exc.estado == 404:
        return 404, {"estado": "rechazado", "motivo": _("No existe")}
    if exc.estado == 403:
        return 403, {"estado": "rechazado", "motivo": _("No tiene permiso")}
    if exc.codigo == "en_espera":
        return 409, {"estado": "en_espera", "motivo": exc.motivo}
    return 422, {"estado": "rechazado", "motivo": exc.motivo, "campo": exc.campo}


async def adjuntar(ctx: Contexto, visita_id: str, archivo: UploadFile, sha256: str | None) -> tuple[int, dict[str, Any]]:
    try:
        visita_id = identificador({"visita_id": visita_id}, "visita_id")
    except DatoInvalido as exc:
        return 422, {"estado": "rechazado", "motivo": exc.motivo, "campo": exc.campo}
    contenido = await archivo.read()
    if sha256 and hashlib.sha256(contenido).hexdigest() != sha256.lower():
        return 422, {"estado": "rechazado", "motivo": _("La foto llegó dañada; vuelva a enviarla."), "campo": "archivo"}
    try:
        r = await ctx.servicios.pedir(ctx.token, "POST", "evidencias", f"/visitas/{visita_id}/adjuntos",
                                      data={"acompanante_id": ctx.usuario},
                                      files={"archivo": (archivo.filename or "foto.jpg", contenido,
                                                         archivo.content_type or "application/octet-stream")})
    except Rechazo as exc:
        return _rechazo(exc)
    if r.status_code == 201:
        return 200, {"estado": "registrado", "mensaje": _("Foto registrada.")}
    return 200, {"estado": "ya_registrado", "mensaje": _("Esta foto ya estaba registrada.")}


router = APIRouter()


@router.post("/cola/adjuntos", include_in_schema=False)
async def cola_adjuntos(request: Request) -> Response:
    ctx = await contexto(request)
    comprobar_csrf(ctx, request.headers.get("X-CSRF-Token"))
    form = await request.form()
    archivo = form.get("archivo")
    if not isinstance(archivo, UploadFile) or not form.get("visita_id"):
        return JSONResponse({"estado": "rechazado", "motivo": _("Falta la foto."), "campo": "archivo"}, 422)
    try:
        codigo, cuerpo = await adjuntar(ctx, str(form["visita_id"]), archivo, str(form.get("sha256") or ""))
    except ServicioCaido:
        return JSONResponse({"estado": "pendiente"}, status_code=503)
    return JSONResponse(cuerpo, status_code=codigo)


@router.post("/cola/{tipo}", include_in_schema=False)
async def cola(tipo: str, request: Request) -> Response:
    ctx = await contexto(request)
    comprobar_csrf(ctx, request.headers.get("X-CSRF-Token"))
    try:
        pedido = await request.json()
    except ValueError:
        pedido = None
    if not isinstance(pedido, dict) or not isinstance(pedido.get("datos", {}), dict):
        return JSONResponse({"estado": "rechazado", "motivo": _("El pedido no tiene la forma esperada.")}, 422)
    datos = {**pedido.get("datos", {}), "id": pedido.get("id") or pedido.get("datos", {}).get("id")}
    try:
        codigo, cuerpo = await ejecutar(ctx, tipo, datos)
    except ServicioCaido:
        return JSONResponse({"estado": "pendiente"}, status_code=503)
    return JSONResponse(cuerpo, status_code=codigo)


@router.post("/registrar/{tipo}", include_in_schema=False)
async def formulario(tipo: str, request: Request) -> Response:
    """The same commands from a plain HTML form (no JavaScript, online): 303 to the page of the result."""
    ctx = await contexto(request)
    form = await request.form()
    comprobar_csrf(ctx, str(form.get("csrf") or ""))
    datos: dict[str, Any] = {}
    for clave, valor in form.multi_items():
        if isinstance(valor, str):
            datos[clave] = [*datos[clave], valor] if isinstance(datos.get(clave), list) else (
                [datos[clave], valor] if clave in datos else valor)
    codigo, cuerpo = await ejecutar(ctx, tipo, datos)
    volver = destino_seguro(str(form.get("volver") or ""))
    if cuerpo["estado"] in ("registrado", "ya_registrado"):
        separador = "&" if "?" in volver else "?"
        return RedirectResponse(f"{volver}{separador}hecho={tipo}&estado={cuerpo['estado']}", status_code=303)
    return ctx.pagina("rechazo.html", codigo, motivo=cuerpo.get("motivo"), campo=cuerpo.get("campo"),
                      volver=volver)


@router.post("/visitas/{visita_id}/fotos", include_in_schema=False)
async def foto(visita_id: str, request: Request) -> Response:
    ctx = await contexto(request, COACH)
    form = await request.form()
    comprobar_csrf(ctx, str(form.get("csrf") or ""))
    archivo = form.get("foto")
    volver = f"/visitas/{visita_id}/registrar?docente={form.get('docente_id') or ''}"
    if not isinstance(archivo, UploadFile) or not archivo.filename:
        return ctx.pagina("rechazo.html", 422, motivo=_("Elija una foto."), campo="foto", volver=volver)
    codigo, cuerpo = await adjuntar(ctx, visita_id, archivo, None)
    if cuerpo["estado"] in ("registrado", "ya_registrado"):
        return RedirectResponse(f"{volver}&hecho=foto&estado={cuerpo['estado']}#fotos", status_code=303)
    return ctx.pagina("rechazo.html", codigo, motivo=cuerpo.get("motivo"), campo="foto", volver=volver)


@router.get("/sin-conexion/paquete", include_in_schema=False)
async def paquete(request: Request) -> dict[str, Any]:
    ctx = await contexto(request, COACH)
    cartera = await ctx.leer("focalizacion", f"/acompanantes/{ctx.usuario}/cartera")
    urls = ["/hoy", "/cartera", "/preparar", "/pendientes", "/almacenamiento", "/reuniones"]
    for d in cartera["docentes"]:
        urls += [f"/docentes/{d['docente_id']}", f"/docentes/{d['docente_id']}/visita",
                 f"/docentes/{d['docente_id']}/evaluacion"]
    return {"actualizado": datetime.now(UTC).isoformat(), "urls": urls}

