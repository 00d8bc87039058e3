"""The commands of evaluacion whose input is more than two values, as typed objects.

The routes (``services.evaluacion.api``) and the consumers (``services.evaluacion.messaging``) build them; the
application (``application.Evaluacion``) takes one and runs it as get → call → save. Plain data, validated where
it enters (the routes' pydantic models, the published contracts): here only their shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from services.evaluacion.valores import Evidencia

# --- what the other services report ------------------------------------------------------------------


@dataclass(frozen=True)
class CambiarAcompanante:
    """agenda reassigned the docente's plan of ``anio`` from ``de`` to ``a`` (``aviso_id``: the fact's id)."""
    docente_id: str
    anio: int
    de: str
    a: str
    aviso_id: str


@dataclass(frozen=True)
class ConocerEvidencia:
    docente_id: str
    evidencia_id: str
    evidencia: Evidencia


@dataclass(frozen=True)
class ConocerAcompanante:
    """focalizacion incorporated the acompañante: his territory."""
    acompanante_id: str
    dre: str
    ugel: str
    tipo_ie: str
    convocatoria: str


# --- the formative evaluation ------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrarSituacionInicial:
    docente_id: str
    acompanante_id: str
    fecha: date
    niveles: dict[str, dict[str, Any]]  # by competency: nivel, evidencias, sustento


@dataclass(frozen=True)
class Valorar:
    docente_id: str
    valoracion_id: str  # the device's id: the same on every re-send
    acompanante_id: str
    fecha: date
    competencia: str
    nivel: str
    evidencias: list[str]
    sustento: str = ""


@dataclass(frozen=True)
class CerrarEtapa:
    docente_id: str
    acompanante_id: str
    anio: int
    fecha: date
    niveles: dict[str, str]


@dataclass(frozen=True)
class CorregirCierre:
    """By the acompañante who closed it (``acompanante_id``) or by a specialist (none needed)."""
    docente_id: str
    anio: int
    fecha: date
    niveles: dict[str, str]
    motivo: str
    acompanante_id: str | None = None


# --- the matrices' other facts -----------------------------------------------------------------------


@dataclass(frozen=True)
class ResponderEncuesta:
    encuestado: Literal["docente", "acompanante"]
    persona_id: str
    anio: int
    periodo: str  # "anual" (a docente), "semestre_1" or "semestre_2" (an acompañante)
    respuestas: dict[str, int]
    comentario: str = ""


@dataclass(frozen=True)
class EvaluarDesempeno:
    acompanante_id: str
    anio: int
    momento: str
    fecha: date
    criterios: dict[str, str]
    nivel: str
    evaluador: str


# --- the UGEL's quarterly report and its corrective measures --------------------------------------------


@dataclass(frozen=True)
class Trimestre:
    """Which quarterly report: the UGEL's, of a quarter of a year."""
    ugel: str
    anio: int
    trimestre: int


@dataclass(frozen=True)
class EnviarInforme:
    informe: Trimestre
    dre: str
    observaciones: str = ""


@dataclass(frozen=True)
class AcusarRecibo:
    informe: Trimestre
    observaciones: str = ""


@dataclass(frozen=True)
class DisponerMedida:
    """Against a school (``codigo_modular``, ``anexo``) or an acompañante of the report's UGEL."""
    informe: Trimestre
    medida_id: str
    sobre: Literal["ie", "acompanante"]
    descripcion: str
    plazo: date
    codigo_modular: str | None = None
    anexo: int | None = None
    acompanante_id: str | None = None


@dataclass(frozen=True)
class SeguirMedida:
    informe: Trimestre
    medida_id: str
    estado: str
    avance: str
    seguimiento_id: str | None = None  # the sender's: tells a re-send from a new follow-up


# --- who reads a docente's history ------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrarConsulta:
    docente_id: str
    motivo: str
    consulta: dict[str, Any] = field(default_factory=dict)
