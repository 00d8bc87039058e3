"""The school's own plan of monitoring and coaching (internal modality) over HTTP: its template, the plan, its
approval, socialization and report, and the peer visits it organizes."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ConfigDict, Field

from services.agenda import ejecucion
from services.agenda.api.comun import CREADO, IE, Cargo, Entrada, Id, Registro, registro
from services.agenda.api.dependencias import AgendaApp, Vistas
from services.agenda.application import Agenda, Resultado
from services.agenda.comandos import (AprobarPlanIE, DocentePlanIE, EjecutarPlanIE, ElaborarPlanIE,
                                      RegistrarVisitaEntrePares, SocializarPlanIE)
from services.agenda.escuela import DocenteAjenoAlPlan, DocentesDeOtraIE
from services.agenda.protocolos import Protocolo
from shared.eventstore import DomainError
from shared.http import estado
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1", tags=["plan de la IE"])


class DocentePlanIEIn(Entrada):
    docente_id: UUID
    grado_seccion: str = Field("", max_length=40, examples=["5 años A"])
    area: str = Field("", max_length=80, description="Área curricular (secundaria).")


class PlanIEIn(Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "anio": 2024, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO", "turno": "mañana",
        "director": "Doly Ramos Aruquipa", "responsables": ["Doly Ramos Aruquipa"], "protocolo": "PMA-IEI246@1"}]})
    anio: int = Field(ge=2000, le=2100)
    dre: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", examples=["DRE-PUNO"])
    ugel: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", examples=["UGEL-EL-COLLAO"])
    turno: str = Field("", max_length=40)
    director: str = Field("", max_length=200, description="Nombre del director como figura en el documento.")
    responsables: list[str] = Field(default_factory=list, max_length=20)
    directivo_id: UUID | None = Field(None, description="Quien observa (por defecto, el directivo que llama).")
    cargo: Cargo = "director"
    protocolo: str | None = Field(None, description="Plantilla (código@versión); por defecto, la interna vigente "
                                  "más cercana a la IE.")
    tipo: str | None = Field(None, description="'<tipo de IE>/<nivel>' de la plantilla, si tiene varios.")
    docentes: list[DocentePlanIEIn] | None = Field(None, max_length=300, description="Docentes que cubre (vacío: "
                                                   "todos los que el padrón registra en la IE).")


class AprobacionIn(Entrada):
    resolucion: str = Field(min_length=3, max_length=120, examples=["RD N° 012-2024-IEI246"])
    fecha: date


class SocializacionIn(Entrada):
    fecha: date
    medio: str = Field("", max_length=200, examples=["Reunión de docentes"])


class EjecucionIn(Entrada):
    fecha: date
    logros: str = Field("", max_length=4000)
    dificultades: str = Field("", max_length=4000)
    recomendaciones: str = Field("", max_length=4000)


class VisitaEntreParesIn(Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "visita_id": "3c9e1a2b-5d4f-4e6a-8b7c-9d0e1f2a3b4c",
        "docente_visitante_id": "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55",
        "docente_visitado_id": "7d2a4c6e-1f3b-5a7c-9e0d-2b4f6a8c0e1d", "fecha": "2024-06-18"}]})
    visita_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar no crea otra.")
    docente_visitante_id: UUID = Field(description="El docente de la IE que observa la clase de su colega.")
    docente_visitado_id: UUID = Field(description="El docente de la IE cuya clase se observa.")
    fecha: date = Field(description="Día de la visita (lectivo, en el año escolar del plan).")


# --- its template -----------------------------------------------------------------------------------------

@router.post("/instituciones/{ie}/protocolos", **CREADO,
             summary="Publicar la versión propia de la IE de la plantilla de su plan interno",
             description="La elabora su directivo (o su UGEL): rige solo en la IE (ámbito "
                         "IE:<código>-<anexo>) y solo para la modalidad interna. Un plan de la IE la sigue si "
                         "la nombra en 'protocolo', o por defecto si es la versión más reciente de las "
                         "plantillas internas de la IE.")
def post_protocolo_ie(ie: IE, body: Protocolo, response: Response, agenda: AgendaApp) -> dict[str, Any]:
    errores = []
    if body.modalidad != "interna":
        errores.append({"loc": ("body", "modalidad"), "type": "value_error", "msg": (
            "la plantilla propia de una IE es la de su plan interno: modalidad 'interna'")})
    if "ambito" in body.model_fields_set and body.ambito != f"IE:{ie}":
        errores.append({"loc": ("body", "ambito"), "type": "value_error", "msg": (
            f"la plantilla propia de la IE rige solo en ella: IE:{ie} (o no lo indique)")})
    if errores:
        raise RequestValidationError(errores)
    propia = Protocolo.model_validate({**body.model_dump(mode="json"), "ambito": f"IE:{ie}"})
    if not agenda.publicar_protocolo(propia):
        response.status_code = status.HTTP_200_OK
    return propia.model_dump(mode="json")


# --- the plan -------------------------------------------------------------------------------------------

@router.post("/instituciones/{ie}/planes-monitoreo", **CREADO,
             summary="Elaborar el plan de monitoreo y acompañamiento de la IE (modalidad interna)")
def post_plan_ie(ie: IE, body: PlanIEIn, response: Response, agenda: AgendaApp) -> dict[str, Any]:
    try:
        plan_ie_id, nuevo = agenda.elaborar_plan_ie(_elaboracion(ie, body))
    except DocentesDeOtraIE as e:
        raise RequestValidationError([{"loc": ("body", "docentes"), "type": "value_error", "msg": str(e)}]) from None
    if not nuevo:
        response.status_code = status.HTTP_200_OK
    return _vista_plan_ie(agenda, str(plan_ie_id))


@router.get("/instituciones/{ie}/docentes",
            summary="Docentes que el padrón registra en la IE (sin datos personales: id y nivel)")
def get_docentes_ie(ie: IE, vistas: Vistas) -> list[dict[str, Any]]:
    return [{k: d[k] for k in ("docente_id", "nivel", "dre", "ugel")} for d in vistas.docentes_ie(ie)]


@router.get("/instituciones/{ie}/planes-monitoreo", summary="Planes de monitoreo de una IE")
def get_planes_ie(ie: IE, vistas: Vistas) -> list[dict[str, Any]]:
    return vistas.planes_ie(ie=ie)


@router.get("/planes-monitoreo/{plan_ie_id}", summary="Un plan de monitoreo de la IE")
def get_plan_ie(plan_ie_id: Id, agenda: AgendaApp) -> dict[str, Any]:
    return _vista_plan_ie(agenda, str(plan_ie_id))


@router.post("/planes-monitoreo/{plan_ie_id}/aprobacion", **CREADO,
             summary="Aprobar el plan con resolución directoral (genera el plan interno de cada docente)")
def post_aprobacion(plan_ie_id: Id, body: AprobacionIn, response: Response, agenda: AgendaApp) -> dict[str, Any]:
    r = agenda.aprobar_plan_ie(AprobarPlanIE(str(plan_ie_id), body.resolucion, body.fecha))
    return _paso_plan_ie(agenda, str(plan_ie_id), r, response)


@router.post("/planes-monitoreo/{plan_ie_id}/socializacion", **CREADO,
             summary="Registrar la socialización del plan con los docentes")
def post_socializacion(plan_ie_id: Id, body: SocializacionIn, response: Response,
                       agenda: AgendaApp) -> dict[str, Any]:
    r = agenda.socializar_plan_ie(SocializarPlanIE(str(plan_ie_id), body.fecha, body.medio))
    return _paso_plan_ie(agenda, str(plan_ie_id), r, response)


@router.post("/planes-monitoreo/{plan_ie_id}/ejecucion", **CREADO,
             summary="Registrar el informe de ejecución del plan (diciembre)")
def post_ejecucion(plan_ie_id: Id, body: EjecucionIn, response: Response, agenda: AgendaApp) -> dict[str, Any]:
    avance = ejecucion.avance(agenda, agenda.plan_ie(str(plan_ie_id)), body.fecha)
    r = agenda.ejecutar_plan_ie(EjecutarPlanIE(str(plan_ie_id), body.fecha, body.logros, body.dificultades,
                                               body.recomendaciones, avance.planificadas, avance.realizadas,
                                               avance.entre_pares))
    return _paso_plan_ie(agenda, str(plan_ie_id), r, response)


@router.post("/planes-monitoreo/{plan_ie_id}/visitas-entre-pares", **CREADO,
             summary="Registrar una visita entre pares (un docente de la IE observa la clase de un colega)",
             description="La organiza el directivo en el plan interno de su IE (plan aprobado y aún sin "
                         "informe de ejecución); los dos docentes deben estar registrados en la IE por el "
                         "padrón y cubiertos por el plan. Cuenta en el cumplimiento de los planes internos "
                         "(`visitas_entre_pares_recibidas`, `visitas_entre_pares_hechas`) y en el informe "
                         "de ejecución.")
def post_visita_entre_pares(plan_ie_id: Id, body: VisitaEntreParesIn, agenda: AgendaApp) -> Registro:
    visita = RegistrarVisitaEntrePares(str(plan_ie_id), str(body.visita_id), str(body.docente_visitante_id),
                                       str(body.docente_visitado_id), body.fecha)
    try:
        r = agenda.registrar_visita_entre_pares(visita)
    except DocenteAjenoAlPlan as e:
        raise RequestValidationError([{"loc": ("body", e.campo), "type": "value_error", "msg": str(e)}]) from None
    return registro(body.visita_id, r)


def _elaboracion(ie: str, b: PlanIEIn) -> ElaborarPlanIE:
    """The command: the plan as the caller sends it, led by the directivo he names (by default, himself)."""
    actor = current_actor.get()
    directivo = b.directivo_id or (_uuid(actor.usuario) if actor.rol == "directivo" else None)
    if directivo is None:
        raise DomainError("Indique directivo_id: el directivo que lidera el plan y observa a los docentes.")
    if actor.rol == "directivo" and str(directivo) != actor.usuario:
        raise DomainError("Un directivo elabora el plan que él mismo lidera: directivo_id debe ser el suyo.")
    docentes = None if b.docentes is None else tuple(
        DocentePlanIE(str(d.docente_id), d.grado_seccion, d.area) for d in b.docentes)
    return ElaborarPlanIE(ie, b.anio, b.dre, b.ugel, str(directivo), b.cargo, b.turno, b.director,
                          tuple(b.responsables), b.protocolo, b.tipo, docentes)


def _uuid(usuario: str) -> UUID:
    try:
        return UUID(usuario)
    except ValueError:
        raise DomainError(f"El usuario {usuario!r} no tiene un identificador válido de directivo (UUID).") from None


def _vista_plan_ie(agenda: Agenda, plan_ie_id: str) -> dict[str, Any]:
    plan = agenda.plan_ie(plan_ie_id)  # the aggregate: what was just recorded, even before it is projected
    return {"plan_ie_id": plan_ie_id, "ie": plan.plan.ie, "anio": plan.plan.anio, "estado": plan.estado,
            "aprobacion": vars(plan.aprobacion) if plan.aprobacion else None,
            "socializacion": plan.socializacion.como_dict() if plan.socializacion else None,
            "ejecucion": plan.ejecucion.como_dict() if plan.ejecucion else None,
            "visitas_entre_pares": [{"visita_id": k, **v.como_dict()} for k, v in sorted(
                plan.visitas_entre_pares.items(), key=lambda kv: (kv[1].fecha, kv[0]))],
            "plan": plan.plan.como_dict()}


def _paso_plan_ie(agenda: Agenda, plan_ie_id: str, r: Resultado, response: Response) -> dict[str, Any]:
    if not r.nuevo:
        response.status_code = status.HTTP_200_OK
    return {**_vista_plan_ie(agenda, plan_ie_id), "registro": estado(r.nuevo)}
