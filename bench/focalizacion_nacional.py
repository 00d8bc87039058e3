"""Targeting and caseload assignment of a national-size padrón, against raw limits measured in the same run.

    python -m bench.focalizacion_nacional [--escuelas 60000] [--ugeles 220] [--store sqlite|postgres]

1. Generates the padrón with ``tests.support.padron.generar``. The defaults are 60,000 IIEE
   over 220 UGELs and ``docentes_por_escuela=100``. That gives about 400,000 docentes, because
   each school's count is capped by its TDOCENTE. ``acompanantes_por_ugel=28`` gives 26
   acompañantes per UGEL, 5,720 in all. The padrón is imported into a fresh store in a temp
   dir with ``importar_ies``, ``importar_docentes`` and ``importar_acompanantes``, each followed
   by the catch-up of the projections. Then ``publicar_reglas_incluidas`` and
   ``abrir_convocatoria``. All of this is timed, but only as setup.
2. (a) The pure engine: ``focalizar(ies, reglas)`` over the IE dicts of
   ``app.proyecciones.ies()``. It is compared with a plain loop that only reads, from each IE
   dict, the attributes that the rule set and the engine use. A second run under
   ``tracemalloc`` gives the engine's own peak of Python allocations.
3. (b) The recorded commands, each followed by (c) the catch-up of the projections
   (``app.proyecciones.ponerse_al_dia()``), timed apart: ``ejecutar_focalizacion``, then
   ``asignar_carteras``. Without the explicit catch-up in between, ``asignar_carteras`` would do
   it itself, because its first query catches up.
4. The raw limit. The rows that each command appended to the event store are read back (same
   originator ids, versions, topics and state bytes). They are inserted into a copy of the
   events table in the same database, with one ``executemany`` in one transaction (sqlite3, or
   psycopg on PostgreSQL). The same rows inserted into a table of the read-model database
   give the limit for the catch-up.
5. The rebuild of the read model from zero (``app.proyecciones.reconstruir()``, every event of the
   store: the import's included), against reading and decoding the same notification log in batches of
   the projection's size (``select_notifications`` + ``mapper.to_domain_event``, nothing else), in the
   same run (``bench._common.rebuild_contra_crudo``); goal ≥ 0.5. ``--sin-reconstruir`` leaves it out.
6. Checks:
   - one decision per IE in the rule set's territory: returned, recorded and projected, with
     the same focalized count as the pure engine;
   - more than 0 assignments, and all of them projected;
   - every caseload within its limit and with schools of its own type only;
   - assigned + not covered = docentes of the focalized IIEE;
   - the rebuild went through every event of the log and left the checksum it found.

   Exit 1 if any check fails.

For each phase it reports wall time, process CPU time and peak RSS. The peak is VmHWM from
/proc/self/status, reset before each phase by writing 5 to /proc/self/clear_refs. Where the
kernel refuses that, it falls back to ``ru_maxrss``, the peak of the whole process so far.
``--perfil`` runs cProfile on each timed phase and prints its top entries.

The raw limits are in ``bench.focalizacion_crudo``; the phases' measures and the final report in
``bench.focalizacion_informe``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

from bench._common import (
    machine_line,
    rebuild_contra_crudo,
    ru_maxrss_mib,
    store,
)
from bench.focalizacion_crudo import (
    atributos_leidos,
    bucle_plano,
    crudo_postgres,
    crudo_sqlite,
    filas_escritas,
)
from bench.focalizacion_informe import Corrida, Medicion, Medidor, informe
from services.focalizacion.application import Focalizacion
from services.focalizacion.comandos import AbrirConvocatoria
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.domainmodel import ie_id
from services.focalizacion.focalizar import en_ambito, focalizar
from services.focalizacion.reglas import ConjuntoReglas
from tests.support.padron import generar

CONVOCATORIA = "2020-2022"


# --- setup -----------------------------------------------------------------------------------


def importar(app: Focalizacion, args: argparse.Namespace) -> tuple[dict[str, int], float]:
    t0 = time.perf_counter()
    padron = generar(args.escuelas, ugeles=args.ugeles, docentes_por_escuela=args.docentes_por_escuela,
                     acompanantes_por_ugel=args.acompanantes_por_ugel)
    archivos = {que: padron.csv(que) for que in ("ies", "docentes", "acompanantes")}
    cuenta = {"ies": len(padron.ies), "docentes": len(padron.docentes),
              "acompanantes": len(padron.acompanantes)}
    del padron
    print(f"padrón generado en {time.perf_counter() - t0:.1f}s: {cuenta['ies']:,} IIEE, "
          f"{cuenta['docentes']:,} docentes, {cuenta['acompanantes']:,} acompañantes, {args.ugeles} UGEL "
          f"(CSV: {sum(len(b) for b in archivos.values()) / 2**20:,.0f} MiB)", flush=True)
    inicio = time.perf_counter()
    comandos = {"ies": app.importar_ies, "docentes": app.importar_docentes,
                "acompanantes": app.importar_acompanantes}
    for que, comando in comandos.items():
        t = time.perf_counter()
        informe = comando(archivos.pop(que))
        t_comando = time.perf_counter() - t
        t = time.perf_counter()
        proyectados = app.proyecciones.ponerse_al_dia()
        print(f"  importar {que}: {informe['nuevas']:,} nuevas, {len(informe['rechazadas'])} rechazadas, "
              f"{t_comando:.1f}s; proyección de {proyectados:,} eventos {time.perf_counter() - t:.1f}s",
              flush=True)
        if informe["nuevas"] != cuenta[que] or informe["rechazadas"]:
            raise SystemExit(f"la importación de {que} no registró todas las filas: {informe['nuevas']} de "
                             f"{cuenta[que]}, {len(informe['rechazadas'])} rechazadas")
    app.publicar_reglas_incluidas()
    app.abrir_convocatoria(AbrirConvocatoria(CONVOCATORIA, 2020, 2022, "NT-026"))
    app.proyecciones.ponerse_al_dia()
    return cuenta, time.perf_counter() - inicio


# --- the run ---------------------------------------------------------------------------------


class Comprobaciones:
    def __init__(self) -> None:
        self.fallas: list[str] = []

    def __call__(self, ok: bool, que: str) -> None:
        print(f"  {'ok' if ok else 'FALLA'}: {que}")
        if not ok:
            self.fallas.append(que)


def motor_puro(app: Focalizacion, reglas: ConjuntoReglas, ambito: str,
               medidor: Medidor) -> tuple[Medicion, Medicion, int, int]:
    print("\n(a) motor puro", flush=True)
    atributos = atributos_leidos(reglas)
    ies = app.proyecciones.ies(ambito)
    _, plano = medidor.medir(f"bucle plano ({len(atributos)} atributos por IE)", len(ies),
                             bucle_plano, ies, atributos, perfilar=False)
    decisiones, motor = medidor.medir("focalizar() puro", len, focalizar, ies, reglas)
    focalizadas = sum(d["focalizada"] for d in decisiones)
    del ies, decisiones
    ies = app.proyecciones.ies(ambito)  # focalizar adds keys to the dicts: start again from the store
    gc.collect()
    tracemalloc.start()
    focalizar(ies, reglas)
    _, pico = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  focalizar() bajo tracemalloc: pico {pico / 2**20:,.0f} MiB de asignaciones de Python",
          flush=True)
    return plano, motor, pico, focalizadas


def main(args: argparse.Namespace) -> int:  # noqa: PLR0915 - one straight run
    print(machine_line(args.store, nats=False))
    print(f"escuelas={args.escuelas} ugeles={args.ugeles} docentes_por_escuela={args.docentes_por_escuela} "
          f"acompanantes_por_ugel={args.acompanantes_por_ugel} store={args.store}", flush=True)
    comprobar = Comprobaciones()
    medidor = Medidor(args.perfil)
    with tempfile.TemporaryDirectory(prefix="bench-focalizacion-") as tmp_name, store(args.store) as st:
        settings = FocalizacionSettings(**st.settings(Path(tmp_name) / "data"))
        app = Focalizacion(settings)
        try:
            cuenta, import_s = importar(app, args)
            print(f"preparado en {import_s:.1f}s (no medido): {app.recorder.max_notification_id():,} eventos "
                  f"en el almacén, pico RSS hasta aquí {ru_maxrss_mib():,.0f} MiB", flush=True)
            conv = app.convocatoria(CONVOCATORIA)
            reglas = app.reglas(conv.reglas)
            en_territorio = len(en_ambito(app.proyecciones.ies(conv.ambito), reglas))

            plano, motor, pico_tracemalloc, focalizadas_puras = motor_puro(app, reglas, conv.ambito, medidor)

            print("\n(b) comandos registrados y (c) proyecciones", flush=True)
            antes = app.recorder.max_notification_id()
            res_f, foc = medidor.medir("ejecutar_focalizacion", lambda r: r["evaluadas"],
                                       app.ejecutar_focalizacion, CONVOCATORIA)
            despues_f = app.recorder.max_notification_id()
            _, foc_py = medidor.medir("ponerse_al_dia (decisiones)", despues_f - antes,
                                      app.proyecciones.ponerse_al_dia)
            res_a, asg = medidor.medir("asignar_carteras", lambda r: r["docentes_asignados"],
                                       app.asignar_carteras, CONVOCATORIA)
            despues_a = app.recorder.max_notification_id()
            _, asg_py = medidor.medir("ponerse_al_dia (asignaciones)", despues_a - despues_f,
                                      app.proyecciones.ponerse_al_dia)
            eventos_f, eventos_a = despues_f - antes, despues_a - despues_f
            print(f"  focalización: {res_f['evaluadas']:,} evaluadas, {res_f['focalizadas']:,} focalizadas, "
                  f"{res_f['cambios']:,} cambios, {eventos_f:,} eventos")
            print(f"  carteras: {res_a['ugeles']} UGEL, {res_a['acompanantes_incorporados']:,} acompañantes "
                  f"incorporados, {res_a['docentes_asignados']:,} docentes asignados, "
                  f"{len(res_a['escuelas_sin_cubrir']):,} IIEE sin cubrir ({res_a['docentes_sin_cubrir']:,} "
                  f"docentes), {eventos_a:,} eventos", flush=True)

            print("\nlímite crudo (las mismas filas, un executemany, una transacción)", flush=True)
            filas_f = filas_escritas(app, antes, despues_f)
            filas_a = filas_escritas(app, despues_f, despues_a)
            if st.kind == "postgres":
                esquema = settings.postgres_schema or settings.servicio
                crudo_f = crudo_postgres(st, esquema, filas_f)
                crudo_a = crudo_postgres(st, esquema, filas_a)
                crudo_vf, crudo_va = crudo_f, crudo_a  # the read models live in the same database
                vistas = "la misma base"
            else:
                eventos_db, vistas_db = settings.sqlite_path(), settings.sqlite_path("-vistas")
                crudo_f = crudo_sqlite(eventos_db, filas_f, copia_de="stored_events")
                crudo_a = crudo_sqlite(eventos_db, filas_a, copia_de="stored_events")
                pragmas = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")  # as shared.views
                crudo_vf = crudo_sqlite(vistas_db, filas_f, copia_de=None, pragmas=pragmas)
                crudo_va = crudo_sqlite(vistas_db, filas_a, copia_de=None, pragmas=pragmas)
                vistas = vistas_db.name
            for que, filas, s, sv in (("focalización", filas_f, crudo_f, crudo_vf),
                                      ("carteras", filas_a, crudo_a, crudo_va)):
                por_fila = sum(len(f[3]) for f in filas) / max(len(filas), 1)
                print(f"  {len(filas):,} filas de {que} ({por_fila:,.0f} B de estado por fila): {s:.2f}s "
                      f"en el almacén de eventos, {sv:.2f}s en {vistas}", flush=True)

            print("\ncomprobaciones", flush=True)
            comprobar(len(filas_f) == eventos_f == res_f["evaluadas"] + 1 == res_f["cambios"] + 1
                      and len(filas_a) == eventos_a,
                      f"una DecisionFocalizacion por IE + FocalizacionEjecutada: {eventos_f:,} eventos")
            comprobar_resultados(app, comprobar, cuenta["ies"], en_territorio, focalizadas_puras,
                                 res_f, res_a)
            if not args.sin_reconstruir:
                for fallo in rebuild_contra_crudo(app, app.proyecciones, f"focalizacion ({st.kind})",
                                                  perfil=args.perfil, perfil_lineas=args.perfil_lineas):
                    comprobar(False, fallo)
        finally:
            app.close()

    informe(args, Corrida(cuenta, import_s, plano, motor, pico_tracemalloc, foc, foc_py, asg, asg_py,
                          len(filas_f), len(filas_a), crudo_f, crudo_a, crudo_vf, crudo_va), medidor, st.kind)
    if comprobar.fallas:
        print(f"\n{len(comprobar.fallas)} comprobaciones fallaron:", *comprobar.fallas, sep="\n  ")
        return 1
    return 0


def comprobar_resultados(app: Focalizacion, comprobar: Comprobaciones, importadas: int, en_territorio: int,
                         focalizadas_puras: int, res_f: dict[str, Any], res_a: dict[str, Any]) -> None:
    decisiones = app.proyecciones.decisiones(CONVOCATORIA, limite=None)
    comprobar(res_f["evaluadas"] == en_territorio == importadas == len(decisiones),
              f"decisiones = IIEE del ámbito: devueltas {res_f['evaluadas']:,}, en el ámbito "
              f"{en_territorio:,}, importadas {importadas:,}, proyectadas {len(decisiones):,}")
    focalizadas = [d for d in decisiones if d["focalizada"]]
    comprobar(focalizadas_puras == res_f["focalizadas"] == len(focalizadas) > 0,
              f"focalizadas: motor puro {focalizadas_puras:,}, comando {res_f['focalizadas']:,}, "
              f"proyección {len(focalizadas):,}")
    carteras = app.proyecciones.carteras(CONVOCATORIA)
    asignados = sum(c["docentes"] for c in carteras)
    comprobar(res_a["docentes_asignados"] > 0 and asignados == res_a["docentes_asignados"],
              f"asignaciones > 0: {res_a['docentes_asignados']:,} en el comando, {asignados:,} en las "
              f"carteras proyectadas")
    excedidas = [c for c in carteras if c["estado"] == "excede_ratio"
                 or (c["limite"] is not None and c["docentes"] > c["limite"])]
    comprobar(not excedidas, f"toda cartera dentro de su límite: {len(carteras):,} carteras, "
                             f"{len(excedidas)} excedidas")
    tipo_de = {f"{d['codigo_modular']}-{d['anexo']}": d["tipo"] for d in focalizadas}
    otro_tipo = sum(1 for c in carteras for e in c["escuelas"] if tipo_de.get(e) != c["tipo"])
    comprobar(len(carteras) == res_a["acompanantes_incorporados"] and otro_tipo == 0,
              f"una cartera por acompañante incorporado ({res_a['acompanantes_incorporados']:,}), solo con "
              f"IIEE focalizadas de su tipo ({otro_tipo} de otro tipo)")
    por_ie = Counter({ie: len(ds) for ie, ds in app.proyecciones.docentes_por_ie().items()})
    en_focalizadas = sum(por_ie[str(ie_id(d["codigo_modular"], d["anexo"]))] for d in focalizadas)
    comprobar(en_focalizadas == res_a["docentes_asignados"] + res_a["docentes_sin_cubrir"],
              f"asignados + sin cubrir = docentes de las IIEE focalizadas ({en_focalizadas:,})")
    limites = Counter(c["limite"] for c in carteras)
    print(f"  carteras por estado: {dict(Counter(c['estado'] for c in carteras))}; por límite: "
          f"{dict(sorted(limites.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--escuelas", type=int, default=60_000)
    parser.add_argument("--ugeles", type=int, default=220)
    parser.add_argument("--docentes-por-escuela", type=float, default=100.0,
                        help="media del generador, con tope en el TDOCENTE de cada IE "
                             "(100: unos 400.000 docentes con 60.000 IIEE)")
    parser.add_argument("--acompanantes-por-ugel", type=int, default=28,
                        help="el generador da N//5 por tipo y uno más de multigrado (28: 26 por UGEL)")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", dest="store", action="store_const", const="postgres",
                        help="lo mismo que --store postgres")
    parser.add_argument("--perfil", action="store_true",
                        help="cProfile de cada fase medida (la hace más lenta) y sus primeras entradas")
    parser.add_argument("--perfil-lineas", type=int, default=20)
    parser.add_argument("--sin-reconstruir", action="store_true",
                        help="sin el rebuild de la proyección contra la lectura cruda de su log (paso 5)")
    sys.exit(main(parser.parse_args()))
