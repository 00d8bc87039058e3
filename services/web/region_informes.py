"""The UGELs' quarterly reports as their DRE receives them (NT-026 §6.2, §6.3): each UGEL's report of a
quarter with its state, one opened with its figures and corrective measures, and its acknowledgement."""

from __future__ import annotations

import asyncio
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.web import frases, i18n
from services.web.formularios import enviar_formulario, formulario
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.region_comun import DRE_SOLO, nombre_acompanante, nombres_ies, su_dre
from services.web.territorios import territorios
from services.web.vistas import contexto

router = APIRouter()

ESTADOS_INFORME = {"no_enviado": _("no enviado"), "enviado": _("enviado, por acusar recibo"),
                   "recibido": _("recibido")}
ESTADOS_MEDIDA = {"dispuesta": _("dispuesta"), "en_ejecucion": _("en ejecución"), "cumplida": _("cumplida"),
                  "no_cumplida": _("no cumplida")}


@router.get("/region/informes", include_in_schema=False)
async def informes(request: Request, anio: int | None = None, trimestre: int | None = None) -> Response:
    ctx = await contexto(request, DRE_SOLO)
    dre = su_dre(ctx)
    anio, trimestre = anio or ctx.settings.anio, trimestre or 4
    if trimestre not in (1, 2, 3, 4) or not 2000 <= anio <= 2100:
        raise HTTPException(404)
    ugeles, lugares = await asyncio.gather(
        ctx.leer("agenda", "/cumplimiento", anio=anio, nivel="ugel", dre=dre,
                 fecha=date(anio, 12, 31).isoformat()),
        territorios(ctx))
    codigos = sorted(f["ugel"] for f in ugeles["filas"])
    leidos = await asyncio.gather(*(ctx.leer("evaluacion", f"/informes-trimestrales/{u}", anio=anio,
                                             trimestre=trimestre) for u in codigos))
    filas = [{"ugel": u, "nombre": lugares.ugel(u), **i["envio"][0], "resumen": i["resumen"][0]}
             for u, i in zip(codigos, leidos)]
    return ctx.pagina("region_informes.html", filas=filas, anio=anio, trimestre=trimestre,
                      dre=lugares.dre(dre),
                      estados=ESTADOS_INFORME, anios=range(ctx.settings.anio - 1, i18n.hoy().year + 1),
                      actualizado=ahora())


@router.get("/region/informes/{ugel}", include_in_schema=False)
async def informe(request: Request, ugel: str, anio: int, trimestre: int) -> Response:
    ctx = await contexto(request, DRE_SOLO)
    if trimestre not in (1, 2, 3, 4):
        raise HTTPException(404)
    leido = await ctx.leer("evaluacion", f"/informes-trimestrales/{ugel}", anio=anio, trimestre=trimestre)
    escuelas, lugares = await asyncio.gather(nombres_ies(ctx, ugel=ugel), territorios(ctx))
    ids = sorted({m["acompanante_id"] for m in leido["medidas"] if m.get("acompanante_id")})
    acompanantes = dict(zip(ids, await asyncio.gather(*(nombre_acompanante(ctx, a) for a in ids))))
    cumplimiento = sorted(({**f, "nombre": escuelas.get(f"{f['codigo_modular']}-{f['anexo']}", _("una IE"))}
                           for f in leido["cumplimiento"]), key=lambda f: f["nombre"])
    medidas = [{**m, "sobre_nombre": escuelas.get(m["ie"] or "", _("una IE")) if m["sobre"] == "ie"
                else acompanantes.get(m["acompanante_id"], _("un acompañante"))} for m in leido["medidas"]]
    return ctx.pagina("region_informe.html", ugel=ugel, ugel_nombre=lugares.ugel(ugel), anio=anio,
                      trimestre=trimestre,
                      envio=leido["envio"][0], resumen=leido["resumen"][0], cumplimiento=cumplimiento,
                      medidas=medidas, estados=ESTADOS_INFORME, estados_medida=ESTADOS_MEDIDA,
                      componentes=list(frases.COMPONENTES.items()), hecho=request.query_params.get("hecho"),
                      actualizado=ahora())


@router.post("/region/informes/{ugel}/recepcion", include_in_schema=False)
async def acusar_recibo(request: Request, ugel: str) -> Response:
    ctx = await contexto(request, DRE_SOLO)
    datos = await formulario(request, ctx)
    anio, trimestre = datos.get("anio", ""), datos.get("trimestre", "")
    if not (anio.isdigit() and trimestre.isdigit()):
        raise HTTPException(404)
    volver = f"/region/informes/{ugel}?" + urlencode({"anio": anio, "trimestre": trimestre})
    return await enviar_formulario(ctx, "evaluacion", f"/informes-trimestrales/{ugel}/recepcion", {
        "anio": int(anio), "trimestre": int(trimestre), "observaciones": datos.get("observaciones", "")},
        volver)
