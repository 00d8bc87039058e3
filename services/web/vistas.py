"""What every page shares: the session of the request, CSRF, rendering, and the answers to refusals.

A page asks the services with the user's token (``Contexto.leer`` / ``enviar``); a refusal is shown,
never worked around: 404 "no existe", 403 "no tiene permiso", 401 back to the login, a service down 503.
Every form carries the session's CSRF token (``csrf`` field, or the ``X-CSRF-Token`` header for the
JSON endpoints), compared in constant time; the cookie is ``SameSite=Lax`` as a second guard.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.web import frases, i18n, mensajes_js
from services.web.i18n import _
from services.web.servicios import Rechazo, ServicioCaido, Servicios, SinSesion
from services.web.sesiones import Sesion

TEMPLATES = Path(__file__).parent / "templates"
VERSION = "2"  # of the static files, in their URLs (?v=): a new release is fetched anew


def entorno(idioma: str = i18n.IDIOMA) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    catalogo = i18n.catalogo(idioma)
    env.install_gettext_translations(catalogo, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(fecha=i18n.fecha, fecha_larga=i18n.fecha_larga, fecha_hora=i18n.fecha_hora,
                       nombre=frases.nombre)
    # the JavaScript's texts (#mensajes-js) in this language, built once: a "</" cannot end the script element
    mensajes = json.dumps({k: catalogo.gettext(v) for k, v in mensajes_js.MENSAJES.items()}, ensure_ascii=False)
    env.globals.update(version=VERSION, nivel_texto=frases.nivel, mensajes_js=mensajes.replace("</", "<\\/"))
    return env


def csp(settings: Any) -> str:
    """The pages' Content-Security-Policy: everything from this origin only (no inline script or style,
    no frames); forms post here or to the identity provider (the login)."""
    return ("default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'self'; "
            "frame-ancestors 'none'; form-action 'self' " + settings.oidc_emisor)


ENTORNO = entorno()
_RENOVANDO: dict[str, asyncio.Lock] = {}


class Redirigir(Exception):
    def __init__(self, destino: str) -> None:
        self.destino = destino


@dataclass
class Contexto:
    """The request, its session (token kept fresh) and the services."""

    request: Request
    sesion: Sesion
    valor: str
    token: str
    servicios: Servicios
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def usuario(self) -> str:
        return self.sesion.usuario

    @property
    def rol(self) -> str:
        return self.sesion.rol

    async def leer(self, servicio: str, ruta: str, **params: Any) -> Any:
        return await self.servicios.leer(self.token, servicio, ruta, **params)

    async def leer_si_existe(self, servicio: str, ruta: str, **params: Any) -> Any:
        """``leer``, or None when the service answers 404 (e.g. a fact not yet arrived there)."""
        try:
            return await self.leer(servicio, ruta, **params)
        except Rechazo as exc:
            if exc.estado != 404:
                raise
            return None

    async def enviar(self, servicio: str, ruta: str, cuerpo: dict[str, Any]) -> tuple[int, Any]:
        return await self.servicios.enviar(self.token, servicio, ruta, cuerpo)

    def pagina(self, plantilla: str, estado: int = 200, **datos: Any) -> HTMLResponse:
        return pagina(self.request, plantilla, estado, sesion=self.sesion, **datos)

    @property
    def settings(self) -> Any:
        return self.request.app.state.settings


def pagina(request: Request, plantilla: str, estado: int = 200, sesion: Sesion | None = None,
           **datos: Any) -> HTMLResponse:
    entorno_ = getattr(request.app.state, "entorno", None) or ENTORNO
    html = entorno_.get_template(plantilla).render(
        sesion=sesion, csrf=sesion.csrf if sesion else "", ruta=request.url.path,
        nuevo_id=lambda: str(uuid.uuid4()), **datos)
    return HTMLResponse(html, status_code=estado, headers={"Cache-Control": "private, no-cache"})


async def contexto(request: Request, roles: frozenset[str] | None = None) -> Contexto:
    """The request's session with an access token in force (refreshed if needed), or off to the login."""
    app = request.app.state
    valor = request.cookies.get(app.settings.cookie_nombre)
    sesion: Sesion | None = app.sesiones.leer(valor)
    request.state.sesion = sesion  # the error pages reuse it (no second read)
    if sesion is None or valor is None:
        raise Redirigir("/entrar?destino=" + quote(request.url.path))
    tokens = sesion.tokens
    if not app.proveedor.en_vigor(tokens):
        # One refresh per session at a time (a refresh token is used once): whoever waited reads the new one.
        async with _RENOVANDO.setdefault(sesion.usuario, asyncio.Lock()):
            actual = app.sesiones.leer(valor)
            tokens = await app.proveedor.vigente(actual.tokens) if actual else None
            if tokens is None:
                raise Redirigir("/entrar?destino=" + quote(request.url.path))
            if actual is not None and tokens is not actual.tokens:
                app.sesiones.guardar_tokens(valor, tokens)
    if roles is not None and sesion.rol not in roles:
        raise HTTPException(403)
    return Contexto(request, sesion, valor, tokens["access_token"], app.servicios)


def comprobar_csrf(ctx: Contexto, recibido: str | None) -> None:
    if not recibido or not secrets.compare_digest(recibido, ctx.sesion.csrf):
        raise HTTPException(403, _("El formulario venció o no viene de esta aplicación. Vuelva a abrir la página."))


def instalar(http: FastAPI) -> None:
    @http.exception_handler(Redirigir)
    async def redirigir(request: Request, exc: Redirigir) -> Response:
        if request.url.path.startswith(("/cola", "/sin-conexion", "/sesion")):
            return JSONResponse({"estado": "requiere_sesion"}, status_code=401)
        return RedirectResponse(exc.destino, status_code=303)

    @http.exception_handler(SinSesion)
    async def sin_sesion(request: Request, _exc: SinSesion) -> Response:
        if request.url.path.startswith(("/cola", "/sin-conexion")):
            return JSONResponse({"estado": "requiere_sesion"}, status_code=401)
        return RedirectResponse("/entrar?destino=" + quote(request.url.path), status_code=303)

    @http.exception_handler(Rechazo)
    async def rechazo(request: Request, exc: Rechazo) -> Response:
        titulo = {404: _("No existe"), 403: _("No tiene permiso")}.get(exc.estado, _("No se pudo mostrar"))
        texto = {404: _("Lo que busca no existe o no está en su ámbito."),
                 403: _("Su rol no tiene permiso para ver esto.")}.get(exc.estado, exc.motivo)
        return pagina(request, "error.html", exc.estado if exc.estado in (403, 404) else 422,
                      sesion=_sesion_de(request), titulo=titulo, texto=texto)

    @http.exception_handler(ServicioCaido)
    async def caido(request: Request, _exc: ServicioCaido) -> Response:
        return pagina(request, "error.html", 503, sesion=_sesion_de(request), titulo=_("Servicio no disponible"),
                      texto=_("Un servicio no responde ahora. Intente de nuevo en unos minutos; "
                              "lo que registró sin conexión sigue guardado en este teléfono."))

    @http.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        titulos = {403: _("No tiene permiso"), 404: _("No existe"), 405: _("No existe")}
        texto = exc.detail if isinstance(exc.detail, str) and exc.status_code == 403 and exc.detail != "Forbidden" \
            else {403: _("Su rol no tiene permiso para ver esto."), 404: _("Esta página no existe.")}.get(
                exc.status_code, _("No se pudo atender el pedido."))
        if request.url.path.startswith("/cola"):
            return JSONResponse({"estado": "rechazado", "motivo": texto}, status_code=exc.status_code)
        return pagina(request, "error.html", exc.status_code, sesion=_sesion_de(request),
                      titulo=titulos.get(exc.status_code, _("Error")), texto=texto)


router = APIRouter()  # the probes of the orchestrator


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"estado": "vivo"}


@router.get("/readyz", include_in_schema=False)
def readyz() -> dict[str, str]:
    return {"estado": "listo"}


def _sesion_de(request: Request) -> Sesion | None:
    """The request's session for an error page: the one ``contexto`` read, else read once here."""
    if not hasattr(request.state, "sesion"):
        request.state.sesion = request.app.state.sesiones.leer(
            request.cookies.get(request.app.state.settings.cookie_nombre))
    return request.state.sesion
