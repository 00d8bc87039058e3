"""The consumers' dead-letter queue: where a message that cannot be applied is parked, and how it is read.

A message parked by a durable consumer (``shared.consumer``) goes to ``acompana-dlq.<durable>`` with its
original payload and headers and the reason: who parked it, why, after how many deliveries, its original
subject and stream sequence, and when. The queue is listed (``leer``) and a dead letter run again by its
consumer's handler (``IdempotentConsumers.redrive``), which deletes it once it applies.

What happens to a message whose handler raised is ``fallo``: asked for again after a growing delay, and parked
after ``max_deliver`` deliveries; a fact that breaks its service's chain parked at once, one waiting for its
predecessor asked for again shortly until it has waited ``espera_cadena`` seconds in all; and one that met a
store that did not answer (``almacen_caido``) asked for again however many times.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from shared.contracts import Envelope
from shared.eslabones import CadenaPendiente, CadenaRota
from shared.streams import DLQ_STREAM, dlq_subject

log = logging.getLogger(__name__)

_SAFE = " :,;=/()[]{}<>'\"-_.!?*+#@|"


@dataclass(frozen=True)
class DeadLetter:
    secuencia: int
    consumidor: str
    motivo: str
    entregas: int
    sujeto_original: str
    evento_id: str
    registrado_en: str


async def aparcar(js: JetStreamContext, durable: str, msg: Msg, motivo: str) -> None:
    """Park ``msg`` on ``durable``'s dead-letter subject with ``motivo`` (the caller then acknowledges it)."""
    headers = dict(msg.headers or {})
    headers.pop("Nats-Msg-Id", None)
    headers.update({
        "Nats-Msg-Id": f"{durable}:{msg.metadata.sequence.stream}",
        "x-fallido-consumidor": durable,
        # NATS headers are single-line ASCII: the reason travels percent-encoded.
        "x-fallido-motivo": quote(" ".join(motivo.split())[:1500], safe=_SAFE),
        "x-fallido-entregas": str(msg.metadata.num_delivered),
        "x-fallido-sujeto": msg.subject,
        "x-fallido-secuencia": str(msg.metadata.sequence.stream),
        "x-fallido-en": datetime.now(UTC).isoformat(),
    })
    await js.publish(dlq_subject(durable), msg.data, headers=headers)
    log.error("%s: mensaje %s a la cola de fallidos: %s", durable, msg.metadata.sequence.stream, motivo)


async def carta(js: JetStreamContext, secuencia: int, durables: Collection[str]) -> tuple[str, Envelope]:
    """The durable that parked the dead letter at ``secuencia`` and its message (LookupError when there is no such
    dead letter of one of ``durables``; ContractError when it does not honour its contract)."""
    try:
        raw = await js.get_msg(DLQ_STREAM, seq=secuencia)
    except NotFoundError:
        raise LookupError(secuencia) from None
    headers = raw.headers or {}
    durable = headers.get("x-fallido-consumidor", "")
    if durable not in durables:
        raise LookupError(secuencia)
    return durable, Envelope.parse(headers.get("x-fallido-sujeto", ""), headers, raw.data or b"")


async def leer(js: JetStreamContext, durables: list[str], limit: int = 100) -> list[DeadLetter]:
    """Up to ``limit`` dead letters of ``durables``, each durable's in the order they were parked."""
    found: list[DeadLetter] = []
    for durable in durables:
        seq = 0
        while len(found) < limit:
            try:
                raw = await js.get_msg(DLQ_STREAM, seq=seq + 1, next=True, subject=dlq_subject(durable))
            except NotFoundError:
                break
            seq = raw.seq
            h = raw.headers or {}
            found.append(DeadLetter(
                secuencia=raw.seq, consumidor=durable, motivo=unquote(str(h.get("x-fallido-motivo", ""))),
                entregas=int(h.get("x-fallido-entregas", 0)),
                sujeto_original=h.get("x-fallido-sujeto", ""), evento_id=h.get("ce-id", ""),
                registrado_en=h.get("x-fallido-en", ""),
            ))
    return found


def almacen_caido(exc: BaseException) -> bool:
    """Whether ``exc`` says the store could not be reached (a lost or refused connection), not that the
    message broke a rule: SQLAlchemy's OperationalError/InterfaceError, or any DBAPI error whose connection
    was invalidated, anywhere in its chain of causes."""
    vistos: set[int] = set()
    while exc is not None and id(exc) not in vistos:
        vistos.add(id(exc))
        if isinstance(exc, (OperationalError, InterfaceError)) or (
                isinstance(exc, DBAPIError) and exc.connection_invalidated):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def espera_de_eslabon(entrega: int) -> float:
    """Seconds before a fact waiting for its chain link comes again, after its ``entrega``-th delivery."""
    return min(0.2 * entrega, 2.0)


async def fallo(js: JetStreamContext, durable: str, msg: Msg, evento_id: str, exc: Exception, *,
                max_deliver: int, backoff: list[float], espera_cadena: float) -> bool:
    """A message whose handler raised ``exc``: parked and acknowledged (returns True), or negatively
    acknowledged with a delay, to come again."""
    deliveries = msg.metadata.num_delivered
    if isinstance(exc, CadenaRota):
        motivo = str(exc)
    elif isinstance(exc, CadenaPendiente):
        # Measured from this consumer's deliveries, not from when the stream stored the fact: after a
        # backlog (the service down, a replay) an old fact's link may simply not be recorded yet.
        esperado = sum(espera_de_eslabon(d) for d in range(1, deliveries))
        if esperado <= espera_cadena:  # its predecessor (or the ledger) is on its way: ask again shortly
            await msg.nak(delay=espera_de_eslabon(deliveries))
            return False
        motivo = (f"cadena: no continúa la cadena de su servicio tras {deliveries} entregas "
                  f"({esperado:.0f} s): {exc}")
    elif almacen_caido(exc):
        # the read model's store did not answer (restarting, failing over): not the message's fault, and
        # parking it would hold every later fact of its chain behind it; asked again, however many times
        log.warning("%s: %s no se aplicó, el almacén no responde (entrega %s); reintento en %ss: %r",
                    durable, evento_id, deliveries, backoff[-1], exc)
        await msg.nak(delay=backoff[-1])
        return False
    elif deliveries >= max_deliver:
        motivo = f"{type(exc).__name__}: {exc}"
    else:
        delay = backoff[min(deliveries, len(backoff)) - 1]
        log.warning("%s: %s falló (entrega %s), reintento en %ss: %r",
                    durable, evento_id, deliveries, delay, exc)
        await msg.nak(delay=delay)
        return False
    await aparcar(js, durable, msg, motivo)
    await msg.ack()
    return True
