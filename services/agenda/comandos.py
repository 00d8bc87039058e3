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
class VisitaPedida:
    """A visit to one docente's classroom as a device sends it: its days; realized, what was done (``acciones``)
    and the free text."""

    docente_id: str
    fecha_inicio: date
    fecha_fin: date
    acciones: tuple[str, ...] = ()
    observaciones: str = ""


@dataclass(frozen=True)
class ReunionPedida:
    """A GIA or an RTC as sent: the school, the afternoon, who takes part (none named: everyone he coaches there),
    its theme, the directivo who leads an RTC; realized, its agreements."""

    codigo_modular: str
    fecha: date
    hora_inicio: str  # HH:MM
    hora_fin: str
    anexo: int = 0
    docentes: tuple[str, ...] | None = None
    tema: str = ""
    directivo_id: str | None = None
    acuerdos: tuple[str, ...] = ()


@dataclass(frozen=True)
class TallerPedido:
    """A workshop as sent: its days, venue and audience, the docentes called (None: all of his); realized, the days
    each participant attended (``asistencia``)."""

    fecha_inicio: date
    fecha_fin: date
    sede: str = ""
    destinatarios: Literal["docentes", "acompanantes"] = "docentes"
    docentes: tuple[str, ...] | None = None
    tema: str = ""
    asistencia: dict[str, tuple[date, ...]] | None = None


Pedido = VisitaPedida | ReunionPedida | TallerPedido


def pedido(tipo: TipoActividad, e: dict[str, Any]) -> Pedido:
    """An activity's request from its JSON (a route's body as ``model_dump(mode="json")`` gives it: dates as ISO
    text, ids as text; a GIA's or RTC's docentes as ``docentes`` or ``participantes``, its day as ``fecha`` or
    ``fecha_inicio``)."""
    def ids(x: Any) -> tuple[str, ...] | None:
        return None if x is None else tuple(str(i) for i in x)

    if tipo == "visita":
        return VisitaPedida(str(e["docente_id"] if "docente_id" in e else e["docentes"][0]), _dia(e["fecha_inicio"]),
                            _dia(e["fecha_fin"]), tuple(e.get("acciones") or ()), e.get("observaciones") or "")
    if tipo in ("gia", "rtc"):
        return ReunionPedida(str(e["codigo_modular"]), _dia(e.get("fecha") or e["fecha_inicio"]),
                             str(e["hora_inicio"])[:5], str(e["hora_fin"])[:5], int(e.get("anexo", 0)),
                             ids(e.get("docentes") or e.get("participantes")), e.get("tema") or "",
                             str(e["directivo_id"]) if e.get("directivo_id") else None, tuple(e.get("acuerdos") or ()))
    asistencia = e.get("asistencia")
    return TallerPedido(_dia(e["fecha_inicio"]), _dia(e["fecha_fin"]), e.get("sede") or "",
                        e.get("destinatarios") or "docentes", ids(e.get("docentes")), e.get("tema") or "",
                        None if asistencia is None else {str(k): tuple(_dia(x) for x in v) for k, v in asistencia.items()})


def _dia(x: Any) -> date:
    return x if isinstance(x, date) else date.fromisoformat(str(x))


@dataclass(frozen=True)
class _ConPedido:
    """A command on an activity of the acompañante's agenda of the year it falls in. ``pedido``: the typed request
    (a caller with JSON reads it with ``pedido``)."""

    acompanante_id: str
    actividad_id: str  # the device's id: a re-send records nothing
    tipo: TipoActividad
    pedido: Pedido

    @property
    def anio(self) -> int:
        """The school year the activity falls in."""
        p = self.pedido
        return (p.fecha if isinstance(p, ReunionPedida) else p.fecha_inicio).year


@dataclass(frozen=True)
class ProgramarActividad(_ConPedido):
    """Schedule an activity (the routes' ``*ProgramadaIn``)."""


@dataclass(frozen=True)
class RealizarActividad(_ConPedido):
    """Record an activity that took place, scheduled before or not (the routes' ``*RealizadaIn``)."""


@dataclass(frozen=True)
class Cambios:
    """A scheduled activity's new dates or hours: a visit's or workshop's ``fecha_inicio``, ``fecha_fin`` (the first
    day alone keeps its length); a GIA's or RTC's ``fecha``, ``hora_inicio``, ``hora_fin``."""

    fecha_inicio: date | None = None
    fecha_fin: date | None = None
    fecha: date | None = None
    hora_inicio: str | None = None
    hora_fin: str | None = None

    @classmethod
    def de(cls, e: dict[str, Any]) -> Cambios:
        return cls(**{k: _dia(v) if k.startswith("fecha") else str(v)[:5] for k, v in e.items() if v is not None})

    def dados(self) -> dict[str, str]:
        """The changes given, as JSON (what ``datos.cambios`` applies on what was scheduled)."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class ReprogramarActividad:
    """Move a scheduled activity (``cambios``), with the reason."""

    actividad_id: str
    cambios: Cambios
    motivo: str


@dataclass(frozen=True)
class CancelarActividad:
    actividad_id: str
    motivo: str
