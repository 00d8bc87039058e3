"""Reading the JetStream stream back in tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.errors import TimeoutError as NatsTimeout

from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS
from shared.streams import STREAM


async def stream_messages(js: JetStreamContext, subject: str = "acompana.>") -> list:
    """Every message of the stream on ``subject``, in stream order."""
    info = await js.stream_info(STREAM)
    if info.state.messages == 0:
        return []
    sub = await js.pull_subscribe(subject, stream=STREAM, config=ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=30.0))
    found = []
    try:
        while True:
            try:
                batch = await sub.fetch(1000, timeout=1.0)
            except NatsTimeout:
                break
            found.extend(batch)
            if batch[-1].metadata.sequence.stream >= info.state.last_seq:
                break
    finally:
        await sub.unsubscribe()
    return found


async def published_ids(js: JetStreamContext, subject: str = "acompana.>") -> list[str]:
    """The ids of the services' facts on ``subject``, in stream order (the chain's seals aside)."""
    return [m.headers["ce-id"] for m in await stream_messages(js, subject) if not m.subject.startswith("acompana.cadena.")]


async def consumido(js: JetStreamContext, durable: str) -> bool:
    """The durable consumer has processed (acknowledged) every message it had."""
    info = await js.consumer_info(STREAM, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0



@asynccontextmanager
async def consumiendo(consumers: IdempotentConsumers, js: JetStreamContext) -> AsyncIterator[IdempotentConsumers]:
    """``consumers`` pulling and applying their messages for the duration of the block, as a running service's
    do (``ServiceRuntime`` runs ``consumir`` once connected)."""
    consumers.js = js
    parar = asyncio.Event()
    tarea = asyncio.create_task(consumers.consumir(parar))
    try:
        for _ in range(200):  # declared (a first start declares them)
            if not await consumers.faltantes():
                break
            await asyncio.sleep(0.05)
        yield consumers
    finally:
        parar.set()
        await tarea


def encadenados(envelopes: list[Envelope]) -> list[Envelope]:
    """A producer's facts linked one after the other from the start of its chain, as its relay links them
    (consumers apply only facts that continue their service's chain: shared/eslabones.py)."""
    enlazados, anterior, hash_ = [], 0, GENESIS
    for envelope in envelopes:
        envelope = envelope.encadenar(anterior, hash_)
        enlazados.append(envelope)
        anterior, hash_ = envelope.position, envelope.cadena
    return enlazados
