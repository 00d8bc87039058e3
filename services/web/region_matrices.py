"""The year's seguimiento and evaluación matrices of the DRE (by UGEL) or of the nation (by DRE), each section
a table with its caption, Spanish headers and names instead of ids and codes (a DRE's or UGEL's:
``territorios``), and both workbooks in XLSX."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.web import i18n
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.region_comun import AMBOS, TITULO_NIVEL, nombre_acompanante, su_dre
from services.web.descargas import descargar
from services.web.territorios import territorios
from services.web.vistas import Contexto, contexto

router = APIRouter()

COLUMNAS = {
    "docentes": _("Docentes"), "visitas_porcentaje": _("Visitas (%)"),
    "dias_visita_porcentaje": _("Días de visita (%)"), "gia_porcentaje": _("GIA (%)"),
    "rtc_porcentaje": _("RTC (%)"),
    "talleres_porcentaje": _("Talleres (%)"), "dias_taller_porcentaje": _("Días de taller (%)"),
    "encuestado": _("Encuestados"), "periodo": _("Periodo"),
    "respuestas": _("Respuestas"), "porcentaje_satisfechos": _("Satisfechos (%)"), "item": _("Desempeño"),
    "ultimo_I": _("Último nivel I"), "ultimo_II": _("Último nivel II"), "ultimo_III": _("Último nivel III"),
    "ultimo_IV": _("Último nivel IV"), "porcentaje_mejoraron": _("Mejoraron (%)"),
    "cambio_promedio": _("Cambio promedio (niveles)"), "inicio": _("Nivel al inicio"),
    "termino": _("Nivel al término"),
    "semestre_1": _("Nivel del primer semestre"), "semestre_2": _("Nivel del segundo semestre"),
    "cambio": _("Cambio (niveles)"), "evaluaciones": _("Evaluaciones")}
# each section's columns after its first (the territory, or the acompañante), in the order a person reads them
SECCIONES = {
    "cumplimiento": (_("Cumplimiento de las estrategias del año"), (
        "docentes", "visitas_porcentaje", "dias_visita_porcentaje", "gia_porcentaje", "rtc_porcentaje",
        "talleres_porcentaje", "dias_taller_porcentaje")),
    "calidad": (_("Calidad: desempeño semestral de los acompañantes"), (
        "semestre_1", "semestre_2", "cambio", "evaluaciones")),
    "satisfaccion": (_("Satisfacción de docentes y acompañantes"), (
        "encuestado", "periodo", "respuestas", "porcentaje_satisfechos")),
    "practica": (_("Práctica pedagógica: último nivel observado por desempeño"), (
        "item", "docentes", "ultimo_I", "ultimo_II", "ultimo_III", "ultimo_IV", "porcentaje_mejoraron",
        "cambio_promedio")),
    "desempeno": (_("Desempeño de los acompañantes al inicio y al término"), (
        "inicio", "termino", "cambio", "evaluaciones"))}
VALORES = {"docente": _("docentes"), "acompanante": _("acompañantes"), "anual": _("anual"),
           "semestre_1": _("primer semestre"), "semestre_2": _("segundo semestre")}


async def tablas(ctx: Contexto, secciones: dict[str, list[dict[str, Any]]], por: str) -> list[dict[str, Any]]:
    """Each section as a table a person reads: the territory first, names instead of ids, Spanish headers."""
    ids = sorted({f["acompanante_id"] for filas in secciones.values() for f in filas
                  if f.get("acompanante_id")})
    acompanantes = dict(zip(ids, await asyncio.gather(*(nombre_acompanante(ctx, a) for a in ids))))
    ficha, lugares = await asyncio.gather(ctx.leer_si_existe("evidencias", "/instrumentos/FICHA-AULA/1"),
                                          territorios(ctx))
    desempenos = {i["clave"]: i["titulo"] for i in (ficha or {}).get("items", [])}

    def celda(columna: str, valor: Any) -> Any:
        if columna == "item":
            return desempenos.get(valor, valor)
        return VALORES.get(valor, valor) if columna in ("encuestado", "periodo") else valor

    resultado = []
    for seccion, filas in secciones.items():
        titulo, columnas = SECCIONES[seccion]
        persona = seccion in ("calidad", "desempeno")
        cuerpo = [[acompanantes.get(f["acompanante_id"], "") if persona
                   else lugares.de(por, f.get(por)) if f.get(por) else _("Todo el país"),
                   *[celda(c, f.get(c)) for c in columnas]] for f in filas]
        resultado.append({"id": seccion, "titulo": titulo, "filas": cuerpo, "columnas": [
            _("Acompañante") if persona else TITULO_NIVEL[por], *[COLUMNAS[c] for c in columnas]]})
    return resultado


@router.get("/region/matrices", include_in_schema=False)
async def matrices(request: Request) -> Response:
    ctx = await contexto(request, AMBOS)
    dre = su_dre(ctx)
    por, anio = ("ugel" if dre else "dre"), ctx.settings.anio
    seguimiento, evaluacion = await asyncio.gather(
        ctx.leer("evaluacion", "/seguimiento", anio=anio, por=por, dre=dre),
        ctx.leer("evaluacion", "/evaluacion", anio=anio, por=por, dre=dre))
    secciones = {k: seguimiento[k] for k in ("cumplimiento", "calidad", "satisfaccion")}
    secciones.update({k: evaluacion[k] for k in ("practica", "desempeno")})
    lugares = await territorios(ctx)
    return ctx.pagina("region_matrices.html", tablas=await tablas(ctx, secciones, por), anio=anio,
                      nota=seguimiento.get("nota", ""),
                      territorio=lugares.dre(dre) if dre else _("todo el país"),
                      actualizado=ahora())


@router.get("/region/matrices/{matriz}.xlsx", include_in_schema=False)
async def matriz_xlsx(request: Request, matriz: str) -> Response:
    ctx = await contexto(request, AMBOS)
    if matriz not in ("seguimiento", "evaluacion"):
        raise HTTPException(404)
    dre = su_dre(ctx)
    anio = ctx.settings.anio
    return await descargar(ctx, "evaluacion", f"/{matriz}", {
        "anio": anio, "por": "ugel" if dre else "dre", "dre": dre, "formato": "xlsx"},
        f"{matriz}-{anio}-{i18n.hoy().isoformat()}.xlsx")
