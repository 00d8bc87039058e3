"""The commands of evidencias whose input is more than two values, as typed objects.

The HTTP routes (``api/registro.py``, ``api/ejecucion.py``, ``api/adjuntos.py``) and the subscribers
(``messaging``) build them; the application (``application.Evidencias``) takes one and runs it as get → call →
save. Plain data, validated where it enters (the routes' pydantic models): here only their shape, and the record
each one becomes (``datos``), the same dict the events have always stored, so a device re-sending what it sent
before to a store written by older code is recognised as the same record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from shared.contracts.evidencias import Modelamiento


@dataclass(frozen=True, kw_only=True)
class Nivel:
    """A rated desempeño: its level in the instrument and what was seen and heard that supports it."""
    nivel: str
    evidencia: str


def _niveles(niveles: Mapping[str, Nivel]) -> dict[str, dict[str, str]]:
    return {k: {"nivel": n.nivel, "evidencia": n.evidencia} for k, n in niveles.items()}


# --- what agenda reports -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CambiarAcompanante:
    """agenda's reassignment ``aviso_id`` of the docente's plan of ``anio``, made on day ``el``."""
    docente_id: str
    anio: int
    de: str
    a: str
    aviso_id: str
    el: date | None = None


@dataclass(frozen=True, kw_only=True)
class CerrarPlan:
    docente_id: str
    anio: int
    el: date | None = None


# --- a visit's record --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegistrarObservacion:
    visita_id: str
    observacion_id: str
    acompanante_id: str
    niveles: Mapping[str, Nivel]
    instrumento: str = "FICHA-AULA"
    version: int | None = None  # None: the version in force on the visit's day
    fortalezas: Sequence[str] = ()
    aspectos_criticos: Sequence[str] = ()

    def datos(self) -> dict[str, Any]:
        return {"instrumento": self.instrumento, "version": self.version, "niveles": _niveles(self.niveles),
                "fortalezas": list(self.fortalezas), "aspectos_criticos": list(self.aspectos_criticos)}


@dataclass(frozen=True, kw_only=True)
class CorregirObservacion:
    visita_id: str
    observacion_id: str
    acompanante_id: str | None  # None: a specialist corrects
    niveles: Mapping[str, Nivel]
    motivo: str
    fortalezas: Sequence[str] = ()
    aspectos_criticos: Sequence[str] = ()

    def datos(self) -> dict[str, Any]:
        return {"niveles": _niveles(self.niveles), "fortalezas": list(self.fortalezas),
                "aspectos_criticos": list(self.aspectos_criticos)}


@dataclass(frozen=True, kw_only=True)
class BrindarRetroalimentacion:
    visita_id: str
    acompanante_id: str
    dialogo_reflexivo: str
    aspectos_priorizados: Sequence[str]
    modelamiento: Sequence[Modelamiento] = ()

    def datos(self) -> dict[str, Any]:
        return {"dialogo_reflexivo": self.dialogo_reflexivo, "aspectos_priorizados": list(self.aspectos_priorizados),
                "modelamiento": [m.model_dump(mode="json") for m in self.modelamiento]}


@dataclass(frozen=True, kw_only=True)
class RegistrarNecesidad:
    docente_id: str
    necesidad_id: str
    acompanante_id: str
    descripcion: str
    competencia: str | None = None
    visita_id: str | None = None  # the visit where it showed (it sets the year)
    anio: int | None = None  # None: the visit's year, or this year

    def datos(self) -> dict[str, Any]:
        return {"descripcion": self.descripcion, "competencia": self.competencia, "visita_id": self.visita_id,
                "anio": self.anio}


# --- commitments -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AsumirCompromiso:
    compromiso_id: str
    visita_id: str
    acompanante_id: str
    item: str  # the observed desempeño it is bound to
    descripcion: str
    fecha_limite: date
    verificacion: str  # how it will be checked

    def datos(self) -> dict[str, Any]:
        """What a re-sent commitment repeats, as it is stored."""
        return {"item": self.item, "descripcion": self.descripcion, "fecha_limite": self.fecha_limite.isoformat(),
                "verificacion": self.verificacion}


@dataclass(frozen=True, kw_only=True)
class VerificarCompromiso:
    compromiso_id: str
    visita_id: str  # the later visit where it is checked
    acompanante_id: str
    resultado: str
    evidencia: str


# --- GIA and RTC actas, execution sessions, self-evaluation --------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegistrarActa:
    actividad_id: str
    autor_id: str
    asistencia: Mapping[str, str]  # by docente: presente, ausente or justificado
    lista_cotejo: Mapping[str, str]  # by item: si, no or no_aplica
    duracion_horas: float | None = None  # None: the duration agenda recorded
    acuerdos: Sequence[str] = ()
    nudos_criticos: Sequence[str] = ()
    instrumento: str | None = None  # None: LC-GIA or LC-RTC
    version: int | None = None

    def datos(self) -> dict[str, Any]:
        return {"asistencia": dict(self.asistencia), "duracion_horas": self.duracion_horas,
                "acuerdos": list(self.acuerdos), "nudos_criticos": list(self.nudos_criticos),
                "instrumento": self.instrumento, "version": self.version, "lista_cotejo": dict(self.lista_cotejo)}


@dataclass(frozen=True, kw_only=True)
class CorregirActa(RegistrarActa):
    motivo: str


@dataclass(frozen=True, kw_only=True)
class RegistrarSesion:
    """A session of the execution stage with a school's management team (Chile's guide)."""
    sesion_id: str
    acompanante_id: str
    codigo_modular: str
    anexo: int
    fecha: date
    momento: Literal["antes", "durante", "despues"]
    acciones_clave: Sequence[Mapping[str, Any]] = ()  # accion, responsable, estado
    indicadores: Sequence[Mapping[str, Any]] = ()  # indicador, meta, avance
    hitos: Sequence[Mapping[str, Any]] = ()  # fecha (ISO), descripcion, cumplido
    acuerdos: Sequence[str] = ()
    avances: Sequence[str] = ()
    nudos_criticos: Sequence[str] = ()
    aprendizajes: Sequence[str] = ()

    def datos(self) -> dict[str, Any]:
        return {"codigo_modular": self.codigo_modular, "anexo": self.anexo, "fecha": self.fecha.isoformat(),
                "momento": self.momento, "acciones_clave": [dict(a) for a in self.acciones_clave],
                "indicadores": [dict(i) for i in self.indicadores], "hitos": [dict(h) for h in self.hitos],
                "acuerdos": list(self.acuerdos), "avances": list(self.avances),
                "nudos_criticos": list(self.nudos_criticos), "aprendizajes": list(self.aprendizajes)}


@dataclass(frozen=True, kw_only=True)
class RegistrarAutoevaluacion:
    autoevaluacion_id: str
    acompanante_id: str
    fecha: date
    respuestas: Mapping[str, str]  # by item: si, no or no_aplica
    instrumento: str | None = None  # None: AUTOEVAL-ACOMP
    version: int | None = None
    comentario: str = ""

    def datos(self) -> dict[str, Any]:
        return {"fecha": self.fecha.isoformat(), "instrumento": self.instrumento, "version": self.version,
                "respuestas": dict(self.respuestas), "comentario": self.comentario}


# --- attachments -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Adjuntar:
    """A file examined and stored (encrypted) in the bucket, to be recorded on its visit or GIA/RTC."""
    tipo: Literal["visita", "reunion"]
    propietario_id: str
    autor_id: str
    sha256: str
    objeto: str  # its name in the bucket
    tipo_contenido: str
    bytes: int
    nombre: str = ""
    descripcion: str = ""

    def datos(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "objeto": self.objeto, "tipo_contenido": self.tipo_contenido,
                "bytes": self.bytes, "nombre": self.nombre, "descripcion": self.descripcion}
