"""Rebuild of evaluacion's three projections from the stream, against the raw read-and-decode rate
of the same events in the same run, and its memory as the event count grows (issue 6).

    python -m bench.evaluacion_rebuild                                  # 200,000 events, SQLite (~3 min)
    python -m bench.evaluacion_rebuild --eventos 1000000 5000000        # the issue's sizes (see bench/README.md)
    python -m bench.evaluacion_rebuild --store postgres                 # throwaway database on 127.0.0.1:5432
    python -m bench.evaluacion_rebuild --eventos 100000 --perfil        # cProfile of the rebuild (slower)
    python -m bench.evaluacion_rebuild --con-historia                   # + the fourth projection (historia)
    python -m bench.evaluacion_rebuild --con-historia --particiones 1 2 4  # + the rebuild split by DRE

Each size runs in a fresh subprocess, so its peak RSS is its own. In it:

1. **Setup (not timed):** its own nats-server (``tests.support.servers.NatsServer``, data in a temp
   dir under /tmp, removed at the end), the streams (``shared.streams.ensure_streams``), and N
   synthetic events of a three-year cycle (convocatoria 2020-2022) published with
   ``js.publish_async`` and the PubAcks awaited in bulk. The events are what evaluacion consumes, in
   the proportions of a real year: per docente and year a plan (``PlanAnualGeneradoV1``, with the
   protocol's components), the plan's visits (``VisitaRealizadaV1``) each with its classroom
   observation (``ObservacionRegistradaV1``, six desempeños), one valuation per competency
   (``NivelCompetenciaValoradoV1``), the etapa's close (``EtapaCerradaV1``) and a survey
   (``EncuestaSatisfaccionRespondidaV1``); per school and year the plan's GIAs (``GIACompletadoV1``,
   every docente of the school); per acompañante two semestral surveys; in the first year the
   initial situation (``SituacionInicialRegistradaV1``). Schools of five types, one acompañante per
   two schools, eight UGELs. Each envelope is what a relay publishes: its author (``ce-usuario``,
   ``ce-rol``) and its link in its service's hash chain (``Envelope.encadenar``).
2. **(a) raw:** an ephemeral pull consumer (the same config as ``shared.replay.replay``: the
   projections' subjects, from sequence 1, no acks) that fetches every message in batches; once
   without decoding and once with ``Envelope.parse`` of each (read and decode: the limit).
3. **(b) ours:** ``Proyecciones(settings)`` (generation 1, empty) and then
   ``shared.replay.rebuild(js, [progreso, seguimiento, practica], batch=lote, grace=0)``, timed
   (``grace`` is a 2 s wait for readers of the old generation, not work). ``--con-historia`` adds
   the fourth projection, ``historia`` (every fact about each docente and the services' hash
   chains), which ``python -m services.evaluacion.rebuild`` also rebuilds by default; then the raw
   reader reads the same subjects, and the checks add one fact row per docente concerned, one
   verified link per event and one chain per service. ``--cadenas`` passes the producers
   (``productores=PRODUCTORES``) as ``python -m services.evaluacion.rebuild`` does: the rebuild also
   follows their hash chains in memory (``shared.eslabones.Lectura``), a matrix applying only what
   continues its chain; without it the chains are not followed (the runs recorded before it).
   Checks: every projection's active generation is 2 and generation 1 is dropped; every table and
   inbox holds the rows the published events imply (valuations = NivelCompetenciaValorado
   published, entregas = visits + each GIA's docentes, ...).

4. **``--particiones P ...``:** after (b), for each P, ``services.evaluacion.rebuild.reconstruir_particionado``
   with P processes (``python -m services.evaluacion.rebuild --particiones P``: phase 1, one task per
   service reads that service's facts, records the history's ledger and the producers' chain verdict; phase 2,
   each process reads only the facts of its territories and writes their rows; the last switches), timed
   from the reservation of the generations to the switch. Checks: every projection's checksum equals the
   one-process rebuild's; the partitions read the stream's events once between them. Reported: its time, the
   processes' CPU, the peak RSS of one process, the speed-up against (b), its ratio to the raw read, each
   task's events read and CPU seconds (``bench.rebuild_particionado``), and, from the run with the most
   partitions, the extrapolation of that CPU to 49 million events with a number of pods and whether the
   30-minute goal is met.

Reported per phase: wall s, process CPU s (all threads), events/s, the RSS at its start and its
peak (VmHWM, reset before each phase by writing 5 to /proc/self/clear_refs; ru_maxrss otherwise),
and for the rebuild the RSS sampled at every tenth of the way (flat memory shows there).

The synthetic cycle, what it implies and the fill are in ``bench.evaluacion_ciclo``; the phases' measures,
the raw read and the profiles in ``bench.evaluacion_medicion``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench._common import bench_world, machine_line, print_table, rate, ru_maxrss_mib, status_mib
from bench.evaluacion_ciclo import llenar
from bench.evaluacion_medicion import (
    Medidor,
    contar_filas,
    imprimir_perfil,
    leer_crudo,
    perfilar,
    tamano_vistas,
)
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from bench.rebuild_particionado import extrapolar, lineas_tareas, tareas_de
from services.evaluacion.rebuild import PRODUCTORES, en_subproceso, reconstruir_particionado
from shared.replay import rebuild
from shared.streams import STREAM


async def un_tamano(args: argparse.Namespace) -> dict[str, Any]:
    n = args.un_tamano
    medidor = Medidor()
    async with bench_world("bench-eval-rebuild-", args.store, sync_always=args.sync_siempre) as (tmp, server, st, nc):
        js = nc.jetstream()
        started = time.perf_counter()
        esperado, duplicados = await llenar(js, n, historia=args.con_historia)
        fill_s = time.perf_counter() - started
        info = (await js.stream_info(STREAM)).state
        mix = ", ".join(f"{k.removesuffix('V1')} {v:,} ({100 * v / n:.1f}%)"
                        for k, v in esperado.por_contrato.most_common())
        print(f"preparado: {info.messages:,} mensajes, {info.bytes / 2**20:,.0f} MiB en el stream, en {fill_s:.0f}s "
              f"({rate(n, fill_s)}/s, no medido), {duplicados} duplicados\n  {mix}", flush=True)

        settings = EvaluacionSettings(**st.settings(tmp / "data"), nats_url=server.url)
        proyecciones = Proyecciones(settings)
        vistas = list((proyecciones.todas if args.con_historia else proyecciones.matrices).values())
        contratos = sorted({k for v in vistas for k in v.contratos}, key=lambda k: k.ce_type())

        inicio = medidor.empezar()
        leidos_sin = await leer_crudo(js, contratos, n, args.lote, decodificar=False)
        medidor.terminar("crudo: fetch (sin decodificar)", leidos_sin, inicio)
        inicio = medidor.empezar()
        leidos = await leer_crudo(js, contratos, n, args.lote, decodificar=True)
        crudo = medidor.terminar("crudo: fetch + Envelope.parse", leidos, inicio)
        print(f"crudo: {leidos_sin:,} leídos sin decodificar, {leidos:,} leídos y decodificados", flush=True)

        muestras: list[tuple[int, float]] = []
        siguiente = [0.1]

        def avance(vistos: int, total: int) -> None:
            if total and vistos / total >= siguiente[0] - 1e-9:
                rss = status_mib("VmRSS")
                muestras.append((vistos, rss))
                siguiente[0] = (int(10 * vistos / total) + 1) / 10
                s = time.perf_counter() - inicio[1]
                print(f"  rebuild {100 * vistos / total:3.0f}%: {vistos:,} eventos en {s:,.0f}s "
                      f"({rate(vistos, s)}/s), RSS {rss:,.0f} MiB, carga {os.getloadavg()[0]:.1f}", flush=True)

        perfiles = perfilar(vistas) if args.perfil else None
        inicio = medidor.empezar()
        if perfiles:
            perfiles[0].enable()
        generaciones = await rebuild(js, vistas, batch=args.lote, progress=avance, grace=0.0,
                                     productores=PRODUCTORES if args.cadenas else ())
        if perfiles:
            perfiles[0].disable()
        nuestro = medidor.terminar(f"rebuild de {len(vistas)} proyecciones", n, inicio)

        estados = {v.nombre: v.estado() for v in vistas}
        guardadas = {v.nombre: v.generaciones_guardadas() for v in vistas}
        filas = await asyncio.to_thread(contar_filas, vistas)
        if args.con_historia:
            def sin_verificar(conn: Any, t: Any) -> int:
                e = t.eslabones
                return conn.execute(select(func.count()).select_from(e).where(e.c.estado != "verificado")).scalar_one()
            filas["historia.eslabones sin verificar"] = proyecciones.historia.leer(sin_verificar)
        mib_vistas = tamano_vistas(settings, proyecciones)
        sumas = {}
        if args.checksum or args.particiones:
            sumas = {v.nombre: v.checksum() for v in vistas}
        if args.checksum:
            print("checksums: " + ", ".join(f"{k} {v[:16]}" for k, v in sumas.items()))
        particionadas = []
        for p in args.particiones or []:  # the same rebuild split by DRE, each partition its own process
            hijos = os.times()
            inicio = medidor.empezar()
            informe: list[Any] = []
            partida = await reconstruir_particionado(
                settings, server.url, [v.nombre for v in vistas], p, lote=args.lote,
                lanzar=en_subproceso(settings, server.url, args.lote, grace=0.0), informe=informe)
            fase = medidor.terminar(f"rebuild en {p} particiones", n, inicio)
            despues = os.times()
            cpu_hijos = (despues.children_user + despues.children_system) - (hijos.children_user + hijos.children_system)
            iguales = {k: v.split(" ", 1)[1] for k, v in partida.items()} == sumas
            particionadas.append({"particiones": p, "s": fase.s, "cpu_hijos": cpu_hijos, "iguales": iguales,
                                  "rss_hijo_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                                  "tareas": tareas_de(informe)})
            print(f"  {p} particiones: {fase.s:.1f}s, CPU de los procesos {cpu_hijos:.1f}s, "
                  f"checksums {'iguales' if iguales else 'DISTINTOS'} a los del rebuild en un proceso", flush=True)
            print("\n".join(lineas_tareas(n, p, particionadas[-1]["tareas"])), flush=True)
            estados = {v.nombre: v.estado() for v in vistas}
            guardadas = {v.nombre: v.generaciones_guardadas() for v in vistas}
        nats_rss = status_mib("VmRSS", server.process.pid) if server.process else float("nan")
        nats_hwm = status_mib("VmHWM", server.process.pid) if server.process else float("nan")
        proyecciones.close()

    fallos = []
    if info.messages != n or duplicados:
        fallos.append(f"stream: {info.messages} mensajes, {duplicados} duplicados (se esperaban {n}, 0)")
    if leidos_sin != n or leidos != n:
        fallos.append(f"crudo: {leidos_sin} y {leidos} leídos de {n}")
    ultima = 2 + len(particionadas)  # each rebuild fills the next generation and drops the one before
    for nombre, estado in estados.items():
        if estado["activa"] != ultima or estado["construyendo"] is not None or guardadas[nombre] != [ultima]:
            fallos.append(f"{nombre}: activa {estado['activa']}, construyendo {estado['construyendo']}, "
                          f"generaciones en la base {guardadas[nombre]} (se esperaba {ultima}, None, [{ultima}])")
    for r in particionadas:
        leidos = sum(t["eventos"] for t in r["tareas"] if t["fase"] == 2)
        if leidos != n:
            fallos.append(f"rebuild en {r['particiones']} particiones: sus particiones leyeron {leidos:,} eventos, "
                          f"no los {n:,} del stream una vez cada uno")
        if not r["iguales"]:
            fallos.append(f"rebuild en {r['particiones']} particiones: checksums distintos a los del rebuild en un proceso")
    for clave in sorted(set(filas) | set(esperado.filas)):
        if filas[clave] != esperado.filas[clave]:
            fallos.append(f"{clave}: {filas[clave]:,} filas, se esperaban {esperado.filas[clave]:,}")

    print(f"reconstruido: generaciones {generaciones}; filas: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(filas.items()) if not k.endswith(".inbox")))
    print("RSS durante el rebuild (eventos leídos: MiB): "
          + ", ".join(f"{v:,}: {m:,.0f}" for v, m in muestras))
    print(f"base de las vistas: {mib_vistas:,.0f} MiB; nats-server RSS {nats_rss:,.0f} MiB (pico {nats_hwm:,.0f})")
    print_table(
        f"Rebuild de evaluacion ({', '.join(v.nombre for v in vistas)}) vs lectura cruda ({n:,} eventos, "
        f"lotes de {args.lote}, {args.store}{', siguiendo las cadenas' if args.cadenas else ''})",
        [f.fila() for f in medidor.fases],
        ("fase", "eventos", "s", "CPU s", "eventos/s", "RSS inicio MiB", "pico RSS MiB", "carga 1 min"),
    )
    razon = (n / nuestro.s) / (n / crudo.s)
    print(f"\nnuestro/crudo = {razon:.3f}  (el rebuild logra el {100 * razon:.1f}% de leer y decodificar)")
    print(f"meta ≥ 0.5: {'cumplida' if razon >= 0.5 else 'no cumplida'}")
    for r in particionadas:
        print(f"{r['particiones']} particiones: {n / r['s']:,.0f} eventos/s, {r['s']:.1f}s "
              f"(× {nuestro.s / r['s']:.2f} el rebuild en un proceso; particionado/crudo = {crudo.s / r['s']:.3f}); "
              f"CPU de sus procesos {r['cpu_hijos']:.1f}s; pico RSS de un proceso {r['rss_hijo_mib']:,.0f} MiB; "
              f"a este ritmo, 49 M eventos: {49e6 / (n / r['s']) / 60:,.0f} min")
    for r in particionadas:
        print("\n".join(lineas_tareas(n, r["particiones"], r["tareas"])))
    if particionadas:
        print("\n".join(extrapolar(n, max(particionadas, key=lambda r: r["particiones"])["tareas"])))
    print(f"pico RSS de todo el proceso (ru_maxrss, incluye el llenado): "
          f"{ru_maxrss_mib():,.0f} MiB")
    if perfiles:
        imprimir_perfil("hilo del lazo (fetch, Envelope.parse, asyncio)", perfiles[0], args.perfil_lineas)
        imprimir_perfil("hilo que aplica los lotes (aplicar_varias de cada vista)", perfiles[1],
                        args.perfil_lineas)
    for fallo in fallos:
        print("INCONSISTENTE:", fallo)
    return {"eventos": n, "llenado_s": fill_s, "fases": [asdict(f) for f in medidor.fases], "razon": razon,
            "muestras_rss": muestras, "ru_maxrss_mib": ru_maxrss_mib(),
            "mib_stream": info.bytes / 2**20, "mib_vistas": mib_vistas, "nats_hwm_mib": nats_hwm,
            "fallos": fallos, "mezcla": dict(esperado.por_contrato), "particionadas": particionadas}


def main(args: argparse.Namespace) -> int:
    """One fresh subprocess per size (its own peak RSS), then the summary."""
    print(machine_line(args.store, sync_always=args.sync_siempre), flush=True)
    resultados = []
    for n in args.eventos:
        print(f"\n=== {n:,} eventos ===", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-eval-rebuild-res-") as carpeta:
            salida = Path(carpeta) / "resultado.json"
            orden = [sys.executable, "-m", "bench.evaluacion_rebuild", "--un-tamano", str(n), "--salida", str(salida),
                     "--store", args.store, "--lote", str(args.lote), "--perfil-lineas", str(args.perfil_lineas)]
            orden += ["--sync-siempre"] * args.sync_siempre + ["--perfil"] * args.perfil
            orden += ["--checksum"] * args.checksum + ["--con-historia"] * args.con_historia
            orden += ["--cadenas"] * args.cadenas
            orden += ["--particiones", *map(str, args.particiones)] if args.particiones else []
            rc = subprocess.run(orden, check=False).returncode
            if rc != 0 or not salida.exists():
                print(f"la corrida de {n:,} eventos terminó con código {rc}")
                resultados.append(None)
                continue
            resultados.append(json.loads(salida.read_text()))
    filas = []
    for r in resultados:
        if r is None:
            continue
        sin, crudo, nuestro = (r["fases"][i] for i in range(3))
        filas.append((f"{r['eventos']:,}", rate(r["eventos"], sin["s"]), rate(r["eventos"], crudo["s"]),
                      rate(r["eventos"], nuestro["s"]), f"{r['razon']:.3f}", f"{crudo['cpu']:.1f} / {nuestro['cpu']:.1f}",
                      f"{crudo['rss_pico']:,.0f} / {nuestro['rss_pico']:,.0f}", f"{r['ru_maxrss_mib']:,.0f}",
                      f"{crudo['carga']:.1f} / {nuestro['carga']:.1f}"))
    if filas:
        print_table(f"Resumen ({args.store}, lotes de {args.lote}"
                    + (", con la historia)" if args.con_historia else ")"), filas,
                    ("eventos", "fetch ev/s", "fetch+parse ev/s", "rebuild ev/s", "rebuild/crudo",
                     "CPU s crudo / rebuild", "pico RSS MiB crudo / rebuild", "ru_maxrss MiB", "carga crudo / rebuild"))
    ok = all(r is not None and not r["fallos"] for r in resultados)
    if not ok:
        print("\nINCONSISTENTE: revise los conteos de arriba")
    return 0 if ok else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--eventos", type=int, nargs="+", default=[200_000],
                   help="tamaños (uno o más), cada uno en un subproceso nuevo; p. ej. --eventos 1000000 5000000")
    p.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--lote", type=int, default=500, help="mensajes por fetch y por transacción (el de rebuild: 500)")
    p.add_argument("--sync-siempre", action="store_true",
                   help="nats-server con sync_interval: always (solo hace más lento el llenado, que no se mide)")
    p.add_argument("--perfil", action="store_true", help="cProfile del rebuild (sus tiempos no son los del benchmark)")
    p.add_argument("--perfil-lineas", type=int, default=25)
    p.add_argument("--checksum", action="store_true",
                   help="imprime el checksum de cada proyección (los datos son deterministas: iguales entre corridas)")
    p.add_argument("--con-historia", action="store_true",
                   help="reconstruye también la historia de cada docente (la cuarta proyección, sobre todo sujeto), "
                        "como hace por defecto python -m services.evaluacion.rebuild")
    p.add_argument("--cadenas", action="store_true",
                   help="el rebuild sigue las cadenas de huellas de los productores en memoria (una matriz aplica "
                        "solo lo que continúa su cadena), como python -m services.evaluacion.rebuild; sin esta "
                        "opción la llamada a shared.replay.rebuild no las sigue")
    p.add_argument("--particiones", type=int, nargs="+", default=[],
                   help="después del rebuild en un proceso, el mismo partido por DRE en N procesos (p. ej. 1 2 4: "
                        "python -m services.evaluacion.rebuild --particiones N); sus checksums deben ser iguales")
    p.add_argument("--un-tamano", type=int, help=argparse.SUPPRESS)
    p.add_argument("--salida", type=Path, help=argparse.SUPPRESS)
    return p


if __name__ == "__main__":
    argumentos = parser().parse_args()
    if argumentos.un_tamano:
        # SIGTERM as Ctrl-C: the nats-server and the temp dir (GBs at 5M events) are cleaned up on the way out.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        resultado = asyncio.run(un_tamano(argumentos))
        if argumentos.salida:
            argumentos.salida.write_text(json.dumps(resultado, default=str))
        sys.exit(1 if resultado["fallos"] else 0)
    sys.exit(main(argumentos))
