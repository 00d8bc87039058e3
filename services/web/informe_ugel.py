"""The UGEL's quarterly report to its DRE (NT-026 §6.2, §6.3): its figures, sending it, seeing it
acknowledged, and the corrective measures with their follow-up — all read from evaluacion's report and its
``envio`` and ``medidas`` sections, written through its ``/informes-trimestrales/{ugel}`` commands."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.web import frases, i18n
from services.web.formularios import enviar_o_reabrir, formulario
from services.web.escritorio_ugel import UGEL, nombres_ugel, su_ugel
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.seguimiento_ugel import escuela_de
from services.web.descargas import descargar
from services.web.territorios import territorios
from services.web.vistas import Contexto, contexto

router = APIRouter()
ENVIO = {"no_enviado": _("no enviado"), "enviado": _("enviado a la DRE"),
         "recibido": _("recibido por la DRE")}
MEDIDA = {"dispuesta": _("dispuesta"), "en_ejecucion": _("en ejecución"), "cumplida": _("cumplida"),
          "no_cumplida": _("no cumplida")}
SEGUIMIENTO = {k: MEDIDA[k] for k in ("en_ejecucion", "cumplida", "no_cumplida")}
SECCIONES = ("resumen", "valoraciones", "cumplimiento", "satisfaccion", "calidad", "envio", "medidas")


def trimestre_de(anio: int, trimestre: int | None) -> int:
    """The quarter asked, or the last one ended (the whole year's last when the year shown is over)."""
    if trimestre is not None:
        if trimestre not in (1, 2, 3, 4):
            raise HTTPException(404)
        return trimestre
    hoy = i18n.hoy()
    return 4 if hoy.year > anio else max(1, (hoy.month - 1) // 3)


def trimestre_del_formulario(ctx: Contexto, datos: dict[str, str]) -> int:
    texto = datos.get("trimestre", "")
    return trimestre_de(ctx.settings.anio, int(texto) if texto.isdigit() else None)


def quien(usuario: str | None, ctx: Contexto, dre: str | None = None) -> str:
    """Who sent or received the report: "usted", the DRE by its name ("la DRE Puno") or another specialist."""
    if not usuario:
        return ""
    if usuario == ctx.usuario:
        return _("usted")
    return _("la %(dre)s") % {"dre": dre} if dre else _("otro especialista")


async def pagina_informe(ctx: Contexto, trimestre: int, errores: dict[str, str] | None = None,
                         valores: dict[str, str] | None = None, formulario_: str = "") -> Response:
    ugel, anio = su_ugel(ctx), ctx.settings.anio
    datos, lugares, informe = await asyncio.gather(nombres_ugel(ctx, ugel), territorios(ctx), ctx.leer(
        "evaluacion", f"/informes-trimestrales/{ugel}", anio=anio, trimestre=trimestre))
    [envio] = informe["envio"]
    envio = {**envio, "estado_texto": ENVIO.get(envio["estado"], envio["estado"]),
             "enviado_por_texto": quien(envio.get("enviado_por"), ctx),
             "recibido_por_texto": quien(envio.get("recibido_por"), ctx,
                                         lugares.dre(envio["dre"]) if envio.get("dre") else None)}
    medidas = [{**m, "estado_texto": MEDIDA.get(m["estado"], m["estado"]),
                "objeto": datos["escuelas"].get(m["ie"], _("una IE de su UGEL")) if m["sobre"] == "ie"
                else datos["acompanantes"].get(m["acompanante_id"], _("un acompañante"))}
               for m in informe["medidas"]]
    cumplimiento = sorted(({**f, "nombre": datos["escuelas"].get(escuela_de(f), _("una IE de su UGEL"))}
                           for f in informe["cumplimiento"]), key=lambda f: f["nombre"])
    valoraciones = [{**f, "nombre": frases.COMPETENCIAS.get(f["competencia"], f["competencia"])}
                    for f in informe["valoraciones"]]
    descargas = {s: "/ugel/informe.csv?" + urlencode({"trimestre": trimestre, "seccion": s})
                 for s in SECCIONES}
    return ctx.pagina(
        "ugel_informe.html", 422 if errores else 200, anio=anio, trimestre=trimestre,
        resumen=informe["resumen"][0], nota=informe["nota"], envio=envio, medidas=medidas,
        cumplimiento=cumplimiento, valoraciones=valoraciones,
        niveles=("I", "II", "III", "IV"), componentes=list(frases.COMPONENTES.items()), descargas=descargas,
        xlsx="/ugel/informe.xlsx?" + urlencode({"trimestre": trimestre}), seguimientos=SEGUIMIENTO,
        escuelas=sorted(datos["escuelas"].items(), key=lambda e: e[1]),
        acompanantes=sorted(datos["acompanantes"].items(), key=lambda a: a[1]),
        errores=errores or {}, valores=valores or {}, formulario=formulario_, hoy=i18n.hoy().isoformat(),
        hecho=ctx.request.query_params.get("hecho"), actualizado=ahora())


@router.get("/ugel/informe", include_in_schema=False)
async def informe(request: Request, trimestre: int | None = None) -> Response:
    ctx = await contexto(request, UGEL)
    return await pagina_informe(ctx, trimestre_de(ctx.settings.anio, trimestre))


@router.get("/ugel/informe.{formato}", include_in_schema=False)
async def informe_descarga(request: Request, formato: str, trimestre: int,
                           seccion: str = "resumen") -> Response:
    ctx = await contexto(request, UGEL)
    if formato not in ("csv", "xlsx") or seccion not in SECCIONES:
        raise HTTPException(404)
    ugel, anio, t = su_ugel(ctx), ctx.settings.anio, trimestre_de(ctx.settings.anio, trimestre)
    archivo = f"informe-{anio}-T{t}" + (f"-{seccion}.csv" if formato == "csv" else ".xlsx")
    return await descargar(ctx, "evaluacion", f"/informes-trimestrales/{ugel}", {
        "anio": anio, "trimestre": t, "formato": formato, "seccion": seccion if formato == "csv" else None},
        archivo)


def _ruta(ctx: Contexto, resto: str = "") -> str:
    return f"/informes-trimestrales/{su_ugel(ctx)}{resto}"


@router.post("/ugel/informe/envio", include_in_schema=False)
async def enviar(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await formulario(request, ctx)
    t = trimestre_del_formulario(ctx, datos)
    cuerpo = {"anio": ctx.settings.anio, "trimestre": t, "observaciones": datos.get("observaciones", "")}
    return await enviar_o_reabrir(ctx, "evaluacion", _ruta(ctx, "/envio"), cuerpo,
                                  f"/ugel/informe?trimestre={t}",
                                  lambda e: pagina_informe(ctx, t, e, datos, "envio"))


@router.post("/ugel/informe/medidas", include_in_schema=False)
async def disponer(request: Request) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await formulario(request, ctx)
    t = trimestre_del_formulario(ctx, datos)
    sobre, _sep, objeto = datos.get("objeto", "").partition(":")
    cuerpo: dict[str, Any] = {"medida_id": datos.get("medida_id", ""), "anio": ctx.settings.anio,
                              "trimestre": t,
                              "sobre": sobre, "descripcion": datos.get("descripcion", ""),
                              "plazo": datos.get("plazo") or None}
    if sobre == "ie":
        codigo, _guion, anexo = objeto.partition("-")
        cuerpo.update(codigo_modular=codigo, anexo=int(anexo) if anexo.isdigit() else 0)
    else:
        cuerpo["acompanante_id"] = objeto or None
    return await enviar_o_reabrir(ctx, "evaluacion", _ruta(ctx, "/medidas"), cuerpo,
                                  f"/ugel/informe?trimestre={t}",
                                  lambda e: pagina_informe(ctx, t, e, datos, "medida"))


@router.post("/ugel/informe/medidas/{medida_id}/seguimiento", include_in_schema=False)
async def seguir(request: Request, medida_id: str) -> Response:
    ctx = await contexto(request, UGEL)
    datos = await formulario(request, ctx)
    t = trimestre_del_formulario(ctx, datos)
    cuerpo = {"anio": ctx.settings.anio, "trimestre": t, "estado": datos.get("estado", ""),
              "avance": datos.get("avance", ""), "seguimiento_id": datos.get("seguimiento_id") or None}
    return await enviar_o_reabrir(ctx, "evaluacion", _ruta(ctx, f"/medidas/{medida_id}/seguimiento"), cuerpo,
                                  f"/ugel/informe?trimestre={t}",
                                  lambda e: pagina_informe(ctx, t, e, datos, f"seguimiento-{medida_id}"))
