"""How fast the outbox relay moves a backlog to JetStream, against raw nats-py on the same payloads.

    python -m bench.relay_throughput [--eventos 20000] [--batch 500] [--store sqlite|postgres]

1. Starts its own nats-server (``sync_interval: always``) and declares the streams.
2. Records N ``PlanAnual`` aggregates in agenda's store (``agenda.save(*planes)`` in chunks) —
   not timed.
3. (a) Times ``OutboxRelay``: ``reconcile()`` then ``relay_once()`` until it returns 0.
4. Builds the very same subject, payload and headers of each event with ``relay.envelope_de``
   (not timed, before either run), purges the stream and (b) times raw ``js.publish_async``
   of them (``--crudo-primero`` swaps the order of (a) and (b)), awaiting the
   PubAcks in bulk every ``--batch`` messages. ``Nats-Msg-Id`` gets a ``raw:`` prefix so the
   server's duplicate window cannot turn the raw run into a no-op; every PubAck is checked
   for ``duplicate`` and the stream's message count is checked after each run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time


from bench._common import bench_world, machine_line, print_table, rate
from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from services.agenda.messaging import Publicador
from shared.outbox import OutboxRelay
from shared.streams import STREAM
from shared.telemetry import Telemetry
from tests.support.world import registrar_planes

SAVE_CHUNK = 1000
# The relay sends a fresh W3C traceparent with every message; the raw run sends one of the same size.
TRACEPARENT = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"


def record_visits(agenda: Agenda, n: int) -> float:
    """Record n published events (yearly plans, ``PlanAnualGenerado``) in agenda's store."""
    started = time.perf_counter()
    registrar_planes(agenda, n)
    return time.perf_counter() - started


async def stream_count(js) -> int:
    return (await js.stream_info(STREAM)).state.messages


async def run_relay(relay: OutboxRelay) -> tuple[float, float, int]:
    cpu, started = time.process_time(), time.perf_counter()
    await relay.reconcile()
    moved = 0
    while n := await relay.relay_once():
        moved += n
    return time.perf_counter() - started, time.process_time() - cpu, moved


def build_raw_messages(relay: OutboxRelay, agenda: Agenda, batch: int) -> list[tuple[str, bytes, dict[str, str]]]:
    messages = []
    position = 0
    while notifications := agenda.recorder.select_notifications(position, batch, inclusive_of_start=False):
        for notification in notifications:
            envelope = relay.envelope_de(notification)
            if envelope is None:
                continue
            headers = envelope.headers()
            headers["Nats-Msg-Id"] = "raw:" + headers["Nats-Msg-Id"]
            headers["traceparent"] = TRACEPARENT
            messages.append((envelope.nats_subject, envelope.payload(), headers))
        position = notifications[-1].id
    return messages


async def run_raw(js, messages: list[tuple[str, bytes, dict[str, str]]], batch: int) -> tuple[float, float, int]:
    duplicates = 0
    cpu, started = time.process_time(), time.perf_counter()
    for start in range(0, len(messages), batch):
        futures = [await js.publish_async(subject, payload, headers=headers)
                   for subject, payload, headers in messages[start:start + batch]]
        for ack in await asyncio.gather(*futures):
            duplicates += bool(ack.duplicate)
    return time.perf_counter() - started, time.process_time() - cpu, duplicates


async def main(args: argparse.Namespace) -> int:
    print(machine_line(args.store, sync_always=not args.sync_por_defecto))
    print(f"eventos={args.eventos} batch={args.batch} store={args.store}")
    async with bench_world("bench-relay-", args.store, sync_always=not args.sync_por_defecto) as (tmp, server, st, nc):
        js = nc.jetstream()
        settings = AgendaSettings(**st.settings(tmp / "data"), nats_url=server.url,
                                  relay_batch_size=args.batch)
        agenda = Agenda(settings)
        try:
            prep = record_visits(agenda, args.eventos)
            last_id = agenda.check_store()
            print(f"preparado: {args.eventos} visitas registradas en {prep:.1f}s "
                  f"({rate(args.eventos, prep)}/s, no medido), última notificación {last_id}")
            relay = OutboxRelay(agenda, Publicador(agenda), js, Telemetry.create("agenda"), batch_size=args.batch)
            # Built before either run: the raw run gets exactly what the relay sends.
            messages = build_raw_messages(relay, agenda, args.batch)

            async def relay_run() -> tuple[float, float, bool]:
                await js.purge_stream(STREAM)
                relay_s, relay_cpu, moved = await run_relay(relay)
                in_stream = await stream_count(js)
                ok = moved == args.eventos == in_stream and relay.stored_position() == last_id
                print(f"relay: {moved} movidos, {in_stream} en el stream, posición {relay.stored_position()}"
                      f"{'' if ok else '  <-- INCONSISTENTE'}")
                return relay_s, relay_cpu, ok

            async def raw_run() -> tuple[float, float, bool]:
                await js.purge_stream(STREAM)
                raw_s, raw_cpu, duplicates = await run_raw(js, messages, args.batch)
                in_stream = await stream_count(js)
                ok = duplicates == 0 and in_stream == len(messages) == args.eventos
                print(f"crudo: {len(messages)} publicados, {duplicates} duplicados, {in_stream} en el stream"
                      f"{'' if ok else '  <-- INCONSISTENTE'}")
                return raw_s, raw_cpu, ok

            if args.crudo_primero:
                raw_s, raw_cpu, ok_raw = await raw_run()
                relay_s, relay_cpu, ok_relay = await relay_run()
            else:
                relay_s, relay_cpu, ok_relay = await relay_run()
                raw_s, raw_cpu, ok_raw = await raw_run()
        finally:
            agenda.close()

    print_table(
        f"Relay del outbox vs nats-py crudo ({args.eventos} eventos, lotes de {args.batch}, {args.store})",
        [
            ("OutboxRelay (reconcile + relay_once)", f"{relay_s:.2f}", f"{relay_cpu:.2f}",
             rate(args.eventos, relay_s)),
            ("nats-py publish_async crudo", f"{raw_s:.2f}", f"{raw_cpu:.2f}", rate(args.eventos, raw_s)),
        ],
        ("camino", "s", "CPU python s", "eventos/s"),
    )
    print(f"\nrelay/crudo = {raw_s / relay_s:.2f}  (el relay logra el {100 * raw_s / relay_s:.0f}% "
          f"del rendimiento crudo)")
    return 0 if ok_relay and ok_raw else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eventos", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="lote del relay y del publish crudo")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sync-por-defecto", action="store_true",
                        help="nats-server sin sync_interval: always (fsync cada 2 min, su valor por defecto)")
    parser.add_argument("--crudo-primero", action="store_true",
                        help="corre primero el publish crudo (para ver si el orden pesa)")
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parser.parse_args())))
