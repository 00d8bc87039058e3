"""Recording what took place: a visit, a GIA, an RTC, a workshop, a docente's virtual course and one of the
acompañante's own formation. Each route is one command, answered registrado (201) or ya_registrado (200)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from services.agenda.api import actividades as a
from services.agenda.api.comun import CREADO, Entrada, Id, Registro, registro
from services.agenda.api.dependencias import AgendaApp
from services.agenda.application import Resultado
from services.agenda.comandos import CompletarCursoPropio, Curso

router = APIRouter(prefix="/v1", tags=["realización"])


class CursoPropioIn(Entrada):
    registro_id: UUID
    anio: int = Field(ge=2000, le=2100)
    curso: str = Field(min_length=3, max_length=300)
    horas: float = Field(gt=0, le=500)
    fecha: date = Field(description="Día en que lo completó.")
    plataforma: str = Field("", max_length=100)


@router.post("/visitas-realizadas", summary="Registrar una visita realizada", **CREADO)
def post_visita_realizada(body: a.VisitaRealizadaIn, agenda: AgendaApp) -> Registro:
    return registro(*a.visita_realizada(agenda, body))


@router.post("/gia-completados", summary="Registrar un GIA completado", **CREADO)
def post_gia_completado(body: a.ReunionRealizadaIn, agenda: AgendaApp) -> Registro:
    return registro(*a.reunion_realizada(agenda, "gia", body))


@router.post("/rtc-realizadas", summary="Registrar una RTC realizada", **CREADO)
def post_rtc_realizada(body: a.ReunionRealizadaIn, agenda: AgendaApp) -> Registro:
    return registro(*a.reunion_realizada(agenda, "rtc", body))


@router.post("/talleres-realizados", summary="Registrar un taller realizado", **CREADO)
def post_taller_realizado(body: a.TallerRealizadoIn, agenda: AgendaApp) -> Registro:
    return registro(*a.taller_realizado(agenda, body))


@router.post("/cursos-virtuales-completados", summary="Registrar un curso virtual completado", **CREADO)
def post_curso(body: a.CursoVirtualIn, agenda: AgendaApp) -> Registro:
    return registro(*a.curso(agenda, body))


@router.post("/acompanantes/{acompanante_id}/cursos-virtuales",
             summary="Registrar un curso virtual de la formación del propio acompañante",
             description="Cuenta en su cumplimiento (`nivel=acompanante`: `cursos_propios_realizado`).", **CREADO)
def post_curso_propio(acompanante_id: Id, body: CursoPropioIn, agenda: AgendaApp) -> Registro:
    curso = Curso(body.curso, body.horas, body.fecha, body.plataforma)
    nuevo = agenda.completar_curso_propio(CompletarCursoPropio(str(acompanante_id), body.anio, str(body.registro_id),
                                                               curso))
    return registro(body.registro_id, Resultado(nuevo))
