"""Contracts published by agenda."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import IntegrationEvent

AccionVisita = Literal["observacion", "asesoria", "retroalimentacion", "modelado"]


class VisitaRealizadaV1(IntegrationEvent):
    """Una visita de acompañamiento en aula que se realizó (NT-026 §5.6): observación y asesoría."""

    servicio = "agenda"
    evento = "VisitaRealizada"
    version = 1

    visita_id: UUID = Field(description="Identificador de la visita (estable ante reenvíos).")
    docente_id: UUID = Field(description="Identificador del docente acompañado.")
    acompanante_id: UUID = Field(description="Identificador del acompañante que realizó la visita.")
    codigo_modular: str = Field(description="Código modular de la IE (7 dígitos).", examples=["0236885"])
    anexo: int = Field(0, description="Anexo de la IE (0 para la sede principal).")
    dre: str = Field(description="Código de la DRE.", examples=["DRE-PUNO"])
    ugel: str = Field(description="Código de la UGEL.", examples=["UGEL-EL-COLLAO"])
    anio: int = Field(description="Año escolar de la visita.", examples=[2025])
    fecha_inicio: date = Field(description="Primer día de la visita.")
    fecha_fin: date = Field(description="Último día de la visita.")
    dias: int = Field(description="Días de visita.", ge=1)
    acciones: list[AccionVisita] = Field(description="Lo que se hizo durante la visita.")


class _Agenda(IntegrationEvent):
    servicio = "agenda"

    dre: str = Field(description="Código de la DRE.", examples=["DRE-PUNO"])
    ugel: str = Field(description="Código de la UGEL.", examples=["UGEL-EL-COLLAO"])


class PlanAnualGeneradoV1(_Agenda):
    """El plan anual de un docente para una etapa (año escolar), generado desde el protocolo
    vigente cuando se le asignó un acompañante (NT-026 §5.6): lleva el plan completo."""

    evento = "PlanAnualGenerado"
    version = 1

    plan_id: UUID = Field(description="Identificador del plan (uno por docente y año).")
    docente_id: UUID
    acompanante_id: UUID = Field(description="Acompañante (o directivo, en la modalidad interna) a cargo.")
    convocatoria: str = Field(examples=["2020-2022"])
    anio: int = Field(examples=[2020])
    etapa: int = Field(ge=1, le=3, description="Etapa del acompañamiento (1, 2 o 3).")
    modalidad: Literal["externa", "interna"]
    protocolo: str = Field(description="Plantilla aplicada: código@versión.", examples=["NT-026@1"])
    codigo_modular: str = Field(examples=["0236885"])
    anexo: int = 0
    tipo_ie: str = Field(examples=["polidocente_primaria"])
    nivel: Literal["inicial", "primaria", "secundaria"]
    anio_escolar_inicio: date
    anio_escolar_fin: date
    componentes: dict[str, Any] = Field(description="Visitas (grupos con días mínimos y máximos, días en total), GIA, "
                                        "RTC, talleres de docentes y de acompañantes, cursos virtuales y fases.")


class PlanAnualReasignadoV1(_Agenda):
    """El plan de un docente pasó a otro acompañante; sus visitas programadas con el anterior se cancelaron."""

    evento = "PlanAnualReasignado"
    version = 1

    plan_id: UUID
    docente_id: UUID
    anio: int
    de_acompanante_id: UUID
    a_acompanante_id: UUID
    motivo: str


class PlanAnualCerradoV1(_Agenda):
    """El plan de un docente dejó de regir (el docente fue retirado del acompañamiento)."""

    evento = "PlanAnualCerrado"
    version = 1

    plan_id: UUID
    docente_id: UUID
    anio: int
    motivo: str


class _Actividad(_Agenda):
    actividad_id: UUID = Field(description="Identificador que dio el dispositivo del acompañante (estable ante reenvíos).")
    acompanante_id: UUID
    anio: int
    codigo_modular: str | None = Field(None, description="IE donde se realiza (vacío en talleres).")
    anexo: int | None = None
    docente_ids: list[UUID] = Field(description="Docentes a los que se dirige.")
    fecha_inicio: date
    fecha_fin: date
    hora_inicio: str | None = Field(None, description="HH:MM (GIA y RTC).")
    hora_fin: str | None = None


class _Programacion(_Actividad):
    sede: str | None = Field(None, description="Sede del taller.")
    directivo_id: UUID | None = Field(None, description="Directivo que lidera la RTC.")
    tema: str = ""


class _Reprogramacion(_Programacion):
    motivo: str = Field(description="Por qué se reprogramó.")


class _Cancelacion(_Actividad):
    motivo: str = Field(description="Por qué se canceló.")


def _programacion(nombre: str, doc: str) -> tuple[type, type, type]:
    clases = []
    for sufijo, base, texto in (("Programad", _Programacion, "programó"), ("Reprogramad", _Reprogramacion, "reprogramó"),
                                ("Cancelad", _Cancelacion, "canceló")):
        genero = "o" if nombre in ("GIA", "Taller") else "a"
        clases.append(type(f"{nombre}{sufijo}{genero}V1", (base,), {
            "__doc__": f"El acompañante {texto} {doc}.", "__module__": __name__,
            "evento": f"{nombre}{sufijo}{genero}", "version": 1}))
    return tuple(clases)  # type: ignore[return-value]


VisitaProgramadaV1, VisitaReprogramadaV1, VisitaCanceladaV1 = _programacion("Visita", "una visita en aula")
GIAProgramadoV1, GIAReprogramadoV1, GIACanceladoV1 = _programacion("GIA", "un grupo de interaprendizaje")
RTCProgramadaV1, RTCReprogramadaV1, RTCCanceladaV1 = _programacion("RTC", "una reunión de trabajo colegiado")
TallerProgramadoV1, TallerReprogramadoV1, TallerCanceladoV1 = _programacion("Taller", "un taller")


class GIACompletadoV1(_Actividad):
    """Un grupo de interaprendizaje que se realizó en una IE acompañada (NT-026 §5.2.6 b)."""

    evento = "GIACompletado"
    version = 1

    horas: float = Field(description="Duración en horas.")
    tema: str = ""
    acuerdos: list[str] = Field(default_factory=list)


class RTCRealizadaV1(_Actividad):
    """Una reunión de trabajo colegiado que se realizó, liderada por el directivo (NT-026 §5.2.7)."""

    evento = "RTCRealizada"
    version = 1

    directivo_id: UUID
    horas: float
    tema: str = ""
    acuerdos: list[str] = Field(default_factory=list)


class TallerRealizadoV1(_Actividad):
    """Un taller que se realizó, con la asistencia de cada participante por día (NT-026 §5.2.6 c, §5.2.8)."""

    evento = "TallerRealizado"
    version = 1

    destinatarios: Literal["docentes", "acompanantes"]
    sede: str = ""
    tema: str = ""
    asistencia: dict[str, list[date]] = Field(description="Por participante (id), los días a los que asistió.")


class CursoVirtualCompletadoV1(_Agenda):
    """Un docente completó un curso virtual que complementa el acompañamiento (NT-026 §5.2.6)."""

    evento = "CursoVirtualCompletado"
    version = 1

    registro_id: UUID
    docente_id: UUID
    anio: int
    curso: str
    horas: float
    fecha: date
    plataforma: str = ""


class CursoVirtualAcompananteCompletadoV1(_Agenda):
    """Un acompañante completó un curso virtual de su propia formación (NT-026 §5.2.8: "talleres macro
    regionales, cursos virtuales")."""

    evento = "CursoVirtualAcompananteCompletado"
    version = 1

    registro_id: UUID
    acompanante_id: UUID
    anio: int
    curso: str
    horas: float
    fecha: date
    plataforma: str = ""


# --- the school's own plan of monitoring and coaching (internal modality, NT-026 §5.2.1) -----------


class DocentePlanIE(BaseModel):
    """Un docente que cubre el plan de la IE (sin nombre: los nombres están en el padrón de focalizacion)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    docente_id: UUID
    grado_seccion: str = Field("", description="Año o grado y sección a su cargo, si se indicó.", examples=["5 años A"])
    area: str = Field("", description="Área curricular, si se indicó (secundaria).")


class _PlanIE(_Agenda):
    plan_ie_id: UUID = Field(description="Identificador del plan (uno por IE y año).")
    codigo_modular: str = Field(examples=["0236885"])
    anexo: int = 0
    anio: int = Field(examples=[2024])


class PlanMonitoreoIEElaboradoV1(_PlanIE):
    """El directivo (o un especialista de su UGEL) elaboró el plan de monitoreo y acompañamiento de su IE
    para un año: la modalidad interna (NT-026 §5.2.1), con sus datos informativos, los docentes que
    cubre, la plantilla que sigue, sus fases con sus hitos, la hora colegiada y las jornadas de
    autoformación."""

    evento = "PlanMonitoreoIEElaborado"
    version = 1

    directivo_id: UUID = Field(description="El directivo que lidera el plan y observa a los docentes.")
    cargo: str = Field(examples=["director"])
    turno: str = Field("", examples=["mañana"])
    director: str = Field("", description="Nombre del director como figura en el plan (dato del documento).")
    responsables: list[str] = Field(default_factory=list, description="Responsables como figuran en el plan.")
    protocolo: str = Field(description="Plantilla que sigue: código@versión.", examples=["PMA-IEI246@1"])
    tipo_ie: str = Field(examples=["polidocente_inicial"])
    nivel: Literal["inicial", "primaria", "secundaria"]
    docentes: list[DocentePlanIE]
    componentes: dict[str, Any] = Field(description="Visitas (con su mes o fecha límite y fase), RTC u hora "
                                        "colegiada, jornadas de autoformación y fases con sus hitos.")


class PlanMonitoreoIEAprobadoV1(_PlanIE):
    """El plan de la IE se aprobó con resolución directoral: rige, y cada docente que cubre tiene su plan
    interno (``PlanAnualGenerado`` con modalidad interna)."""

    evento = "PlanMonitoreoIEAprobado"
    version = 1

    resolucion: str = Field(description="Resolución directoral que lo aprueba.", examples=["RD N° 012-2024-IEI246"])
    fecha: date


class PlanMonitoreoIESocializadoV1(_PlanIE):
    """El plan de la IE se dio a conocer a sus docentes."""

    evento = "PlanMonitoreoIESocializado"
    version = 1

    fecha: date
    medio: str = Field("", examples=["Reunión de docentes"])


class PlanMonitoreoIEEjecutadoV1(_PlanIE):
    """El directivo presentó el informe de ejecución del plan (diciembre): lo hecho y lo que queda."""

    evento = "PlanMonitoreoIEEjecutado"
    version = 1

    fecha: date
    visitas_planificadas: int = Field(ge=0)
    visitas_realizadas: int = Field(ge=0)
    logros: str = ""
    dificultades: str = ""
    recomendaciones: str = ""


class VisitaEntreParesRealizadaV1(_PlanIE):
    """Un docente de la IE observó la clase de un colega en una visita entre pares, organizada por el
    directivo en el plan interno de la IE (una de sus formas de intervención, con las visitas al aula)."""

    evento = "VisitaEntreParesRealizada"
    version = 1

    visita_id: UUID = Field(description="Identificador de la visita entre pares.")
    docente_visitante_id: UUID = Field(description="El docente que observó la clase de su colega.")
    docente_visitado_id: UUID = Field(description="El docente cuya clase se observó.")
    fecha: date
