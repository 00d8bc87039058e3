"""What ``bench.evaluacion_rebuild`` measures with: each phase's time, CPU and memory (``Medidor``), the raw
read of the stream that the rebuild is compared with, the rows and the size of the read models, and the
profiles of the rebuild's two threads."""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from collections import Counter
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import func, select

from bench._common import Fase, reiniciar_pico, ru_maxrss_mib, status_mib
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from shared import contracts as c
from shared.contracts import Envelope
from shared.streams import STREAM

# --- memory ---------------------------------------------------------------------------------------


class Medidor:
    """The run's phases, in order: ``empezar`` before one, ``terminar`` after it (a ``bench._common.Fase``)."""

    def __init__(self) -> None:
        self.fases: list[Fase] = []

    def empezar(self) -> tuple[float, float, float, bool]:
        rss = status_mib("VmRSS")
        de_fase = reiniciar_pico()
        return rss, time.perf_counter(), time.process_time(), de_fase

    def terminar(self, nombre: str, eventos: int, inicio: tuple[float, float, float, bool]) -> Fase:
        rss, t, cpu, de_fase = inicio
        s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
        pico = status_mib("VmHWM") if de_fase else ru_maxrss_mib()
        fase = Fase(nombre, eventos, s, cpu_s, rss, pico, de_fase, os.getloadavg()[0])
        self.fases.append(fase)
        return fase


# --- the raw read, the read models' rows and size, the profiles --------------------------------


async def leer_crudo(js: Any, contratos: list[type[c.IntegrationEvent]], n: int, lote: int, *,
                     decodificar: bool) -> int:
    """Every message with an ephemeral pull consumer configured as ``replay`` does; optionally parsed."""
    sub = await js.pull_subscribe(
        "", stream=STREAM,
        config=ConsumerConfig(filter_subjects=sorted({k.subject() for k in contratos}),
                              deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=1,
                              ack_policy=AckPolicy.NONE, inactive_threshold=120.0, max_ack_pending=-1))
    leidos = 0
    try:
        while leidos < n:
            try:
                msgs = await sub.fetch(lote, timeout=5.0)
            except NatsTimeout:
                break
            if decodificar:
                for msg in msgs:
                    Envelope.parse(msg.subject, msg.headers, msg.data, msg.metadata.sequence.stream)
            leidos += len(msgs)
    finally:
        await sub.unsubscribe()
    return leidos


def contar_filas(vistas: list[Any]) -> Counter:
    def consulta(conn: Any, t: Any) -> dict[str, int]:
        return {base: conn.execute(select(func.count()).select_from(tabla)).scalar_one() for base, tabla in t.items()}

    filas: Counter = Counter()
    for vista in vistas:
        for base, cuantas in vista.leer(consulta).items():
            filas[f"{vista.nombre}.{base}"] = cuantas
    return filas


def tamano_vistas(settings: EvaluacionSettings, proyecciones: Proyecciones) -> float:
    """MiB on disk of the read-model database."""
    if settings.is_postgres:
        with proyecciones.store.engine.connect() as conn:
            return conn.execute(select(func.pg_database_size(settings.postgres_dbname))).scalar_one() / 2**20
    base = settings.sqlite_path("-vistas")
    return sum(p.stat().st_size for p in base.parent.glob(base.name + "*")) / 2**20


def perfilar(vistas: list[Any]) -> tuple[cProfile.Profile, cProfile.Profile]:
    """One profiler for the event loop's thread (fetch, parse), one for the thread that applies batches."""
    hilo_lazo, hilo_aplicar = cProfile.Profile(), cProfile.Profile()
    for vista in vistas:
        original = vista.aplicar_varias

        def envuelta(conn: Any, tablas: Any, envelopes: Any, _original: Any = original) -> int:
            hilo_aplicar.enable()
            try:
                return _original(conn, tablas, envelopes)
            finally:
                hilo_aplicar.disable()
        vista.aplicar_varias = envuelta  # this instance only
    return hilo_lazo, hilo_aplicar


def imprimir_perfil(titulo: str, perfil: cProfile.Profile, lineas: int) -> None:
    print(f"\n--- perfil: {titulo} ---")
    stats = pstats.Stats(perfil, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(lineas)
    stats.sort_stats("cumulative").print_stats(lineas)
