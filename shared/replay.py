"""Read published events back from the stream, in order, and rebuild read models from them.

``replay`` reads the messages of some contracts (or subjects) from a sequence up to the stream's
end at call time with an ephemeral pull consumer (no durable state) and hands them over in batches.
``rebuild`` fills a new generation of one or more ``StreamView``s (``<vista>_<tabla>_g<N>``) from the beginning
while the active one keeps answering and being fed live, catches up with what arrived meanwhile, switches
(``shared.generaciones``: the new generation renamed to the base names, in one transaction), and catches up
once more, now under the base names, with what the live consumers applied to the old generation before the
switch (each generation's inbox makes that harmless); then it drops the old one. A view whose live consumers apply another
service's fact only when it continues that service's chain (``StreamView.sigue_cadenas``) is rebuilt by the
same rule: the producers' facts are read in full and their links checked as the live ledger checks them
(``shared.eslabones.Lectura``), so a broken fact is left out of it whether fed live or rebuilt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.contracts import ContractError, Envelope, IntegrationEvent
from shared.eslabones import Lectura
from shared.stream_views import StreamView, aplicar_juntas
from shared.streams import STREAM

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
ApplyBatch = Callable[[list[Envelope]], None]
CATCH_UP_ROUNDS = 20


async def last_sequence(js: JetStreamContext) -> int:
    return (await js.stream_info(STREAM)).state.last_seq


async def replay(
    js: JetStreamContext,
    contracts: Sequence[type[IntegrationEvent]],
    apply: ApplyBatch,
    *,
    subjects: Sequence[str] = (),
    from_sequence: int = 1,
    from_time: datetime | None = None,
    to_sequence: int | None = None,
    batch: int = 500,
    progress: Progress | None = None,
) -> int:
    """Hand every message of ``contracts`` (and of the NATS ``subjects`` filters, e.g. one service's
    ``acompana.agenda.>``) from ``from_sequence`` (or, given ``from_time``, from the first stored at or
    after it) to the stream's end (as of now; or to ``to_sequence`` when it is before) to ``apply`` (run in a
    thread), in batches, in stream order. Returns that end sequence.

    The next batch is fetched while the current one is applied.
    """
    last = await last_sequence(js)
    if to_sequence is not None:
        last = min(last, to_sequence)
    filtros = _sin_solapes({contract.subject() for contract in contracts} | set(subjects))
    if last < from_sequence or not filtros:
        return max(last, from_sequence - 1)
    sub = await js.pull_subscribe(
        "", stream=STREAM,
        config=ConsumerConfig(
            filter_subjects=filtros,
            **({"deliver_policy": DeliverPolicy.BY_START_TIME, "opt_start_time": from_time} if from_time else
               {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": from_sequence}),
            ack_policy=AckPolicy.NONE, inactive_threshold=120.0, max_ack_pending=-1,
        ),
    )

    async def fetch() -> list:
        for attempt in range(3):
            try:
                return await sub.fetch(batch, timeout=5.0)
            except NatsTimeout:
                if attempt == 2:
                    raise
        return []

    try:
        pending = (await sub.consumer_info()).num_pending
        seen = from_sequence - 1
        next_batch = asyncio.ensure_future(fetch()) if pending else None
        while next_batch is not None:
            msgs = await next_batch
            next_batch = None
            envelopes = []
            done = False
            for msg in msgs:
                seq = msg.metadata.sequence.stream
                if seq > last:
                    done = True
                    break
                seen, pending = seq, msg.metadata.num_pending
                try:
                    envelopes.append(Envelope.parse(msg.subject, msg.headers, msg.data, seq))
                except ContractError:
                    continue  # a malformed message is the live consumer's dead letter, not a fact
            if not done and pending and seen < last:
                next_batch = asyncio.ensure_future(fetch())
            if envelopes:
                await asyncio.to_thread(apply, envelopes)
            if progress:
                progress(seen if next_batch else last, last)
    finally:
        await sub.unsubscribe()
    return last


PAGINA_DE_SUJETOS = 100_000  # the most subjects nats-server details in one stream info answer (JSMaxSubjectDetails)


async def territorios(js: JetStreamContext, servicios: Collection[str]) -> dict[str, int]:
    """The territories (``<dre>.<ugel>``, the last two tokens of ``acompana.<servicio>.<evento>.v<n>.<dre>.<ugel>``)
    the stream holds facts of ``servicios`` in, and how many each, from the stream's subject counts: one question
    per service (its contracts times the territories: thousands of subjects, where the server details up to
    ``PAGINA_DE_SUJETOS`` in one answer and nats-py's ``stream_info`` reads only that first page)."""
    tokens: dict[str, int] = {}
    for servicio in sorted(servicios):
        info = await js.stream_info(STREAM, subjects_filter=f"acompana.{servicio}.*.*.*.*")
        sujetos = info.state.subjects or {}
        if len(sujetos) >= PAGINA_DE_SUJETOS:
            raise RuntimeError(f"el stream tiene más sujetos de {servicio} de los que el servidor detalla en una "
                               f"respuesta ({PAGINA_DE_SUJETOS}): no se pueden repartir sus territorios")
        for sujeto, n in sujetos.items():
            territorio = sujeto.split(".", 4)[4]
            tokens[territorio] = tokens.get(territorio, 0) + n
    return tokens


def _sin_solapes(filtros: set[str]) -> list[str]:
    """The filters but those a wildcard among them covers: NATS refuses a consumer whose filters overlap."""
    comodines = [f.removesuffix(">") for f in filtros if f.endswith(".>")]
    return sorted(f for f in filtros if not any(f != c + ">" and f.startswith(c) for c in comodines))


async def rebuild(
    js: JetStreamContext,
    views: Sequence[StreamView],
    *,
    batch: int = 500,
    progress: Progress | None = None,
    grace: float = 2.0,
    productores: Collection[str] = (),
) -> dict[str, int]:
    """Rebuild ``views`` from the first message of the stream into new generations and switch to
    them. Returns the new generation of each view. ``productores``: the services whose chains the live
    consumers follow (``IdempotentConsumers.follow_chains``); a view that follows them gets only the facts
    of theirs that continue their chain."""
    nuevas = {view.nombre: await asyncio.to_thread(view.empezar_construccion) for view in views}
    contracts = sorted({c for view in views for c in view.contratos}, key=lambda c: c.ce_type())
    lectura = Lectura(productores) if productores and any(view.sigue_cadenas for view in views) else None
    subjects = [f"acompana.{p}.>" for p in sorted(productores)] if lectura else []  # all of their chains

    def apply(envelopes: list[Envelope]) -> None:
        aplicables = lectura.aplicables(envelopes) if lectura else envelopes
        aplicar_juntas([(view, aplicables if view.sigue_cadenas else envelopes, nuevas[view.nombre])
                        for view in views])

    hasta = await replay(js, contracts, apply, subjects=subjects, batch=batch, progress=progress)
    for _ in range(CATCH_UP_ROUNDS):  # what arrived while we read
        if await last_sequence(js) <= hasta:
            break
        hasta = await replay(js, contracts, apply, subjects=subjects, from_sequence=hasta + 1, batch=batch)
    anteriores = {view.nombre: await asyncio.to_thread(view.activar, nuevas[view.nombre]) for view in views}
    # What a live consumer applied to the old generation before the switch is in the stream too: applied
    # now to the new one, under the base names (the inbox skips what the live consumers apply there too).
    await replay(js, contracts, apply, subjects=subjects, from_sequence=hasta + 1, batch=batch)
    await asyncio.sleep(grace)  # queries that started on the old generation finish
    for view in views:
        await asyncio.to_thread(view.borrar, anteriores[view.nombre])
        log.info("%s: generación %s activa (antes %s)", view.nombre, nuevas[view.nombre], anteriores[view.nombre])
    return nuevas
