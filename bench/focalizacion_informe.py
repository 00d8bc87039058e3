"""What ``bench.focalizacion_nacional`` measures with (``Medidor``: each phase's time, CPU, memory and optional
profile) and its final report (``informe``: the phases' table, the totals and the ratios to the raw limits)."""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench._common import print_table, rate, reiniciar_pico, ru_maxrss_mib, status_mib

# --- the phases' measures ----------------------------------------------------------------------


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
              perfilar: bool = True) -> tuple[Any, Medicion]:
        gc.collect()
        de_fase = reiniciar_pico()
        rss0 = status_mib("VmRSS")
        perfilador = cProfile.Profile() if self.perfil and perfilar else None
        cpu0, t0 = time.process_time(), time.perf_counter()
        if perfilador:
            perfilador.enable()
        resultado = fn(*args)
        if perfilador:
            perfilador.disable()
        s, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        pico = status_mib("VmHWM") if de_fase else ru_maxrss_mib()
        n = filas(resultado) if callable(filas) else filas
        m = Medicion(nombre, n, s, cpu, rss0, pico, de_fase)
        self.mediciones.append(m)
        if perfilador:
            self.perfiles[nombre] = pstats.Stats(perfilador)
        print(f"  {nombre}: {n:,} en {s:.2f}s (CPU {cpu:.2f}s), pico RSS {pico:,.0f} MiB", flush=True)
        return resultado, m


# --- the report ------------------------------------------------------------------------------


@dataclass
class Corrida:
    cuenta: dict[str, int]
    import_s: float
    plano: Medicion
    motor: Medicion
    pico_tracemalloc: int
    foc: Medicion
    foc_py: Medicion
    asg: Medicion
    asg_py: Medicion
    filas_f: int
    filas_a: int
    crudo_f: float  # seconds: the targeting's rows into the event store
    crudo_a: float  # the assignment's rows into the event store
    crudo_vf: float  # the targeting's rows into the read-model database
    crudo_va: float


def informe(args: argparse.Namespace, r: Corrida, medidor: Medidor, kind: str) -> None:
    c = r.cuenta
    print_table(
        f"Focalización y carteras: {c['ies']:,} IIEE, {c['docentes']:,} docentes, {c['acompanantes']:,} "
        f"acompañantes, {args.ugeles} UGEL ({kind})",
        [m.fila() for m in medidor.mediciones],
        ("fase", "filas", "s", "CPU s", "filas/s", "RSS inicio MiB", "pico RSS MiB"),
    )
    if not all(m.pico_de_fase for m in medidor.mediciones):
        print("* pico de todo el proceso hasta ese momento (ru_maxrss): no se pudo reiniciar VmHWM")
    total = r.foc.s + r.foc_py.s + r.asg.s + r.asg_py.s
    print(f"\nfocalización + carteras con sus proyecciones: {total:.1f}s (comandos {r.foc.s + r.asg.s:.1f}s, "
          f"proyecciones {r.foc_py.s + r.asg_py.s:.1f}s); objetivo < 60 s. "
          f"Importación aparte: {r.import_s:.1f}s")
    print(f"bucle plano/motor puro = {r.plano.s / r.motor.s:.3f}  "
          f"(focalizar() tarda {r.motor.s / r.plano.s:.0f}× lo que leer sus atributos; "
          f"{1e6 * r.motor.s / c['ies']:.0f} µs por IE; "
          f"pico tracemalloc {r.pico_tracemalloc / 2**20:,.0f} MiB)")
    for nombre, crudo, m, filas in (("ejecutar_focalizacion", r.crudo_f, r.foc, r.filas_f),
                                    ("asignar_carteras", r.crudo_a, r.asg, r.filas_a)):
        print(f"crudo/{nombre} = {crudo / m.s:.3f}  ({m.s / crudo:.0f}× el executemany crudo de sus "
              f"{filas:,} filas en el almacén de eventos)")
    donde = "la misma base" if kind == "postgres" else "la base de las vistas"
    print(f"crudo/ponerse_al_dia = {r.crudo_vf / r.foc_py.s:.3f} tras la focalización, "
          f"{r.crudo_va / r.asg_py.s:.3f} tras las carteras  (las mismas filas en {donde})")
    print(f"pico RSS de todo el proceso (ru_maxrss, incluye generar e importar): {ru_maxrss_mib():,.0f} MiB")
    for nombre, stats in medidor.perfiles.items():
        for orden, titulo in (("tottime", "tiempo propio"), ("cumulative", "tiempo acumulado")):
            salida = io.StringIO()
            stats.stream = salida
            stats.sort_stats(orden).print_stats(args.perfil_lineas)
            print(f"\n--- cProfile: {nombre}, por {titulo} ---")
            print("\n".join(line for line in salida.getvalue().splitlines()[4:] if line.strip()))
