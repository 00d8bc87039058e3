"""Protocol fulfilment (cumplimiento de estrategias, the first variable of the seguimiento
matrix, NT-026 §5.5): delivered versus planned, per docente and rolled up, as of a date.

For each component a docente has a planned count for the year, a delivered count (activities
that took place on or before the date) and an expected count by that date: an internal
plan's own dates, or else the even pace of the school year (see ``calendario.vencimientos``).
A docente is behind when he received less than was due by the date in some component.
Percentages count at most the planned number per docente: eight visits to one docente do
not make up for none to another. A docente coached by an acompañante and, inside his school, by
his directivo (the internal modality) has two plans: each counts what its own observer delivered.
An internal plan's row also counts the school's "visitas entre pares" (seed 002: a docente observes a
colleague's class, organised by the directivo): those to his classroom and those he made. The seed
sets no number of them, so they have no planned or expected count, and external plans' rows do not
carry them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from services.agenda.calendario import ultimo_dia, vencimientos

COMPONENTES = ("visitas", "dias_visita", "gia", "rtc", "talleres", "dias_taller", "cursos")
NIVELES = ("docente", "acompanante", "ie", "ugel", "dre", "nacional")
PROPIAS = ("taller_acompanantes", "curso_acompanante")  # the acompañante's own formation
PARES = ("visitas_entre_pares_recibidas", "visitas_entre_pares_hechas")  # internal plans' rows only
CLAVES = {
    "docente": ("docente_id", "acompanante_id", "dre", "ugel", "ie", "tipo_ie", "nivel", "etapa", "protocolo"),
    "acompanante": ("acompanante_id", "dre", "ugel"),
    "ie": ("dre", "ugel", "ie"),
    "ugel": ("dre", "ugel"),
    "dre": ("dre",),
    "nacional": (),
}


def planificado(plan: dict[str, Any]) -> dict[str, int]:
    c = plan["componentes"]
    return {
        "visitas": sum(g["cantidad"] for g in c["visitas"]["grupos"]), "dias_visita": c["visitas"]["dias_total"],
        "gia": c["gia"]["cantidad"], "rtc": c["rtc"]["cantidad"],
        "talleres": c["talleres_docentes"]["cantidad"], "dias_taller": c["talleres_docentes"]["dias_total"],
        "cursos": c.get("cursos_virtuales", 0),
    }


def esperado(plan: dict[str, Any], fecha: date) -> dict[str, int]:
    c = plan["componentes"]
    inicio, fin = (date.fromisoformat(x) for x in plan["anio_escolar"])
    anio = inicio.year
    limites = []
    for g in c["visitas"]["grupos"]:
        limite = (date(anio, *map(int, g["antes_de"].split("-"))) if g.get("antes_de")
                  else ultimo_dia(anio, g["mes"]) if g.get("mes") else None)
        limites += [limite] * g["cantidad"]
    p = planificado(plan)

    def debidas(cantidad: int, **kw: Any) -> int:
        return sum(1 for v in vencimientos(cantidad, inicio, fin, **kw) if v <= fecha)

    visitas = debidas(p["visitas"], limites=limites)
    talleres = debidas(p["talleres"])
    return {
        "visitas": visitas, "dias_visita": _proporcion(p["dias_visita"], visitas, p["visitas"]),
        "gia": debidas(p["gia"], meses=c["gia"].get("meses")), "rtc": debidas(p["rtc"], meses=c["rtc"].get("meses")),
        "talleres": talleres, "dias_taller": _proporcion(p["dias_taller"], talleres, p["talleres"]),
        "cursos": debidas(p["cursos"]),
    }


def _proporcion(total: int, hechas: int, de: int) -> int:
    return round(total * hechas / de) if de else 0


def por_docente(planes: Iterable[dict[str, Any]], entregas: Iterable[dict[str, Any]], fecha: date,
                internos: set[str] = frozenset(),  # type: ignore[assignment]
                pares: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """One row per plan in force on ``fecha``: planned, expected and delivered per component.
    ``internos``: the observers of internal plans (directivos); what they deliver counts only in
    their own plans, and an external plan counts what everyone else delivered (any acompañante
    who held the docente that year). ``pares``: the schools' peer visits up to ``fecha``, counted
    in the internal plans of their school (``PARES``)."""
    entre_pares: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(PARES, 0))
    for v in pares:
        entre_pares[(v["docente_visitado_id"], v["ie"])]["visitas_entre_pares_recibidas"] += 1
        entre_pares[(v["docente_visitante_id"], v["ie"])]["visitas_entre_pares_hechas"] += 1
    realizado: dict[tuple[str, str | None], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COMPONENTES, 0))
    for e in entregas:
        observador = e.get("observador")
        r = realizado[(e["persona_id"], observador if observador in internos else None)]
        if e["tipo"] == "visita":
            r["visitas"] += 1
            r["dias_visita"] += e["dias"]
        elif e["tipo"] == "taller":
            r["talleres"] += 1
            r["dias_taller"] += e["dias"]
        elif e["tipo"] == "curso":
            r["cursos"] += 1
        elif e["tipo"] in ("gia", "rtc"):
            r[e["tipo"]] += 1
    filas = []
    for p in planes:
        if not p["activo"] and p["retirado_en"] is not None and p["retirado_en"] <= fecha:
            continue
        plan = p["plan"]
        fila: dict[str, Any] = {"docente_id": p["docente_id"], "acompanante_id": p["acompanante_id"],
                                "dre": p["dre"], "ugel": p["ugel"], "ie": f"{p['codigo_modular']}-{p['anexo']}",
                                "tipo_ie": p["tipo_ie"], "nivel": p["nivel"], "etapa": p["etapa"],
                                "protocolo": p["protocolo"], "modalidad": p.get("modalidad", "externa"),
                                "docentes": 1}
        propio = p["acompanante_id"] if p.get("modalidad") == "interna" else None
        plan_n, debido = planificado(plan), esperado(plan, fecha)
        hecho = realizado.get((p["docente_id"], propio), dict.fromkeys(COMPONENTES, 0))
        atrasos = []
        for comp in COMPONENTES:
            fila[f"{comp}_planificado"] = plan_n[comp]
            fila[f"{comp}_esperado"] = debido[comp]
            fila[f"{comp}_realizado"] = hecho[comp]
            fila[f"{comp}_cumplido"] = min(hecho[comp], plan_n[comp])
            if hecho[comp] < debido[comp]:
                atrasos.append(comp)
        if propio is not None:
            fila.update(entre_pares.get((p["docente_id"], fila["ie"]), dict.fromkeys(PARES, 0)))
        fila["atrasado"] = bool(atrasos)
        fila["atrasos"] = atrasos
        fila["docentes_atrasados"] = int(bool(atrasos))
        filas.append(fila)
    return filas


def agregar(filas: list[dict[str, Any]], nivel: str) -> list[dict[str, Any]]:
    """Roll the docentes' rows up to a level, with a percentage per component."""
    if nivel == "docente":
        grupos = filas
    else:
        claves = CLAVES[nivel]
        sumas: dict[tuple, dict[str, Any]] = {}
        for f in filas:
            clave = tuple(f[k] for k in claves)
            g = sumas.setdefault(clave, {**dict(zip(claves, clave)), "docentes": 0, "docentes_atrasados": 0,
                                         **{f"{c}_{m}": 0 for c in COMPONENTES
                                            for m in ("planificado", "esperado", "realizado", "cumplido")}})
            for k in g:
                if k not in claves and k not in PARES:
                    g[k] += f[k]
            for k in PARES:  # only where the group has an internal plan
                if k in f:
                    g[k] = g.get(k, 0) + f[k]
        grupos = [sumas[k] for k in sorted(sumas)]
    for g in grupos:
        for comp in COMPONENTES:
            plan_n = g[f"{comp}_planificado"]
            g[f"{comp}_porcentaje"] = round(100 * g[f"{comp}_cumplido"] / plan_n, 1) if plan_n else None
    return grupos


def formacion_propia(filas: list[dict[str, Any]], planes: Iterable[dict[str, Any]],
                     entregas: Iterable[dict[str, Any]]) -> None:
    """Add to each acompañante's row his own formation (NT-026 §5.2.8: "talleres macro regionales,
    cursos virtuales"): the talleres for acompañantes his docentes' protocols plan (the §5.6 tables'
    "No. Talleres para acompañantes" and their days; the largest among his docentes' plans), those
    he attended, and the virtual courses he completed (the norm sets no number of courses)."""
    plan_de: dict[str, tuple[int, int]] = {}
    for p in planes:
        t = p["plan"]["componentes"].get("talleres_acompanantes") or {"cantidad": 0, "dias_total": 0}
        previo = plan_de.get(p["acompanante_id"], (0, 0))
        plan_de[p["acompanante_id"]] = (max(previo[0], t["cantidad"]), max(previo[1], t["dias_total"]))
    hecho: dict[str, dict[str, float]] = defaultdict(lambda: {"talleres": 0, "dias": 0, "cursos": 0, "horas": 0.0})
    for e in entregas:
        h = hecho[e["persona_id"]]
        if e["tipo"] == "taller_acompanantes":
            h["talleres"] += 1
            h["dias"] += e["dias"]
        else:
            h["cursos"] += 1
            h["horas"] += e["horas"]
    for f in filas:
        talleres, dias = plan_de.get(f["acompanante_id"], (0, 0))
        h = hecho[f["acompanante_id"]]
        f.update({
            "talleres_propios_planificado": talleres, "talleres_propios_realizado": int(h["talleres"]),
            "talleres_propios_porcentaje": round(100 * min(h["talleres"], talleres) / talleres, 1) if talleres else None,
            "dias_taller_propios_planificado": dias, "dias_taller_propios_realizado": int(h["dias"]),
            "cursos_propios_realizado": int(h["cursos"]), "horas_cursos_propios": h["horas"],
        })
