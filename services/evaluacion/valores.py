"""The value objects evaluacion's events carry (each stored by ``shared.eventstore.ValorTranscoding`` under the
name ``Evaluacion.valores`` gives it).

Frozen dataclasses of plain fields (``shared.valores.Valor``), built from what the other services publish or from
a command; ``de`` reads one from its dict, ``como_dict`` gives it back (dates as ISO text), as the published
contracts carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from shared.valores import Valor


@dataclass(frozen=True)
class PlanDocente(Valor):
    """agenda's plan of a docente for a year (``PlanAnualGeneradoV1``), as evaluacion keeps it: who holds him
    (``acompanante_id``), in which school and territory; ``modalidad`` "interna" is his school's own plan."""

    plan_id: str
    docente_id: str
    acompanante_id: str
    convocatoria: str
    anio: int
    etapa: int
    modalidad: str
    codigo_modular: str
    anexo: int
    tipo_ie: str
    nivel: str
    dre: str
    ugel: str


@dataclass(frozen=True)
class PlanEnCurso(PlanDocente):
    """A plan as the docente's record keeps it: whether it is still open and agenda's reassignments applied to
    it (``avisos``: their ids; ``acompanante_id`` is the last one's)."""

    activo: bool = True
    avisos: tuple[str, ...] = ()


@dataclass(frozen=True)
class TerritorioAcompanante(Valor):
    """Where focalizacion incorporated an acompañante: his DRE and UGEL, the type of IE he holds, and when."""

    dre: str
    ugel: str
    tipo_ie: str
    convocatoria: str


@dataclass(frozen=True)
class Evidencia(Valor):
    """An observation made of a docente (from evidencias): what a valuation may rest on."""

    tipo: str
    anio: int
    fecha: date
    visita_id: str


@dataclass(frozen=True)
class Contexto(Valor):
    """What every valuation of a docente carries about his plan when it was made, and who made it when."""

    codigo_modular: str
    anexo: int
    tipo_ie: str
    convocatoria: str
    anio: int
    etapa: int
    dre: str
    ugel: str
    acompanante_id: str
    fecha: date


@dataclass(frozen=True)
class NivelInicial(Valor):
    """A competency's initial level, with the evidence it rests on."""

    nivel: str
    evidencias: list[str]
    sustento: str = ""


@dataclass(frozen=True)
class SituacionInicial(Valor):
    """A docente's initial situation of a convocatoria: the context it was made in and each competency's level."""

    contexto: Contexto
    niveles: dict[str, NivelInicial]


@dataclass(frozen=True)
class Valoracion(Valor):
    """A valuation of one competency, with the context it was made in."""

    contexto: Contexto
    competencia: str
    nivel: str
    evidencias: list[str]
    sustento: str


@dataclass(frozen=True)
class Cierre(Valor):
    """The close of an etapa (or a correction of it): the level achieved in each competency."""

    contexto: Contexto
    niveles: dict[str, str]


@dataclass(frozen=True)
class ConsultaHistoria(Valor):
    """What a read of a docente's history asked for (its filters, the moment it was read as of, its page and
    format): recorded with who read it and why (Ley 29733)."""

    desde: date | None = None
    hasta: date | None = None
    etapa: int | None = None
    tipo: list[str] | None = None
    servicio: list[str] | None = None
    al: str | None = None  # the moment, ISO
    pagina: int | None = None
    formato: str | None = None


@dataclass(frozen=True)
class InformeDe(Valor):
    """Which quarterly report: a UGEL's, to its DRE, of a quarter."""

    ugel: str
    dre: str
    anio: int
    trimestre: int


@dataclass(frozen=True)
class Envio(Valor):
    """A quarterly report as sent: by whom, when, the figures it carried and the UGEL's remarks."""

    enviado_por: str
    fecha: date
    resumen: dict[str, int]
    observaciones: str


@dataclass(frozen=True)
class Recepcion(Valor):
    recibido_por: str
    fecha: date
    observaciones: str


@dataclass(frozen=True)
class Medida(Valor):
    """A corrective measure the UGEL disposes against a school (``codigo_modular``, ``anexo``) or an
    acompañante, with its deadline."""

    sobre: Literal["ie", "acompanante"]
    codigo_modular: str | None
    anexo: int | None
    acompanante_id: str | None
    descripcion: str
    plazo: date
    dispuesta_por: str
    fecha: date


@dataclass(frozen=True)
class Seguimiento(Valor):
    """A follow-up of a measure; ``seguimiento_id`` is the sender's (absent: its state, text and day tell it)."""

    estado: str
    avance: str
    fecha: date
    por: str
    seguimiento_id: str | None = None


# --- what an aggregate keeps of its events (built when they are applied, never stored: not in VALORES) ---------


@dataclass(frozen=True)
class MedidaEnCurso(Valor):
    """A measure as the report keeps it: as disposed, where it stands and its follow-ups in order."""

    medida: Medida
    estado: str = "dispuesta"
    seguimientos: tuple[Seguimiento, ...] = ()

    @property
    def desde(self) -> date:
        """The day of its last follow-up, or the day it was disposed: a new follow-up is not earlier."""
        return self.seguimientos[-1].fecha if self.seguimientos else self.medida.fecha


@dataclass(frozen=True)
class RespuestaEncuesta(Valor):
    """A satisfaction survey answered (NT-026 §5.5.2) by a docente or an acompañante (``encuestado``) of a period,
    with the territory he was in."""

    encuesta_id: str
    encuestado: str
    persona_id: str
    anio: int
    periodo: str
    respuestas: dict[str, int]
    comentario: str
    dre: str
    ugel: str


@dataclass(frozen=True)
class Desempeno(Valor):
    """An acompañante's performance evaluated (NT-026 §5.5.3) at a moment of a year: each criterion's level and
    the overall one, by whom, with the territory he was in."""

    evaluacion_id: str
    acompanante_id: str
    anio: int
    momento: str
    fecha: date
    criterios: dict[str, str]
    nivel: str
    evaluador: str
    dre: str
    ugel: str


VALORES: dict[str, type] = {f"evaluacion.{t.__name__}": t for t in (
    PlanDocente, Evidencia, Contexto, NivelInicial, InformeDe, Envio, Recepcion, Medida, Seguimiento, PlanEnCurso,
    SituacionInicial, Valoracion, Cierre, ConsultaHistoria, TerritorioAcompanante)}
