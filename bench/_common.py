"""What the benchmarks share: the machine line, memory and latency figures, a throwaway nats-server
and store, test data."""

from __future__ import annotations

import cProfile
import gc
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import nats
import psycopg
from nats.aio.client import Client

from shared.settings import POSTGRES, SQLITE
from shared.streams import ensure_streams
from tests.support.servers import NatsServer, nats_server_binary

TERRITORIOS = [
    ("DRE-PUNO", "UGEL-EL-COLLAO"),
    ("DRE-PUNO", "UGEL-PUNO"),
    ("DRE-CUSCO", "UGEL-CUSCO"),
    ("DRE-LIMA", "UGEL-03"),
]
ACCIONES = [["observacion", "asesoria"], ["observacion"], ["observacion", "asesoria", "retroalimentacion"]]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


# --- the machine ---------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _nats_version() -> str:
    out = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).strip().removeprefix("nats-server: ")


def _postgres_version() -> str:
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                             connect_timeout=2) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]
    except psycopg.Error:
        return "?"


def machine_line(store: str, *, sync_always: bool = True, nats: bool = True) -> str:
    """CPU, cores, RAM, Python, the nats-server (``nats=False``: a benchmark that starts none) and the store."""
    import sqlite3

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    store_desc = (f"PostgreSQL {_postgres_version()} ({PG_HOST}:{PG_PORT})" if store == "postgres"
                  else f"SQLite {sqlite3.sqlite_version} (WAL)")
    servidor = (f"nats-server {_nats_version()} (JetStream file store, "
                f"sync_interval: {'always' if sync_always else 'default 2m'}) · ") if nats else ""
    return (f"CPU {_cpu_model()} · {cores} cores · RAM {_ram_gib()} · "
            f"Python {platform.python_version()} · {servidor}store {store_desc}")


def print_table(title: str, rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))))


# --- memory and latency ----------------------------------------------------------------------


def status_mib(campo: str, pid: int | str = "self") -> float:
    """A ``/proc/<pid>/status`` memory field (VmRSS, VmHWM...) in MiB; NaN where there is no /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(campo + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reiniciar_pico() -> bool:
    """Reset the kernel's peak RSS of this process (VmHWM); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def ru_maxrss_mib() -> float:
    """The whole process's peak RSS so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def percentiles(ms: list[float], decimales: int) -> tuple[str, str, str]:
    """p50, p99 and max of latencies in milliseconds, formatted for a table."""
    cuantiles = statistics.quantiles(ms, n=100)
    return f"{cuantiles[49]:.{decimales}f}", f"{cuantiles[98]:.{decimales}f}", f"{max(ms):.{decimales}f}"


# --- a read model's rebuild against a raw read of its log -------------------------------------


@dataclass
class Fase:
    nombre: str
    eventos: int
    s: float
    cpu: float
    rss_inicio: float  # MiB
    rss_pico: float  # MiB: VmHWM of the phase, or ru_maxrss when it could not be reset
    pico_de_fase: bool
    carga: float  # load average (1 min) at the end of the phase: other work competing for the CPU

    def fila(self) -> tuple[str, ...]:
        return (self.nombre, f"{self.eventos:,}", f"{self.s:.2f}", f"{self.cpu:.2f}", rate(self.eventos, self.s),
                f"{self.rss_inicio:,.0f}", f"{self.rss_pico:,.0f}" + ("" if self.pico_de_fase else "*"),
                f"{self.carga:.1f}")


def medir_fase(nombre: str, fn: Callable[[], int], perfil: cProfile.Profile | None = None) -> Fase:
    """Run ``fn`` (which returns how many events it went through): wall and CPU time, RSS, load."""
    gc.collect()
    rss, de_fase = status_mib("VmRSS"), reiniciar_pico()
    t, cpu = time.perf_counter(), time.process_time()
    if perfil:
        perfil.enable()
    try:
        eventos = fn()
    finally:
        if perfil:
            perfil.disable()
    s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
    pico = status_mib("VmHWM") if de_fase else ru_maxrss_mib()
    return Fase(nombre, eventos, s, cpu_s, rss, pico, de_fase, os.getloadavg()[0])


def leer_y_decodificar(app: Any, lote: int) -> int:
    """Every notification of ``app``'s log, read in batches of ``lote`` and decoded to its domain event:
    nothing else (the floor of any rebuild from that log)."""
    posicion, leidas = 0, 0
    while notificaciones := app.recorder.select_notifications(posicion, lote, inclusive_of_start=False):
        for n in notificaciones:
            app.mapper.to_domain_event(n)
        leidas += len(notificaciones)
        posicion = notificaciones[-1].id
    return leidas


def rebuild_contra_crudo(app: Any, proyecciones: Any, titulo: str, *, perfil: bool = False,
                         perfil_lineas: int = 25) -> list[str]:
    """(a) read and decode the service's whole log, in batches of the projection's size; (b) the read model's
    ``reconstruir()`` from zero; each timed, on the same store, in this order. Prints their table, the ratio
    and whether the goal (≥ 0.5) is met. Returns the failed checks: the rebuild went through as many events
    as the log holds, and the read model's checksum is the one it had before."""
    proyecciones.ponerse_al_dia()
    antes = proyecciones.checksum()
    crudo = medir_fase("crudo: select_notifications + to_domain_event",
                       lambda: leer_y_decodificar(app, proyecciones.lote))
    perfilador = cProfile.Profile() if perfil else None
    nuestro = medir_fase("reconstruir()", proyecciones.reconstruir, perfilador)
    despues = proyecciones.checksum()
    print_table(f"{titulo}: reconstruir() vs lectura cruda del log ({crudo.eventos:,} eventos, lotes de "
                f"{proyecciones.lote})", [crudo.fila(), nuestro.fila()],
                ("fase", "eventos", "s", "CPU s", "eventos/s", "RSS inicio MiB", "pico RSS MiB", "carga 1 min"))
    if not (crudo.pico_de_fase and nuestro.pico_de_fase):
        print("* pico de todo el proceso hasta ese momento (ru_maxrss): no se pudo reiniciar VmHWM")
    razon = crudo.s / nuestro.s if nuestro.s > 0 else float("inf")
    print(f"\nnuestro/crudo = {razon:.3f}  (reconstruir() logra el {100 * razon:.1f}% de leer y decodificar "
          f"el log; {1e6 * nuestro.s / max(nuestro.eventos, 1):.0f} µs por evento, "
          f"{1e6 * crudo.s / max(crudo.eventos, 1):.0f} µs de ellos leer y decodificar)")
    print(f"meta ≥ 0.5: {'cumplida' if razon >= 0.5 else 'no cumplida'}")
    if nuestro.cpu > 0:  # the same ratio in CPU seconds: less sensitive to other work on the machine
        print(f"en CPU: nuestro/crudo = {crudo.cpu / nuestro.cpu:.3f}")
    print(f"checksum: {antes[:16]} antes, {despues[:16]} después del rebuild"
          f" ({'iguales' if antes == despues else 'DISTINTOS'})")
    if perfilador:
        stats = pstats.Stats(perfilador, stream=sys.stdout).strip_dirs()
        for orden in ("tottime", "cumulative"):
            print(f"\n--- cProfile de reconstruir(), por {orden} ---")
            stats.sort_stats(orden).print_stats(perfil_lineas)
    fallos = []
    if crudo.eventos == 0 or nuestro.eventos != crudo.eventos:
        fallos.append(f"reconstruir() recorrió {nuestro.eventos:,} eventos; el log tiene {crudo.eventos:,}")
    if despues != antes:
        fallos.append(f"el checksum de la proyección cambió con el rebuild: {antes[:16]} → {despues[:16]}")
    for fallo in fallos:
        print("INCONSISTENTE:", fallo)
    return fallos


# --- servers and stores ----------------------------------------------------------------------


@contextmanager
def nats_server(tmp: Path, *, sync_always: bool = True) -> Iterator[NatsServer]:
    """The tests' nats-server; ``sync_always=False`` drops ``sync_interval: always`` (server default)."""
    folder = tmp / "nats"
    folder.mkdir()
    server = NatsServer(folder)
    if not sync_always:
        server.config.write_text(server.config.read_text().replace(", sync_interval: always", ""))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Store:
    kind: str  # "sqlite" | "postgres"
    dbname: str = ""

    def settings(self, data_dir: Path) -> dict[str, object]:
        """A service's settings on this store; ``entorno`` desarrollo: the benchmarks run on the development
        secrets and the local token issuer, which a service refuses anywhere else."""
        comunes = {"data_dir": data_dir, "entorno": "desarrollo"}
        if self.kind == "postgres":
            return {"persistence_module": POSTGRES, "postgres_host": PG_HOST, "postgres_port": PG_PORT,
                    "postgres_user": PG_USER, "postgres_dbname": self.dbname, **comunes}
        return {"persistence_module": SQLITE, **comunes}


@contextmanager
def store(kind: str) -> Iterator[Store]:
    """SQLite (files in the settings' data_dir) or a throwaway PostgreSQL database, dropped after."""
    if kind != "postgres":
        yield Store("sqlite")
        return
    name = f"acompana_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Store("postgres", name)
    finally:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- test data -------------------------------------------------------------------------------


def visita_kwargs(i: int) -> dict[str, object]:
    """The facts of the i-th synthetic visit (valid for Visita and VisitaRealizadaV1)."""
    dre, ugel = TERRITORIOS[i % len(TERRITORIOS)]
    inicio = date(2025, 3, 3) + timedelta(days=i % 250)
    fin = inicio + timedelta(days=i % 3 if (inicio + timedelta(days=2)).year == inicio.year else 0)
    return {
        "docente_id": uuid.UUID(int=(i % 5000) + 1),
        "acompanante_id": uuid.UUID(int=(i % 300) + 10_000_000),
        "codigo_modular": f"{(i % 9_000_000) + 1_000_000:07d}",
        "anexo": 0,
        "dre": dre,
        "ugel": ugel,
        "fecha_inicio": inicio,
        "fecha_fin": fin,
        "acciones": ACCIONES[i % len(ACCIONES)],
    }


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "inf"


@asynccontextmanager
async def bench_world(
    prefix: str, store_kind: str, *, sync_always: bool = True,
) -> AsyncIterator[tuple[Path, NatsServer, Store, Client]]:
    """A temp folder, a nats-server with the streams declared, a store, and a connection."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp_name, \
         nats_server(Path(tmp_name), sync_always=sync_always) as server, store(store_kind) as st:
        nc = await nats.connect(server.url)
        try:
            await ensure_streams(nc.jetstream())
            yield Path(tmp_name), server, st, nc
        finally:
            await nc.close()


def dias_lectivos(desde: date, n: int) -> list[date]:
    """The first ``n`` weekdays from ``desde`` (school days, holidays aside)."""
    dias, d = [], desde
    while len(dias) < n:
        if d.weekday() < 5:
            dias.append(d)
        d += timedelta(days=1)
    return dias
