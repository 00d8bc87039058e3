"""The commands of focalizacion whose input is more than two values, as typed objects.

The HTTP routes and the CLI build them; the application (``application.Focalizacion``) takes one and runs it as
get → call → save. Plain data, validated where it enters (the routes' pydantic models): here only their shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID


@dataclass(frozen=True)
class AbrirConvocatoria:
    codigo: str
    anio_inicio: int
    anio_fin: int
    reglas: str  # the rule set's code: its version in force is used


@dataclass(frozen=True)
class ExcepcionRatio:
    """A caseload above the ratio, authorized by the acompañante's UGEL (NT-026 §5.6.2)."""
    limite: int
    justificacion: str


@dataclass(frozen=True)
class DeDocente:
    """A command on a docente's place in the caseloads of a convocatoria."""
    convocatoria: str
    docente: UUID


@dataclass(frozen=True)
class AsignarDocente(DeDocente):
    acompanante: UUID
    anio: int | None = None  # the school year from which it holds (default: the convocatoria's first)
    excepcion: ExcepcionRatio | None = None


@dataclass(frozen=True)
class ReasignarDocente(DeDocente):
    acompanante: UUID
    motivo: str
    excepcion: ExcepcionRatio | None = None


@dataclass(frozen=True)
class RetirarDocente(DeDocente):
    motivo: str


@dataclass(frozen=True)
class DeAcompanante:
    """A command on an acompañante's caseload in a convocatoria."""
    convocatoria: str
    acompanante: UUID


@dataclass(frozen=True)
class IncorporarAcompanante(DeAcompanante):
    anio: int | None = None


@dataclass(frozen=True)
class RegistrarExcepcion(DeAcompanante):
    excepcion: ExcepcionRatio


@dataclass(frozen=True)
class RetirarAcompanante(DeAcompanante):
    motivo: str
    reemplazo: UUID | None = None  # who takes the whole caseload; none: spread over the UGEL's others


@dataclass(frozen=True)
class CancelarDatosPersonales:
    """Ley 29733 art. 20: ``referencia`` is the request's file number, never a name or a DNI."""
    docente: UUID
    referencia: str
    motivo: Literal["solicitud_titular", "mandato_autoridad"] = "solicitud_titular"
