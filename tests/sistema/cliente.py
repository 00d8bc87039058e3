"""The capacity harness's HTTP client for its load: aiohttp (its parser in C) behind the one call the load makes,
``post(url, content=, headers=, timeout=)``. httpx, httpcore and h11 in pure Python took about as much CPU per
request as the service answering it, on the same machine; aiohttp takes a fraction of that.

Connections are kept open, one per request in flight. Failures are httpx's exceptions, so the load tells them
apart as with httpx: ``httpx.ConnectError`` when the request never left (no connection), ``httpx.ReadTimeout`` and
``httpx.RemoteProtocolError`` when it may have been received.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import httpx


class Respuesta:
    def __init__(self, status_code: int, contenido: bytes) -> None:
        self.status_code, self.content = status_code, contenido

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:  # noqa: ANN401
        return json.loads(self.content)


class ClienteLigero:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._sesion: aiohttp.ClientSession | None = None

    async def post(self, url: str, *, content: bytes, headers: dict[str, str], timeout: Any = None) -> Respuesta:  # noqa: ANN401
        if self._sesion is None:  # made in the running event loop; no limit on connections (the load bounds them)
            self._sesion = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        segundos = timeout if isinstance(timeout, int | float) else self.timeout
        espera = aiohttp.ClientTimeout(total=segundos, sock_connect=segundos)  # a connection not made: ConnectError
        try:
            async with self._sesion.post(url, data=content, headers=headers, timeout=espera) as respuesta:
                return Respuesta(respuesta.status, await respuesta.read())
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise httpx.ConnectError(repr(exc)) from exc
        except TimeoutError:
            raise httpx.ReadTimeout(f"sin respuesta en {espera.total} s") from None
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(repr(exc)) from exc

    async def aclose(self) -> None:
        if self._sesion is not None:
            await self._sesion.close()
            self._sesion = None
