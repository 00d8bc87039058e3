"""How fast evaluacion's consumer pipeline drains a stream, against a raw nats-py pull consumer.

    python -m bench.consumer_throughput [--mensajes 20000] [--batch 100] [--store sqlite|postgres]

1. Starts its own nats-server (``sync_interval: always``), declares the streams and fills the
   stream with N valid ``VisitaRealizadaV1`` messages (envelopes from ``Envelope.wrap``,
   published with ``js.publish_async``) — not timed.
2. (a) Times a raw nats-py durable pull consumer: ``fetch(batch)`` + ``msg.ack()`` of all N.
   (a') The same with ``Envelope.parse`` of each message (the contract check alone).
3. (b) Times the real pipeline, wired as ``services/evaluacion/main.py`` does: ``ServiceRuntime``
   (``IdempotentConsumers``: one nats-py pull loop per durable consumer, each fetched batch applied
   in one transaction per store and acknowledged after the commit) + ``Proyecciones`` on the chosen
   store, from ``runtime.start()`` until the projection holds N visits. No span processor is
   registered, as in a service without ``<S>_OTLP_ENDPOINT``: no span per message. Since 2026-12-07
   evaluacion has one durable consumer (``evaluacion-hechos``, on ``acompana.>``; the line ``durables`` names
   them): each message is fetched, acknowledged and parsed once, and its batch records the producers' chain
   links (with ``--con-cadena``), applies the history, then the matrices (``IdempotentConsumers`` ``por_contrato``).
   Before, one durable per contract (here ``evaluacion-visitas``) and the history's on ``acompana.>`` each read
   every visit, and the ledger rode on the history's. The service also follows the producers' chains
   (``shared.eslabones``: the ledger records each fact's link, and the matrices apply a fact only when it
   continues its chain); the runs recorded in bench/README.md before 2026-12-07 mostly leave that out,
   ``--con-cadena`` adds it as the service runs it (``ServiceRuntime.seguir_cadenas``, called after the
   subscriptions; the line ``cadenas seguidas`` names the producers).
   Since issue 6 the projections are ``StreamView``s in generations with one inbox per
   projection: a visit lands in the seguimiento projection's ``entregas`` table (``tipo='visita'``)
   and its id in that projection's inbox, and in the historia projection (a second row times until it has
   the N facts too; the visits are chained as agenda's relay publishes them, so their links verify).
4. With ``--desglose``: the same runtime with a handler that only counts (the pull loop, parse,
   ``to_thread`` and ack without the store), and ``Proyecciones.aplicar`` called in a loop
   without NATS and without batches (the store alone, one transaction per message).
Each row's consumer is its own durable, so each reads the whole stream.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from datetime import UTC, datetime

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy import Connection, func, select

from bench._common import bench_world, machine_line, print_table, rate, visita_kwargs
from services.evaluacion import messaging
from services.evaluacion.application import Evaluacion
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from shared.contracts import Envelope, VisitaRealizadaV1
from shared.contracts.envelope import GENESIS
from shared.runtime import ServiceRuntime
from shared.stream_views import Tablas
from shared.streams import DLQ_STREAM, STREAM
from shared.telemetry import Telemetry

TRACEPARENT = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
FILL_BATCH = 500


def envelope(i: int) -> Envelope:
    kw = visita_kwargs(i)
    inicio, fin = kw["fecha_inicio"], kw["fecha_fin"]
    data = VisitaRealizadaV1(visita_id=uuid.uuid4(), anio=inicio.year, dias=(fin - inicio).days + 1, **kw)
    return Envelope.wrap(servicio="agenda", position=i + 1, data=data, subject=f"docente/{kw['docente_id']}",
                         time=datetime.now(UTC), dre=kw["dre"], ugel=kw["ugel"], traceparent=TRACEPARENT)


async def fill(js, n: int) -> float:
    """Publish N visits as agenda's relay would: each chained after the previous one (``ce-cadena``)."""
    started = time.perf_counter()
    cadena = (0, GENESIS)
    for start in range(0, n, FILL_BATCH):
        futures = []
        for i in range(start, min(n, start + FILL_BATCH)):
            env = envelope(i).encadenar(*cadena)
            cadena = (env.position, env.cadena)
            futures.append(await js.publish_async(env.nats_subject, env.payload(), headers=env.headers()))
        await asyncio.gather(*futures)
    return time.perf_counter() - started


async def run_raw(nc, js, n: int, batch: int, durable: str, *, parse: bool) -> tuple[float, float, int]:
    sub = await js.pull_subscribe(
        VisitaRealizadaV1.subject(), durable=durable, stream=STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=30.0, max_deliver=-1, max_ack_pending=1000),
    )
    received = 0
    cpu, started = time.process_time(), time.perf_counter()
    while received < n:
        try:
            msgs = await sub.fetch(batch=batch, timeout=1.0)
        except NatsTimeoutError:
            continue
        for msg in msgs:
            if parse:
                Envelope.parse(msg.subject, msg.headers, msg.data)
            await msg.ack()
        received += len(msgs)
    await nc.flush()
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    await sub.unsubscribe()
    # Acks are fire-and-forget: give the server a moment to apply the last ones, then check.
    for _ in range(100):
        info = await js.consumer_info(STREAM, durable)
        if (pending := info.num_ack_pending + info.num_pending) == 0:
            break
        await asyncio.sleep(0.05)
    return elapsed, cpu_s, pending


def projected(proyecciones: Proyecciones) -> int:
    """Visits in the seguimiento projection's active generation (``entregas`` rows of type visita)."""
    def consulta(conn: Connection, t: Tablas) -> int:
        e = t.entregas
        return conn.execute(select(func.count()).select_from(e).where(e.c.tipo == "visita")).scalar_one()
    return proyecciones.seguimiento.leer(consulta)


def inbox_count(proyecciones: Proyecciones) -> int:
    """Ids in the seguimiento projection's inbox (the only projection that reads visits)."""
    return proyecciones.seguimiento.leer(
        lambda conn, t: conn.execute(select(func.count()).select_from(t.inbox)).scalar_one())


def historia_count(proyecciones: Proyecciones) -> int:
    """Facts in the historia projection's inbox (its own consumer, on every subject)."""
    return proyecciones.historia.leer(
        lambda conn, t: conn.execute(select(func.count()).select_from(t.inbox)).scalar_one())


def runtime_for(settings: EvaluacionSettings) -> ServiceRuntime:
    app = Evaluacion(settings)
    return ServiceRuntime(app, messaging.Publicador(app), Telemetry.create("evaluacion"))


async def run_pipeline(settings: EvaluacionSettings, n: int, timeout: float,
                       cadena: bool) -> tuple[float, float, int, int, float, float, int]:
    """Times until seguimiento holds N visits (the matrices), then until the historia has applied them too (the same
    durable since 2026-12-07, its own before)."""
    runtime = runtime_for(settings)
    proyecciones = Proyecciones(settings)
    messaging.subscribe(runtime.consumers, runtime.app, proyecciones)
    if cadena:  # as the service's HTTP app does, after the subscriptions: it reads the producers from them
        runtime.seguir_cadenas()
    cadenas = sorted(runtime.consumers.eslabones.productores) if runtime.consumers.eslabones else []
    print(f"  cadenas seguidas: {', '.join(cadenas) or 'ninguna'}")
    print(f"  durables: {', '.join(runtime.consumers.configs)}")
    count = 0
    cpu, started = time.process_time(), time.perf_counter()
    try:
        await runtime.start()
        while (count := await asyncio.to_thread(projected, proyecciones)) < n:
            if time.perf_counter() - started > timeout:
                print(f"  proyección: {count}/{n} tras {timeout:.0f}s; se corta")
                break
            await asyncio.sleep(0.02)
        elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        while (hechos := await asyncio.to_thread(historia_count, proyecciones)) < n:
            if time.perf_counter() - started > timeout:
                print(f"  historia: {hechos}/{n} tras {timeout:.0f}s; se corta")
                break
            await asyncio.sleep(0.02)
        total_s, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await runtime.stop()  # also closes the application (``runtime.closers``)
        inbox = inbox_count(proyecciones)
        proyecciones.close()
    return elapsed, cpu_s, count, inbox, total_s, total_cpu, hechos


async def run_noop(settings: EvaluacionSettings, n: int, timeout: float) -> tuple[float, float, int]:
    """The same runtime and ``IdempotentConsumers``, with a handler that only counts: the cost of
    the pull loop + parse + ``to_thread`` + ack, without the store."""
    runtime = runtime_for(settings)
    seen: list[str] = []  # list.append is atomic under the GIL; handlers run in worker threads
    runtime.consumers.subscribe("bench-noop", VisitaRealizadaV1, lambda env: seen.append(env.id))
    cpu, started = time.process_time(), time.perf_counter()
    try:
        await runtime.start()
        while (count := len(seen)) < n:
            if time.perf_counter() - started > timeout:
                break
            await asyncio.sleep(0.02)
        elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await runtime.stop()
    return elapsed, cpu_s, count


def run_direct(settings: EvaluacionSettings, n: int) -> tuple[float, float]:
    """``Proyecciones.aplicar`` called in a loop on parsed envelopes: the store alone."""
    proyecciones = Proyecciones(settings)
    envelopes = [envelope(i) for i in range(n)]
    cpu, started = time.process_time(), time.perf_counter()
    for env in envelopes:
        proyecciones.aplicar(env)
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    assert projected(proyecciones) == n
    proyecciones.close()
    return elapsed, cpu_s


async def main(args: argparse.Namespace) -> int:
    print(machine_line(args.store, sync_always=not args.sync_por_defecto))
    print(f"mensajes={args.mensajes} batch={args.batch} store={args.store} "
          f"cadena={'sí, como el servicio' if args.con_cadena else 'no (sin el registro de eslabones)'}")
    n = args.mensajes
    async with bench_world("bench-consumer-", args.store, sync_always=not args.sync_por_defecto) as (tmp, server, st, nc):
        js = nc.jetstream()
        fill_s = await fill(js, n)
        in_stream = (await js.stream_info(STREAM)).state.messages
        print(f"preparado: {in_stream} mensajes VisitaRealizadaV1 en el stream en {fill_s:.1f}s "
              f"({rate(n, fill_s)}/s, no medido)")
        raw_s, raw_cpu, raw_left = await run_raw(nc, js, n, args.batch, "bench-crudo", parse=False)
        parse_s, parse_cpu, parse_left = await run_raw(nc, js, n, args.batch, "bench-crudo-parse", parse=True)
        print(f"crudo: {raw_left} sin confirmar; crudo+parse: {parse_left} sin confirmar")

        settings = EvaluacionSettings(**st.settings(tmp / "data"), nats_url=server.url)
        pipe_s, pipe_cpu, projected_n, inbox, total_s, total_cpu, hechos = await run_pipeline(
            settings, n, args.timeout, args.con_cadena)
        dlq = (await js.stream_info(DLQ_STREAM)).state.messages
        print(f"pipeline: {projected_n} visitas proyectadas, {inbox} ids en el inbox de seguimiento, "
              f"{hechos} en el de historia, {dlq} en la cola de fallidos")
        extra = []
        if args.desglose:
            noop_s, noop_cpu, noop_n = await run_noop(
                EvaluacionSettings(**st.settings(tmp / "noop"), nats_url=server.url,
                                   postgres_schema="evaluacion_noop"), n, args.timeout)
            extra.append(("IdempotentConsumers, handler vacío", f"{noop_s:.2f}", f"{noop_cpu:.2f}",
                          rate(noop_n, noop_s)))
            direct_s, direct_cpu = await asyncio.to_thread(run_direct, EvaluacionSettings(
                **st.settings(tmp / "directo"), postgres_schema="evaluacion_directo"), n)
            extra.append(("Proyecciones.aplicar directo", f"{direct_s:.2f}", f"{direct_cpu:.2f}",
                          rate(n, direct_s)))
            print(f"desglose: handler vacío vio {noop_n} mensajes")

    ok = (in_stream == n and raw_left == 0 and parse_left == 0 and projected_n == n and inbox == n and hechos == n
          and dlq == 0)
    print_table(
        f"Consumo de {n} VisitaRealizadaV1 (lotes de {args.batch}, {args.store})",
        [
            ("nats-py pull fetch + ack (crudo)", f"{raw_s:.2f}", f"{raw_cpu:.2f}", rate(n, raw_s)),
            ("crudo + Envelope.parse", f"{parse_s:.2f}", f"{parse_cpu:.2f}", rate(n, parse_s)),
            ("IdempotentConsumers + Proyecciones", f"{pipe_s:.2f}", f"{pipe_cpu:.2f}", rate(projected_n, pipe_s)),
            ("  ... y la historia (el mismo durable)", f"{total_s:.2f}", f"{total_cpu:.2f}", rate(hechos, total_s)),
            *extra,
        ],
        ("camino", "s", "CPU python s", "mensajes/s"),
    )
    print(f"\nconsumidor/crudo = {(projected_n / pipe_s) / (n / raw_s):.3f}  "
          f"(el pipeline logra el {100 * (projected_n / pipe_s) / (n / raw_s):.1f}% del rendimiento crudo)")
    # On a shared machine both rows wait for the CPU; the CPU each one spent varies less than its wall time.
    print(f"por CPU de Python: crudo/consumidor = {raw_cpu / pipe_cpu:.3f}  (CPU del pipeline con la historia: "
          f"{total_cpu:.2f} s, {1e6 * total_cpu / max(hechos, 1):.0f} µs por mensaje)")
    print(f"meta ≥ 0.5: {'cumplida' if (projected_n / pipe_s) / (n / raw_s) >= 0.5 else 'no cumplida'}")
    if not ok:
        print("INCONSISTENTE: revise los conteos de arriba")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mensajes", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100,
                        help="lote de fetch del consumidor crudo (el pipeline usa el de IdempotentConsumers: 100)")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sync-por-defecto", action="store_true",
                        help="nats-server sin sync_interval: always (fsync cada 2 min, su valor por defecto)")
    parser.add_argument("--desglose", action="store_true",
                        help="añade dos filas: el pipeline con un handler vacío y Proyecciones.aplicar sin NATS")
    parser.add_argument("--timeout", type=float, default=300.0, help="límite de la corrida del pipeline (s)")
    parser.add_argument("--con-cadena", action="store_true",
                        help="con el registro de eslabones que el servicio corre (lo lleva el consumidor "
                             "durable de evaluacion, antes que la historia y las matrices)")
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parser.parse_args())))
