"""The four services, only through their public ``/v1`` HTTP APIs, with the caller's own token.

The web application never decides who may see what: it asks with the user's token and shows what the
service answers. A refusal becomes ``Rechazo`` with the service's Spanish reason and the page says it
("no existe" for a 404, "no tiene permiso" for a 403).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from services.web.config import WebSettings


class SinSesion(Exception):
    """The service refused the token (401): the user must log in again."""


class ServicioCaido(Exception):
    """The service did not answer (network, timeout, 5xx)."""


@dataclass
class Rechazo(Exception):
    estado: int
    motivo: str
    campo: str | None = None
    codigo: str | None = None  # the service's stable error code

    def __str__(self) -> str:
        return self.motivo


def _rechazo(r: httpx.Response) -> Rechazo:
    try:
        cuerpo = r.json()
    except ValueError:
        cuerpo = {}
    cuerpo = cuerpo if isinstance(cuerpo, dict) else {}
    errores = cuerpo.get("errores") or []
    campo = errores[0].get("campo") if errores and isinstance(errores[0], dict) else None
    motivo = errores[0].get("motivo") if errores and isinstance(errores[0], dict) else None
    return Rechazo(r.status_code, str(motivo or cuerpo.get("mensaje") or cuerpo.get("detail") or ""), campo,
                   cuerpo.get("codigo"))


def _comprobada(r: httpx.Response, servicio: str) -> httpx.Response:
    if r.status_code == 401:
        raise SinSesion
    if r.status_code >= 500:
        raise ServicioCaido(f"{servicio}: {r.status_code}")
    if r.status_code >= 400:
        raise _rechazo(r)
    return r


class Servicios:
    """One HTTP client per process; each call carries the token it is given."""

    def __init__(self, settings: WebSettings) -> None:
        self.urls = {"focalizacion": settings.focalizacion_url, "agenda": settings.agenda_url,
                     "evidencias": settings.evidencias_url, "evaluacion": settings.evaluacion_url}
        self.http = httpx.AsyncClient(timeout=settings.servicios_timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def pedir(self, token: str, metodo: str, servicio: str, ruta: str, **kwargs: Any) -> httpx.Response:
        try:
            r = await self.http.request(metodo, self._url(servicio, ruta), headers=self._cabeceras(token, kwargs),
                                        **kwargs)
        except httpx.HTTPError as exc:
            raise ServicioCaido(f"{servicio}: {exc}") from None
        return _comprobada(r, servicio)

    @asynccontextmanager
    async def transmitir(self, token: str, metodo: str, servicio: str, ruta: str,
                         **kwargs: Any) -> AsyncIterator[AsyncIterator[str]]:
        """A request whose answer is read line by line as the service writes it (a long job's progress);
        refusals and failures before the first line raise as in ``pedir``."""
        try:
            async with self.http.stream(metodo, self._url(servicio, ruta), headers=self._cabeceras(token, kwargs),
                                        timeout=httpx.Timeout(self.http.timeout.connect, read=None),
                                        **kwargs) as r:
                if r.status_code >= 400:
                    await r.aread()
                    _comprobada(r, servicio)
                yield r.aiter_lines()
        except httpx.HTTPError as exc:
            raise ServicioCaido(f"{servicio}: {exc}") from None

    def _url(self, servicio: str, ruta: str) -> str:
        return self.urls[servicio].rstrip("/") + "/v1" + ruta

    @staticmethod
    def _cabeceras(token: str, kwargs: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}

    async def leer(self, token: str, servicio: str, ruta: str, **params: Any) -> Any:
        r = await self.pedir(token, "GET", servicio, ruta, params={k: v for k, v in params.items() if v is not None})
        return r.json()

    async def enviar(self, token: str, servicio: str, ruta: str, cuerpo: dict[str, Any]) -> tuple[int, Any]:
        r = await self.pedir(token, "POST", servicio, ruta, json=cuerpo)
        return r.status_code, r.json()
