"""The regional and national desks: the especialista of the DRE (DRE → UGEL → IE …, the UGELs' quarterly
reports received and acknowledged, the region's rules, protocols, instruments and metas) and the MINEDU
(national → DRE → UGEL views of the same tables, instruments and metas, the year's matrices).

The services decide the territory: a DRE's especialista asks with his token and agenda and evaluacion narrow
each list to his DRE. A UGEL, school or acompañante named in the URL that the narrowed list does not hold
"no existe" for him (404), as an id of another territory answers in the services themselves. DREs and UGELs
are read by the names the padrón gives them (``territorios``; their codes when it gives none); schools,
acompañantes and docentes are named from focalizacion on each request.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.web import frases, i18n, region_informes, region_matrices, region_normas
from services.web.escritorio_ugel import corte
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.region_comun import (
    AMBOS,
    DRE,
    MINEDU,
    TITULO_NIVEL,
    fuera,
    nombre_acompanante,
    nombres_docentes,
    nombres_ies,
    su_dre,
)
from services.web.descargas import descargar
from services.web.territorios import Territorios, territorios
from services.web.vistas import Contexto, contexto

router = APIRouter()
for parte in (region_informes, region_matrices, region_normas):  # the desks' other pages, one module each
    router.include_router(parte.router)

NIVELES = ("nacional", "dre", "ugel", "ie", "acompanante", "docente")
# the levels each role sees, from the top one it starts at (MINEDU: national → DRE → UGEL)
ALCANCE = {DRE: NIVELES[1:], MINEDU: NIVELES[:3]}
CLAVE = {"dre": "dre", "ugel": "ugel", "ie": "ie", "acompanante": "acompanante_id"}  # a row's key, a filter
SEGUIMIENTO = {"nacional": "nacional", "dre": "dre", "ugel": "ugel", "ie": "ie", "acompanante": "ie",
               "docente": "docente"}  # evaluacion's 'por' for the year's workbook


# --- fulfilment at a date, with its drill-down ------------------------------------------------------------

async def nombres_de_personas(ctx: Contexto, nivel: str, filas: list[dict[str, Any]],
                              acompanante_id: str | None) -> dict[str, str]:
    """The acompañantes' names of a table by acompañante, or the docentes' of one by docente."""
    if nivel == "acompanante":
        ids = [f["acompanante_id"] for f in filas]
        return dict(zip(ids, await asyncio.gather(*(nombre_acompanante(ctx, a) for a in ids)), strict=True))
    if nivel == "docente":
        return await nombres_docentes(ctx, str(acompanante_id), [f["docente_id"] for f in filas])
    return {}


def nombre_de_fila(nivel: str, f: dict[str, Any], escuelas: dict[str, str], nombres: dict[str, str],
                   lugares: Territorios) -> str:
    """What a row of the fulfilment table is called: the nation, a DRE's or UGEL's name (its code when the
    padrón gave none), a school's or a person's name."""
    if nivel == "nacional":
        return _("Todo el país")
    if nivel in ("dre", "ugel"):
        return lugares.de(nivel, f[nivel])
    if nivel == "ie":
        return escuelas.get(f["ie"], _("una IE sin nombre en el padrón"))
    return nombres.get(f["acompanante_id" if nivel == "acompanante" else "docente_id"], _("un docente"))


@router.get("/region/cumplimiento", include_in_schema=False)
async def cumplimiento(request: Request, nivel: str | None = None, dre: str | None = None,
                       ugel: str | None = None, ie: str | None = None, acompanante_id: str | None = None,
                       fecha: str | None = None, solo_atrasados: bool = False) -> Response:
    ctx = await contexto(request, AMBOS)
    propia = su_dre(ctx)
    alcance = ALCANCE[ctx.rol]
    nivel = nivel or alcance[0]
    if nivel not in alcance:
        raise HTTPException(404)
    # the things chosen on the way down: each level between the role's top and the one shown names one
    encima = alcance[1:alcance.index(nivel)]
    dados = {"dre": dre, "ugel": ugel, "ie": ie, "acompanante": acompanante_id}
    if any(not dados[n] for n in encima):
        raise fuera()
    elegidos = {CLAVE[n]: dados[n] for n in encima}
    anio = ctx.settings.anio
    al = corte(anio, fecha)
    # a DRE's especialista asks with his DRE (agenda refuses another one named in the URL: "no existe")
    consulta = {"anio": anio, "fecha": al.isoformat(), "dre": dre or propia, **elegidos}
    # what was chosen must lie in the caller's territory: the services narrow the list, absent means elsewhere
    padre = alcance[alcance.index(nivel) - 1] if encima else None
    tabla, arriba = await asyncio.gather(
        ctx.leer("agenda", "/cumplimiento", nivel=nivel, solo_atrasados=str(solo_atrasados).lower(),
                 **consulta),
        ctx.leer("agenda", "/cumplimiento", nivel=padre, **consulta) if padre
        else asyncio.sleep(0, {"filas": [1]}))
    if not arriba["filas"]:
        raise fuera()
    escuelas = await nombres_ies(ctx, dre=dre or propia, ugel=ugel) if nivel == "ie" or ie else {}
    nombres, lugares = await asyncio.gather(nombres_de_personas(ctx, nivel, tabla["filas"], acompanante_id),
                                            territorios(ctx))
    vista = {"fecha": al.isoformat(), **({"solo_atrasados": "true"} if solo_atrasados else {})}

    def enlace(nivel_: str, **elegido: str | None) -> str:
        return "/region/cumplimiento?" + urlencode({"nivel": nivel_,
                                                    **{k: v for k, v in elegido.items() if v}, **vista})

    siguiente = alcance[alcance.index(nivel) + 1] if nivel != alcance[-1] else None
    propia_clave = nivel in CLAVE and not (nivel == "dre" and propia)  # a row names the thing chosen next
    filas = [{**f, "nombre": nombre_de_fila(nivel, f, escuelas, nombres, lugares),
              "enlace": None if siguiente is None else enlace(
                  siguiente, **elegidos, **({CLAVE[nivel]: f[CLAVE[nivel]]} if propia_clave else {}))}
             for f in tabla["filas"]]
    # the breadcrumb: the summary, the top, then each thing chosen leading to its parts; the last is this page
    cima = lugares.dre(propia) if propia else _("Todo el país")
    migas = [(_("Resumen de la DRE") if propia else _("Resumen nacional"), enlace(alcance[0]))]
    if encima or nivel != alcance[0]:
        migas.append((cima, enlace(alcance[1])))
    etiquetas = {"dre": lugares.dre(dre), "ugel": lugares.ugel(ugel), "ie": escuelas.get(ie or "", ie),
                 "acompanante": await nombre_acompanante(ctx, acompanante_id) if acompanante_id else ""}
    for i, n in enumerate(encima):
        migas.append((etiquetas[n], enlace(alcance[alcance.index(n) + 1],
                                           **{CLAVE[m]: dados[m] for m in encima[:i + 1]})))
    atras = migas[-2][1] if len(migas) > 1 else None
    descarga_ = {k: v for k, v in {"nivel": nivel, "fecha": al.isoformat(), "dre": dre, "ugel": ugel,
                                    "ie": ie}.items() if v}
    return ctx.pagina("cumplimiento.html", accion="/region/cumplimiento", filas=filas, nivel=nivel,
                      titulo_nivel=TITULO_NIVEL[nivel], filtros=elegidos, fecha=al, anio=anio,
                      solo_atrasados=solo_atrasados, migas=migas, atras=atras,
                      componentes=list(frases.COMPONENTES.items()),
                      descargas={"csv": "/region/cumplimiento.csv?" + urlencode(descarga_),
                                 "xlsx": "/region/cumplimiento.xlsx?" + urlencode(descarga_)},
                      actualizado=ahora())


@router.get("/region/cumplimiento.csv", include_in_schema=False)
async def cumplimiento_csv(request: Request, nivel: str = "dre", fecha: str | None = None,
                           dre: str | None = None, ugel: str | None = None,
                           ie: str | None = None) -> Response:
    ctx = await contexto(request, AMBOS)
    al = corte(ctx.settings.anio, fecha)
    if nivel not in NIVELES:
        raise HTTPException(404)
    return await descargar(ctx, "agenda", "/cumplimiento.csv", {
        "anio": ctx.settings.anio, "nivel": nivel, "fecha": al.isoformat(), "dre": su_dre(ctx) or dre,
        "ugel": ugel, "ie": ie}, f"cumplimiento-{ctx.settings.anio}-{nivel}-{al.isoformat()}.csv")


@router.get("/region/cumplimiento.xlsx", include_in_schema=False)
async def cumplimiento_xlsx(request: Request, nivel: str = "dre", dre: str | None = None,
                            ugel: str | None = None) -> Response:
    """The year's seguimiento workbook of the territory shown, as registered until now (evaluacion's cut-off
    is when facts were registered, not the date of each activity)."""
    ctx = await contexto(request, AMBOS)
    return await descargar(ctx, "evaluacion", "/seguimiento", {
        "anio": ctx.settings.anio, "dre": su_dre(ctx) or dre, "ugel": ugel,
        "por": SEGUIMIENTO.get(nivel, "ugel"), "formato": "xlsx"},
        f"seguimiento-{ctx.settings.anio}-{i18n.hoy().isoformat()}.xlsx")


# --- results per etapa: the chart, its table and its CSV ----------------------------------------------------

@router.get("/region/resultados", include_in_schema=False)
async def resultados(request: Request, etapa: int = 1) -> Response:
    ctx = await contexto(request, AMBOS)
    if etapa not in (1, 2, 3):
        raise HTTPException(404)
    dre = su_dre(ctx)
    alcance, por = ("dre", "ugel") if dre else ("nacional", "dre")
    convocatoria = ctx.settings.convocatoria
    etapas = await asyncio.gather(*(ctx.leer("evaluacion", "/resultados-etapa", convocatoria=convocatoria,
                                             etapa=e, por=alcance, dre=dre) for e in (1, 2, 3)))
    desglose = await ctx.leer("evaluacion", "/resultados-etapa", convocatoria=convocatoria, etapa=etapa,
                              por=por, dre=dre)
    grafico = [{**f, "etapa": e} for e, r in zip((1, 2, 3), etapas) for f in r["resultados"]]
    lugares = await territorios(ctx)
    desglose_ = [{**f, por: lugares.de(por, f.get(por))} for f in desglose["resultados"]]
    return ctx.pagina("region_resultados.html", grafico=grafico, desglose=desglose_, etapa=etapa,
                      por=por, titulo_por=TITULO_NIVEL[por],
                      territorio=lugares.dre(dre) if dre else _("todo el país"),
                      convocatoria=convocatoria, nota=desglose.get("nota", ""),
                      niveles=("I", "II", "III", "IV"), competencias=frases.COMPETENCIAS,
                      etapas_con_datos=sorted({f["etapa"] for f in grafico}), actualizado=ahora())


@router.get("/region/resultados.svg", include_in_schema=False)
async def resultados_svg(request: Request) -> Response:
    ctx = await contexto(request, AMBOS)
    imagen = await ctx.servicios.pedir(ctx.token, "GET", "evaluacion", "/resultados-etapa.svg", params={
        k: v for k, v in {"convocatoria": ctx.settings.convocatoria, "dre": su_dre(ctx)}.items() if v})
    return Response(imagen.content, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, no-cache"})


@router.get("/region/resultados.csv", include_in_schema=False)
async def resultados_csv(request: Request, etapa: int = 1, por: str = "dre") -> Response:
    ctx = await contexto(request, AMBOS)
    if etapa not in (1, 2, 3) or por not in NIVELES[:3]:
        raise HTTPException(404)
    return await descargar(ctx, "evaluacion", "/resultados-etapa", {
        "convocatoria": ctx.settings.convocatoria, "etapa": etapa, "por": por, "dre": su_dre(ctx),
        "formato": "csv"}, f"resultados-etapa-{etapa}-{por}.csv")
