"""What rules the programme in a region: the published protocols, rules of focalización, instruments and
metas, and a version of each published where the services let the role do it (the DRE's especialista: a
regional protocol and rules for his DRE; both roles: an instrument's version and the metas per etapa)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web import frases
from services.web.formularios import enviar_o_reabrir, formulario
from services.web.i18n import _
from services.web.paginas import ahora
from services.web.region_comun import AMBOS, DRE_SOLO, su_dre
from services.web.territorios import Territorios, territorios
from services.web.vistas import Contexto, contexto

ADMINISTRADOR = "administrador"
LECTORES = AMBOS | {ADMINISTRADOR}
PUBLICAN_VERSIONES = DRE_SOLO | {ADMINISTRADOR}  # a regional version (DRE) or a national one (administrador)
router = APIRouter()

TIPOS_IE = {"multigrado": _("multigrado"), "eib": _("EIB"), "polidocente_inicial": _("polidocente inicial"),
            "polidocente_primaria": _("polidocente primaria"),
            "polidocente_secundaria": _("polidocente secundaria")}
ETAPAS = ("1", "2", "3")
NIVELES_LOGRO = ("I", "II", "III", "IV")


def ambito_texto(lugares: Territorios, ambito: str) -> str:
    """A protocol's or rule set's ámbito as a person reads it: its DRE's or UGEL's name ("DRE:DRE-PUNO" and a
    rule set's "DRE-PUNO": "DRE Puno"), a school's ámbito as it is."""
    tipo, _sep, codigo = ambito.partition(":")
    if not codigo:
        return lugares.dre(ambito)
    return lugares.de(tipo.lower(), codigo) if tipo in ("DRE", "UGEL") else ambito


async def pagina_normas(ctx: Contexto, estado: int = 200, error: dict[str, str] | None = None,
                        valores: dict[str, str] | None = None) -> Response:
    """The administrador publishes national versions of protocols and rules; the DRE's especialista regional
    ones; instruments and metas are the DRE's and the MINEDU's (what each service accepts of each role)."""
    dre = su_dre(ctx)
    protocolos, instrumentos, reglas, metas, lugares = await asyncio.gather(
        ctx.leer("agenda", "/protocolos"), ctx.leer("evidencias", "/instrumentos"),
        ctx.leer("focalizacion", "/reglas"), ctx.leer("evaluacion", "/metas", convocatoria=ctx.settings.convocatoria),
        territorios(ctx))
    base = [p for p in protocolos
            if p["modalidad"] == "externa" and p["ambito"] in ("nacional", f"DRE:{dre}" if dre else "nacional")]
    return ctx.pagina("region_normas.html", estado, protocolos=protocolos, instrumentos=instrumentos,
                      dre=dre, dre_nombre=lugares.dre(dre), ambito=lambda a: ambito_texto(lugares, a),
                      nacional=ctx.rol == ADMINISTRADOR, instrumentos_y_metas=ctx.rol in AMBOS,
                      base=base, reglas=reglas, metas=metas, tipos=TIPOS_IE, etapas=ETAPAS,
                      competencias=COMPETENCIAS_METAS, niveles=NIVELES_LOGRO,
                      convocatoria=ctx.settings.convocatoria, error=error or {},
                      valores=valores or {}, hecho=ctx.request.query_params.get("hecho"), actualizado=ahora())


COMPETENCIAS_METAS = {c: frases.COMPETENCIAS.get(c, c) for c in ("C2", "C3", "C4", "C5", "C6", "C7")}


@router.get("/region/normas", include_in_schema=False)
async def normas(request: Request) -> Response:
    return await pagina_normas(await contexto(request, LECTORES))


async def publicar(ctx: Contexto, formulario_: str, datos: dict[str, str], servicio: str, ruta: str,
                   cuerpo: dict[str, Any], campos: tuple[str, ...]) -> Response:
    """Send a version to its service: back to the page, or the page again with the reason next to the field
    the service names (at the form's start when it names none of them) and what was written kept."""
    async def reabrir(errores: dict[str, str]) -> Response:
        campo, motivo = next(iter(errores.items()))
        return await pagina_normas(ctx, 422, {"formulario": formulario_, "campo": campo if campo in campos else "",
                                              "motivo": motivo}, datos)
    return await enviar_o_reabrir(ctx, servicio, ruta, cuerpo, "/region/normas", reabrir)


def numero(valor: str) -> int | str:
    return int(valor) if valor.isdigit() else valor


def _vigencia_del_protocolo(datos: dict[str, str], dre: str | None) -> dict[str, Any]:
    return {"ambito": f"DRE:{dre}" if dre else "nacional", "vigencia_desde": datos.get("vigencia_desde", ""),
            "vigencia_hasta": datos.get("vigencia_hasta", "")}


def _vigencia_de_las_reglas(datos: dict[str, str], dre: str | None) -> dict[str, Any]:
    return {"ambito": dre or "nacional", "vigente_desde": numero(datos.get("vigente_desde", "")),
            "vigente_hasta": numero(datos.get("vigente_hasta", "")) or None}  # none: no end


# a form that publishes a version of a protocol or a rule set → its service, its path, what it says when no
# base was chosen, and its ámbito and period as that service writes them
VERSIONES = {
    "protocolo": ("agenda", "/protocolos", _("Elija el protocolo en que se basa la versión."),
                  _vigencia_del_protocolo),
    "reglas": ("focalizacion", "/reglas", _("Elija las reglas en que se basa la versión."),
               _vigencia_de_las_reglas),
}


async def publicar_version(request: Request, formulario_: str) -> Response:
    """A version of a published protocol or rule set: its content (components; school types and criteria)
    as it is, with its code, version, name, norm and period of effect, for the DRE's especialista's own DRE
    (the administrador's: national). The service refuses another DRE's ámbito and a version already used."""
    servicio, ruta, sin_base, vigencia = VERSIONES[formulario_]
    ctx = await contexto(request, PUBLICAN_VERSIONES)
    datos = await formulario(request, ctx)
    publicadas = await ctx.leer(servicio, ruta)
    base = next((p for p in publicadas if f"{p['codigo']}@{p['version']}" == datos.get("base")), None)
    if base is None:
        return await pagina_normas(ctx, 422, {"formulario": formulario_, "campo": "base", "motivo": sin_base},
                                   datos)
    propio = vigencia(datos, su_dre(ctx))
    cuerpo = {**base, "codigo": datos.get("codigo", ""), "version": numero(datos.get("version", "")),
              "nombre": datos.get("nombre", ""), "norma": datos.get("norma", ""), **propio}
    return await publicar(ctx, formulario_, datos, servicio, ruta, cuerpo,
                          ("codigo", "version", "nombre", "norma", *(k for k in propio if k != "ambito")))


@router.post("/region/protocolos", include_in_schema=False)
async def publicar_protocolo(request: Request) -> Response:
    """A regional version of a published protocol (agenda)."""
    return await publicar_version(request, "protocolo")


@router.post("/region/reglas", include_in_schema=False)
async def publicar_reglas(request: Request) -> Response:
    """A regional version of a published rule set of focalización, for the DRE's own programme."""
    return await publicar_version(request, "reglas")


@router.post("/region/instrumentos", include_in_schema=False)
async def publicar_instrumento(request: Request) -> Response:
    """A version of an instrument from a published one, its items as they are: a new version of the same code
    replaces it (each item equivalent to itself, so progress stays comparable), or a new code of its own."""
    ctx = await contexto(request, AMBOS)
    datos = await formulario(request, ctx)
    publicados = await ctx.leer("evidencias", "/instrumentos")
    base = next((i for i in publicados if f"{i['codigo']}@{i['version']}" == datos.get("base")), None)
    if base is None:
        return await pagina_normas(ctx, 422, {"formulario": "instrumento", "campo": "base", "motivo": _(
            "Elija el instrumento en que se basa la versión.")}, datos)
    codigo = datos.get("codigo", "")
    mismo = codigo == base["codigo"]
    version = max(i["version"] for i in publicados if i["codigo"] == codigo) + 1 if mismo else 1
    dre = su_dre(ctx)  # a DRE's instrument is its own (evidencias refuses it national, or a national code's)
    cuerpo = {**base, "codigo": codigo, "version": version, "reemplaza": base["version"] if mismo else None,
              "ambito": base.get("ambito", "nacional") if mismo else f"DRE:{dre}" if dre else "nacional",
              "fuente": datos.get("fuente", ""), "provisional": datos.get("provisional", ""),
              "vigencia": {"desde": datos.get("vigencia_desde", ""), "hasta": None},
              "items": [{**i, "equivale_a": i["clave"] if mismo else None} for i in base["items"]]}
    return await publicar(ctx, "instrumento", datos, "evidencias", "/instrumentos", cuerpo,
                          ("codigo", "fuente", "provisional", "vigencia_desde"))


@router.post("/region/metas", include_in_schema=False)
async def publicar_metas(request: Request) -> Response:
    """A version of the expected levels per etapa of a school type (NT-026 §5.2.5): per etapa and competency,
    levels above the initial one and a floor; evaluacion checks they are complete and never go down."""
    ctx = await contexto(request, AMBOS)
    datos = await formulario(request, ctx)
    tipo = datos.get("tipo_ie", "")
    propia = "C7" if tipo in ("eib", "multigrado") else "C6"  # NT-026 §5.2.4: the complementary competency
    metas = {e: {c: {"avance": numero(datos.get(f"avance_{e}_{c}", "")),
                     "minimo": datos.get(f"minimo_{e}_{c}", "")}
                 for c in ("C2", "C3", "C4", "C5", propia)} for e in ETAPAS}
    cuerpo = {"convocatoria": datos.get("convocatoria", ""), "tipo_ie": tipo,
              "version": numero(datos.get("version", "")), "metas": metas, "fuente": datos.get("fuente", ""),
              "provisional": datos.get("provisional", "")}
    return await publicar(ctx, "metas", datos, "evaluacion", "/metas", cuerpo,
                          ("convocatoria", "tipo_ie", "version", "fuente"))
