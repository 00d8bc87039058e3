"""How the relay (``shared.outbox``) puts a service's facts on the wire: chained, and acknowledged.

Every published fact is chained (``Envelope.encadenar``): its ``ce-cadena`` hashes the previous fact's with
its own content, so changing, removing or reordering a stored or published fact is detectable
(``shared.cadena``). A batch goes out with nats-py's async publish; what counts as sent is what JetStream
acknowledged, in order, up to the first PubAck that did not come. The head of the chain is sealed now and
then (``Sellador``: ``CadenaSelladaV1``) for third parties to keep.

Nothing here decides when to publish or keeps a position: ``puede_publicar`` (the relay's lease) is asked
before every message, and the caller reads how far the acknowledgements came.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from eventsourcing.persistence import Notification
from nats.js import JetStreamContext
from opentelemetry.trace import (INVALID_SPAN_CONTEXT, Span, SpanKind, Status, StatusCode, Tracer,
                                 format_span_id, format_trace_id)

from shared.contracts import CadenaSelladaV1, Envelope
from shared.contracts.envelope import GENESIS
from shared.telemetry import context_from_traceparent

EnvelopeDe = Callable[[Notification], Envelope | None]  # a stored fact as published (None: internal only)


async def publicar_encadenados(js: JetStreamContext, tracer: Tracer, notifications: Sequence[Notification],
                               envelope_de: EnvelopeDe, cadena: tuple[int, str], ack_timeout: float,
                               puede_publicar: Callable[[], bool]) -> tuple[int, tuple[int, str]]:
    """Publish ``notifications`` chained after ``cadena`` (a fact ``envelope_de`` maps to None is internal:
    not published, and it does not move the chain), while ``puede_publicar()``; return the last notification
    id whose PubAck (and all before) came, and the chain's head at that point."""
    pending: list[tuple[int, asyncio.Future, tuple[int, str]]] = []
    for notification in notifications:
        if not puede_publicar():
            break  # the lease ran out or was taken: not one message more
        envelope = envelope_de(notification)
        if envelope is None:
            pending.append((notification.id, _hecho(), cadena))
            continue
        envelope = envelope.encadenar(*cadena)
        cadena = (notification.id, envelope.cadena)
        # The producer span is started, not made current: its traceparent is written straight into the
        # headers (what ``current_traceparent`` would read inside it), without attaching a context per fact.
        span = tracer.start_span(
            f"publish {envelope.type}",
            context=context_from_traceparent(envelope.traceparent),
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.message.id": envelope.id},
        )
        try:
            headers = envelope.headers()
            headers["traceparent"] = _traceparent(span)
            future = await js.publish_async(envelope.nats_subject, envelope.payload(), headers=headers)
        except Exception as exc:  # recorded on the span as ``start_as_current_span`` does
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            span.end()
        pending.append((notification.id, future, cadena))
    futures = [f for _, f, _ in pending]
    try:
        await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), ack_timeout)
    except TimeoutError:
        pass
    acked, cabeza = 0, None
    for notification_id, future, cadena_ahi in pending:
        if not future.done() or future.cancelled() or future.exception() is not None:
            break
        acked, cabeza = notification_id, cadena_ahi
    for future in futures:
        future.cancel()  # releases nats-py's pending slot of any ack that never came
    return acked, cabeza or (0, GENESIS)


class Sellador:
    """Seals a service's chain: its head published as ``CadenaSelladaV1`` every ``cada`` facts, or after
    ``segundos`` (the clock starts with the first batch after the relay reconciled)."""

    def __init__(self, servicio: str, cada: int, segundos: float) -> None:
        self.servicio, self.cada, self.segundos = servicio, cada, segundos
        self._sello: tuple[int, float] = (0, 0.0)  # the last sealed position, and when (0.0: not started)

    def desde(self, posicion: int) -> None:
        """The chain's head the stream holds now: what comes next is sealed from there."""
        self._sello = (posicion, 0.0)

    async def tras_lote(self, js: JetStreamContext, cabeza: tuple[int, str], puede_publicar: bool) -> None:
        """After a batch that left the chain at ``cabeza`` (position, hash): seal it when it is time (and
        ``puede_publicar``: the relay still holds its lease)."""
        posicion, hash_ = cabeza
        sellada, cuando = self._sello
        ahora = asyncio.get_running_loop().time()
        if not cuando:  # the first batch since the relay started: the clock starts now
            self._sello = (sellada, ahora)
            return
        if posicion <= sellada or not (ahora - cuando >= self.segundos or posicion - sellada >= self.cada):
            return
        if not puede_publicar:
            return
        datos = CadenaSelladaV1(servicio_sellado=self.servicio, posicion=posicion, hash=hash_,
                                hechos=posicion - sellada, sellado_en=datetime.now(UTC))
        envelope = Envelope.wrap(servicio=f"cadena-{self.servicio}", position=posicion, data=datos,
                                 subject=f"cadena/{self.servicio}", time=datos.sellado_en,
                                 dre=None, ugel=None)
        await js.publish(envelope.nats_subject, envelope.payload(), headers=envelope.headers())
        self._sello = (posicion, asyncio.get_running_loop().time())


def _traceparent(span: Span) -> str:
    """``span``'s W3C traceparent as ``TraceContextTextMapPropagator.inject`` writes it ("" if invalid)."""
    ctx = span.get_span_context()
    if ctx == INVALID_SPAN_CONTEXT:
        return ""
    return f"00-{format_trace_id(ctx.trace_id)}-{format_span_id(ctx.span_id)}-{ctx.trace_flags:02x}"


def _hecho() -> asyncio.Future:
    future: asyncio.Future = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future

