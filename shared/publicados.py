"""What the stream holds of a service's published facts, read back from it.

The relay (``shared.outbox``) reads it on start and before a republication: the head of the service's chain
(its newest fact and that fact's ``ce-cadena``) and which facts are there; the chain's checks
(``shared.cadena``) read every fact to verify the links. Nothing here writes to the stream.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.contracts import ContractError, Envelope
from shared.contracts.envelope import GENESIS
from shared.streams import STREAM

log = logging.getLogger(__name__)


async def leer_publicados(js: JetStreamContext, servicio: str, desde: datetime | None = None,
                          lote: int = 1000) -> dict[int, Envelope]:
    """Every fact of ``servicio`` in the stream (up to its end now; only those stored since ``desde``, when
    given), by its position in the service's store, read with an ephemeral pull consumer (no durable state).
    A malformed message is left out: it is a consumer's dead letter, not a fact."""
    publicados: dict[int, Envelope] = {}
    ultimo = (await js.stream_info(STREAM)).state.last_seq
    if not ultimo:
        return publicados
    inicio = ({"deliver_policy": DeliverPolicy.BY_START_TIME, "opt_start_time": desde} if desde
              else {"deliver_policy": DeliverPolicy.ALL})
    # the subject is the consumer's filter (nats-py writes it over ``config.filter_subject``)
    sub = await js.pull_subscribe(f"acompana.{servicio}.>", stream=STREAM, config=ConsumerConfig(
        ack_policy=AckPolicy.NONE, inactive_threshold=120.0, max_ack_pending=-1, **inicio))
    try:
        pendientes = (await sub.consumer_info()).num_pending
        while pendientes:
            for intento in range(3):
                try:
                    mensajes = await sub.fetch(lote, timeout=5.0)
                    break
                except NatsTimeout:
                    if intento == 2:
                        raise
            for msg in mensajes:
                secuencia = msg.metadata.sequence.stream
                if secuencia > ultimo:  # published after the call: not read
                    return publicados
                pendientes = msg.metadata.num_pending
                try:
                    envelope = Envelope.parse(msg.subject, msg.headers, msg.data, secuencia)
                except ContractError:
                    continue
                publicados[envelope.position] = envelope
    finally:
        await sub.unsubscribe()
    return publicados


async def cabeza_en_stream(js: JetStreamContext, servicio: str) -> tuple[int, str] | None:
    """The position and chain hash of ``servicio``'s newest message in the stream (None: it has none)."""
    try:
        msg = await js.get_last_msg(STREAM, f"acompana.{servicio}.>")
    except NotFoundError:
        return None
    headers = msg.headers or {}
    return int(headers["ce-id"].rsplit(":", 1)[1]), headers.get("ce-cadena", GENESIS)


async def cabeza_leyendo(js: JetStreamContext, servicio: str, desde: datetime | None,
                         hasta: int | None = None) -> tuple[int, str] | None:
    """The furthest fact of ``servicio`` among those the stream stored since ``desde`` (None: all), at or
    before position ``hasta`` (when given), with its chain hash."""
    publicados = await leer_publicados(js, servicio, desde)
    posiciones = [p for p in publicados if hasta is None or p <= hasta]
    if not posiciones:
        return None
    mayor = max(posiciones)
    return mayor, publicados[mayor].cadena


async def guardado(js: JetStreamContext, seq: int) -> bool:
    """Whether the stream still holds its message ``seq``."""
    try:
        await js.get_msg(STREAM, seq)
    except NotFoundError:
        return False
    return True


async def cabeza_de_la_cadena(js: JetStreamContext, servicio: str, guardada: int, almacenado: int,
                              registrado: Callable[[int], Awaitable[datetime | None]],
                              desfase_relojes: float) -> tuple[int, str]:
    """The head of ``servicio``'s chain in the stream, (position, hash) of its furthest fact ((0, GENESIS):
    none), as the relay finds it on start: ``guardada`` is its saved position, ``almacenado`` the store's last
    one, ``registrado(p)`` when the stored fact at ``p`` was recorded (None: unknown)."""
    cabeza = await cabeza_en_stream(js, servicio) or (0, GENESIS)
    if cabeza[0] > almacenado:
        # A message beyond the store's last fact is not this service's (published outside its relay with
        # its credential): taken as the head, it would make the relay skip every fact up to it.
        log.warning("%s: el último mensaje del stream dice ser la posición %s, más allá de lo almacenado "
                    "(%s): no es un hecho de este servicio y no se toma como cabeza", servicio, cabeza[0],
                    almacenado)
        cabeza = await cabeza_leyendo(js, servicio, None, almacenado) or (0, GENESIS)
    if cabeza[0] < guardada:
        # The last message is not always the furthest fact: a hole filled by a republication comes last.
        # Every fact from ``guardada`` on was published after the stored fact at ``guardada`` was recorded
        # (positions follow the commits, and a fact is published after its commit): what the stream stored
        # since then (less ``desfase_relojes``, the clocks of the service and of NATS may differ) tells a
        # filled hole (the fact is there); only a lost tail (it is not) needs all the stream holds of it.
        cuando = await registrado(guardada)
        leida = None if cuando is None else await cabeza_leyendo(
            js, servicio, cuando - timedelta(seconds=desfase_relojes))
        cabeza = ((leida if leida is not None and leida[0] >= guardada else None)
                  or await cabeza_leyendo(js, servicio, None, almacenado) or cabeza)
    return cabeza
