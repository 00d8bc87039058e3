"""The value objects agenda's events carry (each stored by ``shared.eventstore.ValorTranscoding`` under the name
``Agenda.valores`` gives it).

An activity's data is one of ``Visita``, ``Reunion`` (GIA and RTC) and ``Taller``: written once here, built by
``datos.de_actividad`` from a request, compared as they are by the aggregate's rules, and read back as the dict
version 1 carried (``como_dict``), which the read models and the publisher keep. Dates travel as ISO text and
hours as ``HH:MM``, as in version 1 of the events. ``AgendaDe``, ``PlanDe`` and ``PlanIEDe``: whose agenda or plan
an event is of, so its publisher needs no look-up (events of version 1 carry None: the aggregate's first event).
What an agenda keeps of a docente's plan is a ``DocenteDeAgenda`` (his ``Requisitos``, what earlier agendas
``Entregado`` him); a docente the padrón places in a school, a ``DocenteEnIE``. Each is a ``shared.valores.Valor``:
its ``de`` reads the dict version 1 of its event carried (the ``*_v1`` upcasts, ``como_valor``). The templates and
the plans that copy them are in ``protocolos``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from shared.valores import Valor, como_valor, nombres_de_campos


@dataclass(frozen=True)
class AgendaDe(Valor):
    """An acompañante's agenda of one school year, and his territory."""

    acompanante_id: str
    anio: int
    dre: str
    ugel: str


@dataclass(frozen=True)
class PlanDe(Valor):
    """A docente's plan of one school year, and its territory."""

    docente_id: str
    anio: int
    dre: str
    ugel: str


@dataclass(frozen=True)
class PlanIEDe(Valor):
    """A school's plan of monitoring of one year (``ie``: codigo_modular-anexo), and its territory."""

    ie: str
    codigo_modular: str
    anexo: int
    anio: int
    dre: str
    ugel: str


@dataclass(frozen=True)
class CursoCompletado(Valor):
    """A virtual course completed (a docente's, on his plan; or one of the acompañante's own formation)."""

    curso: str
    horas: float
    fecha: str
    plataforma: str = ""


@dataclass(frozen=True)
class VisitaEntrePares(Valor):
    """A docente of the school observes a colleague's class (the school's own plan)."""

    docente_visitante_id: str
    docente_visitado_id: str
    fecha: str


@dataclass(frozen=True)
class Socializacion(Valor):
    """How the school's plan was made known to its community, and when."""

    fecha: str
    medio: str = ""


@dataclass(frozen=True)
class InformeEjecucion(Valor):
    """The school plan's informe de ejecución, with the visits counted when it was filed."""

    fecha: str
    logros: str
    dificultades: str
    recomendaciones: str
    visitas_planificadas: int
    visitas_realizadas: int
    visitas_entre_pares: int | None = None  # None: an informe recorded before they were counted

    def como_dict(self) -> dict[str, Any]:  # the field names from shared.valores' per-type cache
        return {n: getattr(self, n) for n in nombres_de_campos(type(self))
                if n != "visitas_entre_pares" or self.visitas_entre_pares is not None}


@dataclass(frozen=True)
class Requisitos(Valor):
    """What a docente's protocol asks of his year, as his acompañante's agenda checks it (NT-026 §5.6):
    ``visita_grupos`` [cantidad, dias_min, dias_max] the mix of visit lengths (None: recorded before it was kept)."""

    protocolo: str
    visitas: int
    dias_visita: int
    visita_dias_min: int
    visita_dias_max: int
    gia: int
    gia_horas_min: float
    rtc: int
    rtc_horas_min: float
    visita_grupos: list[list[int]] | None = None

    def como_dict(self) -> dict[str, Any]:  # the field names from shared.valores' per-type cache
        return {n: getattr(self, n) for n in nombres_de_campos(type(self))
                if n != "visita_grupos" or self.visita_grupos is not None}


@dataclass(frozen=True)
class Entregado(Valor):
    """What one agenda delivered to a docente in the year (realized activities only)."""

    visitas: int = 0
    dias_visita: int = 0
    gia: int = 0
    rtc: int = 0

    def __add__(self, otro: Entregado) -> Entregado:
        return Entregado(*(getattr(self, f.name) + getattr(otro, f.name) for f in fields(self)))


@dataclass(frozen=True)
class DocenteDeAgenda(Valor):
    """What an acompañante's agenda keeps of a docente's plan to check the norm's rules (``datos.resumen``), and
    what his previous acompañantes' agendas delivered to him this year (``recibido``, by agenda id)."""

    plan_id: str
    ie: str
    codigo_modular: str
    anexo: int
    anio_escolar: list[str]  # [inicio, fin], ISO
    requisitos: Requisitos
    recibido: dict[str, Entregado] = field(default_factory=dict)


@dataclass(frozen=True)
class DocenteEnIE(Valor):
    """A docente the padrón registers in a school (focalizacion's ``DocenteRegistradoEnIE``: no personal data)."""

    nivel: str
    dre: str
    ugel: str


@dataclass(frozen=True)
class DocentePlanIE(Valor):
    """A docente a school's plan covers, with his class as the plan names it."""

    docente_id: str
    grado_seccion: str = ""
    area: str = ""


@dataclass(frozen=True)
class Aprobacion(Valor):
    """A school plan's approval: its resolución directoral and the day."""

    resolucion: str
    fecha: str


class _Datos(Valor):
    """What the three kinds of activity share: built from, and read back as, the canonical dict. A field that is
    None is absent from the dict (a scheduled visit has no ``acciones``), but for a workshop's ``ie``."""

    SIEMPRE: tuple[str, ...] = ()

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Any:
        return cls(**{f.name: datos.get(f.name) for f in fields(cls)})  # type: ignore[call-overload]

    def como_dict(self) -> dict[str, Any]:  # the field names from shared.valores' per-type cache
        d = {}
        for nombre in nombres_de_campos(type(self)):
            valor = getattr(self, nombre)
            if valor is not None or nombre in self.SIEMPRE:
                d[nombre] = valor
        return d


@dataclass(frozen=True)
class Visita(_Datos):
    """A visit to one docente's classroom: scheduled (its days), realized (with what was done and the free text,
    encrypted with the docente's key: ``datos.cifrada``)."""

    ie: str
    codigo_modular: str
    anexo: int
    docentes: list[str]
    fecha_inicio: str
    fecha_fin: str
    acciones: list[str] | None = None
    observaciones: str | None = None


@dataclass(frozen=True)
class Reunion(_Datos):
    """A GIA or an RTC: one afternoon in one school with some of its docentes; an RTC led by its directivo."""

    ie: str
    codigo_modular: str
    anexo: int
    docentes: list[str]
    fecha_inicio: str
    fecha_fin: str
    hora_inicio: str
    hora_fin: str
    tema: str
    directivo_id: str | None = None
    acuerdos: list[str] | None = None


@dataclass(frozen=True)
class Taller(_Datos):
    """A workshop of some days at a venue, for docentes or acompañantes; realized, who attended which days."""

    SIEMPRE = ("ie",)

    ie: None
    sede: str
    destinatarios: Literal["docentes", "acompanantes"]
    docentes: list[str]
    fecha_inicio: str
    fecha_fin: str
    tema: str
    asistencia: dict[str, list[str]] | None = None


DatosActividad = Visita | Reunion | Taller
POR_TIPO: dict[str, type[_Datos]] = {"visita": Visita, "gia": Reunion, "rtc": Reunion, "taller": Taller}


def de_actividad(tipo: str, datos: dict[str, Any]) -> Any:
    """The typed data of an activity of ``tipo`` from its canonical dict."""
    return POR_TIPO[tipo].de(datos)


# --- upcasting the events of version 1 (their dicts become these values; they carried no ``contexto``) ----------

sin_contexto = como_valor({"contexto": None})
curso_v1 = como_valor({"contexto": None}, curso=CursoCompletado)
visita_par_v1 = como_valor({"contexto": None}, visita=VisitaEntrePares)
informe_v1 = como_valor({"contexto": None}, informe=InformeEjecucion)
socializacion_v1 = como_valor({"contexto": None}, socializacion=Socializacion)
docente_v1 = como_valor(plan=DocenteDeAgenda)
en_ie_v1 = como_valor(datos=DocenteEnIE)


def actividad_v1(state: dict[str, Any]) -> None:
    state.update(datos=de_actividad(state["tipo"], state["datos"]), contexto=None)


def realizada_v1(tipo: str) -> Any:
    def upcast(state: dict[str, Any]) -> None:
        state.update(datos=de_actividad(tipo, state["datos"]), contexto=None)
    return staticmethod(upcast)


VALORES: dict[str, type] = {"agenda.AgendaDe": AgendaDe, "agenda.PlanDe": PlanDe, "agenda.PlanIEDe": PlanIEDe,
                            "agenda.CursoCompletado": CursoCompletado, "agenda.VisitaEntrePares": VisitaEntrePares,
                            "agenda.Socializacion": Socializacion, "agenda.InformeEjecucion": InformeEjecucion,
                            "agenda.Visita": Visita, "agenda.Reunion": Reunion, "agenda.Taller": Taller,
                            "agenda.Requisitos": Requisitos, "agenda.Entregado": Entregado,
                            "agenda.DocenteDeAgenda": DocenteDeAgenda, "agenda.DocenteEnIE": DocenteEnIE,
                            "agenda.DocentePlanIE": DocentePlanIE}
