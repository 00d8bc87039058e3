"""What a durable consumer runs on each message of a batch (``shared.consumer``): its handlers, in order, in
one transaction per store for the whole batch (``shared.transacciones.lote``), a handler that raises isolated.

A message's handlers are its durable's own and, when the durable dispatches by contract, its contract's: one
failing on a fact does not hold back the fact's others, nor the facts before it; the facts after it are
applied next, in a batch of their own (the consumer then retries or parks the fact, and what applied drops it
when it comes again: idempotent).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry.trace import SpanKind

from shared.contracts import Envelope
from shared.recoleccion import sin_recolector
from shared.telemetry import Telemetry, context_from_traceparent
from shared.transacciones import en_lote, lote

log = logging.getLogger("shared.consumer")  # the consumers' log: what a batch did is theirs to tell

Handler = Callable[[Envelope], None]
Fase = tuple[Handler, bool]  # a handler a message runs, and whether it waits for the fact's chain link
# runs a message's handlers: (its fact, the handlers, its index in the batch); raises ``FalloEnLote``
Correr = Callable[[Envelope, list[Fase], int], None]


def se_exportan(telemetry: Telemetry) -> bool:
    """Whether the service's spans go anywhere (a span processor: the collector, a test's exporter)."""
    activo = getattr(telemetry.tracer_provider, "_active_span_processor", None)
    procesadores = getattr(activo, "_span_processors", None)
    return procesadores is None or bool(procesadores)


class FalloEnLote(Exception):
    """The handler at ``posicion`` of the message at ``indice`` raised ``causa``; ``escribio``: whether the
    batch had written a read model by then."""

    def __init__(self, indice: int, posicion: int, causa: Exception, escribio: bool) -> None:
        super().__init__(indice, posicion, causa)
        self.indice, self.posicion, self.causa, self.escribio = indice, posicion, causa, escribio


def correr(envelope: Envelope, fases: list[Fase], indice: int, exigir: Handler | None) -> None:
    """Run ``fases`` on the message at ``indice`` of the batch; ``exigir`` (the ledger's) first for a handler
    that waits for the chain, when its link is not known to be verified."""
    for posicion, (handler, sigue) in enumerate(fases):
        try:
            if sigue and exigir is not None:
                exigir(envelope)
            handler(envelope)
        except Exception as exc:
            raise FalloEnLote(indice, posicion, exc, en_lote()) from exc


def correr_de(telemetry: Telemetry, tracer: Any, durable: str, exigir: Handler | None) -> Correr:
    """How a batch of ``durable`` runs a message's handlers (``correr``): in a span of its trace when the service
    exports them, ``exigir`` (the ledger's) asked first for a handler that waits for the chain, if given."""
    if not se_exportan(telemetry):  # a span that goes nowhere costs a third of a visit's projection
        return lambda envelope, fases, indice: correr(envelope, fases, indice, exigir)

    def en_span(envelope: Envelope, fases: list[Fase], indice: int) -> None:
        with tracer.start_as_current_span(
                f"{envelope.nats_subject} process", context=context_from_traceparent(envelope.traceparent),
                kind=SpanKind.CONSUMER,
                attributes={"messaging.system": "nats", "messaging.destination.name": envelope.nats_subject,
                            "messaging.message.id": envelope.id, "messaging.consumer.group.name": durable}):
            correr(envelope, fases, indice, exigir)
    return en_span


def aplicar_solo(correr_: Correr, envelope: Envelope, fases: list[Fase]) -> None:
    """A message's ``fases`` in a batch of its own; raises what a handler raised."""
    try:
        with sin_recolector(), lote():  # the collector waits for the batch's end (``shared.recoleccion``)
            correr_(envelope, fases, 0)
    except FalloEnLote as fallo:
        raise fallo.causa from None


def aplicar_lote(correr_: Correr, trabajos: list[tuple[Envelope, list[Fase]]]
                 ) -> tuple[int, Exception | None, list[Fase]]:
    """Apply ``trabajos`` (each fact with its handlers) in one batch, or the longest run of them from the
    first that applies without error: returns its length, the error of the fact after it (None when all
    applied) and that fact's handlers that applied in the batch. When a handler raises, the batch is rolled
    back and applied again without it, unless nothing was written in a read model (a command on the write
    side stands, it is not repeated)."""
    fin, error, parcial = len(trabajos), None, []
    while True:
        try:
            with sin_recolector(), lote():
                for indice, (envelope, fases) in enumerate(trabajos[:fin]):
                    correr_(envelope, fases, indice)
                if parcial:
                    correr_(trabajos[fin][0], parcial, fin)
            return fin, error, parcial
        except FalloEnLote as fallo:
            if fallo.indice < fin:  # a fact before the one that failed last: that one is retried later
                fases, error = trabajos[fallo.indice][1], fallo.causa
            else:  # another handler of the same fact
                fases = parcial
            fin, parcial = fallo.indice, fases[:fallo.posicion] + fases[fallo.posicion + 1:]
            if not fallo.escribio and fallo.posicion == len(fases) - 1:
                return fin, error, parcial


async def en_lotes(durable: str, trabajos: list[tuple[Any, Envelope, list[Fase], list[Fase]]],
                   aplicar_lote_: Callable[[list[tuple[Envelope, list[Fase]]]], tuple[int, Exception | None, Any]],
                   aplicar_solo_: Callable[[Envelope, list[Fase]], None],
                   fallo: Callable[[Any, Envelope, Exception], Awaitable[None]]) -> list[tuple[Any, Envelope, list[Fase]]]:
    """Run a batch's ``trabajos`` (message, fact, the handlers its batch runs, those run on their own after it) with
    ``aplicar_lote_`` in a worker thread; a message a handler failed on goes to ``fallo``, the facts after it run
    in a batch of their own; when the commit fails (no message to blame), each one on its own. Returns the
    messages applied, each with the handlers still to run on its own."""
    hechos_: list[tuple[Any, Envelope, list[Fase]]] = []
    resto = trabajos
    while resto:
        try:
            hechos, error, _ = await asyncio.to_thread(aplicar_lote_, [(e, f) for _, e, f, _ in resto])
        except Exception as exc:
            log.warning("%s: el lote de %s mensajes no se confirmó (%r); uno por uno", durable, len(resto), exc)
            for msg, envelope, fases, aparte in resto:
                try:
                    await asyncio.to_thread(aplicar_solo_, envelope, fases)
                except Exception as exc_uno:
                    await fallo(msg, envelope, exc_uno)
                else:
                    hechos_.append((msg, envelope, aparte))
            return hechos_
        hechos_ += [(msg, envelope, aparte) for msg, envelope, _, aparte in resto[:hechos]]
        if error is None:
            return hechos_
        msg, envelope, _, _ = resto[hechos]
        await fallo(msg, envelope, error)
        resto = resto[hechos + 1:]
    return hechos_
