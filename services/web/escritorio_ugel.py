"""The UGEL specialist's desk: fulfilment at a date with its drill-down (UGEL → IE → acompañante → docente
and back), "solo atrasados" and its downloads; what the desk's pages share (the caller's UGEL, the names of
its caseloads, the cut-off date). The caseloads page is ``carteras_ugel``.

Names of schools, acompañantes and docentes come from focalizacion on each request (each acompañante's
caseload with names), never stored here; the UGEL's, from the padrón (``territorios``).
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.web import frases, i18n
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.region_comun import TITULO_NIVEL
from services.web.descargas import descargar
from services.web.recientes import RECIENTES
from services.web.territorios import territorios
from services.web.vistas import Contexto, contexto

UGEL = frozenset({"especialista_ugel"})
NIVELES = ("ugel", "ie", "acompanante", "docente")
SEGUIMIENTO = {"ugel": "ugel", "ie": "ie", "acompanante": "ie", "docente": "docente"}  # evaluacion's 'por'


def su_ugel(ctx: Contexto) -> str:
    ugel = ctx.sesion.claims.get("ugel")
    if not ugel:
        raise HTTPException(403, _("Su cuenta no indica su UGEL."))
    return str(ugel)


# A UGEL's caseloads with names cost focalizacion two reads per acompañante: a page of the desk and its
# downloads reuse them for a minute (per user: what each may read is his own; ``recientes``), instead of
# spending the user's request budget again on every reload; a change made from this desk forgets them at once.
NOMBRES_SEGUNDOS = 60.0
USO = "carteras"


def olvidar_nombres(ctx: Contexto) -> None:
    RECIENTES.olvidar((USO, ctx.usuario))


async def nombres_ugel(ctx: Contexto, ugel: str) -> dict[str, Any]:
    """The UGEL's caseloads with the names of their acompañantes, schools and docentes."""
    guardado = RECIENTES.leer((USO, ctx.usuario))
    if guardado is not None and guardado[0] == ugel:
        return guardado[1]
    datos = await _nombres_ugel(ctx, ugel)
    RECIENTES.guardar((USO, ctx.usuario), (ugel, datos), NOMBRES_SEGUNDOS)
    return datos


async def _nombres_ugel(ctx: Contexto, ugel: str) -> dict[str, Any]:
    carteras = await ctx.leer("focalizacion", f"/convocatorias/{ctx.settings.convocatoria}/carteras", ugel=ugel)
    detalle, personas = await asyncio.gather(
        asyncio.gather(*(ctx.leer("focalizacion", f"/acompanantes/{c['acompanante_id']}/cartera") for c in carteras)),
        asyncio.gather(*(ctx.leer("focalizacion", f"/acompanantes/{c['acompanante_id']}/persona") for c in carteras)))
    acompanantes = {c["acompanante_id"]: frases.nombre(p) for c, p in zip(carteras, personas)}
    escuelas: dict[str, str] = {}
    docentes: dict[str, dict[str, Any]] = {}
    for c, d in zip(carteras, detalle):
        escuelas.update({f"{e['codigo_modular']}-{e['anexo']}": e["nombre"] for e in d["escuelas"]})
        for x in d["docentes"]:
            docentes[x["docente_id"]] = {**x, "nombre": frases.nombre(x), "acompanante_id": c["acompanante_id"],
                                         "ie": f"{x['codigo_modular']}-{x['anexo']}"}
    return {"carteras": carteras, "acompanantes": acompanantes, "escuelas": escuelas, "docentes": docentes}


def corte(anio: int, fecha: str | None) -> date:
    """The cut-off date asked, or today when it falls in the year shown (its last day otherwise)."""
    if fecha:
        try:
            return date.fromisoformat(fecha)
        except ValueError:
            raise HTTPException(422, _("Escriba la fecha como día/mes/año.")) from None
    hoy = i18n.hoy()
    return hoy if hoy.year == anio else date(anio, 12, 31)


router = APIRouter()


@router.get("/ugel/cumplimiento", include_in_schema=False)
async def cumplimiento(request: Request, nivel: str = "ugel", ie: str | None = None,
                       acompanante_id: str | None = None, fecha: str | None = None,
                       solo_atrasados: bool = False) -> Response:
    ctx = await contexto(request, UGEL)
    ugel = su_ugel(ctx)
    if nivel not in NIVELES:
        raise HTTPException(404)
    anio = ctx.settings.anio
    al = corte(anio, fecha)
    datos, lugares, tabla = await asyncio.gather(
        nombres_ugel(ctx, ugel), territorios(ctx),
        ctx.leer("agenda", "/cumplimiento", anio=anio, nivel=nivel, fecha=al.isoformat(), ugel=ugel, ie=ie,
                 acompanante_id=acompanante_id, solo_atrasados=str(solo_atrasados).lower()))
    filtros = {"fecha": al.isoformat(), **({"solo_atrasados": "true"} if solo_atrasados else {})}

    def enlace(**cambios: Any) -> str:
        return "/ugel/cumplimiento?" + urlencode({**filtros, **{k: v for k, v in cambios.items() if v}})

    filas = []
    for f in tabla["filas"]:
        if nivel == "ugel":
            nombre, destino = lugares.ugel(ugel), enlace(nivel="ie")
        elif nivel == "ie":
            nombre, destino = datos["escuelas"].get(f["ie"], _("una IE de su UGEL")), enlace(nivel="acompanante",
                                                                                             ie=f["ie"])
        elif nivel == "acompanante":
            nombre = datos["acompanantes"].get(f["acompanante_id"], _("un acompañante de su UGEL"))
            destino = enlace(nivel="docente", ie=ie, acompanante_id=f["acompanante_id"])
        else:
            nombre, destino = datos["docentes"].get(f["docente_id"], {}).get("nombre", _("un docente")), None
        filas.append({**f, "nombre": nombre, "enlace": destino})
    # each step names what was chosen and leads to its parts; the last is the level shown
    migas = [(_("Resumen de la UGEL"), enlace(nivel="ugel"))]
    if nivel != "ugel":
        migas.append((lugares.ugel(ugel), enlace(nivel="ie")))
    if nivel in ("acompanante", "docente") and ie:
        migas.append((datos["escuelas"].get(ie, ie), enlace(nivel="acompanante", ie=ie)))
    if nivel == "docente" and acompanante_id:
        migas.append((datos["acompanantes"].get(acompanante_id, ""), enlace(nivel="docente", ie=ie,
                                                                          acompanante_id=acompanante_id)))
    atras = migas[-2][1] if len(migas) > 1 else None
    descargas = {"csv": "/ugel/cumplimiento.csv?" + urlencode({"nivel": nivel, "fecha": al.isoformat(),
                                                              **({"ie": ie} if ie else {})}),
                 "xlsx": "/ugel/cumplimiento.xlsx?" + urlencode({"nivel": nivel})}
    elegidos = {k: v for k, v in {"ie": ie, "acompanante_id": acompanante_id}.items() if v}
    return ctx.pagina("cumplimiento.html", accion="/ugel/cumplimiento", filas=filas, nivel=nivel,
                      titulo_nivel=TITULO_NIVEL[nivel], filtros=elegidos, fecha=al, anio=anio,
                      solo_atrasados=solo_atrasados, migas=migas, atras=atras,
                      componentes=list(frases.COMPONENTES.items()), descargas=descargas, actualizado=ahora())


@router.get("/ugel/cumplimiento.xlsx", include_in_schema=False)
async def cumplimiento_xlsx(request: Request, nivel: str = "ugel") -> Response:
    """The UGEL's seguimiento workbook of the year (fulfilment, quality, satisfaction), as registered until
    now: evaluacion's cut-off ('al') is when facts were registered, not the date of each activity."""
    ctx = await contexto(request, UGEL)
    return await descargar(ctx, "evaluacion", "/seguimiento", {
        "anio": ctx.settings.anio, "ugel": su_ugel(ctx), "por": SEGUIMIENTO.get(nivel, "ugel"),
        "formato": "xlsx"}, f"seguimiento-{ctx.settings.anio}-{i18n.hoy().isoformat()}.xlsx")


@router.get("/ugel/cumplimiento.csv", include_in_schema=False)
async def cumplimiento_csv(request: Request, nivel: str = "ugel", fecha: str | None = None,
                           ie: str | None = None) -> Response:
    ctx = await contexto(request, UGEL)
    al = corte(ctx.settings.anio, fecha)
    return await descargar(ctx, "agenda", "/cumplimiento.csv", {
        "anio": ctx.settings.anio, "ugel": su_ugel(ctx), "nivel": nivel if nivel in NIVELES else "ugel",
        "fecha": al.isoformat(), "ie": ie}, f"cumplimiento-{ctx.settings.anio}-{al.isoformat()}.csv")

