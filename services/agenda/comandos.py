"""The commands of agenda whose input is more than two values, as typed objects.

The HTTP routes (``api/``) and the subscribers (``messaging``) build them; the application
(``application.Agenda``) takes one and runs it as get → call → save. Plain data, validated where it enters
(the routes' pydantic models, the published contracts): here only their shape, and the typed value their
events carry (``valor``: ``services.agenda.valores``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from services.agenda.valores import (CursoCompletado, DocentePlanIE, InformeEjecucion, Socializacion,
                                     VisitaEntrePares)


@dataclass
class Resultado:
    """A command's answer: whether it recorded something, and the warnings that did not stop it."""

    nuevo: bool
    advertencias: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Asignacion:
    """What agenda needs of a docente's assignment (focalizacion's ``DocenteAsignado``): generating his plan."""

    docente_id: str
    acompanante_id: str
    convocatoria: str
    anio: int
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    tipo_ie: str
    nivel: str


@dataclass(frozen=True)
class Curso:
    """A virtual course completed on ``fecha``."""

    curso: str
    horas: float
    fecha: date
    plataforma: str = ""

    def valor(self) -> CursoCompletado:
        return CursoCompletado(self.curso, self.horas, self.fecha.isoformat(), self.plataforma)


@dataclass(frozen=True)
class CompletarCurso:
    """A docente's virtual course, on his plan of ``anio``."""

    docente_id: str
    anio: int
    registro_id: str  # the device's id of the record: a re-send records nothing
    curso: Curso


@dataclass(frozen=True)
class CompletarCursoPropio:
    """A virtual course of the acompañante's own formation, on his agenda of ``anio``."""

    acompanante_id: str
    anio: int
    registro_id: str
    curso: Curso


@dataclass(frozen=True)
class DesignarDirectivo:
    """The directivo of a school (he leads its RTC and its own plan)."""

    codigo_modular: str
    anexo: int
    directivo_id: str
    cargo: str


@dataclass(frozen=True)
class AprobarPlanIE:
    """The school's plan approved by a resolución directoral."""

    plan_ie_id: str
    resolucion: str
    fecha: date


@dataclass(frozen=True)
class RegistrarVisitaEntrePares:
    """A docente of the school observes a colleague's class, in the school's plan."""

    plan_ie_id: str
    visita_id: str
    docente_visitante_id: str
    docente_visitado_id: str
    fecha: date

    def valor(self) -> VisitaEntrePares:
        return VisitaEntrePares(self.docente_visitante_id, self.docente_visitado_id, self.fecha.isoformat())


@dataclass(frozen=True)
class ElaborarPlanIE:
    """A school's plan of monitoring and coaching for its year (internal modality), as its directivo draws it up."""

    ie: str  # codigo_modular-anexo
    anio: int
    dre: str
    ugel: str
    directivo_id: str  # who leads it and observes its docentes
    cargo: str = "director"
    turno: str = ""
    director: str = ""  # the director's name as the document shows it
    responsables: tuple[str, ...] = ()
    protocolo: str | None = None  # the template (código@versión); None: the closest internal one in force
    tipo: str | None = None  # '<tipo de IE>/<nivel>' of the template, when it has several
    docentes: tuple[DocentePlanIE, ...] | None = None  # None: every docente the padrón registers in the school


@dataclass(frozen=True)
class SocializarPlanIE:
    plan_ie_id: str
    fecha: date
    medio: str = ""

    def valor(self) -> Socializacion:
        return Socializacion(self.fecha.isoformat(), self.medio)


@dataclass(frozen=True)
class EjecutarPlanIE:
    """The plan's informe de ejecución, with the visits counted when it is filed."""

    plan_ie_id: str
    fecha: date
    logros: str
    dificultades: str
    recomendaciones: str
    visitas_planificadas: int
    visitas_realizadas: int
    visitas_entre_pares: int

    def valor(self) -> InformeEjecucion:
        return InformeEjecucion(self.fecha.isoformat(), self.logros, self.dificultades, self.recomendaciones,
                                self.visitas_planificadas, self.visitas_realizadas, self.visitas_entre_pares)


# --- an acompañante's activities (visits, GIA, RTC, workshops) ------------------------------------------------

TipoActividad = Literal["visita", "gia", "rtc", "taller"]


@dataclass(frozen=True)
class ProgramarActividad:
    """Schedule an activity on the acompañante's agenda of the year it falls in. ``entrada``: the request's fields
    as JSON (the routes' ``*ProgramadaIn``), which ``datos.de_actividad`` makes the activity's data."""

    acompanante_id: str
    actividad_id: str  # the device's id: a re-send records nothing
    tipo: TipoActividad
    entrada: dict[str, Any]

    @property
    def anio(self) -> int:
        return _anio(self.entrada)


@dataclass(frozen=True)
class ReprogramarActividad:
    """Move a scheduled activity: ``cambios`` are its new dates or hours (``fecha_inicio``, ``fecha_fin``;
    GIA and RTC ``fecha``, ``hora_inicio``, ``hora_fin``), with the reason."""

    actividad_id: str
    cambios: dict[str, Any]
    motivo: str


@dataclass(frozen=True)
class CancelarActividad:
    actividad_id: str
    motivo: str


@dataclass(frozen=True)
class RealizarActividad:
    """Record an activity that took place, scheduled before or not (``entrada``: the routes' ``*RealizadaIn``)."""

    acompanante_id: str
    actividad_id: str
    tipo: TipoActividad
    entrada: dict[str, Any]

    @property
    def anio(self) -> int:
        return _anio(self.entrada)


def _anio(entrada: dict[str, Any]) -> int:
    """The school year an activity's request falls in."""
    return date.fromisoformat(str(entrada.get("fecha_inicio") or entrada["fecha"])).year
