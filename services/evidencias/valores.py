"""The values evidencias's events carry (each stored by ``shared.eventstore.ValorTranscoding`` under the name
``VALORES`` gives it): what a record hangs from — the realized visit, the GIA or RTC, the commitment, the
docente's plan and territory — as agenda reported it, so its publisher and projections read it from the event
itself; and what the record is — an observation, its feedback, a commitment and its verification, a training
need, an acta, an attachment. A published instrument is its pydantic model (``instrumentos.Instrumento``),
stored by its JSON as before; the acompañante's own record of Chile's guide is in ``registros``.

Frozen dataclasses of plain fields (``Valor``). Events recorded before they carried their context (version 1)
have None, and their publisher reads the aggregate's first event instead; those recorded when a record was a
dict (version 1 or 2) are read into its value (``como_valor``). A docente's free text stays as it was stored:
encrypted with his key (``services.evidencias.textos``), or clear when recorded before encryption existed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from types import NoneType, UnionType
from typing import Any, Self, Union, get_args, get_origin, get_type_hints

from services.evidencias.instrumentos import Instrumento


def _iso(valor: date | str) -> date:
    return valor if isinstance(valor, date) else date.fromisoformat(valor)


class Valor:
    """What every value here shares: read from the dict an event or an aggregate kept it as, and given back
    as that dict (dates as ISO text, values within as dicts), the shape the read models keep."""

    @classmethod
    def de(cls, datos: Mapping[str, Any] | Valor) -> Self:
        """From a dict, or another value: each field read by its type (others ignored; one missing takes its
        default)."""
        datos = _campos(datos)
        tipos = _tipos(cls)
        campos = fields(cls)  # type: ignore[arg-type]
        return cls(**{f.name: _leer(tipos[f.name], datos[f.name]) for f in campos if f.name in datos})

    def como_dict(self) -> dict[str, Any]:
        return {f.name: _plano(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A copy of an aggregate (the repository's cache deep-copies it on every read) shares its values: they
        are frozen, and their lists and dicts are never changed in place."""
        return self


def _campos(datos: Mapping[str, Any] | Valor) -> Mapping[str, Any]:
    if isinstance(datos, Valor):
        return {f.name: getattr(datos, f.name) for f in fields(datos)}  # type: ignore[arg-type]
    return datos


@cache
def _tipos(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _leer(tipo: Any, valor: Any) -> Any:
    """``valor`` as a field of type ``tipo`` holds it: a date from ISO text, a value from its dict, in lists and
    dicts too; a union (``list[str] | str``: a list, or its ciphertext) as the type ``valor`` is."""
    if valor is None or tipo is Any:
        return valor
    if get_origin(tipo) in (Union, UnionType):
        opciones = [t for t in get_args(tipo) if t is not NoneType]
        tipo = next((t for t in opciones if isinstance(valor, get_origin(t) or t)), opciones[0])
    origen, args = get_origin(tipo), get_args(tipo)
    if tipo is date:
        return _iso(valor)
    if isinstance(tipo, type) and issubclass(tipo, Valor):
        return valor if isinstance(valor, tipo) else tipo.de(valor)
    if origen is list:
        return [_leer(args[0], v) for v in valor]
    if origen is dict:
        return {k: _leer(args[1], v) for k, v in valor.items()}
    return valor


def _plano(valor: Any) -> Any:
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, Valor):
        return valor.como_dict()
    if isinstance(valor, list):
        return [_plano(v) for v in valor]
    if isinstance(valor, dict):
        return {k: _plano(v) for k, v in valor.items()}
    return valor


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
        visita = _campos(visita)
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
class Territorio:
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


def como_valor(**campos: type[Valor] | type[Instrumento]) -> Callable[[dict[str, Any]], None]:
    """An event's upcast when fields it stored as dicts are values: each read into its value (``Valor.de``; a
    published instrument, ``Instrumento.model_validate``)."""

    def upcast(state: dict[str, Any]) -> None:
        for campo, tipo in campos.items():
            state[campo] = tipo.de(state[campo]) if issubclass(tipo, Valor) else tipo.model_validate(state[campo])

    return staticmethod(upcast)  # type: ignore[return-value]


def sin_contexto(*campos: str) -> Callable[[dict[str, Any]], None]:
    """An event's ``upcast_v1_v2`` when version 2 only adds context: version 1's ``campos`` are None."""

    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.update(dict.fromkeys(campos))

    return staticmethod(upcast_v1_v2)  # type: ignore[return-value]


VALORES: dict[str, type] = {f"evidencias.{t.__name__}": t for t in (
    VisitaRealizada, VisitaDe, ReunionRealizada, ReunionDe, CompromisoDe, PlanAnual, CompromisoAsumido, Territorio,
    NivelObservado, Observacion, Modelamiento, Retroalimentacion, Verificacion, Acta, Adjunto, Necesidad,
    Instrumento)}  # Instrumento: the published instrument (services.evidencias.instrumentos), a pydantic model
