"""What the DRE's and the MINEDU's desk pages share: the roles, the caller's DRE, "no existe" for another
territory, the names of schools, acompañantes and docentes (from focalizacion, on each request)."""

from __future__ import annotations

import asyncio

from fastapi import HTTPException

from services.web import frases
from services.web.i18n import _
from services.web.servicios import Rechazo
from services.web.vistas import Contexto

DRE, MINEDU = "especialista_dre", "minedu"
AMBOS = frozenset({DRE, MINEDU})
DRE_SOLO = frozenset({DRE})
TITULO_NIVEL = {"nacional": _("Nacional"), "dre": _("DRE"), "ugel": _("UGEL"),
                "ie": _("Institución educativa"), "acompanante": _("Acompañante"), "docente": _("Docente")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fuera() -> Rechazo:
    """What a thing of another territory (or none) named in the URL answers: "no existe" (404)."""
    return Rechazo(404, _("No existe o no está en su ámbito."))


def su_dre(ctx: Contexto) -> str | None:
    """The DRE of the especialista (None for the MINEDU, who sees the nation)."""
    if ctx.rol != DRE:
        return None
    dre = ctx.sesion.claims.get("dre")
    if not dre:
        raise HTTPException(403, _("Su cuenta no indica su DRE."))
    return str(dre)


async def nombres_ies(ctx: Contexto, **territorio: str | None) -> dict[str, str]:
    """The schools of a territory by 'codigo_modular-anexo', with the names the padrón gives them."""
    nombres: dict[str, str] = {}
    desde = 0
    while True:
        lote = await ctx.leer("focalizacion", f"/convocatorias/{ctx.settings.convocatoria}/decisiones",
                              limite=1000, desde=desde, **territorio)
        nombres.update({f"{d['codigo_modular']}-{d['anexo']}": d["nombre"] for d in lote})
        if len(lote) < 1000:
            return nombres
        desde += 1000


async def nombre_acompanante(ctx: Contexto, acompanante_id: str) -> str:
    persona = await ctx.leer_si_existe("focalizacion", f"/acompanantes/{acompanante_id}/persona")
    return frases.nombre(persona) or _("un acompañante")


async def nombres_docentes(ctx: Contexto, acompanante_id: str, ids: list[str]) -> dict[str, str]:
    """The acompañante's docentes by name (his caseload today; a docente he no longer holds, one by one)."""
    cartera = await ctx.leer("focalizacion", f"/acompanantes/{acompanante_id}/cartera")
    nombres = {d["docente_id"]: frases.nombre(d) for d in cartera["docentes"]}
    faltan = [d for d in ids if d not in nombres]
    personas = await asyncio.gather(*(ctx.leer_si_existe("focalizacion", f"/docentes/{d}/persona")
                                      for d in faltan))
    nombres.update({d: frases.nombre(p) or _("un docente") for d, p in zip(faltan, personas)})
    return nombres
