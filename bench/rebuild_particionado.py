"""What ``bench.evaluacion_rebuild --particiones`` prints of a partitioned rebuild: each task's events read and
CPU seconds (from the run's control rows, ``services.evaluacion.particiones_control``), and the extrapolation
of the measured CPU to a national year of 49 million events with a number of pods."""

from __future__ import annotations

import math
from typing import Any

NACIONAL = 49_000_000  # events of a national year (issue 19)
META_S = 30 * 60  # the goal: a national year rebuilt in 30 minutes


def tareas_de(informe: list[Any]) -> list[dict[str, Any]]:
    """The run's task rows as the benchmark keeps them (JSON)."""
    return [{"tarea": f.tarea, "fase": f.fase, "eventos": f.eventos, "cpu": f.cpu,
             "s": (f.terminada_en.timestamp() - f.inicio) if f.terminada_en is not None else None}
            for f in informe]


def lineas_tareas(n: int, particiones: int, tareas: list[dict[str, Any]]) -> list[str]:
    """One line per task: events read, CPU seconds, CPU per event read and per event of the whole stream."""
    lineas = [f"{particiones} particiones, por tarea (CPU del proceso durante la tarea):"]
    for t in tareas:
        por_leido = 1e6 * t["cpu"] / t["eventos"] if t["eventos"] else 0.0
        lineas.append(f"  {t['tarea']:<22} {t['eventos']:>10,} eventos leídos, CPU {t['cpu']:7.1f} s, "
                      f"{por_leido:6.0f} µs/evento leído, {1e6 * t['cpu'] / n:6.0f} µs por evento del stream")
    mayor = max((t["eventos"] for t in tareas if t["fase"] == 2), default=0)
    lineas.append(f"  la partición mayor leyó {mayor:,} eventos: × {mayor * particiones / n:.2f} una parte igual "
                  f"({n / particiones:,.0f})")
    return lineas


def extrapolar(n: int, tareas: list[dict[str, Any]]) -> list[str]:
    """49 M events from the measured CPU of a run. Phase 1: the slices' CPU per event read times 49 M over the
    pods (each reads 1/pods of the stream's sequences), plus the slowest join of a chain (scaled: a chain read
    again in one process is, its join alone is not). Phase 2: the partitions' CPU per event read times 49 M
    over the pods, assuming the national year's facts split evenly among them by UGEL (about 220 UGELs; the
    benchmark's 8 split unevenly, printed apart). Each pod is assumed to get a core of this machine's speed,
    and NATS and the database to keep up (not measured here); the switch is left out."""
    escala = NACIONAL / n
    tramos = [t for t in tareas if t["tarea"].startswith("tramo")]
    uniones = [t for t in tareas if t["tarea"].startswith("cadena")]
    particiones = [t for t in tareas if t["fase"] == 2]

    def por_evento(grupo: list[dict[str, Any]]) -> float:
        leidos = sum(t["eventos"] for t in grupo)
        return sum(t["cpu"] for t in grupo) / leidos if leidos else 0.0

    c1, c2 = por_evento(tramos), por_evento(particiones)
    union = max(((t["cpu"] * escala if t["eventos"] else t["cpu"]) for t in uniones), default=0.0)

    def total(pods: int) -> float:
        return (c1 + c2) * NACIONAL / pods + union

    lineas = [f"extrapolación a {NACIONAL / 1e6:.0f} M eventos (CPU medida en {n:,} eventos, escala × {escala:,.0f}):",
              f"  fase 1 (tramos de las cadenas): {1e6 * c1:,.0f} µs de CPU por evento leído, "
              f"{c1 * NACIONAL / 60:,.0f} min de CPU en total; unión de las cadenas: "
              + ", ".join(f"{t['tarea'].removeprefix('cadena ')} {t['cpu']:.2f} s"
                          + (f" (leída de nuevo: {t['eventos']:,} eventos)" if t["eventos"] else "") for t in uniones),
              f"  fase 2 (particiones): {1e6 * c2:,.0f} µs de CPU por evento leído; "
              f"{c2 * NACIONAL / 60:,.0f} min de CPU en total",
              "  cada fase se reparte entre los pods:"]
    for p in (4, 8, 16, 32, 64):
        lineas.append(f"  con {p} pods: fase 1 {(c1 * NACIONAL / p + union) / 60:,.1f} min + fase 2 "
                      f"{c2 * NACIONAL / p / 60:,.1f} min = {total(p) / 60:,.1f} min")
    if union >= META_S:
        lineas.append(f"  meta de 30 min: NO cumplida con ningún número de pods: una cadena leída de nuevo en un "
                      f"proceso tardaría {union / 60:,.1f} min")
        return lineas
    pods = math.ceil((c1 + c2) * NACIONAL / (META_S - union))
    lineas.append(f"  meta de 30 min: {'cumplida' if total(pods) <= META_S else 'NO cumplida'} con {pods} pods "
                  f"({total(pods) / 60:,.1f} min, sin contar el cambio de generación), si las cadenas están limpias "
                  f"(ningún hecho roto, repetido ni fuera de orden; si no, esa cadena se lee en un proceso)")
    return lineas
