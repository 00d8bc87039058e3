"""Read published events from the beginning of the stream (or a sequence), in order.

Used to rebuild a read model from zero: an ephemeral pull consumer, no durable state, each
message handed to the same idempotent handler the live consumer uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.contracts import ContractError, Envelope, IntegrationEvent
from shared.streams import STREAM

Progress = Callable[[int, int], None]


async def replay(
    js: JetStreamContext,
    routes: dict[type[IntegrationEvent], Callable[[Envelope], None]],
    *,
    from_sequence: int = 1,
    batch: int = 500,
    progress: Progress | None = None,
) -> int:
    """Apply every message of ``routes``' contracts up to the stream's end at call time."""
    info = await js.stream_info(STREAM)
    last = info.state.last_seq
    by_type = {contract.ce_type(): handler for contract, handler in routes.items()}
    sub = await js.pull_subscribe(
        "", stream=STREAM,
        config=ConsumerConfig(
            filter_subjects=[contract.subject() for contract in routes],
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=from_sequence,
            ack_policy=AckPolicy.NONE, inactive_threshold=60.0,
        ),
    )
    applied = 0
    try:
        seen = from_sequence - 1
        while seen < last:
            try:
                msgs = await sub.fetch(batch, timeout=2.0)
            except NatsTimeout:
                break  # nothing more of these contracts before the end
            envelopes = []
            for msg in msgs:
                seen = msg.metadata.sequence.stream
                if seen > last:
                    break
                try:
                    envelopes.append(Envelope.parse(msg.subject, msg.headers, msg.data))
                except ContractError:
                    continue  # a malformed message is the live consumer's dead letter, not a fact
            await asyncio.to_thread(_apply_all, envelopes, by_type)
            applied += len(envelopes)
            if progress:
                progress(seen, last)
    finally:
        await sub.unsubscribe()
    return applied


def _apply_all(envelopes: list[Envelope], by_type: dict[str, Callable[[Envelope], None]]) -> None:
    for envelope in envelopes:
        by_type[envelope.type](envelope)
