"""The values evidencias's events carry (each stored by ``shared.eventstore.ValorTranscoding`` under the name
``VALORES`` gives it): what a record hangs from — the realized visit, the GIA or RTC, the commitment, the
docente's plan and territory — as agenda reported it, so its publisher and projections read it from the event
itself; and what the record is — an observation, its feedback, a commitment and its verification, a training
need, an acta, an attachment. A published instrument is its pydantic model (``instrumentos.Instrumento``),
stored by its JSON as before; the acompañante's own record of Chile's guide is in ``registros``.

Frozen dataclasses of plain fields (``shared.valores.Valor``). Events recorded before they carried their
context (version 1) have None, and their publisher reads the aggregate's first event instead; those recorded
when a record was a dict (version 1 or 2) are read into its value (``shared.valores.como_valor``). A docente's
free text stays as it was stored: encrypted with his key (``services.evidencias.textos``), or clear when
recorded before encryption existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self

from services.evidencias.instrumentos import Instrumento
from shared.valores import Valor


@dataclass(frozen=True)
class _Visita(Valor):
    """What names a realized visit: whose (the docente's, by his acompañante), where and in which year."""

    visita_id: str
    docente_id: str
    acompanante_id: str
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    anio: int


@dataclass(frozen=True)
class VisitaRealizada(_Visita):
    """A visit agenda reported as realized (``VisitaRealizadaV1``), as ``Visita.Conocida`` records it."""

    fecha_inicio: date
    fecha_fin: date
    acciones: list[str]


@dataclass(frozen=True)
class VisitaDe(_Visita):
    """The realized visit a record was made in: whose, where and when (its first day)."""

    fecha: date

    @classmethod
    def de(cls, visita: Mapping[str, Any] | Valor) -> Self:
        """From agenda's visit (``VisitaRealizada``, or its dict): its first day is the record's."""
        visita = visita.como_dict() if isinstance(visita, Valor) else visita
        return super().de({**visita, "fecha": visita["fecha_inicio"]})


@dataclass(frozen=True)
class ReunionRealizada(Valor):
    """A GIA or an RTC (``tipo``) agenda reported as realized (``GIACompletadoV1``, ``RTCRealizadaV1``: only an RTC
    has a ``directivo_id``), as ``Reunion.Conocida`` records it."""

    actividad_id: str
    tipo: str
    acompanante_id: str
    directivo_id: str | None
    codigo_modular: str | None
    anexo: int | None
    dre: str
    ugel: str
    anio: int
    fecha: date
    hora_inicio: str | None
    hora_fin: str | None
    horas: float
    docentes: list[str]
    tema: str
    acuerdos: list[str]


@dataclass(frozen=True)
class ReunionDe(Valor):
    """The GIA or RTC (``tipo``) an acta or an attachment belongs to, and who took part (``docentes``)."""

    actividad_id: str
    tipo: str
    acompanante_id: str
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    anio: int
    fecha: date
    docentes: list[str]


@dataclass(frozen=True)
class CompromisoDe(Valor):
    """A commitment a later fact is about: whose, taken in which visit, due when, in which territory."""

    compromiso_id: str
    docente_id: str
    acompanante_id: str
    visita_id: str
    fecha_limite: date
    dre: str
    ugel: str


@dataclass(frozen=True, kw_only=True)
class PlanAnual(Valor):
    """A docente's plan of a year as agenda generated it (``PlanAnualGeneradoV1``): who holds him (his acompañante,
    or his directivo in the ``interna`` modality), in which etapa, school and territory."""

    plan_id: str
    docente_id: str
    acompanante_id: str
    anio: int
    etapa: int
    modalidad: str = "externa"
    codigo_modular: str
    anexo: int
    tipo_ie: str
    nivel: str
    dre: str
    ugel: str


@dataclass(frozen=True, kw_only=True)
class CompromisoAsumido(Valor):
    """A commitment as ``Compromiso.Asumido`` records it: the visit where it was taken (its days, territory and
    the instrument that observed the desempeño ``item``), its due date, and what it is and how it will be checked
    (``descripcion``, ``verificacion``: free text, as stored)."""

    compromiso_id: str
    acompanante_id: str
    fecha_visita: date
    fecha_visita_fin: date
    docente_id: str
    visita_id: str
    anio: int
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    instrumento: str
    version: int
    competencia: str | None
    item: str
    descripcion: str
    fecha_limite: date
    verificacion: str


@dataclass(frozen=True)
class Territorio(Valor):
    """The DRE and UGEL of a docente's plan of a year."""

    dre: str
    ugel: str


# --- what a record is ---------------------------------------------------------------------------------------
# Its fields in the order the events of version 1 and 2 stored them as a dict; each free text (``textos``) as it
# was stored: encrypted with the docente's key, or clear when recorded before encryption existed.


@dataclass(frozen=True, kw_only=True)
class NivelObservado(Valor):
    """A desempeño rated in an observation: its level, what was seen and heard that supports it, and the
    competencia the instrument binds it to."""

    nivel: str
    evidencia: str
    competencia: str | None = None


@dataclass(frozen=True, kw_only=True)
class Observacion(Valor):
    """An observation with a version of an instrument (``Visita.ObservacionRegistrada``, ``ObservacionCorregida``):
    each item rated, and the strengths and critical aspects (a list, or its ciphertext)."""

    instrumento: str
    version: int
    niveles: dict[str, NivelObservado]
    fortalezas: list[str] | str = field(default_factory=list)
    aspectos_criticos: list[str] | str = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Modelamiento(Valor):
    """How the acompañante modelled a practice in his feedback (``tipo``, from the contract's list)."""

    tipo: str
    descripcion: str


@dataclass(frozen=True, kw_only=True)
class Retroalimentacion(Valor):
    """The feedback of a visit (``Visita.RetroalimentacionBrindada``), from the evidence: the reflective dialogue,
    the desempeños it prioritised (observed in the visit) and what was modelled."""

    dialogo_reflexivo: str
    aspectos_priorizados: list[str]
    modelamiento: list[Modelamiento] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Verificacion(Valor):
    """A commitment checked (``Compromiso.Verificado``) in a later visit (its first day, ``fecha``) by its
    acompañante: the result (``RESULTADOS``) and its evidence."""

    visita_id: str
    acompanante_id: str
    fecha: date
    resultado: str
    evidencia: str


@dataclass(frozen=True, kw_only=True)
class Acta(Valor):
    """A GIA's or an RTC's acta (``Reunion.ActaRegistrada``, ``ActaCorregida``): attendance by docente, its
    duration, agreements and critical knots, the checklist's answers by item, and who recorded it."""

    asistencia: dict[str, str]
    duracion_horas: float
    acuerdos: list[str] = field(default_factory=list)
    nudos_criticos: list[str] = field(default_factory=list)
    instrumento: str
    version: int
    lista_cotejo: dict[str, str]
    autor_id: str


@dataclass(frozen=True, kw_only=True)
class Necesidad(Valor):
    """A docente's necesidad formativa (``DocenteAcompanado.NecesidadFormativaRegistrada``): what it is (free
    text, as stored), the competencia and the visit where it showed, its year, and who recorded it."""

    descripcion: str
    competencia: str | None = None
    visita_id: str | None = None
    anio: int
    acompanante_id: str


@dataclass(frozen=True, kw_only=True)
class Adjunto(Valor):
    """An attachment of a visit or a GIA/RTC (``ConAdjuntos.EvidenciaAdjuntada``), by the SHA-256 of its content:
    where the bucket keeps it (``objeto``; None when stored under its hash, before encryption), its type and
    size, and its file name and description encrypted with its owner's key (``ConAdjuntos.personales``)."""

    sha256: str
    objeto: str | None = None
    tipo_contenido: str
    bytes: int
    nombre: str | None = ""
    descripcion: str | None = ""
    acompanante_id: str


VALORES: dict[str, type] = {f"evidencias.{t.__name__}": t for t in (
    VisitaRealizada, VisitaDe, ReunionRealizada, ReunionDe, CompromisoDe, PlanAnual, CompromisoAsumido, Territorio,
    NivelObservado, Observacion, Modelamiento, Retroalimentacion, Verificacion, Acta, Adjunto, Necesidad,
    Instrumento)}  # Instrumento: the published instrument (services.evidencias.instrumentos), a pydantic model
