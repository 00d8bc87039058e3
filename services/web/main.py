"""Composition root of the web application: ``uvicorn --factory services.web.main:create_app``."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from services.web import (administracion, auditoria, calendario, carteras_ugel, cola, escritorio,
                          escritorio_region, escritorio_ugel, i18n, informe_ugel, ingreso, paginas,
                          paginas_docente, seguimiento_ugel, vistas)
from services.web.config import WebSettings
from services.web.oidc import Proveedor
from services.web.servicios import Servicios
from services.web.sesiones import Sesiones
from shared.http import CabecerasSeguridad

STATIC = Path(__file__).parent / "static"


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    url = settings.sesiones_url
    if not url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{settings.data_dir / 'web.sqlite'}"
    sesiones = Sesiones(url, settings.sesion_dias)
    servicios = Servicios(settings)

    @asynccontextmanager
    async def vida(_: FastAPI) -> Any:
        yield
        await servicios.close()
        sesiones.close()

    http = FastAPI(title="Acompaña · web", lifespan=vida, docs_url=None, redoc_url=None, openapi_url=None)
    http.state.settings = settings
    http.state.sesiones = sesiones
    http.state.servicios = servicios
    http.state.proveedor = Proveedor(settings)
    # The templates in the configured language when its catalog exists (es_PE otherwise); the sentences
    # built in Python (services/web/frases.py) use the es_PE catalog for now.
    idioma = settings.idioma if (i18n.LOCALE / settings.idioma).is_dir() else i18n.IDIOMA
    http.state.entorno = vistas.ENTORNO if idioma == i18n.IDIOMA else vistas.entorno(idioma)
    vistas.instalar(http)
    # the services' security headers (nosniff, no framing, no referrer, ...), with the pages' own CSP
    http.add_middleware(CabecerasSeguridad, csp=vistas.csp(settings), hsts_segundos=settings.hsts_segundos)
    # the script and the style sheet travel compressed (a third of their size on 2G/3G); the pages do not,
    # as they carry the session's CSRF token next to text the user sent (BREACH)
    http.mount("/static", GZipMiddleware(StaticFiles(directory=STATIC, check_dir=False), minimum_size=500),
               name="static")
    for modulo in (ingreso, paginas, paginas_docente, cola, calendario, escritorio, escritorio_ugel,
                   carteras_ugel, auditoria, administracion, seguimiento_ugel, informe_ugel,
                   escritorio_region, vistas):
        http.include_router(modulo.router)
    return http
