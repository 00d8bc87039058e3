"""Publishing again what the stream lacks, when an operator asks (``OutboxRelay.pedir_republicacion``).

The request waits in ``Pedidos`` until the relay's loop runs it between two batches, under its lease: nothing
else of the service is published meanwhile, so what the stream holds of the service, read first, is complete.
Each missing fact goes out from the store with its original ``Nats-Msg-Id`` and chain hash; a fact the stream
deleted but still remembers within its duplicate window is held back (``retenidos``), to be republished after
the window, never under another id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from eventsourcing.persistence import Notification
from nats.js import JetStreamContext

from shared.contracts.envelope import GENESIS
from shared.envio import EnvelopeDe
from shared.publicados import guardado, leer_publicados


class Pedidos:
    """The republications asked and not yet run, each with the future its caller waits on."""

    def __init__(self) -> None:
        self._pedidos: list[tuple[int, asyncio.Future]] = []

    def __bool__(self) -> bool:
        return bool(self._pedidos)

    def pedir(self, loop: asyncio.AbstractEventLoop, desde: int) -> asyncio.Future:
        future = loop.create_future()
        self._pedidos.append((desde, future))
        return future

    async def atender(self, republicar: Callable[[int], Awaitable[object]]) -> bool:
        """Run each request with ``republicar(desde)`` and answer it; True when there were any. A request
        leaves the queue only once answered (a loop cancelled meanwhile still rejects it)."""
        atendidos = bool(self._pedidos)
        while self._pedidos:
            desde, future = self._pedidos[0]
            try:
                resultado = await republicar(desde)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
                self._pedidos.pop(0)
                raise
            self._pedidos.pop(0)
            if not future.done():
                future.set_result(resultado)
        return atendidos

    def rechazar(self, motivo: Exception) -> None:
        """Answer every request with ``motivo``: they cannot run here now."""
        for _, future in self._pedidos:
            if not future.done():
                future.set_exception(motivo)
        self._pedidos.clear()


async def publicar_faltantes(js: JetStreamContext, servicio: str,
                             siguientes: Callable[[int], Awaitable[Sequence[Notification]]],
                             envelope_de: EnvelopeDe, desde: int, ack_timeout: float,
                             exigir_concesion: Callable[[int], None]) -> tuple[int, list[int]]:
    """Publish again each fact of ``servicio`` from ``desde`` on that the stream no longer holds, with its
    original id and chain hash, read from the store a batch at a time (``siguientes(p)``: the stored facts
    after position ``p``). ``exigir_concesion(p)`` raises, before the fact at ``p`` goes out, when the caller
    may no longer publish. Returns how many were sent, and the positions held back: facts the stream deleted
    whose ids are still in its duplicate window (sent under another id they would fork the chain)."""
    publicados = await leer_publicados(js, servicio)
    antes = [p for p in publicados if p < desde]
    cadena = (max(antes), publicados[max(antes)].cadena) if antes else (0, GENESIS)
    enviados, retenidos, inicio = 0, [], cadena[0]
    while notifications := await siguientes(inicio):
        faltantes = []
        for n in notifications:
            if n.id in publicados:
                cadena = (n.id, publicados[n.id].cadena)
                continue
            envelope = envelope_de(n)
            if envelope is None:
                continue
            envelope = envelope.encadenar(*cadena)
            cadena = (n.id, envelope.cadena)
            if n.id >= desde:
                exigir_concesion(n.id)
                faltantes.append((n.id, await js.publish_async(
                    envelope.nats_subject, envelope.payload(), headers=envelope.headers())))
        for posicion, future in faltantes:
            ack = await asyncio.wait_for(future, ack_timeout)
            if ack.duplicate and not await guardado(js, ack.seq):
                retenidos.append(posicion)  # deleted, but its id is still in the duplicate window
            else:
                enviados += 1
        inicio = notifications[-1].id
    return enviados, retenidos
