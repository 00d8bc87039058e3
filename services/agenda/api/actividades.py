"""An acompañante's activities as they enter agenda: the bodies that schedule, change and record them, and the
operation each applies. The single routes (``programacion``, ``realizacion``) and the offline queue (``lote``)
apply the same operations, so an item of the queue is answered as its single route would answer it."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from services.agenda.api.comun import Entrada, Hora
from services.agenda.application import Agenda, Resultado
from services.agenda.comandos import (Cambios, CancelarActividad, CompletarCurso, Curso, ProgramarActividad,
                                      RealizarActividad, ReprogramarActividad, ReunionPedida, TallerPedido,
                                      VisitaPedida)
from shared.contracts.agenda import AccionVisita
from shared.eventstore import DomainError


class VisitaProgramadaIn(Entrada):
    visita_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar no crea otra.")
    docente_id: UUID
    fecha_inicio: date
    fecha_fin: date


class ReunionProgramadaIn(Entrada):
    actividad_id: UUID = Field(description="Identificador que genera el dispositivo.")
    codigo_modular: str = Field(pattern=r"^\d{7}$")
    anexo: int = Field(0, ge=0, le=9)
    fecha: date
    hora_inicio: Hora
    hora_fin: Hora
    docentes: list[UUID] | None = Field(None, description="Participantes (vacío: todos sus docentes de la IE).")
    tema: str = Field("", max_length=300)
    directivo_id: UUID | None = Field(None, description="RTC: el directivo que la lidera.")


class TallerProgramadoIn(Entrada):
    actividad_id: UUID
    fecha_inicio: date
    fecha_fin: date
    sede: str = Field(min_length=2, max_length=200, examples=["Auditorio de la UGEL El Collao"])
    destinatarios: Literal["docentes", "acompanantes"] = "docentes"
    docentes: list[UUID] | None = Field(None, description="Docentes convocados (vacío: todos los suyos).")
    tema: str = Field("", max_length=300)


class ReprogramacionIn(Entrada):
    fecha_inicio: date | None = None
    fecha_fin: date | None = None
    fecha: date | None = Field(None, description="GIA y RTC: el nuevo día.")
    hora_inicio: Hora | None = None
    hora_fin: Hora | None = None
    motivo: str = Field(min_length=3, max_length=500)


class CancelacionIn(Entrada):
    motivo: str = Field(min_length=3, max_length=500)


class VisitaRealizadaIn(Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "visita_id": "6f1c2f7e-2d0a-4c55-9a53-3f7c1b2a9e10", "docente_id": "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55",
        "acompanante_id": "4a2e6d9c-1b3f-5e7a-8c0d-9f1e2a3b4c5d", "fecha_inicio": "2020-06-10",
        "fecha_fin": "2020-06-11", "acciones": ["observacion", "asesoria"]}]})
    visita_id: UUID = Field(description="Identificador que genera el dispositivo (el de la visita programada, si la hubo).")
    docente_id: UUID
    acompanante_id: UUID
    fecha_inicio: date
    fecha_fin: date
    acciones: list[AccionVisita] = Field(min_length=1, description="Observación, asesoría, retroalimentación, modelado.")
    observaciones: str = Field("", max_length=2000)


class ReunionRealizadaIn(Entrada):
    actividad_id: UUID
    acompanante_id: UUID
    codigo_modular: str = Field(pattern=r"^\d{7}$")
    anexo: int = Field(0, ge=0, le=9)
    fecha: date
    hora_inicio: Hora
    hora_fin: Hora
    participantes: list[UUID] = Field(min_length=1, description="Docentes que participaron.")
    tema: str = Field("", max_length=300)
    acuerdos: list[str] = Field(default_factory=list)
    directivo_id: UUID | None = Field(None, description="RTC: el directivo que la lideró.")


class TallerRealizadoIn(Entrada):
    actividad_id: UUID
    acompanante_id: UUID
    fecha_inicio: date
    fecha_fin: date
    sede: str = Field(min_length=2, max_length=200)
    destinatarios: Literal["docentes", "acompanantes"] = "docentes"
    asistencia: dict[UUID, list[date]] = Field(description="Por participante, los días a los que asistió.")
    tema: str = Field("", max_length=300)


class CursoVirtualIn(Entrada):
    registro_id: UUID
    docente_id: UUID
    anio: int = Field(ge=2000, le=2100)
    curso: str = Field(min_length=3, max_length=300)
    horas: float = Field(gt=0, le=500)
    fecha: date = Field(description="Día en que lo completó.")
    plataforma: str = Field("", max_length=100)


# --- the operations: each gives the record's id and the command's result --------------------------------

TipoReunion = Literal["gia", "rtc"]


def programar_visita(agenda: Agenda, acompanante: str, b: VisitaProgramadaIn) -> tuple[UUID, Resultado]:
    visita = VisitaPedida(str(b.docente_id), b.fecha_inicio, b.fecha_fin)
    return b.visita_id, agenda.programar(ProgramarActividad(acompanante, str(b.visita_id), "visita", visita))


def programar_reunion(agenda: Agenda, tipo: TipoReunion, acompanante: str,
                      b: ReunionProgramadaIn) -> tuple[UUID, Resultado]:
    if tipo == "gia" and b.directivo_id is not None:
        raise DomainError("El GIA está a cargo del acompañante: no lleva directivo_id.")
    reunion = ReunionPedida(b.codigo_modular, b.fecha, b.hora_inicio, b.hora_fin, b.anexo, _ids(b.docentes), b.tema,
                            _id(b.directivo_id))
    return b.actividad_id, agenda.programar(ProgramarActividad(acompanante, str(b.actividad_id), tipo, reunion))


def programar_taller(agenda: Agenda, acompanante: str, b: TallerProgramadoIn) -> tuple[UUID, Resultado]:
    taller = TallerPedido(b.fecha_inicio, b.fecha_fin, b.sede, b.destinatarios, _ids(b.docentes), b.tema)
    return b.actividad_id, agenda.programar(ProgramarActividad(acompanante, str(b.actividad_id), "taller", taller))


def reprogramar(agenda: Agenda, actividad_id: UUID, b: ReprogramacionIn) -> tuple[UUID, Resultado]:
    cambios = Cambios(b.fecha_inicio, b.fecha_fin, b.fecha, b.hora_inicio, b.hora_fin)
    if not cambios.dados():
        raise DomainError("Indique las nuevas fechas u horas.")
    return actividad_id, agenda.reprogramar(ReprogramarActividad(str(actividad_id), cambios, b.motivo))


def cancelar(agenda: Agenda, actividad_id: UUID, b: CancelacionIn) -> tuple[UUID, Resultado]:
    return actividad_id, agenda.cancelar(CancelarActividad(str(actividad_id), b.motivo))


def visita_realizada(agenda: Agenda, b: VisitaRealizadaIn) -> tuple[UUID, Resultado]:
    visita = VisitaPedida(str(b.docente_id), b.fecha_inicio, b.fecha_fin, tuple(b.acciones), b.observaciones)
    return b.visita_id, agenda.realizar(RealizarActividad(str(b.acompanante_id), str(b.visita_id), "visita", visita))


def reunion_realizada(agenda: Agenda, tipo: TipoReunion, b: ReunionRealizadaIn) -> tuple[UUID, Resultado]:
    if tipo == "rtc" and b.directivo_id is None:
        raise DomainError("La RTC la lidera el directivo de la IE (NT-026 §5.2.7): indique directivo_id.")
    reunion = ReunionPedida(b.codigo_modular, b.fecha, b.hora_inicio, b.hora_fin, b.anexo, _ids(b.participantes),
                            b.tema, _id(b.directivo_id), tuple(b.acuerdos))
    return b.actividad_id, agenda.realizar(RealizarActividad(str(b.acompanante_id), str(b.actividad_id), tipo,
                                                             reunion))


def taller_realizado(agenda: Agenda, b: TallerRealizadoIn) -> tuple[UUID, Resultado]:
    taller = TallerPedido(b.fecha_inicio, b.fecha_fin, b.sede, b.destinatarios, tema=b.tema,
                          asistencia={str(k): tuple(v) for k, v in b.asistencia.items()})
    return b.actividad_id, agenda.realizar(RealizarActividad(str(b.acompanante_id), str(b.actividad_id), "taller",
                                                             taller))


def _ids(ids: list[UUID] | None) -> tuple[str, ...] | None:
    return None if ids is None else tuple(str(i) for i in ids)


def _id(x: UUID | None) -> str | None:
    return None if x is None else str(x)


def curso(agenda: Agenda, b: CursoVirtualIn) -> tuple[UUID, Resultado]:
    curso_ = Curso(b.curso, b.horas, b.fecha, b.plataforma)
    return b.registro_id, Resultado(agenda.completar_curso(CompletarCurso(str(b.docente_id), b.anio,
                                                                          str(b.registro_id), curso_)))
