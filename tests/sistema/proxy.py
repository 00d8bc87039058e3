"""A small TCP proxy between one service and NATS: cut the connection, or add latency, on demand."""

from __future__ import annotations

import asyncio
import contextlib

from tests.support.servers import free_port


class Proxy:
    def __init__(self, destino_puerto: int) -> None:
        self.destino = destino_puerto
        self.puerto = free_port()
        self.cortado = False
        self.latencia = 0.0  # seconds added to every chunk, each way
        self._conexiones: set[asyncio.StreamWriter] = set()
        self._servidor: asyncio.AbstractServer | None = None
        self._tareas: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.puerto}"

    async def iniciar(self) -> None:
        self._servidor = await asyncio.start_server(self._atender, "127.0.0.1", self.puerto)

    async def cerrar(self) -> None:
        self.cortar()
        if self._servidor is not None:
            self._servidor.close()
        if self._tareas:  # every connection was aborted: each task ends on its own
            _, quedan = await asyncio.wait(list(self._tareas), timeout=5.0)
            for tarea in quedan:
                tarea.cancel()

    def cortar(self) -> None:
        """Drop every open connection and refuse new ones until ``restablecer``."""
        self.cortado = True
        for w in list(self._conexiones):
            w.transport.abort()
        self._conexiones.clear()

    def restablecer(self) -> None:
        self.cortado = False
        self.latencia = 0.0

    async def _atender(self, cliente_r: asyncio.StreamReader, cliente_w: asyncio.StreamWriter) -> None:
        tarea = asyncio.current_task()
        if tarea is not None:
            self._tareas.add(tarea)
            tarea.add_done_callback(self._tareas.discard)
        if self.cortado:
            cliente_w.transport.abort()
            return
        try:
            servidor_r, servidor_w = await asyncio.open_connection("127.0.0.1", self.destino)
        except OSError:
            cliente_w.transport.abort()
            return
        self._conexiones |= {cliente_w, servidor_w}
        await asyncio.gather(self._pasar(cliente_r, servidor_w), self._pasar(servidor_r, cliente_w))
        for w in (cliente_w, servidor_w):
            self._conexiones.discard(w)
            w.transport.abort()

    async def _pasar(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError, asyncio.IncompleteReadError):
            while not self.cortado:
                datos = await r.read(65536)
                if not datos:
                    break
                if self.latencia:
                    await asyncio.sleep(self.latencia)
                w.write(datos)
                await w.drain()
        w.transport.abort()
