"""A lean HTTP/1.1 client for the capacity harness's load: the same requests as httpx sends, at a fraction of
its CPU (httpx, httpcore and h11 in pure Python took about as much CPU per request as the service answering
it, on the same machine).

Only what the load needs: ``post(url, content=, headers=, timeout=)`` to ``http://host:port``, over
connections kept open (one per request at a time), answers with ``Content-Length`` or chunked. Its failures are
httpx's exceptions, so the load tells them apart as before: ``httpx.ConnectError`` when the request never left
(no connection), ``httpx.ReadTimeout`` and ``httpx.RemoteProtocolError`` when it may have been received.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

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
        self._libres: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def post(self, url: str, *, content: bytes, headers: dict[str, str], timeout: Any = None) -> Respuesta:  # noqa: ANN401
        partes = urlsplit(url)
        destino = (partes.hostname or "127.0.0.1", partes.port or 80)
        ruta = partes.path + (f"?{partes.query}" if partes.query else "")
        cabeceras = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        pedido = (f"POST {ruta} HTTP/1.1\r\nHost: {destino[0]}:{destino[1]}\r\nContent-Length: {len(content)}\r\n"
                  f"{cabeceras}\r\n").encode("latin-1") + content
        espera = timeout if isinstance(timeout, int | float) else self.timeout
        lector, escritor = await self._conexion(destino, espera)
        try:
            escritor.write(pedido)
            estado, contenido, cerrar = await asyncio.wait_for(_respuesta(lector), espera)
        except TimeoutError:
            escritor.close()
            raise httpx.ReadTimeout(f"sin respuesta en {espera} s") from None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            escritor.close()
            raise httpx.RemoteProtocolError(repr(exc)) from exc
        if cerrar:
            escritor.close()
        else:
            self._libres.setdefault(destino, []).append((lector, escritor))
        return Respuesta(estado, contenido)

    async def _conexion(self, destino: tuple[str, int], espera: float
                        ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        libres = self._libres.get(destino, [])
        while libres:
            lector, escritor = libres.pop()
            if not lector.at_eof() and not escritor.is_closing():  # the server may have closed an idle one
                return lector, escritor
            escritor.close()
        try:
            return await asyncio.wait_for(asyncio.open_connection(*destino), espera)
        except (OSError, TimeoutError) as exc:
            raise httpx.ConnectError(repr(exc)) from exc

    async def aclose(self) -> None:
        for conexiones in self._libres.values():
            for _, escritor in conexiones:
                escritor.close()
        self._libres.clear()


async def _respuesta(lector: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """An answer's status, body and whether the server closes the connection after it."""
    estado = int((await lector.readuntil(b"\r\n")).split(b" ", 2)[1])
    largo, troceado, cerrar = None, False, False
    while (linea := await lector.readuntil(b"\r\n")) != b"\r\n":
        nombre, _, valor = linea.partition(b":")
        nombre, valor = nombre.strip().lower(), valor.strip().lower()
        if nombre == b"content-length":
            largo = int(valor)
        elif nombre == b"transfer-encoding":
            troceado = b"chunked" in valor
        elif nombre == b"connection":
            cerrar = valor == b"close"
    if troceado:
        trozos = []
        while (n := int((await lector.readuntil(b"\r\n")).split(b";")[0], 16)) > 0:
            trozos.append(await lector.readexactly(n))
            await lector.readexactly(2)
        while await lector.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        return estado, b"".join(trozos), cerrar
    if largo is None:  # the body runs to the end of the connection
        return estado, await lector.read(), True
    return estado, await lector.readexactly(largo), cerrar
