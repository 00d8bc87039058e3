"""What the execution of a school's own plan has done by a date: the directivo's visits to each docente placed in
the plan's visit columns (``Avance``, ``avance``), and in its phases (``fases``). The plan's documents
(``documentos``) draw it, and its informe de ejecución counts it (``api/plan_ie.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from services.agenda.calendario import ultimo_dia

if TYPE_CHECKING:
    from services.agenda.application import Agenda
    from services.agenda.escuela import PlanMonitoreoIE

MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "setiembre", "octubre",
         "noviembre", "diciembre")
ROMANOS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# The rows of the planificador individual (IES Miguel Grau, Anexo B).
FASES = {"diagnostica": "Inicio o diagnóstica", "mejora": "Proceso de mejora", "salida": "Monitoreo de salida"}
OTRAS = "Otras visitas (además de las previstas)"


def dia(valor: str | date) -> str:
    d = date.fromisoformat(valor) if isinstance(valor, str) else valor
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


@dataclass
class Columna:
    titulo: str
    mes: int | None
    antes_de: str | None
    fase: str | None

    def limite(self, anio: int) -> date | None:
        """The last day its visit is due, as ``cumplimiento.esperado`` counts it: its deadline, or
        the end of its month; ``None`` when the template sets neither."""
        if self.antes_de is not None:
            return date(anio, *map(int, self.antes_de.split("-")))
        return ultimo_dia(anio, self.mes) if self.mes is not None else None


@dataclass
class Avance:
    plan_ie: PlanMonitoreoIE
    plan: dict[str, Any]  # the plan as its documents read it (``PlanIE.como_dict``)
    columnas: list[Columna]
    por_docente: dict[str, list[dict[str, Any] | None]] = field(default_factory=dict)  # a cell per column
    otras: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # visits beyond the planned ones
    programadas: dict[str, list[str]] = field(default_factory=dict)
    rtc_realizadas: int = 0
    entre_pares: int = 0  # "visitas entre pares" (seed 002) on or before the date

    @property
    def planificadas(self) -> int:
        return len(self.columnas) * len(self.plan["docentes"])

    @property
    def cumplidas(self) -> int:
        """The planned visits done: at most the planned number per docente, as ``cumplimiento``."""
        return sum(1 for celdas in self.por_docente.values() for c in celdas if c is not None)

    @property
    def realizadas(self) -> int:
        return self.cumplidas + sum(len(v) for v in self.otras.values())

    def hechas(self, docente_id: str) -> list[dict[str, Any]]:
        """Every visit done to the docente, in date order."""
        return sorted([*(c for c in self.por_docente[docente_id] if c is not None), *self.otras[docente_id]],
                      key=lambda v: v["fecha_inicio"])


def columnas(componentes: dict[str, Any]) -> list[Columna]:
    cols = []
    for g in componentes["visitas"]["grupos"]:
        for _ in range(g["cantidad"]):
            n = ROMANOS[len(cols)] if len(cols) < len(ROMANOS) else str(len(cols) + 1)
            if g.get("mes"):
                titulo = f"{MESES[g['mes'] - 1].upper()} — {n} visita"
            elif g.get("antes_de"):
                mes, dia = g["antes_de"].split("-")
                fase = f"{g['fase']}, " if g.get("fase") else ""
                titulo = f"{n} visita ({fase}antes del {dia}/{mes})"
            else:
                titulo = f"{n} visita"
            cols.append(Columna(titulo, g.get("mes"), g.get("antes_de"), g.get("fase")))
    return cols


def _ubicar(cols: list[Columna], visitas: list[dict[str, Any]]) -> tuple[list[dict[str, Any] | None],
                                                                        list[dict[str, Any]]]:
    """The plan's columns, each with the docente's visit it holds, and the visits beyond them.

    A template may give a column for some months only (IEI N°246: June, September, November), but
    every visit done is shown and counted. In date order: first each visit made in a column's own
    month takes it; then each other visit takes the first free column still due on its date (its
    deadline or its month's end), or else, made late, the last free one; a visit left over when
    every column is taken is one more than planned (``Avance.otras``)."""
    celdas: list[dict[str, Any] | None] = [None] * len(cols)
    resto = []
    for v in visitas:
        mes = v["fecha_inicio"].month
        i = next((i for i, c in enumerate(cols) if celdas[i] is None and c.mes == mes), None)
        if i is None:
            resto.append(v)
        else:
            celdas[i] = v
    otras = []
    for v in resto:
        libres = [i for i, c in enumerate(cols) if celdas[i] is None]
        debidas = [i for i in libres if (limite := cols[i].limite(v["fecha_inicio"].year)) is None
                   or v["fecha_inicio"] <= limite]
        if debidas:
            celdas[debidas[0]] = v
        elif libres:
            celdas[libres[-1]] = v  # made late: it makes up for the last visit missed
        else:
            otras.append(v)
    return celdas, otras


def avance(agenda: Agenda, plan_ie: PlanMonitoreoIE, fecha: date) -> Avance:
    """The directivo's visits to each docente of the plan (its aggregate, read once by the caller),
    realized on or before ``fecha``."""
    plan = plan_ie.plan.como_dict()
    cols = columnas(plan["componentes"])
    resultado = Avance(plan_ie=plan_ie, plan=plan, columnas=cols)
    actividades = agenda.proyecciones.actividades(plan["directivo_id"], plan["anio"])
    resultado.entre_pares = sum(1 for v in plan_ie.visitas_entre_pares.values() if date.fromisoformat(v.fecha) <= fecha)
    hechas: dict[str, list[dict[str, Any]]] = {d["docente_id"]: [] for d in plan["docentes"]}
    resultado.programadas = {d["docente_id"]: [] for d in plan["docentes"]}
    for a in sorted(actividades, key=lambda a: a["fecha_inicio"]):
        if a["tipo"] == "rtc" and a["estado"] == "realizada" and a["fecha_inicio"] <= fecha:
            resultado.rtc_realizadas += 1
        if a["tipo"] != "visita" or a["datos"]["docentes"][0] not in hechas:
            continue
        docente = a["datos"]["docentes"][0]
        if a["estado"] == "programada":
            resultado.programadas[docente].append(dia(a["fecha_inicio"]))
        elif a["estado"] == "realizada" and a["fecha_inicio"] <= fecha:
            hechas[docente].append(a)
    for docente, visitas in hechas.items():
        resultado.por_docente[docente], resultado.otras[docente] = _ubicar(cols, visitas)
    return resultado


def fases(a: Avance, docente_id: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The plan's phases, each with the docente's visits done in it: the template's phases by date
    (both ends included; they never overlap, see ``protocolos.Componentes``), a visit outside every
    phase (a late one in December) in the nearest; or, when it has none, one per visit column, with
    the visit placed in that column, and the visits beyond the planned ones apart. Each visit counts
    in one phase only."""
    plan = a.plan
    if not plan["componentes"].get("fases"):
        otras = [(OTRAS, a.otras[docente_id])] if a.otras[docente_id] else []
        return [(c.titulo, [v] if v is not None else [])
                for c, v in zip(a.columnas, a.por_docente[docente_id], strict=True)] + otras
    resultado, rangos = [], []
    for f in plan["componentes"]["fases"]:
        desde, hasta = (date(plan["anio"], *map(int, f[k].split("-"))) for k in ("desde", "hasta"))
        meses = f"{MESES[desde.month - 1]} – {MESES[hasta.month - 1]}"
        hitos = ", ".join("/".join(reversed(h.split("-"))) for h in f.get("hitos") or [])
        titulo = f"{FASES.get(f['nombre'], f['nombre'])} ({meses})" + (
            f"; avances antes del {hitos}" if hitos else "")
        resultado.append((titulo, []))
        rangos.append((desde, hasta))
    for v in a.hechas(docente_id):
        dia = v["fecha_inicio"]
        lejos = [max(desde - dia, dia - hasta, timedelta(0)) for desde, hasta in rangos]  # 0: in the phase
        resultado[lejos.index(min(lejos))][1].append(v)
    return resultado
