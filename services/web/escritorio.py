"""The directivo's desk: his school (mi IE) — its docentes with their plans and fulfilment per component,
the RTC he leads, the school's plan of monitoring and coaching (internal modality, NT-026 §5.2.1) and his
own visits in it.

Names come from focalizacion on each request (``/docentes/{id}/persona``), never stored here. What the
external coach recorded as formative evidence is not shown to him: evaluacion and evidencias refuse it
(403) to whoever evaluates the docente for his career, and the page says why.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.web import frases, i18n
from services.web.formularios import enviar_formulario, formulario
from services.web.i18n import _
from services.web.paginas import ASISTENCIA, COTEJO, ahora, instrumento, reunion_si_existe
from services.web.servicios import Rechazo
from services.web.vistas import Contexto, contexto

DIRECTIVO = frozenset({"directivo"})
ESTADOS_PLAN = {"elaborado": _("elaborado, por aprobar"), "aprobado": _("aprobado, por socializar"),
                "socializado": _("socializado con los docentes, en ejecución"),
                "ejecutado": _("ejecutado, con su informe de ejecución")}
MODALIDADES = {"externa": _("externa"), "interna": _("interna")}
PDFS = {"plan": _("El plan"), "informe": _("El informe de ejecución")}
FORMATIVA = _("La evidencia formativa del acompañamiento externo (observaciones, niveles de logro, compromisos) no "
              "se muestra aquí: es formativa y no la ve quien evalúa al docente para su carrera. Usted ve solo lo "
              "que registró en el plan interno de su IE.")


def su_ie(ctx: Contexto) -> str:
    ie = ctx.sesion.claims.get("ie")
    if not ie:
        raise HTTPException(403, _("Su cuenta no indica la institución educativa que dirige."))
    return str(ie)


async def persona_o_nada(ctx: Contexto, docente_id: str) -> dict[str, Any] | None:
    try:
        return await ctx.leer("focalizacion", f"/docentes/{docente_id}/persona")
    except Rechazo:
        return None


async def docentes_de(ctx: Contexto, ie: str) -> list[dict[str, Any]]:
    """The school's docentes as the padrón registers them, with their names (by name order)."""
    registrados = await ctx.leer("agenda", f"/instituciones/{ie}/docentes")
    personas = await asyncio.gather(*(persona_o_nada(ctx, d["docente_id"]) for d in registrados))
    docentes = [{**d, **(p or {}), "nombre": frases.nombre(p) or _("un docente")} for d, p in zip(registrados, personas)]
    return sorted(docentes, key=lambda d: (d.get("apellidos") or "", d.get("nombres") or ""))


async def evidencia_formativa(ctx: Contexto, docente_id: str | None) -> str | None:
    """Why the external coach's formative evidence is not on this page, when the services refuse it."""
    if docente_id is None:
        return None
    try:
        await ctx.leer("evaluacion", f"/docentes/{docente_id}/progreso")
    except Rechazo as exc:
        if exc.estado in (403, 404):
            return FORMATIVA
        raise
    return None


def plan_de(p: dict[str, Any], yo: str, acompanantes: dict[str, str]) -> str:
    quien = _("usted") if p.get("acompanante_id") == yo else acompanantes.get(
        str(p.get("acompanante_id")), _("un acompañante que ya no lo acompaña"))
    return _("{anio}: modalidad {modalidad}, a cargo de {quien}").format(
        anio=p["anio"], modalidad=MODALIDADES.get(p.get("modalidad", ""), p.get("modalidad", "")), quien=quien)


router = APIRouter()


@router.get("/mi-ie", include_in_schema=False)
async def mi_ie(request: Request, anio: int | None = None) -> Response:
    ctx = await contexto(request, DIRECTIVO)
    ie = su_ie(ctx)
    anio = anio or ctx.settings.anio
    docentes, planes_ie, cumplimiento, agenda = await asyncio.gather(
        docentes_de(ctx, ie), ctx.leer("agenda", f"/instituciones/{ie}/planes-monitoreo"),
        ctx.leer("agenda", "/cumplimiento", anio=anio, nivel="docente", ie=ie),
        ctx.leer("agenda", f"/acompanantes/{ctx.usuario}/agenda", anio=anio))
    planes = await asyncio.gather(*(ctx.leer("agenda", f"/docentes/{d['docente_id']}/planes") for d in docentes))
    acompanantes = {d["acompanante"]["acompanante_id"]: frases.nombre(d["acompanante"])
                    for d in docentes if d.get("acompanante")}
    nombres = {d["docente_id"]: d["nombre"] for d in docentes}
    escuela = next((d["ie"]["nombre"] for d in docentes if d.get("ie")), ie)
    por_docente: dict[str, list[dict[str, Any]]] = {}
    for f in cumplimiento["filas"]:
        por_docente.setdefault(f["docente_id"], []).append(f)
    filas = [{**d, "planes": [plan_de(p, ctx.usuario, acompanantes) for p in sorted(ps, key=lambda p: p["anio"])],
              "cumplimiento": por_docente.get(d["docente_id"], [])} for d, ps in zip(docentes, planes)]
    anios = sorted({p["anio"] for ps in planes for p in ps} | {p["anio"] for p in planes_ie} | {anio})
    actividades = [frases.actividad(a, nombres, {ie: escuela}) for a in sorted(agenda, key=lambda a: a["fecha_inicio"])]
    detalle = await asyncio.gather(*(ctx.leer("agenda", f"/planes-monitoreo/{p['plan_ie_id']}") for p in planes_ie))
    return ctx.pagina(
        "mi_ie.html", escuela=escuela, ie=ie, anio=anio, anios=anios, docentes=filas,
        componentes=list(frases.COMPONENTES.items()), planes_ie=sorted(detalle, key=lambda p: p["anio"]),
        estados_plan=ESTADOS_PLAN, pdfs=PDFS, modalidades=MODALIDADES,
        rtc=[a for a in actividades if a["tipo"] == "rtc"], visitas=[a for a in actividades if a["tipo"] == "visita"],
        formativa=await evidencia_formativa(ctx, docentes[0]["docente_id"] if docentes else None),
        hoy=i18n.hoy().isoformat(), hecho=request.query_params.get("hecho"), actualizado=ahora())


@router.post("/mi-ie/planes", include_in_schema=False)
async def elaborar(request: Request) -> Response:
    ctx = await contexto(request, DIRECTIVO)
    datos = await formulario(request, ctx)
    ie = su_ie(ctx)
    claims = ctx.sesion.claims
    cuerpo = {"anio": int(datos.get("anio") or ctx.settings.anio), "dre": claims.get("dre"),
              "ugel": claims.get("ugel"), "turno": datos.get("turno", ""), "director": datos.get("director", ""),
              "responsables": [x for x in [datos.get("director", "")] if x]}
    return await enviar_formulario(ctx, "agenda", f"/instituciones/{ie}/planes-monitoreo", cuerpo,
                                   f"/mi-ie?anio={cuerpo['anio']}")


@router.post("/mi-ie/planes/{plan_ie_id}/{paso}", include_in_schema=False)
async def paso(plan_ie_id: uuid.UUID, paso: str, request: Request) -> Response:
    """Approve the plan with its RD, or record its socialization with the docentes."""
    ctx = await contexto(request, DIRECTIVO)
    datos = await formulario(request, ctx)
    volver = f"/mi-ie?anio={datos.get('anio', '')}#planes"
    if paso == "aprobacion":
        cuerpo = {"resolucion": datos.get("resolucion", ""), "fecha": datos.get("fecha", "")}
    elif paso == "socializacion":
        cuerpo = {"fecha": datos.get("fecha", ""), "medio": datos.get("medio", "")}
    else:
        raise HTTPException(404)
    return await enviar_formulario(ctx, "agenda", f"/planes-monitoreo/{plan_ie_id}/{paso}", cuerpo, volver)


@router.post("/mi-ie/planes/{plan_ie_id}/documentos/{documento}.pdf", include_in_schema=False)
async def imprimir(plan_ie_id: uuid.UUID, documento: str, request: Request) -> Response:
    """The plan's or its informe's PDF with the docentes' names (given for printing only, never kept)."""
    ctx = await contexto(request, DIRECTIVO)
    await formulario(request, ctx)
    if documento not in PDFS:
        raise HTTPException(404)
    nombres = {d["docente_id"]: d["nombre"] for d in await docentes_de(ctx, su_ie(ctx))
               if d.get("nombres")}
    respuesta = await ctx.servicios.pedir(ctx.token, "POST", "agenda",
                                          f"/planes-monitoreo/{plan_ie_id}/{documento}.pdf",
                                          json={"nombres": nombres})
    return Response(respuesta.content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{documento}-{plan_ie_id}.pdf"'})


@router.get("/mi-ie/reuniones/{actividad_id}/acta", include_in_schema=False)
async def acta(actividad_id: uuid.UUID, request: Request) -> Response:
    """The acta of an RTC he leads (LC-RTC): the form once it is held, then read back."""
    ctx = await contexto(request, DIRECTIVO)
    ie = su_ie(ctx)
    actividad, docentes, registro, lista = await asyncio.gather(
        ctx.leer("agenda", f"/actividades/{actividad_id}"), docentes_de(ctx, ie),
        reunion_si_existe(ctx, str(actividad_id)), instrumento(ctx, "LC-RTC"))
    nombres = {d["docente_id"]: d["nombre"] for d in docentes}
    escuela = next((d["ie"]["nombre"] for d in docentes if d.get("ie")), ie)
    otro = _("un docente que ya no está en su IE")
    datos = actividad.get("datos", {})
    llamados = [{"docente_id": d, "nombre": nombres.get(d, otro)}
                for d in datos.get("participantes") or datos.get("docentes") or list(nombres)]
    actas = (registro or {}).get("actas") or []
    ultima = actas[-1] if actas else None
    if ultima:
        ultima = {**ultima, "asistencia": [(nombres.get(d, otro), ASISTENCIA.get(e, e))
                                           for d, e in ultima.get("asistencia", {}).items()],
                  "cotejo": [(i["titulo"], COTEJO.get(ultima.get("lista_cotejo", {}).get(i["clave"], ""), ""))
                             for i in lista["items"]]}
    return ctx.pagina("acta.html", actividad=frases.actividad(actividad, nombres, {ie: escuela}),
                      llamados=llamados, lista=lista, acta=ultima, en_camino=registro is None,
                      hecho=request.query_params.get("hecho"), actualizado=ahora(),
                      volver=f"/mi-ie/reuniones/{actividad_id}/acta",
                      regreso={"href": "/mi-ie", "texto": _("Volver a mi IE")})


@router.get("/mi-ie/visitas/{visita_id}", include_in_schema=False)
async def visita(visita_id: uuid.UUID, request: Request) -> Response:
    """One of his visits in the internal modality, with the observation he recorded in it."""
    ctx = await contexto(request, DIRECTIVO)
    ie = su_ie(ctx)
    try:
        actividad, registro, ficha, docentes = await asyncio.gather(
            ctx.leer("agenda", f"/actividades/{visita_id}"), ctx.leer("evidencias", f"/visitas/{visita_id}"),
            instrumento(ctx), docentes_de(ctx, ie))
    except Rechazo as exc:
        if exc.estado != 403:
            raise
        # a visit of the external coach: the services refuse it to whoever evaluates the docente's career
        return ctx.pagina("error.html", 403, titulo=_("Esta visita no es suya"), texto=FORMATIVA)
    nombres = {d["docente_id"]: d["nombre"] for d in docentes}
    escuela = next((d["ie"]["nombre"] for d in docentes if d.get("ie")), ie)
    titulos = {i["clave"]: i["titulo"] for i in ficha["items"]}
    observaciones = []
    for versiones in registro.get("observaciones", {}).values():
        o = versiones[-1]  # as last corrected
        observaciones.append({**o, "niveles": [(titulos.get(k, k), v.get("nivel"), v.get("evidencia"))
                                               for k, v in sorted(o.get("niveles", {}).items())]})
    return ctx.pagina("mi_ie_visita.html", actividad=frases.actividad(actividad, nombres, {ie: escuela}),
                      observaciones=observaciones, actualizado=ahora())

