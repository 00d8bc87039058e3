"""A docente's full history over HTTP (auditors, and the docente himself), who read it, and the chains of
the four services (Ley 29733: every read by another is recorded with its reason and the docente sees it)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import ConfigDict, Field

from services.evaluacion import exportar, reportes
from services.evaluacion.api.comun import Al, Entrada, Id
from services.evaluacion.api.dependencias import EvaluacionApp, Vistas
from services.evaluacion.application import Evaluacion
from services.evaluacion.comandos import RegistrarConsulta
from services.evaluacion.historia import a_json
from services.evaluacion.projections import Proyecciones
from shared.eventstore import DomainError
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1", tags=["auditoría"])
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}},
                                        403: {"description": "Rol no autorizado"}}
Desde = Annotated[date | None, Query(description="Desde esta fecha (del hecho).")]
Hasta = Annotated[date | None, Query(description="Hasta esta fecha (del hecho).")]
Etapa = Annotated[int | None, Query(ge=1, le=3)]
Tipo = Annotated[list[str] | None, Query(description="Hechos de estos tipos (p. ej. VisitaRealizada).")]
Servicio = Annotated[list[Literal["focalizacion", "agenda", "evidencias", "evaluacion"]] | None, Query()]
Pagina = Annotated[int, Query(ge=1, le=100_000)]
PorPagina = Annotated[int, Query(ge=1, le=500)]
Motivo = Annotated[str | None, Query(min_length=5, max_length=300)]


class NombresIn(Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "personas": {"0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55": "Leydi Stefany Maquera Gutierrez"},
        "escuelas": {"0236885-0": "IEI N°246"}}]})
    personas: dict[UUID, Annotated[str, Field(min_length=2, max_length=200)]] = Field(
        default_factory=dict, max_length=500,
        description="Nombre de cada persona (el docente, sus acompañantes, colegas), tal como lo da focalización.")
    escuelas: dict[Annotated[str, Field(pattern=r"^\d{7}-\d$")], Annotated[str, Field(min_length=2, max_length=200)]] = (
        Field(default_factory=dict, max_length=200, description="Nombre de cada IE, por «código modular-anexo»."))

    def personas_por_id(self) -> dict[str, str]:
        return {str(k): v for k, v in self.personas.items()}


async def historia_de(app: Evaluacion, vistas: Proyecciones, docente_id: UUID, request: Request,
                      filtros: dict[str, Any], motivo: str | None, formato: str,
                      nombres: NombresIn | None = None) -> Response:
    actor = current_actor.get()  # who may read it at all is the route's rule (acceso.HISTORIA)
    propio = actor.rol == "docente" and actor.usuario == str(docente_id)
    motivo = motivo or request.headers.get("X-Motivo")
    if not propio and (not motivo or len(motivo.strip()) < 5):
        raise DomainError("Indique por qué lee la historia de este docente (motivo): queda registrado y el "
                          "docente puede verlo.")
    corte = reportes.Corte.de(filtros["al"])
    registrada = {**{k: filtros[k] for k in ("desde", "hasta", "etapa", "tipo", "servicio")},
                  "al": corte.momento.isoformat(), "pagina": filtros["pagina"], "formato": formato}
    consulta = {k: v if not isinstance(v, date) else v.isoformat() for k, v in registrada.items()}
    # The read is recorded while the history is read; nothing is shown unless the record was saved.
    _, historia = await asyncio.gather(
        asyncio.to_thread(app.registrar_consulta, RegistrarConsulta(str(docente_id), (motivo or "").strip(), consulta)),
        asyncio.to_thread(vistas.historia.historia, str(docente_id), al=corte.clave,
                          desde=filtros["desde"], hasta=filtros["hasta"], etapa=filtros["etapa"],
                          eventos=filtros["tipo"], servicios=filtros["servicio"], pagina=filtros["pagina"],
                          por_pagina=filtros["por_pagina"]))
    if formato == "pdf":
        personas, escuelas = (nombres.personas_por_id(), nombres.escuelas) if nombres else ({}, {})
        pdf = await asyncio.to_thread(exportar.pdf_historia, str(docente_id), historia, corte.nota()["nota"],
                                      personas, escuelas)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="historia-{docente_id}.pdf"',
                                 "Cache-Control": "private, no-store"})
    estado = await asyncio.to_thread(vistas.leer, "progreso", lambda conn, t: reportes.progreso_docente(
        conn, t, str(docente_id), corte))
    cuerpo = await asyncio.to_thread(a_json, {"docente_id": str(docente_id), **corte.nota(),
                                              "estado_al": _estado(estado) if estado else None, **historia})
    return Response(cuerpo, media_type="application/json", headers={"Cache-Control": "private, no-store"})


def _estado(progreso: dict[str, Any]) -> dict[str, Any]:
    """What was known of the docente at the cut: his plans and, per competency, each etapa's levels."""
    return {"planes": progreso["planes"], "competencias": [
        {"competencia": c["competencia"], "inicial": c["inicial"] and c["inicial"]["nivel"],
         "etapas": [{k: e[k] for k in ("etapa", "anio", "esperado", "logrado")} for e in c["etapas"]]}
        for c in progreso["competencias"]]}


@router.get("/docentes/{docente_id}/historia", responses=PDF,
            summary="La historia completa de un docente en los cuatro servicios, en orden",
            description="Cada hecho con su servicio, secuencia en el stream y posición, versión, quién lo causó, "
                        "cuándo ocurrió y cuándo se registró, su traza y su contenido. La lee el propio docente, el "
                        "auditor y los roles de supervisión; toda lectura de otro queda registrada con su motivo "
                        "(`motivo` o cabecera `X-Motivo`) y el docente la ve en `/accesos` (Ley 29733).")
async def get_historia(docente_id: Id, request: Request, app: EvaluacionApp, vistas: Vistas, desde: Desde = None,
                       hasta: Hasta = None, etapa: Etapa = None, tipo: Tipo = None, servicio: Servicio = None,
                       al: Al = None, pagina: Pagina = 1, por_pagina: PorPagina = 100, motivo: Motivo = None,
                       formato: Literal["json", "pdf"] = "json") -> Any:
    return await historia_de(app, vistas, docente_id, request, {
        "desde": desde, "hasta": hasta, "etapa": etapa, "tipo": tipo, "servicio": servicio, "al": al,
        "pagina": pagina, "por_pagina": por_pagina}, motivo, formato)


@router.post("/docentes/{docente_id}/historia.pdf", response_class=Response, responses=PDF,
             summary="La historia de un docente en PDF, con los nombres que quien la pide puede ver",
             description="La misma lectura que `GET …/historia?formato=pdf` (con su motivo, registrada): cada hecho "
                         "como una oración, con los nombres de personas y escuelas que trae el cuerpo (los que el "
                         "lector puede ver en focalización); se usan solo para imprimir, no se guardan.")
async def post_historia_pdf(docente_id: Id, request: Request, body: NombresIn, app: EvaluacionApp, vistas: Vistas,
                            desde: Desde = None, hasta: Hasta = None, etapa: Etapa = None, tipo: Tipo = None,
                            servicio: Servicio = None, al: Al = None, pagina: Pagina = 1,
                            por_pagina: PorPagina = 100, motivo: Motivo = None) -> Response:
    return await historia_de(app, vistas, docente_id, request, {
        "desde": desde, "hasta": hasta, "etapa": etapa, "tipo": tipo, "servicio": servicio, "al": al,
        "pagina": pagina, "por_pagina": por_pagina}, motivo, "pdf", body)


@router.get("/docentes/{docente_id}/accesos",
            summary="Quién leyó la historia del docente, cuándo y por qué, y cada lectura de sus datos por un "
                    "auditor en cualquier servicio (la ve el propio docente)")
def get_accesos(docente_id: Id, app: EvaluacionApp, vistas: Vistas) -> list[dict[str, Any]]:
    return sorted(app.accesos(str(docente_id)) + vistas.historia.lecturas(str(docente_id)), key=lambda a: a["en"])


@router.get("/auditoria/cadenas",
            summary="La cadena de huellas de cada servicio: eslabones verificados, pendientes o rotos, y sus sellos")
def get_cadenas(vistas: Vistas) -> dict[str, Any]:
    return vistas.historia.cadenas()
