"""Targeting and caseload assignment of a national-size padrón, against the raw limits of the same run.

    python -m bench.focalizacion_nacional [--escuelas 60000] [--ugeles 220] [--store sqlite|postgres]

1. Generates the padrón with ``tests.support.padron.generar`` (by default 60,000 IIEE over
   220 UGELs, ``docentes_por_escuela=100``, which gives about 400,000 docentes because each
   school's count is capped by its TDOCENTE, and ``acompanantes_por_ugel=28``, i.e. 26
   acompañantes per UGEL, 5,720 in all) and imports it into a fresh store in a temp dir:
   ``importar_ies``, ``importar_docentes``, ``importar_acompanantes``, the catch-up of the
   projections, ``publicar_reglas_incluidas`` and ``abrir_convocatoria``. Timed on its own
   (it is setup, not part of the goal).
2. (a) The pure engine: ``focalizar(ies, reglas)`` over the IE dicts of
   ``app.proyecciones.ies()``, against a plain loop that only reads, from each IE dict, the
   attributes the rule set and the engine use. A second run under ``tracemalloc`` gives the
   engine's own peak of Python allocations.
3. (b) The recorded commands, each followed by (c) the catch-up of the projections
   (``app.proyecciones.ponerse_al_dia()``), timed apart: ``ejecutar_focalizacion`` then
   ``asignar_carteras``. Without the explicit catch-up in between, ``asignar_carteras``
   would do it itself (its first query catches up).
4. The raw limit: the very rows that each command appended to the event store (same
   originator ids, versions, topics and state bytes) are inserted into a copy of the events
   table in the same database with one ``executemany`` in one transaction (sqlite3, or
   psycopg on PostgreSQL). The same rows into a table of the read-model database give the
   limit for the catch-up.
5. Checks: one decision per IE in the rule set's territory (returned, recorded and
   projected, and the same focalized count as the pure engine); assignments > 0 and
   projected; every caseload within its limit and of its own type; assigned + not covered =
   docentes of the focalized IIEE. Exit 1 if any check fails.

Wall time and process CPU time of each phase, and its peak RSS: VmHWM from /proc/self/status,
reset before each phase by writing 5 to /proc/self/clear_refs (where the kernel lets us;
otherwise ``ru_maxrss``, the peak of the whole process so far).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench._common import PG_HOST, PG_PORT, PG_USER, Store, _cpu_model, _postgres_version, _ram_gib, print_table, \
    rate, store
from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.domainmodel import ie_id
from services.focalizacion.focalizar import en_ambito, focalizar
from services.focalizacion.reglas import ConjuntoReglas
from tests.support.padron import generar

CONVOCATORIA = "2020-2022"
TABLA_CRUDA = "bench_crudo"
# What the engine reads of an IE besides the attributes its rules name (derivar, ranking, ratio, decision).
ATRIBUTOS_MOTOR = ("codigo_modular", "anexo", "nombre", "nivel", "dre", "ugel", "area", "caracteristica",
                   "docentes", "latitud", "longitud")


# --- the machine and memory ------------------------------------------------------------------


def machine_line(kind: str) -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    store_desc = (f"PostgreSQL {_postgres_version()} ({PG_HOST}:{PG_PORT})" if kind == "postgres"
                  else f"SQLite {sqlite3.sqlite_version} (WAL)")
    return (f"CPU {_cpu_model()} · {cores} cores · RAM {_ram_gib()} · Python {platform.python_version()} · "
            f"store {store_desc}")


def _status_mib(campo: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(campo + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _ru_maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reiniciar_pico() -> bool:
    """Reset the kernel's peak RSS of this process (VmHWM); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class Medicion:
    nombre: str
    filas: int
    s: float
    cpu: float
    rss_inicio: float  # MiB
    rss_pico: float  # MiB: VmHWM of the phase, or ru_maxrss when it could not be reset
    pico_de_fase: bool

    def fila(self) -> tuple[str, ...]:
        pico = f"{self.rss_pico:,.0f}" + ("" if self.pico_de_fase else "*")
        return (self.nombre, f"{self.filas:,}", f"{self.s:.2f}", f"{self.cpu:.2f}", rate(self.filas, self.s),
                f"{self.rss_inicio:,.0f}", pico)


class Medidor:
    def __init__(self, perfil: bool) -> None:
        self.mediciones: list[Medicion] = []
        self.perfiles: dict[str, pstats.Stats] = {}
        self.perfil = perfil

    def medir(self, nombre: str, filas: int | Callable[[Any], int], fn: Callable[..., Any], *args: Any,
              perfilar: bool = True, **kw: Any) -> tuple[Any, Medicion]:
        gc.collect()
        de_fase = _reiniciar_pico()
        rss0 = _status_mib("VmRSS")
        perfilador = cProfile.Profile() if self.perfil and perfilar else None
        cpu0, t0 = time.process_time(), time.perf_counter()
        if perfilador:
            perfilador.enable()
        resultado = fn(*args, **kw)
        if perfilador:
            perfilador.disable()
        s, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        pico = _status_mib("VmHWM") if de_fase else _ru_maxrss_mib()
        n = filas(resultado) if callable(filas) else filas
        m = Medicion(nombre, n, s, cpu, rss0, pico, de_fase)
        self.mediciones.append(m)
        if perfilador:
            self.perfiles[nombre] = pstats.Stats(perfilador)
        print(f"  {nombre}: {n:,} en {s:.2f}s (CPU {cpu:.2f}s), pico RSS {pico:,.0f} MiB", flush=True)
        return resultado, m


# --- the raw limit ---------------------------------------------------------------------------

Fila = tuple[Any, int, str, bytes]


def filas_escritas(app: Focalizacion, desde: int, hasta: int) -> list[Fila]:
    """The stored events of notifications ``desde`` < id <= ``hasta`` (snapshots are not in the log)."""
    filas: list[Fila] = []
    while notificaciones := app.recorder.select_notifications(desde, 5000, stop=hasta, inclusive_of_start=False):
        filas += [(n.originator_id, n.originator_version, n.topic, n.state) for n in notificaciones]
        desde = notificaciones[-1].id
    return filas


def crudo_sqlite(ruta: Path, filas: Sequence[Fila], *, ddl_de: str | None, pragmas: Sequence[str] = ()) -> float:
    """One executemany in one transaction into a fresh table of the SQLite file ``ruta``:
    a copy of table ``ddl_de`` (its own CREATE statement) or a plain 4-column table."""
    con = sqlite3.connect(ruta, isolation_level=None)
    try:
        for pragma in pragmas:
            con.execute(pragma)
        con.execute(f"DROP TABLE IF EXISTS {TABLA_CRUDA}")
        if ddl_de:
            ddl = con.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (ddl_de,)).fetchone()[0]
            con.execute(ddl.replace(ddl_de, TABLA_CRUDA, 1))
        else:
            con.execute(f"CREATE TABLE {TABLA_CRUDA} (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                        f"state BLOB, PRIMARY KEY (originator_id, originator_version))")
        params = [(o.hex, v, t, s) for o, v, t, s in filas]
        t0 = time.perf_counter()
        con.execute("BEGIN")
        con.executemany(f"INSERT INTO {TABLA_CRUDA} VALUES (?,?,?,?)", params)
        con.execute("COMMIT")
        segundos = time.perf_counter() - t0
        if con.execute(f"SELECT count(*) FROM {TABLA_CRUDA}").fetchone()[0] != len(filas):
            raise AssertionError("el insert crudo no dejó todas las filas")
        con.execute(f"DROP TABLE {TABLA_CRUDA}")
        return segundos
    finally:
        con.close()


def crudo_postgres(st: Store, esquema: str, filas: Sequence[Fila]) -> float:
    """The same into a table shaped like eventsourcing's (uuid, bigint, text, bytea, bigserial)."""
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=st.dbname, autocommit=True) as conn:
        tabla = f'"{esquema}".{TABLA_CRUDA}'
        conn.execute(f"DROP TABLE IF EXISTS {tabla}")
        conn.execute(f"CREATE TABLE {tabla} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                     f"topic text, state bytea, notification_id bigserial, "
                     f"PRIMARY KEY (originator_id, originator_version))")
        conn.execute(f"CREATE UNIQUE INDEX {TABLA_CRUDA}_nid ON {tabla} (notification_id)")
        t0 = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {tabla} (originator_id, originator_version, topic, state) "
                            f"VALUES (%s, %s, %s, %s)", filas)
        segundos = time.perf_counter() - t0
        if conn.execute(f"SELECT count(*) FROM {tabla}").fetchone()[0] != len(filas):
            raise AssertionError("el insert crudo no dejó todas las filas")
        conn.execute(f"DROP TABLE {tabla}")
        return segundos


def atributos_leidos(reglas: ConjuntoReglas) -> list[str]:
    nombres: dict[str, None] = dict.fromkeys(ATRIBUTOS_MOTOR)
    for tipo in reglas.tipos:
        condiciones = [*tipo.aplica_si, *(c for r in tipo.ratio for c in r.condiciones)]
        for c in condiciones:
            nombres.update(dict.fromkeys(c.atributos()))
        for criterio in (*tipo.focalizacion, *tipo.priorizacion):
            nombres.update(dict.fromkeys(criterio.atributos()))
    return list(nombres)


def bucle_plano(ies: list[dict[str, Any]], atributos: list[str]) -> int:
    """The floor of any pass over the padrón: read each attribute of each IE once."""
    con_dato = 0
    for ie in ies:
        for a in atributos:
            if ie.get(a) is not None:
                con_dato += 1
    return con_dato


# --- the run ---------------------------------------------------------------------------------


def importar(app: Focalizacion, args: argparse.Namespace) -> tuple[dict[str, int], float]:
    t0 = time.perf_counter()
    padron = generar(args.escuelas, ugeles=args.ugeles, docentes_por_escuela=args.docentes_por_escuela,
                     acompanantes_por_ugel=args.acompanantes_por_ugel)
    archivos = {que: padron.csv(que) for que in ("ies", "docentes", "acompanantes")}
    cuenta = {"ies": len(padron.ies), "docentes": len(padron.docentes), "acompanantes": len(padron.acompanantes)}
    del padron
    print(f"padrón generado en {time.perf_counter() - t0:.1f}s: {cuenta['ies']:,} IIEE, {cuenta['docentes']:,} "
          f"docentes, {cuenta['acompanantes']:,} acompañantes, {args.ugeles} UGEL "
          f"(CSV: {sum(len(b) for b in archivos.values()) / 2**20:,.0f} MiB)", flush=True)
    inicio = time.perf_counter()
    comandos = {"ies": app.importar_ies, "docentes": app.importar_docentes, "acompanantes": app.importar_acompanantes}
    for que, comando in comandos.items():
        t = time.perf_counter()
        informe = comando(archivos.pop(que))
        print(f"  importar {que}: {informe['nuevas']:,} nuevas, {len(informe['rechazadas'])} rechazadas, "
              f"{time.perf_counter() - t:.1f}s", flush=True)
        if informe["nuevas"] != cuenta[que] or informe["rechazadas"]:
            raise SystemExit(f"la importación de {que} no registró todas las filas: {informe['nuevas']} de "
                             f"{cuenta[que]}, {len(informe['rechazadas'])} rechazadas")
    t = time.perf_counter()
    app.proyecciones.ponerse_al_dia()
    print(f"  proyecciones al día: {time.perf_counter() - t:.1f}s", flush=True)
    app.publicar_reglas_incluidas()
    app.abrir_convocatoria(CONVOCATORIA, 2020, 2022, "NT-026")
    app.proyecciones.ponerse_al_dia()
    return cuenta, time.perf_counter() - inicio


def main(args: argparse.Namespace) -> int:  # noqa: C901, PLR0912, PLR0915 - one straight run
    print(machine_line(args.store))
    print(f"escuelas={args.escuelas} ugeles={args.ugeles} docentes_por_escuela={args.docentes_por_escuela} "
          f"acompanantes_por_ugel={args.acompanantes_por_ugel} store={args.store}", flush=True)
    fallas: list[str] = []

    def comprobar(ok: bool, que: str) -> None:
        print(f"  {'ok' if ok else 'FALLA'}: {que}")
        if not ok:
            fallas.append(que)

    medidor = Medidor(args.perfil)
    with tempfile.TemporaryDirectory(prefix="bench-focalizacion-") as tmp_name, store(args.store) as st:
        settings = FocalizacionSettings(**st.settings(Path(tmp_name) / "data"))
        app = Focalizacion(settings)
        try:
            cuenta, import_s = importar(app, args)
            eventos_import = app.recorder.max_notification_id()
            print(f"preparado en {import_s:.1f}s (no medido): {eventos_import:,} eventos en el almacén, "
                  f"pico RSS hasta aquí {_ru_maxrss_mib():,.0f} MiB", flush=True)

            conv = app.convocatoria(CONVOCATORIA)
            reglas = app.reglas(conv.reglas)
            en_territorio = len(en_ambito(app.proyecciones.ies(conv.ambito), reglas))

            # (a) the pure engine, and the plain loop over the same dicts
            print("\n(a) motor puro", flush=True)
            atributos = atributos_leidos(reglas)
            ies = app.proyecciones.ies(conv.ambito)
            _, plano = medidor.medir(f"bucle plano ({len(atributos)} atributos por IE)", len(ies),
                                     bucle_plano, ies, atributos, perfilar=False)
            decisiones_puras, motor = medidor.medir("focalizar() puro", len, focalizar, ies, reglas)
            focalizadas_puras = sum(d["focalizada"] for d in decisiones_puras)
            del ies, decisiones_puras
            ies = app.proyecciones.ies(conv.ambito)
            gc.collect()
            tracemalloc.start()
            focalizar(ies, reglas)
            _, pico_tracemalloc = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            del ies
            print(f"  focalizar() bajo tracemalloc: pico {pico_tracemalloc / 2**20:,.0f} MiB de asignaciones de Python",
                  flush=True)

            # (b) + (c) the recorded commands and the catch-up after each
            print("\n(b) comandos registrados y (c) proyecciones", flush=True)
            antes = app.recorder.max_notification_id()
            resultado_f, foc = medidor.medir("ejecutar_focalizacion", lambda r: r["evaluadas"],
                                             app.ejecutar_focalizacion, CONVOCATORIA)
            despues_f = app.recorder.max_notification_id()
            _, foc_py = medidor.medir("ponerse_al_dia (decisiones)", despues_f - antes,
                                      app.proyecciones.ponerse_al_dia)
            resultado_a, asg = medidor.medir("asignar_carteras", lambda r: r["docentes_asignados"],
                                             app.asignar_carteras, CONVOCATORIA)
            despues_a = app.recorder.max_notification_id()
            _, asg_py = medidor.medir("ponerse_al_dia (asignaciones)", despues_a - despues_f,
                                      app.proyecciones.ponerse_al_dia)
            eventos_f, eventos_a = despues_f - antes, despues_a - despues_f
            print(f"  focalización: {resultado_f['evaluadas']:,} evaluadas, {resultado_f['focalizadas']:,} "
                  f"focalizadas, {resultado_f['cambios']:,} cambios, {eventos_f:,} eventos")
            print(f"  carteras: {resultado_a['ugeles']} UGEL, {resultado_a['acompanantes_incorporados']:,} "
                  f"acompañantes incorporados, {resultado_a['docentes_asignados']:,} docentes asignados, "
                  f"{len(resultado_a['escuelas_sin_cubrir']):,} IIEE sin cubrir "
                  f"({resultado_a['docentes_sin_cubrir']:,} docentes), {eventos_a:,} eventos", flush=True)

            # the raw limit: the same rows, one executemany in one transaction
            print("\nlímite crudo (mismas filas, un executemany, una transacción)", flush=True)
            rows_f = filas_escritas(app, antes, despues_f)
            rows_a = filas_escritas(app, despues_f, despues_a)
            bytes_f = sum(len(r[3]) for r in rows_f)
            bytes_a = sum(len(r[3]) for r in rows_a)
            if st.kind == "postgres":
                esquema = settings.postgres_schema or settings.servicio
                crudo_f = crudo_postgres(st, esquema, rows_f)
                crudo_a = crudo_postgres(st, esquema, rows_a)
                crudo_vf, crudo_va = crudo_f, crudo_a  # read models live in the same database
                donde_vistas = "la misma base PostgreSQL"
            else:
                eventos_db = settings.sqlite_path()
                vistas_db = settings.sqlite_path("-vistas")
                crudo_f = crudo_sqlite(eventos_db, rows_f, ddl_de="stored_events")
                crudo_a = crudo_sqlite(eventos_db, rows_a, ddl_de="stored_events")
                pragmas = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")  # as shared.views sets them
                crudo_vf = crudo_sqlite(vistas_db, rows_f, ddl_de=None, pragmas=pragmas)
                crudo_va = crudo_sqlite(vistas_db, rows_a, ddl_de=None, pragmas=pragmas)
                donde_vistas = vistas_db.name
            print(f"  {len(rows_f):,} filas de la focalización ({bytes_f / max(len(rows_f), 1):,.0f} B de estado "
                  f"por fila): {crudo_f:.2f}s en el almacén de eventos, {crudo_vf:.2f}s en {donde_vistas}")
            print(f"  {len(rows_a):,} filas de las carteras ({bytes_a / max(len(rows_a), 1):,.0f} B de estado "
                  f"por fila): {crudo_a:.2f}s en el almacén de eventos, {crudo_va:.2f}s en {donde_vistas}",
                  flush=True)

            # checks
            print("\ncomprobaciones", flush=True)
            decisiones = app.proyecciones.decisiones(CONVOCATORIA, limite=None)
            comprobar(resultado_f["evaluadas"] == en_territorio == cuenta["ies"] == len(decisiones),
                      f"decisiones = IIEE del ámbito: devueltas {resultado_f['evaluadas']:,}, en el ámbito "
                      f"{en_territorio:,}, importadas {cuenta['ies']:,}, proyectadas {len(decisiones):,}")
            comprobar(resultado_f["cambios"] == resultado_f["evaluadas"] and eventos_f == resultado_f["evaluadas"] + 1
                      and len(rows_f) == eventos_f and len(rows_a) == eventos_a,
                      f"una DecisionFocalizacion por IE + FocalizacionEjecutada: {eventos_f:,} eventos "
                      f"({len(rows_f):,} leídos del registro; {len(rows_a):,} de las carteras)")
            focalizadas_proy = sum(d["focalizada"] for d in decisiones)
            comprobar(focalizadas_puras == resultado_f["focalizadas"] == focalizadas_proy > 0,
                      f"focalizadas: motor puro {focalizadas_puras:,}, comando {resultado_f['focalizadas']:,}, "
                      f"proyección {focalizadas_proy:,}")
            carteras = app.proyecciones.carteras(CONVOCATORIA)
            asignados_proy = sum(c["docentes"] for c in carteras)
            comprobar(resultado_a["docentes_asignados"] > 0 and asignados_proy == resultado_a["docentes_asignados"],
                      f"asignaciones > 0: {resultado_a['docentes_asignados']:,} en el comando, "
                      f"{asignados_proy:,} en las carteras proyectadas")
            excedidas = [c for c in carteras if c["estado"] == "excede_ratio"
                         or (c["limite"] is not None and c["docentes"] > c["limite"])]
            comprobar(not excedidas, f"toda cartera dentro de su límite: {len(carteras):,} carteras, "
                                     f"{len(excedidas)} excedidas")
            tipo_de = {f"{d['codigo_modular']}-{d['anexo']}": d["tipo"] for d in decisiones if d["focalizada"]}
            otro_tipo = sum(1 for c in carteras for e in c["escuelas"] if tipo_de.get(e) != c["tipo"])
            comprobar(len(carteras) == resultado_a["acompanantes_incorporados"] and otro_tipo == 0,
                      f"carteras = acompañantes incorporados ({resultado_a['acompanantes_incorporados']:,}), "
                      f"cada una solo con IIEE focalizadas de su tipo ({otro_tipo} fuera de tipo)")
            docentes_de = app.proyecciones.docentes_por_ie()
            por_ie = Counter({ie_id: len(ds) for ie_id, ds in docentes_de.items()})
            del docentes_de
            en_focalizadas = sum(por_ie[str(ie_id(d["codigo_modular"], d["anexo"]))]
                                 for d in decisiones if d["focalizada"])
            comprobar(en_focalizadas == resultado_a["docentes_asignados"] + resultado_a["docentes_sin_cubrir"],
                      f"asignados + sin cubrir = docentes de IIEE focalizadas ({en_focalizadas:,})")
            por_estado = Counter(c["estado"] for c in carteras)
            limites = defaultdict(int)
            for c in carteras:
                limites[c["limite"]] += 1
            print(f"  estados de las carteras: {dict(por_estado)}; límites: "
                  f"{dict(sorted(limites.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))}")
        finally:
            app.close()

    n = cuenta["ies"]
    print_table(
        f"Focalización y carteras, padrón de {n:,} IIEE / {cuenta['docentes']:,} docentes / "
        f"{cuenta['acompanantes']:,} acompañantes / {args.ugeles} UGEL ({args.store})",
        [m.fila() for m in medidor.mediciones],
        ("fase", "filas", "s", "CPU s", "filas/s", "RSS inicio MiB", "pico RSS MiB"),
    )
    if not all(m.pico_de_fase for m in medidor.mediciones):
        print("* pico de todo el proceso hasta ese momento (ru_maxrss): no se pudo reiniciar VmHWM")
    total = foc.s + foc_py.s + asg.s + asg_py.s
    print(f"\nfocalización + carteras, con sus proyecciones: {total:.1f}s "
          f"(comandos {foc.s + asg.s:.1f}s + proyecciones {foc_py.s + asg_py.s:.1f}s); objetivo < 60 s; "
          f"importación aparte: {import_s:.1f}s")
    print(f"motor puro/bucle plano = {motor.s / plano.s:.1f}  (focalizar tarda {motor.s / plano.s:.0f}× lo que "
          f"leer sus atributos; {1e6 * motor.s / n:.0f} µs por IE); pico tracemalloc {pico_tracemalloc / 2**20:,.0f} MiB")
    print(f"crudo/ejecutar_focalizacion = {crudo_f / foc.s:.3f}  ({foc.s / crudo_f:.0f}× el insert crudo "
          f"de sus {len(rows_f):,} filas)")
    print(f"crudo/asignar_carteras = {crudo_a / asg.s:.3f}  ({asg.s / crudo_a:.0f}× el insert crudo "
          f"de sus {len(rows_a):,} filas)")
    print(f"crudo/ponerse_al_dia: decisiones {crudo_vf / foc_py.s:.3f}, asignaciones {crudo_va / asg_py.s:.3f}  "
          f"(mismas filas en {'la base de las vistas' if st.kind != 'postgres' else 'la misma base'})")
    print(f"pico RSS de todo el proceso (ru_maxrss, incluye generar e importar): {_ru_maxrss_mib():,.0f} MiB")

    if args.perfil:
        for nombre, stats in medidor.perfiles.items():
            salida = io.StringIO()
            stats.stream = salida
            stats.sort_stats("tottime").print_stats(args.perfil_lineas)
            print(f"\n--- cProfile: {nombre} (por tiempo propio) ---")
            print("\n".join(salida.getvalue().splitlines()[4:]))

    if fallas:
        print(f"\n{len(fallas)} comprobaciones fallaron:", *fallas, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--escuelas", type=int, default=60_000)
    parser.add_argument("--ugeles", type=int, default=220)
    parser.add_argument("--docentes-por-escuela", type=float, default=100.0,
                        help="media del generador, tope TDOCENTE de cada IE (100: unos 400.000 con 60.000 IIEE)")
    parser.add_argument("--acompanantes-por-ugel", type=int, default=28,
                        help="el generador da N//5 por tipo y uno más de multigrado (28: 26 por UGEL)")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", dest="store", action="store_const", const="postgres",
                        help="lo mismo que --store postgres")
    parser.add_argument("--perfil", action="store_true", help="cProfile de cada fase medida (la hace más lenta)")
    parser.add_argument("--perfil-lineas", type=int, default=20)
    sys.exit(main(parser.parse_args()))
