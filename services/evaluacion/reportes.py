"""The reports of evaluacion, computed from the projections as of a moment (NT-026 §5.2.5, §5.3, §5.5).

Every report reads only what had been recorded by ``al`` (each row's ``registrado_en``): a report
as of the close of etapa 1 says the same after etapa 2's events arrive, and says which moment
it describes. Achieved levels are the latest close (or correction) recorded by then; expected
levels come from the latest metas recorded by then and the docente's initial situation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, select

from services.evaluacion.metas import NIVELES, competencias, esperado, valor
from services.evaluacion.projections import _Base
from shared.contracts.evaluacion import MetaCompetencia
from shared.stream_views import Tablas, instante

LIMA = ZoneInfo("America/Lima")
AGRUPACIONES = {
    "docente": ("docente_id", "dre", "ugel", "codigo_modular", "anexo", "tipo_ie"),
    "ie": ("dre", "ugel", "codigo_modular", "anexo"),
    "ugel": ("dre", "ugel"),
    "dre": ("dre",),
    "tipo_ie": ("tipo_ie",),
    "nacional": (),
}


@dataclass(frozen=True)
class Corte:
    """The moment a report describes."""

    momento: datetime

    @classmethod
    def de(cls, al: date | datetime | None) -> Corte:
        """``None``: now; a date: the end of that day in Lima; a naive datetime: Lima time."""
        if al is None:
            return cls(datetime.now(UTC))
        if isinstance(al, datetime):
            return cls(al if al.tzinfo else al.replace(tzinfo=LIMA))
        return cls(datetime.combine(al, time.max, LIMA))

    @property
    def clave(self) -> str:
        return instante(self.momento)

    @property
    def dia(self) -> date:
        return self.momento.astimezone(LIMA).date()

    def nota(self) -> dict[str, str]:
        local = self.momento.astimezone(LIMA)
        return {"al": self.momento.isoformat(),
                "nota": f"Lo registrado hasta el {local:%d/%m/%Y %H:%M:%S} (hora de Lima): lo que se registre "
                        "después, aunque se refiera a fechas anteriores, no cambia este reporte."}


def filtrar(filas: Iterable[dict[str, Any]], filtros: dict[str, Any]) -> list[dict[str, Any]]:
    activos = {k: v for k, v in filtros.items() if v is not None}
    return [f for f in filas if all(f.get(k) == v for k, v in activos.items())]


def grupo(fila: dict[str, Any], por: str) -> tuple:
    return tuple(fila[k] for k in AGRUPACIONES[por])


def porcentaje(parte: int, total: int) -> float | None:
    return round(100.0 * parte / total, 1) if total else None


def acompanados(conn: Connection, t: Tablas, corte: Corte, **filtros: Any) -> dict[str, dict[str, Any]]:
    """The coaching plans recorded by the cut: those of the external modality (NT-026 §5.2.2, "a
    través del acompañante pedagógico"), never the directivo's own plan of his school (modalidad
    interna, §5.2.1), which agenda publishes too."""
    return _Base.planes_al(conn, t, corte.clave, modalidad="externa", **filtros)


# --- the formative evaluation -------------------------------------------------------------------------


def metas_al(conn: Connection, t: Tablas, corte: Corte, convocatoria: str) -> dict[str, dict[str, Any]]:
    """By school type: the latest metas version recorded by the cut, as {version, (etapa, comp): meta}."""
    filas = conn.execute(select(t.metas).where(and_(t.metas.c.convocatoria == convocatoria,
                                                   t.metas.c.registrado_en <= corte.clave)))
    por_tipo: dict[str, dict[str, Any]] = {}
    for f in filas:
        actual = por_tipo.get(f.tipo_ie)
        if actual is None or f.version_metas > actual["version"]:
            actual = por_tipo[f.tipo_ie] = {"version": f.version_metas}
        if f.version_metas == actual["version"]:
            actual[(f.etapa, f.competencia)] = MetaCompetencia(avance=f.avance, minimo=f.minimo)
    return por_tipo


def _iniciales_al(conn: Connection, t: Tablas, corte: Corte, convocatoria: str,
                  docentes: set[str] | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    consulta = select(t.iniciales).where(and_(t.iniciales.c.convocatoria == convocatoria,
                                              t.iniciales.c.registrado_en <= corte.clave))
    if docentes is not None and len(docentes) == 1:
        consulta = consulta.where(t.iniciales.c.docente_id == next(iter(docentes)))
    return {(f.docente_id, f.competencia): dict(f._mapping) for f in conn.execute(consulta)
            if docentes is None or f.docente_id in docentes}


def _cierres_al(conn: Connection, t: Tablas, corte: Corte, convocatoria: str, etapa: int | None = None,
                docente: str | None = None) -> dict[tuple[str, int, str], dict[str, Any]]:
    """The latest close (or correction) per docente, etapa and competency recorded by the cut."""
    consulta = select(t.cierres).where(and_(t.cierres.c.convocatoria == convocatoria,
                                            t.cierres.c.registrado_en <= corte.clave))
    if etapa is not None:
        consulta = consulta.where(t.cierres.c.etapa == etapa)
    if docente is not None:
        consulta = consulta.where(t.cierres.c.docente_id == docente)
    ultimos: dict[tuple[str, int, str], dict[str, Any]] = {}
    for f in conn.execute(consulta.order_by(t.cierres.c.correccion)):
        ultimos[(f.docente_id, f.etapa, f.competencia)] = {**f._mapping, "correcciones": f.correccion}
    return ultimos


def _esperado(metas: dict[str, dict[str, Any]], tipo_ie: str, etapa: int, competencia: str,
              inicial: str | None) -> tuple[str | None, int | None]:
    de_tipo = metas.get(tipo_ie)
    meta = de_tipo.get((etapa, competencia)) if de_tipo else None
    if meta is None:
        return None, None
    return esperado(meta, inicial), de_tipo["version"]  # type: ignore[index]


def progreso_docente(conn: Connection, t: Tablas, docente_id: str, corte: Corte,
                     convocatoria: str | None = None) -> dict[str, Any] | None:
    """For each competency: the initial level, every valuation, and per etapa the achieved and the
    expected level and the gap (levels still missing; negative when the docente went beyond)."""
    planes = acompanados(conn, t, corte, docente_id=docente_id)
    if not planes:
        return None
    convocatoria = convocatoria or max(planes.values(), key=lambda p: p["anio"])["convocatoria"]
    planes_conv = sorted((p for p in planes.values() if p["convocatoria"] == convocatoria), key=lambda p: p["anio"])
    if not planes_conv:
        return None  # no plan of the docente in that convocatoria
    metas = metas_al(conn, t, corte, convocatoria)
    iniciales = _iniciales_al(conn, t, corte, convocatoria, {docente_id})
    cierres = _cierres_al(conn, t, corte, convocatoria, docente=docente_id)
    valoraciones = conn.execute(select(t.valoraciones).where(and_(
        t.valoraciones.c.docente_id == docente_id, t.valoraciones.c.convocatoria == convocatoria,
        t.valoraciones.c.registrado_en <= corte.clave)).order_by(t.valoraciones.c.fecha, t.valoraciones.c.registrado_en))
    por_competencia: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in valoraciones:
        por_competencia[v.competencia].append({
            "valoracion_id": v.valoracion_id, "fecha": v.fecha.isoformat(), "etapa": v.etapa, "nivel": v.nivel,
            "evidencias": json.loads(v.evidencias), "sustento": v.sustento})
    tipo_actual = planes_conv[-1]["tipo_ie"]
    resultado = []
    for comp in competencias(tipo_actual):
        inicial = iniciales.get((docente_id, comp))
        etapas = []
        for plan in planes_conv:
            cierre = cierres.get((docente_id, plan["etapa"], comp))
            meta, version = _esperado(metas, plan["tipo_ie"], plan["etapa"], comp, inicial and inicial["nivel"])
            logrado = cierre["nivel"] if cierre else None
            etapas.append({
                "etapa": plan["etapa"], "anio": plan["anio"], "esperado": meta, "logrado": logrado,
                "brecha": valor(meta) - valor(logrado) if meta and logrado else None,
                "alcanzo": valor(logrado) >= valor(meta) if meta and logrado else None,
                "metas_version": version, "correcciones": cierre["correcciones"] if cierre else 0})
        resultado.append({
            "competencia": comp,
            "inicial": {"nivel": inicial["nivel"], "fecha": inicial["fecha"].isoformat(),
                        "evidencias": json.loads(inicial["evidencias"])} if inicial else None,
            "valoraciones": por_competencia.get(comp, []), "etapas": etapas})
    ultimo = planes_conv[-1]
    return {"docente_id": docente_id, "convocatoria": convocatoria, **corte.nota(),
            "planes": [{k: p[k] for k in ("anio", "etapa", "tipo_ie", "nivel", "codigo_modular", "anexo", "dre",
                                          "ugel", "acompanante_id", "activo")} for p in planes_conv],
            "tipo_ie": ultimo["tipo_ie"], "competencias": resultado}


def registradas(conn: Connection, tabla: Any, docente_id: str,
                 autor: str | None = None) -> list[dict[str, Any]]:
    """A docente's initial levels or valuations, in both modalities (``autor``'s only, if given)."""
    consulta = select(tabla).where(tabla.c.docente_id == docente_id)
    if autor is not None:
        consulta = consulta.where(tabla.c.acompanante_id == autor)
    return [{**f._mapping, "fecha": f.fecha.isoformat(), "evidencias": json.loads(f.evidencias)}
            for f in conn.execute(consulta.order_by(tabla.c.fecha, tabla.c.registrado_en,
                                                    tabla.c.competencia))]


def resultados_etapa(conn: Connection, t: Tablas, corte: Corte, convocatoria: str, etapa: int, por: str,
                     **filtros: Any) -> list[dict[str, Any]]:
    """Per group and competency: the distribution of achieved levels at the close of the etapa and the
    share of docentes who reached the expected level (NT-026 §5.2.5)."""
    planes = filtrar(acompanados(conn, t, corte, etapa=etapa, convocatoria=convocatoria).values(), filtros)
    docentes = {p["docente_id"] for p in planes}
    metas = metas_al(conn, t, corte, convocatoria)
    iniciales = _iniciales_al(conn, t, corte, convocatoria, docentes)
    cierres = _cierres_al(conn, t, corte, convocatoria, etapa=etapa)
    grupos: dict[tuple, dict[str, Any]] = {}
    for plan in planes:
        d = plan["docente_id"]
        for comp in competencias(plan["tipo_ie"]):
            clave = (*grupo(plan, por), comp)
            g = grupos.get(clave)
            if g is None:
                g = grupos[clave] = {**{k: plan[k] for k in AGRUPACIONES[por]}, "competencia": comp,
                                     "docentes": 0, "con_cierre": 0, **dict.fromkeys(NIVELES, 0),
                                     "alcanzaron": 0, "sin_meta": 0, "sin_cierre": 0}
            cierre = cierres.get((d, etapa, comp))
            if cierre is None:
                if plan["activo"]:
                    g["docentes"] += 1
                    g["sin_cierre"] += 1
                continue
            g["docentes"] += 1
            g["con_cierre"] += 1
            g[cierre["nivel"]] += 1
            inicial = iniciales.get((d, comp))
            meta, _ = _esperado(metas, plan["tipo_ie"], etapa, comp, inicial and inicial["nivel"])
            if meta is None:
                g["sin_meta"] += 1
            elif valor(cierre["nivel"]) >= valor(meta):
                g["alcanzaron"] += 1
    filas = []
    for clave in sorted(grupos, key=lambda k: tuple(str(x) for x in k)):
        g = grupos[clave]
        g["porcentaje_alcanzaron"] = porcentaje(g["alcanzaron"], g["con_cierre"] - g["sin_meta"])
        filas.append({"convocatoria": convocatoria, "etapa": etapa, **g})
    return filas


# --- the quarterly report of a UGEL to its DRE ----------------------------------------------------------


def trimestre(anio: int, numero: int) -> tuple[date, date]:
    inicio = date(anio, 3 * numero - 2, 1)
    fin = (date(anio + (numero == 4), (3 * numero) % 12 + 1, 1)) - timedelta(days=1)
    return inicio, fin


def valoraciones_del_periodo(conn: Connection, t: Tablas, corte: Corte, desde: date, hasta: date,
                             **filtros: Any) -> list[dict[str, Any]]:
    """Per competency: the valuations made in the period and the share at or above the etapa's expected
    level (from each docente's initial situation and the metas recorded by the cut)."""
    consulta = select(t.valoraciones).where(and_(t.valoraciones.c.fecha >= desde, t.valoraciones.c.fecha <= hasta,
                                                 t.valoraciones.c.registrado_en <= corte.clave))
    planes = {(p["docente_id"], p["anio"]): p for p in acompanados(conn, t, corte).values()}
    metas_por_conv: dict[str, dict[str, dict[str, Any]]] = {}
    iniciales_por_conv: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    grupos: dict[str, dict[str, Any]] = {}
    for v in conn.execute(consulta):
        plan = planes.get((v.docente_id, v.anio))
        if plan is None or filtrar([plan], filtros) == []:
            continue
        if v.convocatoria not in metas_por_conv:
            metas_por_conv[v.convocatoria] = metas_al(conn, t, corte, v.convocatoria)
            iniciales_por_conv[v.convocatoria] = _iniciales_al(conn, t, corte, v.convocatoria)
        inicial = iniciales_por_conv[v.convocatoria].get((v.docente_id, v.competencia))
        meta, _ = _esperado(metas_por_conv[v.convocatoria], plan["tipo_ie"], v.etapa, v.competencia,
                            inicial and inicial["nivel"])
        g = grupos.setdefault(v.competencia, {"competencia": v.competencia, "valoraciones": 0,
                                              **dict.fromkeys(NIVELES, 0), "en_o_sobre_lo_esperado": 0})
        g["valoraciones"] += 1
        g[v.nivel] += 1
        g["en_o_sobre_lo_esperado"] += bool(meta and valor(v.nivel) >= valor(meta))
    return [{**g, "porcentaje_en_o_sobre_lo_esperado": porcentaje(g["en_o_sobre_lo_esperado"], g["valoraciones"])}
            for _, g in sorted(grupos.items())]
