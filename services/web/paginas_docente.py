"""The docente's own pages: his plan, his progress, his commitments, his history and who read it, the survey.

Everything is read with his own token: the services answer only what is his.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web import frases
from services.web.vistas import contexto

DOCENTE = frozenset({"docente"})


async def persona(ctx: Any) -> dict[str, Any]:
    return await ctx.leer("focalizacion", f"/docentes/{ctx.usuario}/persona")


router = APIRouter()


@router.get("/mi-plan", include_in_schema=False)
async def mi_plan(request: Request) -> Response:
    ctx = await contexto(request, DOCENTE)
    yo, planes, cumplimiento = await asyncio.gather(
        persona(ctx), ctx.leer("agenda", f"/docentes/{ctx.usuario}/planes"),
        ctx.leer("agenda", f"/docentes/{ctx.usuario}/cumplimiento", anio=ctx.settings.anio))
    componentes = [(c, frases.COMPONENTES[c]) for c in frases.COMPONENTES
                   if f"{c}_planificado" in cumplimiento]
    return ctx.pagina("mi_plan.html", yo=yo, planes=planes, cumplimiento=cumplimiento, componentes=componentes,
                      anio=ctx.settings.anio)


@router.get("/mi-progreso", include_in_schema=False)
async def mi_progreso(request: Request) -> Response:
    ctx = await contexto(request, DOCENTE)
    yo, progreso = await asyncio.gather(persona(ctx), ctx.leer("evaluacion", f"/docentes/{ctx.usuario}/progreso"))
    return ctx.pagina("mi_progreso.html", yo=yo, progreso=progreso, competencias=frases.COMPETENCIAS)


@router.get("/mis-compromisos", include_in_schema=False)
async def mis_compromisos(request: Request) -> Response:
    ctx = await contexto(request, DOCENTE)
    yo, compromisos = await asyncio.gather(persona(ctx), ctx.leer("evidencias", f"/docentes/{ctx.usuario}/compromisos"))
    return ctx.pagina("mis_compromisos.html", yo=yo, compromisos=[frases.compromiso(c, {}) for c in compromisos])


@router.get("/mi-historia", include_in_schema=False)
async def mi_historia(request: Request) -> Response:
    ctx = await contexto(request, DOCENTE)
    yo, historia, accesos = await asyncio.gather(
        persona(ctx), ctx.leer("evaluacion", f"/docentes/{ctx.usuario}/historia"),
        ctx.leer("evaluacion", f"/docentes/{ctx.usuario}/accesos"))
    personas = {}
    if yo.get("acompanante"):
        personas[yo["acompanante"]["acompanante_id"]] = frases.nombre(yo["acompanante"])
    escuelas = {f"{yo['ie']['codigo_modular']}-{yo['ie']['anexo']}": yo["ie"]["nombre"]}
    hechos = [frases.hecho(h, personas, escuelas, ctx.usuario) for h in historia.get("hechos", [])]
    return ctx.pagina("mi_historia.html", yo=yo, hechos=hechos, accesos=[frases.acceso(a, personas) for a in accesos],
                      nota=historia.get("nota", ""))


@router.get("/encuesta", include_in_schema=False)
async def encuesta(request: Request) -> Response:
    ctx = await contexto(request, DOCENTE)
    yo = await persona(ctx)
    return ctx.pagina("encuesta.html", yo=yo, preguntas=frases.PREGUNTAS, anio=ctx.settings.anio,
                      hecho=request.query_params.get("hecho"))

