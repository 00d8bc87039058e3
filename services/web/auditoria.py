"""The auditor's desk: find a docente, read his whole history giving the reason (recorded by evaluacion and
shown to the docente in his access log), filter it, print it; verify each service's chain of hashes.

Every read goes to the services with the auditor's own token: they decide what he may see and record it.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web import frases
from services.web.i18n import _
from services.web.servicios import Rechazo
from services.web.territorios import territorios
from services.web.vistas import Contexto, comprobar_csrf, contexto

AUDITOR = frozenset({"auditor"})
SERVICIOS = frases.SERVICIOS
ETAPAS = {"1": _("Etapa 1"), "2": _("Etapa 2"), "3": _("Etapa 3")}
CLASES = {
    "VisitaRealizada": _("Visitas realizadas"),
    "ObservacionRegistrada": _("Observaciones de clase"),
    "RetroalimentacionBrindada": _("Retroalimentaciones"),
    "CompromisoAsumido": _("Compromisos asumidos"),
    "CompromisoVerificado": _("Compromisos verificados"),
    "NivelCompetenciaValorado": _("Valoraciones de competencias"),
    "EtapaCerrada": _("Cierres de etapa"),
    "DocenteAsignado": _("Asignaciones de acompañante"),
    "PlanAnualGenerado": _("Planes anuales"),
    "LecturaAuditada": _("Lecturas de auditores"),
}
FILTROS = ("desde", "hasta", "al", "etapa", "tipo", "servicio")
MOTIVO_MINIMO = 5  # evaluacion asks at least this many characters


async def convocatoria_vigente(ctx: Contexto) -> dict[str, Any] | None:
    """The call in force this year (or the last one that began)."""
    convocatorias = await ctx.leer("focalizacion", "/convocatorias")
    anio = ctx.settings.anio
    vigentes = [c for c in convocatorias if c.get("anio_inicio", 0) <= anio <= c.get("anio_fin", 0)]
    return (vigentes or sorted(convocatorias, key=lambda c: c.get("anio_inicio", 0)) or [None])[-1]


async def nombre_de(ctx: Contexto, ruta: str) -> str | None:
    try:
        return frases.nombre(await ctx.leer("focalizacion", ruta)) or None
    except Rechazo:
        return None


def filtros_de(request: Request) -> dict[str, Any]:
    """The history's filters as the form sent them (empty ones left out)."""
    q = request.query_params
    filtros: dict[str, Any] = {k: q.get(k) for k in ("desde", "hasta", "al", "etapa") if q.get(k)}
    for lista in ("tipo", "servicio"):
        valores = [v for v in q.getlist(lista) if v]
        if valores:
            filtros[lista] = valores
    return filtros


def hecho_del_auditor(h: dict[str, Any], personas: dict[str, str], escuelas: dict[str, str],
                      docente_id: str = "") -> dict[str, str]:
    """A fact as the auditor reads it: its sentence, who recorded it (by name when known, else by role) and
    the service that holds it."""
    quien = personas.get(str(h.get("usuario")), frases.ROLES.get(str(h.get("rol")), _("otra persona")))
    if h.get("rol") == "docente":
        quien = _("el propio docente")
    return {"frase": frases.hecho(h, personas, escuelas, docente_id),
            "autor": _("Lo registró {quien}.").format(quien=quien),
            "servicio": SERVICIOS.get(str(h.get("servicio")), "")}


router = APIRouter()


@router.get("/auditoria", include_in_schema=False)
async def buscar(request: Request) -> Response:
    ctx = await contexto(request, AUDITOR)
    convocatoria = await convocatoria_vigente(ctx)
    carteras = await ctx.leer("focalizacion", f"/convocatorias/{convocatoria['codigo']}/carteras") \
        if convocatoria else []
    lugares, nombres = await asyncio.gather(territorios(ctx), asyncio.gather(
        *(nombre_de(ctx, f"/acompanantes/{c['acompanante_id']}/persona") for c in carteras)))
    filas = [{**c, "nombre": n or _("Acompañante sin nombre registrado"),
              "ugel_nombre": lugares.ugel(c["ugel"])} for c, n in zip(carteras, nombres, strict=True)]
    filas.sort(key=lambda f: (f["ugel_nombre"], f["nombre"]))
    return ctx.pagina("auditoria.html", convocatoria=convocatoria, filas=filas)


@router.get("/auditoria/acompanantes/{acompanante_id}", include_in_schema=False)
async def cartera(request: Request, acompanante_id: str) -> Response:
    ctx = await contexto(request, AUDITOR)
    persona, cartera_ = await asyncio.gather(
        ctx.leer("focalizacion", f"/acompanantes/{acompanante_id}/persona"),
        ctx.leer("focalizacion", f"/acompanantes/{acompanante_id}/cartera"))
    escuelas = {f"{e['codigo_modular']}-{e['anexo']}": e["nombre"] for e in cartera_["escuelas"]}
    docentes = [{**d, "escuela": escuelas.get(f"{d['codigo_modular']}-{d['anexo']}", "")}
                for d in cartera_["docentes"]]
    return ctx.pagina("auditoria_cartera.html", acompanante=frases.nombre(persona), docentes=docentes)


@router.get("/auditoria/docentes/{docente_id}", include_in_schema=False)
async def historia(request: Request, docente_id: str) -> Response:
    ctx = await contexto(request, AUDITOR)
    docente = await ctx.leer("focalizacion", f"/docentes/{docente_id}/persona")
    motivo = (request.query_params.get("motivo") or "").strip()
    filtros = filtros_de(request)
    datos = {"docente": docente, "docente_id": docente_id, "motivo": motivo, "filtros": filtros,
             "servicios": SERVICIOS, "etapas": ETAPAS, "clases": CLASES, "hoy": date.today().isoformat()}
    if len(motivo) < MOTIVO_MINIMO:
        error = _("Escriba el motivo de su consulta (al menos {n} caracteres).").format(n=MOTIVO_MINIMO) \
            if "motivo" in request.query_params else ""
        return ctx.pagina("auditoria_motivo.html", error=error, **datos)
    # the filters go as they are ("servicio" is also leer's own argument)
    leida, accesos = await asyncio.gather(
        ctx.servicios.pedir(ctx.token, "GET", "evaluacion", f"/docentes/{docente_id}/historia",
                            params={"motivo": motivo, "por_pagina": 500, **filtros}),
        ctx.leer("evaluacion", f"/docentes/{docente_id}/accesos"))
    leida = leida.json()
    hechos = leida.get("hechos", [])
    personas = {docente_id: frases.nombre(docente)}
    if docente.get("acompanante"):
        personas[docente["acompanante"]["acompanante_id"]] = frases.nombre(docente["acompanante"])
    autores = {str(c) for h in hechos
               for c in (h.get("contenido", {}).get("acompanante_id"),
                         h.get("contenido", {}).get("a_acompanante_id"),
                         h.get("usuario") if h.get("rol") == "acompanante" else None)
               if c and str(c) not in personas}
    for id_, nombre in zip(autores, await asyncio.gather(*(nombre_de(ctx, f"/acompanantes/{a}/persona")
                                                           for a in autores))):
        if nombre:
            personas[id_] = nombre
    colegas = {str(c) for h in hechos if h.get("evento") == "VisitaEntreParesRealizada"
               for c in (h.get("contenido", {}).get("docente_visitante_id"),
                         h.get("contenido", {}).get("docente_visitado_id"))
               if c and str(c) not in personas}  # the colleague of a peer visit, by name
    for id_, nombre in zip(colegas, await asyncio.gather(*(nombre_de(ctx, f"/docentes/{d}/persona")
                                                           for d in colegas))):
        if nombre:
            personas[id_] = nombre
    escuelas = {f"{docente['ie']['codigo_modular']}-{docente['ie']['anexo']}": docente["ie"]["nombre"]}
    pdf = request.url.path + "/historia.pdf?" + request.url.query
    return ctx.pagina("auditoria_historia.html",
                      hechos=[hecho_del_auditor(h, personas, escuelas, docente_id) for h in hechos],
                      total=leida.get("total", len(hechos)), nota=leida.get("nota", ""), pdf=pdf,
                      accesos=[frases.acceso(a, {}) for a in accesos], **datos)


@router.get("/auditoria/docentes/{docente_id}/historia.pdf", include_in_schema=False)
async def historia_pdf(request: Request, docente_id: str) -> Response:
    ctx = await contexto(request, AUDITOR)
    motivo = (request.query_params.get("motivo") or "").strip()
    params = {"motivo": motivo, "por_pagina": 500, **filtros_de(request)}
    # printed with the names the auditor may see (the docente, his acompañante, his school); evaluacion uses
    # them only to print (a past acompañante's facts name his role)
    docente = await ctx.leer("focalizacion", f"/docentes/{docente_id}/persona")
    personas = {docente_id: frases.nombre(docente)}
    if docente.get("acompanante"):
        personas[docente["acompanante"]["acompanante_id"]] = frases.nombre(docente["acompanante"])
    escuelas = {f"{docente['ie']['codigo_modular']}-{docente['ie']['anexo']}": docente["ie"]["nombre"]} \
        if docente.get("ie") else {}
    r = await ctx.servicios.pedir(ctx.token, "POST", "evaluacion", f"/docentes/{docente_id}/historia.pdf",
                                  params=params, json={"personas": personas, "escuelas": escuelas})
    return Response(r.content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="historia-{docente_id}.pdf"',
        "Cache-Control": "private, no-store"})


@router.get("/auditoria/cadenas", include_in_schema=False)
async def cadenas(request: Request) -> Response:
    ctx = await contexto(request, AUDITOR)
    registro = await ctx.leer("evaluacion", "/auditoria/cadenas")
    return ctx.pagina("auditoria_cadenas.html", registro=registro,
                      servicios=SERVICIOS, verificaciones=None)


@router.post("/auditoria/cadenas", include_in_schema=False)
async def verificar(request: Request, csrf: str = Form("")) -> Response:
    ctx = await contexto(request, AUDITOR)
    comprobar_csrf(ctx, csrf)

    async def una(servicio: str) -> dict[str, Any]:
        try:
            _estado, resultado = await ctx.enviar(servicio, "/cadena/verificacion", {})
        except Rechazo as exc:
            return {"servicio": servicio, "integra": None, "error": exc.motivo or str(exc.estado)}
        return resultado

    registro, *verificaciones = await asyncio.gather(ctx.leer("evaluacion", "/auditoria/cadenas"),
                                                     *(una(s) for s in SERVICIOS))
    return ctx.pagina("auditoria_cadenas.html", registro=registro, servicios=SERVICIOS,
                      verificaciones=verificaciones)

