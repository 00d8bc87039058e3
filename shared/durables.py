"""A service's durable JetStream consumers on the server: how each is declared, whether the stream still has
it, whether it is caught up, and how a batch of its messages is pulled.

Durable consumers live in the stream: when the stream is lost they go with it. ``IdempotentConsumers``
(``shared.consumer``) checks them every few seconds and declares each missing one again (same name and
configuration, from the stream's first message) as soon as the stream is back; meanwhile ``faltantes``
names them, and the service's ``/readyz`` answers 503. The durables a service no longer declares because
another reads their messages now (evaluacion's one per contract, its history's, the chain ledger's: all read by
evaluacion's one durable) are removed when its consumers start (``retirar``), their replacement declared from
the first message they had not all acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import replace

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.contracts import Envelope
from shared.streams import STREAM

log = logging.getLogger(__name__)

ESPERA_LARGA = 1.0  # seconds an idle consumer's pull waits for a first message (then asks again)
_ACK_V1, _ACK_V2 = 9, 12  # tokens of a JetStream reply subject, without and with domain and account hash


def secuencia(msg: Msg) -> int:
    """The message's stream sequence, read from its reply subject (``$JS.ACK.<stream>.<consumer>.<delivered>.
    <stream seq>...``, or the form with a domain and an account hash after ``$JS.ACK``): ``msg.metadata``
    builds every field of it, a date included, which cost as much as the rest of receiving the message."""
    tokens = (msg.reply or "").split(".")
    if tokens[:2] == ["$JS", "ACK"] and len(tokens) in (_ACK_V1, _ACK_V2 - 1, _ACK_V2):
        return int(tokens[5] if len(tokens) == _ACK_V1 else tokens[7])
    return msg.metadata.sequence.stream


def configuracion(durable: str, subject: str, ack_wait: float, descripcion: str) -> ConsumerConfig:
    """What ``durable`` is declared with: explicit acks, redelivered after ``ack_wait`` seconds without one,
    never dropped by the server (``max_deliver=-1``: the consumer parks a message itself)."""
    return ConsumerConfig(
        durable_name=durable, filter_subject=subject, ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait,
        max_deliver=-1, max_ack_pending=1000, description=" ".join(descripcion.split())[:400])


async def faltantes(js: JetStreamContext, durables: list[str], timeout: float = 5.0) -> list[str]:
    """Those of ``durables`` the stream does not have (all, if it is gone)."""
    async def existe(durable: str) -> bool:
        try:
            await js.consumer_info(STREAM, durable)
        except NotFoundError:
            return False
        return True

    existen = await asyncio.wait_for(asyncio.gather(*(existe(d) for d in durables)), timeout)
    return [d for d, si in zip(durables, existen, strict=True) if not si]


async def retirar(js: JetStreamContext, obsoletos: dict[str, str], configs: dict[str, ConsumerConfig],
                  stopping: asyncio.Event) -> None:
    """Remove the durables ``obsoletos`` names (each mapped to the durable that now reads its messages: evaluacion's
    one per contract and its history's, the chain ledger's, all read by evaluacion's one durable now), asking again
    until it is done or ``stopping`` (the consumers do not pull before). Nothing they had not acknowledged is
    lost: the replacement is declared from the first message after the lowest of their ack floors (``_piso``)
    when it does not exist yet, or declared again from there when it had acknowledged past it; what it reads
    again its handlers drop (idempotent)."""
    while obsoletos and not stopping.is_set():
        try:
            await _retirar(js, obsoletos, configs)
            return
        except Exception as exc:  # NATS or the stream away
            log.warning("no se pudieron retirar los consumidores %s: %r", ", ".join(sorted(obsoletos)), exc)
        try:
            await asyncio.wait_for(stopping.wait(), 2.0)
        except TimeoutError:
            pass


async def _retirar(js: JetStreamContext, obsoletos: dict[str, str], configs: dict[str, ConsumerConfig]) -> None:
    for nuevo in sorted(set(obsoletos.values())):
        viejos = [d for d, a in obsoletos.items() if a == nuevo]
        ultimo = (await js.stream_info(STREAM)).state.last_seq  # before their floors: they may have read all of it
        pisos = [p for p in await asyncio.gather(*(_piso(js, d, ultimo) for d in viejos)) if p is not None]
        if not pisos:
            continue
        desde, propio = min(pisos), await _piso(js, nuevo, ultimo)
        if (propio is None and desde > 0) or (propio is not None and propio > desde):
            if propio is not None:
                await js.delete_consumer(STREAM, nuevo)
            await js.add_consumer(STREAM, config=replace(
                configs[nuevo], deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=desde + 1))
            log.warning("%s: declarado desde el mensaje %s, el primero que %s no habían confirmado todos",
                        nuevo, desde + 1, ", ".join(viejos))
        for viejo in viejos:
            try:
                await js.delete_consumer(STREAM, viejo)
            except NotFoundError:
                continue
            log.warning("%s: consumidor durable retirado; %s lee ahora sus mensajes", viejo, nuevo)


async def _piso(js: JetStreamContext, durable: str, ultimo: int) -> int | None:
    """The stream sequence up to which ``durable`` acknowledged every message (None: it does not exist): ``ultimo``
    (the stream's last, read before) when nothing is left for it, since a durable that filters a few contracts
    has its ack floor at the last of those it read, however many messages of others came after it."""
    try:
        info = await js.consumer_info(STREAM, durable)
    except NotFoundError:
        return None
    if not info.num_pending and not info.num_ack_pending:
        return max(info.ack_floor.stream_seq, ultimo)
    return info.ack_floor.stream_seq


async def al_dia(js: JetStreamContext, durables: list[str]) -> bool:
    """Whether each of ``durables`` has acknowledged every message the stream holds for it: nothing left to
    deliver, nothing delivered and waiting for its handler."""
    for durable in durables:
        info = await js.consumer_info(STREAM, durable)
        if info.num_pending or info.num_ack_pending:
            return False
    return True


async def traer(sub: JetStreamContext.PullSubscription, stopping: asyncio.Event, batch_size: int,
                batch_wait: float) -> list[Msg]:
    """A batch: wait for a first message (up to ``ESPERA_LARGA``, or until the service stops: it does not
    wait out an idle pull), then up to ``batch_wait`` more seconds for the rest, up to ``batch_size`` in all
    (what the server holds already comes at once)."""
    primero = asyncio.ensure_future(sub.fetch(1, timeout=ESPERA_LARGA))
    parar = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({primero, parar}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        parar.cancel()
    if not primero.done():  # stopping; a message the cancelled pull brings later is delivered again
        primero.cancel()
        await asyncio.gather(primero, return_exceptions=True)
        return []
    try:
        mensajes = primero.result()
    except (NatsTimeout, TimeoutError):
        return []
    if batch_size > 1:
        try:
            mensajes += await sub.fetch(batch_size - 1, timeout=batch_wait)
        except (NatsTimeout, TimeoutError):
            pass
    return mensajes


def leer(msg: Msg) -> Envelope:
    """``Envelope.parse`` of ``msg`` (raises ``ContractError`` when it does not honour its contract)."""
    return Envelope.parse(msg.subject, msg.headers, msg.data, secuencia(msg))


class Leidos:
    """The envelopes a service's durables read lately, by stream sequence. Several durables of one service
    read the same message (a view's and the chain ledger's, say), and each would parse and check its contract
    again; one is taken from here only when it is the same message (subject, headers and payload): a stream
    declared anew numbers its messages from 1 again. A service with one durable parses with ``leer``."""

    def __init__(self, tamano: int = 4096) -> None:
        self.tamano = tamano
        # oldest first; an OrderedDict drops its first entry at once, where a dict emptied from the front scans
        # every slot left behind (a fifth of this cache's cost at a full stream's pace)
        self._por_secuencia: OrderedDict[int, tuple[str, bytes, dict[str, str] | None, Envelope]] = OrderedDict()

    def leer(self, msg: Msg) -> Envelope:
        """``Envelope.parse`` of ``msg`` (raises ``ContractError`` when it does not honour its contract)."""
        numero = secuencia(msg)
        visto = self._por_secuencia.get(numero)
        if visto is not None and visto[0] == msg.subject and visto[1] == msg.data and visto[2] == msg.headers:
            return visto[3]
        envelope = Envelope.parse(msg.subject, msg.headers, msg.data, numero)
        if len(self._por_secuencia) >= self.tamano:
            self._por_secuencia.popitem(last=False)  # the one read longest ago
        self._por_secuencia[numero] = (msg.subject, msg.data, msg.headers, envelope)
        return envelope
