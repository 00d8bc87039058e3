"""An acompañante's own record over HTTP (Chile's guide for the execution stage): his sessions with a school's
management team and his self-evaluations (sí / no / no aplica)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from services.evidencias import comandos as c
from services.evidencias.api.comun import Entrada, Id, Lista, registrado
from services.evidencias.api.dependencias import EvidenciasApp, Vistas

router = APIRouter(prefix="/v1", tags=["evidencias"])


class AccionClave(Entrada):
    accion: str = Field(min_length=3, max_length=500)
    responsable: str = Field(min_length=2, max_length=200)
    estado: Literal["pendiente", "en_curso", "realizada", "postergada"]


class Indicador(Entrada):
    indicador: str = Field(min_length=3, max_length=500)
    meta: str = Field(max_length=200)
    avance: str = Field(max_length=200)


class Hito(Entrada):
    fecha: date
    descripcion: str = Field(min_length=3, max_length=500)
    cumplido: bool = False


class SesionIn(Entrada):
    sesion_id: UUID
    codigo_modular: str = Field(pattern=r"^\d{7}$")
    anexo: int = Field(0, ge=0, le=9)
    fecha: date
    momento: Literal["antes", "durante", "despues"] = Field(description="Antes, durante o después de la sesión.")
    acciones_clave: list[AccionClave] = []
    indicadores: list[Indicador] = []
    hitos: list[Hito] = []
    acuerdos: Lista = []
    avances: Lista = []
    nudos_criticos: Lista = []
    aprendizajes: Lista = []


class AutoevaluacionIn(Entrada):
    autoevaluacion_id: UUID
    fecha: date
    instrumento: str | None = Field(None, max_length=40, description="Vacío: AUTOEVAL-ACOMP.")
    version: int | None = Field(None, ge=1)
    respuestas: dict[str, str] = Field(description="Por ítem: si, no o no_aplica.")
    comentario: str = Field("", max_length=2000)


def _json(filas: list[AccionClave] | list[Indicador] | list[Hito]) -> list[dict[str, Any]]:
    return [f.model_dump(mode="json") for f in filas]


@router.post("/acompanantes/{acompanante_id}/sesiones-ejecucion", status_code=201,
             summary="Registrar una sesión de la etapa de ejecución con el equipo de gestión")
def sesion(acompanante_id: Id, entrada: SesionIn, app: EvidenciasApp) -> dict[str, Any]:
    e = entrada
    nuevo = app.registrar_sesion(c.RegistrarSesion(
        sesion_id=str(e.sesion_id), acompanante_id=str(acompanante_id), codigo_modular=e.codigo_modular,
        anexo=e.anexo, fecha=e.fecha, momento=e.momento, acciones_clave=_json(e.acciones_clave),
        indicadores=_json(e.indicadores), hitos=_json(e.hitos), acuerdos=e.acuerdos, avances=e.avances,
        nudos_criticos=e.nudos_criticos, aprendizajes=e.aprendizajes))
    return registrado(str(entrada.sesion_id), nuevo)  # type: ignore[return-value]


@router.post("/acompanantes/{acompanante_id}/autoevaluaciones", status_code=201,
             summary="Registrar la autoevaluación del acompañante (sí / no / no aplica)")
def autoevaluar(acompanante_id: Id, entrada: AutoevaluacionIn, app: EvidenciasApp) -> dict[str, Any]:
    e = entrada
    nuevo = app.registrar_autoevaluacion(c.RegistrarAutoevaluacion(
        autoevaluacion_id=str(e.autoevaluacion_id), acompanante_id=str(acompanante_id), fecha=e.fecha,
        respuestas=e.respuestas, instrumento=e.instrumento, version=e.version, comentario=e.comentario))
    return registrado(str(entrada.autoevaluacion_id), nuevo)  # type: ignore[return-value]


@router.get("/acompanantes/{acompanante_id}/sesiones-ejecucion", summary="Sesiones de ejecución del acompañante")
def sesiones(acompanante_id: Id, vistas: Vistas) -> list[dict[str, Any]]:
    return vistas.registros("sesion", str(acompanante_id))


@router.get("/acompanantes/{acompanante_id}/autoevaluaciones", summary="Autoevaluaciones del acompañante")
def autoevaluaciones(acompanante_id: Id, vistas: Vistas) -> list[dict[str, Any]]:
    return vistas.registros("autoevaluacion", str(acompanante_id))
