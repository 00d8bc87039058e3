"""The reports of the seguimiento and evaluación matrices (NT-026 §5.5), computed from the projections as of a
moment like every report of evaluacion (``reportes.Corte``): the fulfilment of each plan's strategies, the
satisfaction surveys, the acompañantes' performance and the observed teaching practice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select

from services.evaluacion import reportes
from services.evaluacion.metas import NIVELES, valor
from services.evaluacion.projections import PLANIFICADO
from shared.stream_views import Tablas


# --- the seguimiento matrix ----------------------------------------------------------------------------




def cumplimiento(conn: Connection, t: Tablas, corte: reportes.Corte, anio: int, por: str, hasta: date | None = None,
                 **filtros: Any) -> list[dict[str, Any]]:
    """Strategies delivered by ``hasta`` (the cut's day by default) against each docente's plan (capped at
    the plan per docente), per group."""
    planes = reportes.filtrar(reportes.acompanados(conn, t, corte, anio=anio).values(), filtros)
    entregado: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PLANIFICADO, 0))
    filas = conn.execute(select(t.entregas).where(and_(t.entregas.c.anio == anio,
                                                      t.entregas.c.registrado_en <= corte.clave,
                                                      t.entregas.c.fecha <= (hasta or corte.dia))))
    for e in filas:
        r = entregado[e.persona_id]
        if e.tipo == "visita":
            r["visitas"] += 1
            r["dias_visita"] += e.dias
        elif e.tipo == "taller":
            r["talleres"] += 1
            r["dias_taller"] += e.dias
        elif e.tipo == "curso":
            r["cursos"] += 1
        else:
            r[e.tipo] += 1
    grupos: dict[tuple, dict[str, Any]] = {}
    for plan in planes:
        g = grupos.setdefault(reportes.grupo(plan, por), {**{k: plan[k] for k in reportes.AGRUPACIONES[por]}, "anio": anio,
                                                  "docentes": 0, **{f"{p}_planificado": 0 for p in PLANIFICADO},
                                                  **{f"{p}_realizado": 0 for p in PLANIFICADO}})
        g["docentes"] += 1
        r = entregado.get(plan["docente_id"], {})
        for p in PLANIFICADO:
            g[f"{p}_planificado"] += plan[f"{p}_plan"]
            g[f"{p}_realizado"] += min(r.get(p, 0), plan[f"{p}_plan"])
    resultado = []
    for clave in sorted(grupos, key=lambda k: tuple(str(x) for x in k)):
        g = grupos[clave]
        for p in PLANIFICADO:
            g[f"{p}_porcentaje"] = reportes.porcentaje(g[f"{p}_realizado"], g[f"{p}_planificado"])
        resultado.append(g)
    return resultado


def satisfaccion(conn: Connection, t: Tablas, corte: reportes.Corte, anio: int, por: str,
                 **filtros: Any) -> list[dict[str, Any]]:
    """Per group, respondent and period: answers, mean per question and the share satisfied (mean ≥ 4)."""
    grupos: dict[tuple, dict[str, Any]] = {}
    filas = conn.execute(select(t.encuestas).where(and_(t.encuestas.c.anio == anio,
                                                       t.encuestas.c.registrado_en <= corte.clave)))
    por_territorio = por if por in ("ugel", "dre", "nacional") else "ugel"
    for e in reportes.filtrar((dict(f._mapping) for f in filas), filtros):
        clave = (*reportes.grupo(e, por_territorio), e["encuestado"], e["periodo"])
        g = grupos.setdefault(clave, {**{k: e[k] for k in reportes.AGRUPACIONES[por_territorio]}, "anio": anio,
                                      "encuestado": e["encuestado"], "periodo": e["periodo"], "respuestas": 0,
                                      "satisfechos": 0, "_sumas": defaultdict(int)})
        g["respuestas"] += 1
        g["satisfechos"] += e["promedio"] >= 4
        for pregunta, puntaje in json.loads(e["respuestas"]).items():
            g["_sumas"][pregunta] += puntaje
    resultado = []
    for clave in sorted(grupos, key=lambda k: tuple(str(x) for x in k)):
        g = grupos[clave]
        sumas = g.pop("_sumas")
        g.update({f"promedio_{p}": round(s / g["respuestas"], 2) for p, s in sorted(sumas.items())})
        g["porcentaje_satisfechos"] = reportes.porcentaje(g["satisfechos"], g["respuestas"])
        resultado.append(g)
    return resultado


def desempeno_acompanantes(conn: Connection, t: Tablas, corte: reportes.Corte, anio: int | None,
                           momentos: tuple[str, ...], **filtros: Any) -> list[dict[str, Any]]:
    """Per acompañante: his level at each of ``momentos`` (start and end, or each semester)."""
    consulta = select(t.desempeno).where(t.desempeno.c.registrado_en <= corte.clave)
    if anio is not None:
        consulta = consulta.where(t.desempeno.c.anio == anio)
    por_acompanante: dict[str, dict[str, Any]] = {}
    for f in reportes.filtrar((dict(f._mapping) for f in conn.execute(consulta)), filtros):
        if f["momento"] not in momentos:
            continue
        a = por_acompanante.setdefault(f["acompanante_id"], {"acompanante_id": f["acompanante_id"], "dre": f["dre"],
                                                             "ugel": f["ugel"], **dict.fromkeys(momentos)})
        a[f["momento"]] = f["nivel"]
    resultado = []
    for clave in sorted(por_acompanante):
        a = por_acompanante[clave]
        niveles = [a[m] for m in momentos if a[m]]
        a["cambio"] = valor(a[momentos[-1]]) - valor(a[momentos[0]]) if a[momentos[0]] and a[momentos[-1]] else None
        a["evaluaciones"] = len(niveles)
        resultado.append(a)
    return resultado


# --- the evaluación matrix: pedagogical practice ----------------------------------------------------


def _observadores(conn: Connection, t: Tablas, corte: reportes.Corte, anio: int) -> dict[str, set[str]]:
    """Per coaching plan of the year, every acompañante it had by the cut (the first and each one it was
    reassigned to): the observations of its visits are theirs."""
    p, k = t.planes, t.planes_cambios
    del_anio = (p.c.anio == anio, p.c.modalidad == "externa", p.c.registrado_en <= corte.clave)
    observadores: dict[str, set[str]] = defaultdict(set)
    for plan_id, acompanante_id in conn.execute(
            select(p.c.plan_id, p.c.acompanante_id).where(*del_anio)
            .union_all(select(k.c.plan_id, k.c.acompanante_id).where(
                k.c.plan_id.in_(select(p.c.plan_id).where(*del_anio)), k.c.tipo == "reasignado",
                k.c.registrado_en <= corte.clave))):
        observadores[plan_id].add(acompanante_id)
    return observadores


def practica(conn: Connection, t: Tablas, corte: reportes.Corte, anio: int, por: str,
             **filtros: Any) -> list[dict[str, Any]]:
    """Per docente (or group) and desempeño: the first and the last level observed in the year (each
    observation as last corrected by the cut), and whether it improved."""
    consulta = select(t.observaciones).where(and_(t.observaciones.c.anio == anio,
                                                  t.observaciones.c.registrado_en <= corte.clave))
    ultimas: dict[str, dict[str, Any]] = {}
    for f in conn.execute(consulta.order_by(t.observaciones.c.correccion)):
        ultimas[f.observacion_id] = dict(f._mapping)
    planes = {p["docente_id"]: p for p in reportes.acompanados(conn, t, corte, anio=anio).values()}
    observadores = _observadores(conn, t, corte, anio)
    por_docente: dict[tuple[str, str], list[tuple[date, str, str]]] = defaultdict(list)
    for o in ultimas.values():
        plan = planes.get(o["docente_id"])
        if plan is None or (o["acompanante_id"] is not None
                            and o["acompanante_id"] not in observadores[plan["plan_id"]]):
            continue  # not the coaching plan's: the directivo's own visits (modalidad interna) count elsewhere
        for item, n in json.loads(o["niveles"]).items():
            por_docente[(o["docente_id"], item)].append((o["fecha"], o["registrado_en"], n["nivel"]))
    filas_docente = []
    for (docente, item), niveles in por_docente.items():
        plan = planes.get(docente)
        if plan is None:
            continue
        niveles.sort()
        filas_docente.append({**{k: plan[k] for k in reportes.AGRUPACIONES["docente"]}, "item": item,
                              "observaciones": len(niveles), "primer_nivel": niveles[0][2],
                              "ultimo_nivel": niveles[-1][2],
                              "cambio": valor(niveles[-1][2]) - valor(niveles[0][2])})
    filas_docente = reportes.filtrar(filas_docente, filtros)
    if por == "docente":
        return sorted(filas_docente, key=lambda f: (f["dre"], f["ugel"], f["docente_id"], f["item"]))
    grupos: dict[tuple, dict[str, Any]] = {}
    for f in filas_docente:
        g = grupos.setdefault((*reportes.grupo(f, por), f["item"]), {**{k: f[k] for k in reportes.AGRUPACIONES[por]}, "anio": anio,
                                                             "item": f["item"], "docentes": 0,
                                                             **{f"ultimo_{n}": 0 for n in NIVELES},
                                                             "mejoraron": 0, "_cambio": 0})
        g["docentes"] += 1
        g[f"ultimo_{f['ultimo_nivel']}"] += 1
        g["mejoraron"] += f["cambio"] > 0
        g["_cambio"] += f["cambio"]
    resultado = []
    for clave in sorted(grupos, key=lambda k: tuple(str(x) for x in k)):
        g = grupos[clave]
        g["cambio_promedio"] = round(g.pop("_cambio") / g["docentes"], 2)
        g["porcentaje_mejoraron"] = reportes.porcentaje(g["mejoraron"], g["docentes"])
        resultado.append(g)
    return resultado
