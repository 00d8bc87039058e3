"""The acompañante's pages: today and his agenda, his caseload, a docente's preparation, recording a
visit step by step, his meetings, and the offline shells (prepare, pending, storage).

Names come from focalizacion on each request (the coach's caseload with names: ``/acompanantes/{id}/cartera``)
and are never stored here.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web import frases, i18n
from services.web.i18n import _
from services.web.servicios import Rechazo
from services.web.vistas import Contexto, contexto

COACH = frozenset({"acompanante"})
RESULTADOS = ("cumplido", "parcialmente", "no_cumplido")


def ahora() -> str:
    return datetime.now(UTC).isoformat()


async def cartera(ctx: Contexto) -> dict[str, Any]:
    return await ctx.leer("focalizacion", f"/acompanantes/{ctx.usuario}/cartera")


def nombres_de(cartera_: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(docente id → name, 'codigo_modular-anexo' → school name) of the caseload."""
    docentes = {d["docente_id"]: frases.nombre(d) for d in cartera_["docentes"]}
    escuelas = {f"{e['codigo_modular']}-{e['anexo']}": e["nombre"] for e in cartera_["escuelas"]}
    return docentes, escuelas


async def instrumento(ctx: Contexto, codigo: str = "FICHA-AULA") -> dict[str, Any]:
    """The version of ``codigo`` in force today, the one evidencias records a visit of today with (the latest
    of those in force; none in force, the latest published): never one that starts later."""
    publicados = await ctx.leer("evidencias", "/instrumentos", codigo=codigo)  # this one's versions only
    hoy = i18n.hoy().isoformat()
    versiones = [i for i in publicados if i.get("codigo") == codigo]
    vigentes = [i for i in versiones if i["vigencia"]["desde"] <= hoy <= (i["vigencia"].get("hasta") or hoy)]
    elegida = max((i.get("version", 1) for i in vigentes or versiones), default=1)
    return await ctx.leer("evidencias", f"/instrumentos/{codigo}/{elegida}")


ASISTENCIA = {"presente": _("presente"), "ausente": _("ausente"), "justificado": _("ausencia justificada")}
COTEJO = {"si": _("Sí"), "no": _("No"), "no_aplica": _("No aplica")}


async def directivo_de(ctx: Contexto, escuela: dict[str, Any], docentes: list[dict[str, Any]]) -> str | None:
    """The directivo who leads a school's RTC, as agenda knows him: the observer of the internal plan
    (NT-026 §5.2.1) of one of the coach's docentes there; none known, the RTC forms say so and agenda,
    which checks it, explains its refusal."""
    de_ella = next((d["docente_id"] for d in docentes if (d["codigo_modular"], d["anexo"]) ==
                    (escuela["codigo_modular"], escuela["anexo"])), None)
    if de_ella is None:
        return None
    try:
        planes = await ctx.leer("agenda", f"/docentes/{de_ella}/planes")
    except Rechazo:
        return None
    internos = sorted((p for p in planes if p.get("modalidad") == "interna"), key=lambda p: p["anio"])
    return internos[-1]["acompanante_id"] if internos else None


async def reunion_si_existe(ctx: Contexto, actividad_id: str) -> dict[str, Any] | None:
    return await ctx.leer_si_existe("evidencias", f"/reuniones/{actividad_id}")  # None: not yet in evidencias


router = APIRouter()


@router.get("/hoy", include_in_schema=False)
async def hoy(request: Request) -> Response:
    ctx = await contexto(request, COACH)
    cartera_, agenda = await asyncio.gather(
        cartera(ctx), ctx.leer("agenda", f"/acompanantes/{ctx.usuario}/agenda", anio=ctx.settings.anio))
    docentes, escuelas = nombres_de(cartera_)
    hoy_ = i18n.hoy().isoformat()
    actividades = [frases.actividad(a, docentes, escuelas) for a in sorted(agenda, key=lambda a: a["fecha_inicio"])]
    proximas = [a for a in actividades if a["fecha_fin"] >= hoy_ and a["estado"] == "programada"]
    return ctx.pagina("hoy.html", hoy=hoy_, proximas=proximas, actividades=actividades,
                      calendario=request.app.state.sesiones.tiene_calendario(ctx.usuario),
                      anio=ctx.settings.anio, actualizado=ahora())


@router.get("/cartera", include_in_schema=False)
async def mi_cartera(request: Request) -> Response:
    ctx = await contexto(request, COACH)
    cartera_ = await cartera(ctx)
    por_escuela: dict[str, list[dict[str, Any]]] = {}
    for d in cartera_["docentes"]:
        por_escuela.setdefault(f"{d['codigo_modular']}-{d['anexo']}", []).append(d)
    escuelas = [{**e, "docentes": por_escuela.get(f"{e['codigo_modular']}-{e['anexo']}", [])}
                for e in cartera_["escuelas"]]
    return ctx.pagina("cartera.html", escuelas=escuelas, total=len(cartera_["docentes"]), actualizado=ahora())


@router.get("/docentes/{docente_id}", include_in_schema=False)
async def ficha(docente_id: uuid.UUID, request: Request) -> Response:
    ctx = await contexto(request, COACH)
    persona, preparacion, compromisos, ficha_ = await asyncio.gather(
        ctx.leer("focalizacion", f"/docentes/{docente_id}/persona"),
        ctx.leer("evidencias", f"/docentes/{docente_id}/preparacion"),
        ctx.leer("evidencias", f"/docentes/{docente_id}/compromisos"),
        instrumento(ctx))
    titulos = {i["clave"]: i["titulo"] for i in ficha_["items"]}
    return ctx.pagina("docente.html", docente=persona, preparacion=preparacion, titulos=titulos,
                      compromisos=[frases.compromiso(c, titulos) for c in compromisos], actualizado=ahora())


async def registrar(ctx: Contexto, visita_id: str, docente_id: str) -> Response:
    persona, preparacion, ficha_, visita = await asyncio.gather(
        ctx.leer("focalizacion", f"/docentes/{docente_id}/persona"),
        ctx.leer("evidencias", f"/docentes/{docente_id}/preparacion"), instrumento(ctx),
        ctx.leer_si_existe("evidencias", f"/visitas/{visita_id}"))
    titulos = {i["clave"]: i["titulo"] for i in ficha_["items"]}
    return ctx.pagina("visita.html", docente=persona, visita_id=visita_id, visita=visita, instrumento=ficha_,
                      titulos=titulos, pendientes=preparacion.get("compromisos_pendientes", []),
                      resultados=RESULTADOS, hoy=i18n.hoy().isoformat(),
                      hecho=ctx.request.query_params.get("hecho"), envio=ctx.request.query_params.get("estado"),
                      actualizado=ahora())


@router.get("/docentes/{docente_id}/visita", include_in_schema=False)
async def nueva_visita(docente_id: uuid.UUID, request: Request) -> Response:
    ctx = await contexto(request, COACH)
    return await registrar(ctx, str(uuid.uuid4()), str(docente_id))


@router.get("/visitas/{visita_id}/registrar", include_in_schema=False)
async def seguir_visita(visita_id: uuid.UUID, docente: uuid.UUID, request: Request) -> Response:
    ctx = await contexto(request, COACH)
    return await registrar(ctx, str(visita_id), str(docente))


@router.get("/docentes/{docente_id}/evaluacion", include_in_schema=False)
async def evaluacion(docente_id: uuid.UUID, request: Request) -> Response:
    """Situación inicial, valoraciones y cierre de etapa (NT-026 §5.2.5, §5.3), with the observations
    they rest on."""
    ctx = await contexto(request, COACH)
    persona, progreso, observaciones = await asyncio.gather(
        ctx.leer("focalizacion", f"/docentes/{docente_id}/persona"),
        ctx.leer("evaluacion", f"/docentes/{docente_id}/progreso"),
        ctx.leer("evidencias", f"/docentes/{docente_id}/observaciones"))
    vistas: dict[str, dict[str, Any]] = {}
    for filas in observaciones.values():
        for o in filas:
            vistas.setdefault(o["observacion_id"], {"id": o["observacion_id"], "fecha": o["fecha"]})
    competencias = [c["competencia"] for c in progreso.get("competencias", [])] or list(frases.COMPETENCIAS)[:5]
    return ctx.pagina("evaluacion.html", docente=persona, progreso=progreso, competencias=competencias,
                      nombres=frases.COMPETENCIAS, observaciones=sorted(vistas.values(), key=lambda o: o["fecha"]),
                      hoy=i18n.hoy().isoformat(), anio=ctx.settings.anio,
                      hecho=request.query_params.get("hecho"), actualizado=ahora())


@router.get("/reuniones", include_in_schema=False)
async def reuniones(request: Request) -> Response:
    ctx = await contexto(request, COACH)
    cartera_, agenda = await asyncio.gather(
        cartera(ctx), ctx.leer("agenda", f"/acompanantes/{ctx.usuario}/agenda", anio=ctx.settings.anio))
    docentes, escuelas = nombres_de(cartera_)
    propias = [frases.actividad(a, docentes, escuelas) for a in sorted(agenda, key=lambda a: a["fecha_inicio"])
               if a["tipo"] in ("gia", "rtc", "taller")]
    directivos = await asyncio.gather(*(directivo_de(ctx, e, cartera_["docentes"]) for e in cartera_["escuelas"]))
    return ctx.pagina("reuniones.html", reuniones=propias, docentes=cartera_["docentes"],
                      escuelas=[{**e, "directivo_id": d} for e, d in zip(cartera_["escuelas"], directivos)],
                      hoy=i18n.hoy().isoformat(), hecho=request.query_params.get("hecho"), actualizado=ahora())


@router.get("/reuniones/{actividad_id}/acta", include_in_schema=False)
async def acta(actividad_id: uuid.UUID, request: Request) -> Response:
    """The acta of a GIA or RTC held: attendance of each docente called, agreements, critical knots and
    the checklist of its instrument (LC-GIA, LC-RTC); once registered, the page reads it back."""
    ctx = await contexto(request, COACH)
    actividad, cartera_, registro = await asyncio.gather(
        ctx.leer("agenda", f"/actividades/{actividad_id}"), cartera(ctx), reunion_si_existe(ctx, str(actividad_id)))
    docentes, escuelas = nombres_de(cartera_)
    lista = await instrumento(ctx, "LC-RTC" if actividad["tipo"] == "rtc" else "LC-GIA")
    datos = actividad.get("datos", {})
    otro = _("un docente que ya no está en su cartera")
    llamados = [{"docente_id": d, "nombre": docentes.get(d, otro)}
                for d in datos.get("participantes") or datos.get("docentes") or []]
    actas = (registro or {}).get("actas") or []
    ultima = actas[-1] if actas else None
    if ultima:
        ultima = {**ultima, "asistencia": [(docentes.get(d, otro), ASISTENCIA.get(e, e))
                                           for d, e in ultima.get("asistencia", {}).items()],
                  "cotejo": [(i["titulo"], COTEJO.get(ultima.get("lista_cotejo", {}).get(i["clave"], ""), ""))
                             for i in lista["items"]]}
    return ctx.pagina("acta.html", actividad=frases.actividad(actividad, docentes, escuelas), llamados=llamados,
                      lista=lista, acta=ultima, hecho=request.query_params.get("hecho"),
                      actualizado=ahora(), volver=f"/reuniones/{actividad_id}/acta", cola=True)


@router.get("/preparar", include_in_schema=False)
async def preparar(request: Request) -> Response:
    ctx = await contexto(request, COACH)
    cartera_ = await cartera(ctx)
    return ctx.pagina("preparar.html", docentes=cartera_["docentes"], escuelas=cartera_["escuelas"],
                      actualizado=ahora())


@router.get("/pendientes", include_in_schema=False)
async def pendientes(request: Request) -> Response:
    ctx = await contexto(request, COACH)
    return ctx.pagina("pendientes.html", actualizado=ahora())


@router.get("/almacenamiento", include_in_schema=False)
async def almacenamiento(request: Request) -> Response:
    ctx = await contexto(request, COACH)
    return ctx.pagina("almacenamiento.html", actualizado=ahora())


@router.get("/inicio", include_in_schema=False)
async def inicio(request: Request) -> Response:
    ctx = await contexto(request)
    return ctx.pagina("inicio.html")

