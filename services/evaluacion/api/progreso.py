"""A docente's progress and a stage's results over HTTP, as tables (JSON, CSV, XLSX) or charts (PNG, SVG)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.evaluacion import acceso, exportar, reportes
from services.evaluacion.api.comun import (GRAFICO, TABLAS, Al, Codigo, Convocatoria, Formato, Id, Ie, Por, de_ie,
                                           salida)
from services.evaluacion.api.dependencias import Vistas
from services.evaluacion.projections import Proyecciones
from shared.eventstore import Forbidden, NotFound
from shared.http.dependencias import PoliticaDeAcceso
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1", tags=["reportes"])


def progreso(vistas: Proyecciones, docente_id: str, al: Any, convocatoria: str | None = None) -> dict[str, Any]:
    corte = reportes.Corte.de(al)
    leido = vistas.leer("progreso", lambda conn, t: reportes.progreso_docente(conn, t, docente_id, corte,
                                                                              convocatoria))
    if leido is None:
        raise NotFound(f"No hay registro del docente {docente_id} a esa fecha.")
    return leido


def resultados(vistas: Proyecciones, convocatoria: str, etapa: int, por: str, al: Any,
               **filtros: Any) -> tuple[list, reportes.Corte]:
    corte = reportes.Corte.de(al)
    filas = vistas.leer("progreso", lambda conn, t: reportes.resultados_etapa(
        conn, t, corte, convocatoria, etapa, por, **filtros))
    return filas, corte


@router.get("/docentes/{docente_id}/progreso",
            summary="Progreso de un docente por competencia: inicial, valoraciones, logrado y esperado por etapa")
def get_progreso(docente_id: Id, vistas: Vistas, al: Al = None, convocatoria: Codigo = None) -> dict[str, Any]:
    return progreso(vistas, str(docente_id), al, convocatoria)


@router.get("/docentes/{docente_id}/progreso.{formato}", response_class=Response, responses=GRAFICO,
            summary="Gráfico del progreso de un docente a lo largo de las etapas (PNG o SVG)")
async def get_progreso_grafico(docente_id: Id, formato: Literal["png", "svg"], vistas: Vistas,
                               al: Al = None) -> Response:
    leido = await asyncio.to_thread(progreso, vistas, str(docente_id), al)
    imagen = await asyncio.to_thread(exportar.grafico_progreso, leido, formato)
    return Response(imagen, media_type=exportar.FORMATOS_GRAFICO[formato])


@router.get("/resultados-etapa", responses=TABLAS,
            summary="Resultados de una etapa: distribución del nivel logrado y % que alcanzó el esperado")
def get_resultados(vistas: Vistas, politica: PoliticaDeAcceso, convocatoria: Convocatoria = "2020-2022",
                   etapa: Annotated[int, Query(ge=1, le=3)] = 1,
                   por: Por = "ugel", dre: Codigo = None, ugel: Codigo = None, ie: Ie = None,
                   tipo_ie: Codigo = None, al: Al = None, formato: Formato = "json") -> Any:
    if por == "docente" and (negado := acceso.por_docente(current_actor.get(), politica.separacion)):
        raise Forbidden(negado)
    filas, corte = resultados(vistas, convocatoria, etapa, por, al, dre=dre, ugel=ugel, tipo_ie=tipo_ie, **de_ie(ie))
    return salida({"resultados": filas}, corte, formato, f"resultados-etapa-{etapa}-{por}", None,
                  {"convocatoria": convocatoria, "etapa": etapa, "por": por},
                  f"Resultados de la etapa {etapa} (convocatoria {convocatoria})",
                  {"dre": dre, "ugel": ugel, "ie": ie, "tipo_ie": tipo_ie}, vistas.territorios.nombres)


@router.get("/resultados-etapa.{formato}", response_class=Response, responses=GRAFICO,
            summary="Gráfico de los resultados de las tres etapas de una UGEL (o DRE, o nacional)")
async def get_resultados_grafico(formato: Literal["png", "svg"], vistas: Vistas,
                                 convocatoria: Convocatoria = "2020-2022", dre: Codigo = None,
                                 ugel: Codigo = None, ie: Ie = None, al: Al = None) -> Response:
    por = "ie" if ie else "ugel" if ugel else "dre" if dre else "nacional"
    por_etapa = {}
    corte = reportes.Corte.de(al)
    for etapa in (1, 2, 3):
        filas, _ = await asyncio.to_thread(resultados, vistas, convocatoria, etapa, por, corte.momento, dre=dre,
                                           ugel=ugel, **de_ie(ie))
        if filas:
            por_etapa[etapa] = _por_competencia(filas)
    nombres = await asyncio.to_thread(vistas.territorios.nombres)  # the title names the territory, not its code
    donde = ie or (nombres.de("ugel", ugel) if ugel else nombres.de("dre", dre) if dre else "nacional")
    titulo = f"Resultados por etapa · {donde} · convocatoria {convocatoria}"
    imagen = await asyncio.to_thread(exportar.grafico_resultados, por_etapa, titulo, corte.nota()["nota"], formato)
    return Response(imagen, media_type=exportar.FORMATOS_GRAFICO[formato])


def _por_competencia(filas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Several groups' rows of one etapa summed per competency (for a chart of one territory)."""
    suma: dict[str, dict[str, Any]] = {}
    for f in filas:
        s = suma.setdefault(f["competencia"], {"competencia": f["competencia"], "con_cierre": 0, "alcanzaron": 0,
                                               "sin_meta": 0, "I": 0, "II": 0, "III": 0, "IV": 0})
        for k in ("con_cierre", "alcanzaron", "sin_meta", "I", "II", "III", "IV"):
            s[k] += f[k]
    for s in suma.values():
        base = s["con_cierre"] - s["sin_meta"]
        s["porcentaje_alcanzaron"] = round(100.0 * s["alcanzaron"] / base, 1) if base else None
    return [suma[k] for k in sorted(suma)]
