"""Login, logout and the session as the offline JavaScript sees it (``/sesion``), and the service worker."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from services.web.i18n import _
from services.web.oidc import IngresoFallido
from services.web.sesiones import INGRESO_SEGUNDOS
from services.web.vistas import pagina

log = logging.getLogger("acompana.web")
SW = Path(__file__).parent / "static" / "sw.js"
# Each role's start page: the first page of its desk. A role not listed (the system's own account) has no
# page and lands on /inicio.
INICIO = {"acompanante": "/hoy", "docente": "/mi-plan", "directivo": "/mi-ie",
          "especialista_ugel": "/ugel/cumplimiento", "especialista_dre": "/region/cumplimiento",
          "minedu": "/region/cumplimiento", "auditor": "/auditoria", "administrador": "/administracion/padron"}
# The pending login's ``state`` also rides in a short-lived cookie of the browser that began it: a callback
# opened in another browser (login CSRF: someone else's code and state) finds no cookie and is refused.
COOKIE_INGRESO = "acompana_ingreso"


def destino_seguro(destino: str | None) -> str:
    """Only a path of this application (never another site: open redirect)."""
    if not destino or not destino.startswith("/") or destino.startswith("//") or "\\" in destino:
        return "/"
    return destino


def _sin_ingreso(request: Request, respuesta: Response) -> Response:
    """The answer to a login's callback, with its pending-login cookie gone (it serves once)."""
    respuesta.delete_cookie(COOKIE_INGRESO, path="/entrar", httponly=True,
                            secure=request.app.state.settings.cookie_segura, samesite="lax")
    return respuesta


router = APIRouter()


@router.get("/entrar", include_in_schema=False)
async def entrar(request: Request, destino: str | None = None) -> Response:
    app = request.app.state
    url, estado, verificador, nonce = await app.proveedor.url_de_ingreso()
    app.sesiones.iniciar_ingreso(estado, verificador, nonce, destino_seguro(destino))
    respuesta = RedirectResponse(url, status_code=303)
    respuesta.set_cookie(COOKIE_INGRESO, estado, max_age=INGRESO_SEGUNDOS, httponly=True,
                         secure=app.settings.cookie_segura, samesite="lax", path="/entrar")
    return respuesta


@router.get("/entrar/retorno", include_in_schema=False)
async def retorno(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    app = request.app.state
    propio = request.cookies.get(COOKIE_INGRESO, "")
    de_este_navegador = bool(state) and secrets.compare_digest(propio.encode(), state.encode())
    pendiente = app.sesiones.tomar_ingreso(state) if de_este_navegador else None
    if error or pendiente is None or not code:
        return _sin_ingreso(request, pagina(request, "error.html", 400, titulo=_("No se pudo ingresar"), texto=_(
            "El ingreso no se completó o ya venció. Vuelva a intentarlo."), reintentar=True))
    try:
        claims, tokens = await app.proveedor.canjear(code, pendiente["verificador"], pendiente["nonce"])
    except IngresoFallido as exc:
        log.warning("ingreso fallido: %s", exc)
        return _sin_ingreso(request, pagina(request, "error.html", 400, titulo=_("No se pudo ingresar"), texto=_(
            "El proveedor de identidad no confirmó su ingreso. Vuelva a intentarlo."), reintentar=True))
    valor = app.sesiones.crear(claims, tokens)
    destino = pendiente["destino"]
    if destino == "/":
        destino = INICIO.get(str(claims.get("rol")), "/inicio")
    respuesta = _sin_ingreso(request, RedirectResponse(destino, status_code=303))
    respuesta.set_cookie(app.settings.cookie_nombre, valor, max_age=int(app.settings.sesion_dias * 86400),
                         httponly=True, secure=app.settings.cookie_segura, samesite="lax", path="/")
    return respuesta


@router.post("/salir", include_in_schema=False)
async def salir(request: Request, csrf: str = Form("")) -> Response:
    """Only the session's own form logs out (and clears the site's data): a post from elsewhere is
    sent to the start page, changing nothing."""
    app = request.app.state
    valor = request.cookies.get(app.settings.cookie_nombre)
    sesion = app.sesiones.leer(valor)
    if sesion is None or not valor or not csrf or not secrets.compare_digest(csrf.encode(), sesion.csrf.encode()):
        return RedirectResponse("/", status_code=303)
    app.sesiones.revocar(valor)
    respuesta = RedirectResponse("/adios", status_code=303)
    respuesta.delete_cookie(app.settings.cookie_nombre, path="/", httponly=True,
                            secure=app.settings.cookie_segura, samesite="lax")
    respuesta.headers["Clear-Site-Data"] = '"cache", "storage"'
    return respuesta


@router.get("/adios", include_in_schema=False)
def adios(request: Request) -> Response:
    return pagina(request, "adios.html")


@router.get("/", include_in_schema=False)
def raiz(request: Request) -> Response:
    sesion = request.app.state.sesiones.leer(request.cookies.get(request.app.state.settings.cookie_nombre))
    if sesion is None:
        return pagina(request, "bienvenida.html")
    return RedirectResponse(INICIO.get(sesion.rol, "/inicio"), status_code=303)


@router.get("/sesion", include_in_schema=False)
def estado_sesion(request: Request) -> dict[str, Any]:
    sesion = request.app.state.sesiones.leer(request.cookies.get(request.app.state.settings.cookie_nombre))
    if sesion is None:
        return {"activa": False, "usuario": None, "expira": None}
    # the CSRF token too: the service worker's Background Sync has no page to read it from
    return {"activa": True, "usuario": sesion.usuario, "csrf": sesion.csrf,
            "expira": datetime.fromtimestamp(sesion.expira, UTC).isoformat()}


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> Response:
    if not SW.exists():
        return JSONResponse({"mensaje": _("No existe")}, status_code=404)
    return FileResponse(SW, media_type="text/javascript", headers={
        "Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})

