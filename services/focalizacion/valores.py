"""The value objects focalizacion's events carry (each stored by ``shared.eventstore.ValorTranscoding`` under the
name ``Focalizacion.valores`` gives it).

- The registries' rows as last imported: ``FichaIE``, ``FichaDocente`` and ``FichaAcompanante``, one field per
  column of the padrón's files (``padron.COLUMNAS_*``; a person's personal fields hold their ciphertext, or None
  once cancelled). A column the file did not have is named in ``sin_columna``: absent from the record, not blank
  (an exclusion line applies only when the padrón carries its data, ``focalizar.decidir``). A field added to a
  row later has a default (None), so the events stored before it read without an upcast.
- ``Decision``: what the norm decided of one IE, with its ``RatioAplicada`` and every ``EvaluacionCriterio``.
- ``Territorio``: where a UGEL's caseloads belong; ``CarteraAcompanante`` and ``AsignacionDocente``: what the
  caseloads know of each acompañante and each docente.

Each is a ``shared.valores.Valor``: ``de`` builds it from the dict the padrón reader, ``focalizar`` or version 1
of the events give; ``como_dict`` gives that dict back, which is what the read models keep and the import
compares. A row (``_Ficha``) reads and gives its columns itself, for ``sin_columna``; a decision leaves its
``motivos`` out of its dict unless excluded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Self

from shared.valores import Valor

SIN_COLUMNA = "sin_columna"
_CAMPOS: dict[type, tuple[str, ...]] = {}
_POSTERIORES: dict[type, frozenset[str]] = {}


@dataclass(frozen=True)
class _Ficha(Valor):
    sin_columna: tuple[str, ...] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, SIN_COLUMNA, tuple(self.sin_columna))  # read back from the store as a list

    @classmethod
    def campos(cls) -> tuple[str, ...]:
        """Its columns, in order (read once per type: a national padrón builds hundreds of thousands)."""
        if cls not in _CAMPOS:
            _CAMPOS[cls] = tuple(f.name for f in fields(cls) if f.name != SIN_COLUMNA)
        return _CAMPOS[cls]

    @classmethod
    def de(cls, datos: Mapping[str, Any]) -> Self:
        """A row with every column it names; a column it lacks is ``sin_columna``, except one added to the
        record later with a default (the names of its UGEL and DRE): a row stored before it reads as blank."""
        campos = cls.campos()
        return cls(**{c: datos.get(c) for c in campos}, sin_columna=tuple(
            c for c in campos if c not in datos and c not in cls.posteriores()))

    @classmethod
    def posteriores(cls) -> frozenset[str]:
        """The columns added later, with a default: a stored row without them reads them as None."""
        if cls not in _POSTERIORES:
            _POSTERIORES[cls] = frozenset(f.name for f in fields(cls) if f.name != SIN_COLUMNA and f.default is None)
        return _POSTERIORES[cls]

    def como_dict(self) -> dict[str, Any]:
        if not self.sin_columna:
            return {c: getattr(self, c) for c in self.campos()}
        return {c: getattr(self, c) for c in self.campos() if c not in self.sin_columna}


@dataclass(frozen=True)
class FichaIE(_Ficha):
    """An IE of the padrón (ESCALE and the lists joined to it)."""

    codigo_modular: str
    anexo: int
    nombre: str
    nivel: str
    gestion: str
    area: str
    caracteristica: str
    ugel: str
    dre: str
    dependencia: str | None
    forma: str | None
    estado: str | None
    ubigeo: str | None
    distrito: str | None
    centro_poblado: str | None
    latitud: float | None
    longitud: float | None
    alumnos: int | None
    docentes: int | None
    secciones: int | None
    secciones_3a5: int | None
    ruralidad: int | None
    eib_forma: str | None
    frontera: bool | None
    vraem: bool | None
    huallaga: bool | None
    lengua_peligro: bool | None
    red_educativa: bool | None
    ece_nivel: str | None
    ece_promedio_historico: str | None
    ece_4to_reciente: str | None
    ece_ugel_inicio_proceso: bool | None
    ece_distrito_critico: bool | None
    pct_nombrados: float | None
    siagie: bool | None
    nexus: bool | None
    ffaa: bool | None
    coar: bool | None
    ap_previo: bool | None
    ap_2016_2018: bool | None
    ap_2019: bool | None
    aula_digital: bool | None
    otro_programa: bool | None
    digebr_cneb: bool | None
    ciclo_formacion_interna_2020: bool | None
    difods_secundaria: bool | None
    compromiso_regional: bool | None
    cuna: bool | None
    # added later, with a default: events stored before them read them as None (ValorTranscoding, ``de``)
    nombre_ugel: str | None = None  # D_DREUGEL: the UGEL (or DRE) that supervises it, by name
    region: str | None = None  # D_REGION: its region, the DRE's name

    @property
    def nombre_dre(self) -> str | None:
        return nombre_dre(self.region)


def nombre_dre(region: str | None) -> str | None:
    """A DRE's name from a padrón's D_REGION: as it spells it ('DRE Puno', 'GRE La Libertad'), or the region's
    with "DRE" before it ('Puno': 'DRE Puno'); None when the padrón did not say."""
    if not region:
        return None
    primera = region.split()[0].upper()
    return region if primera in ("DRE", "GRE", "DREL", "GEREDU", "DIRECCION", "DIRECCIÓN", "GERENCIA") \
        else f"DRE {region}"


@dataclass(frozen=True)
class FichaDocente(_Ficha):
    """A docente (NEXUS) in his IE, with its territory."""

    dni: str | None
    apellidos: str | None
    nombres: str | None
    codigo_modular: str
    anexo: int
    nivel: str
    plaza: str | None
    condicion: str | None
    grado_seccion: str | None
    area_curricular: str | None
    dre: str
    ugel: str


@dataclass(frozen=True)
class FichaAcompanante(_Ficha):
    dni: str | None
    apellidos: str | None
    nombres: str | None
    dre: str
    ugel: str
    tipo: str


@dataclass(frozen=True)
class RatioAplicada(Valor):
    """The ratio row that applies to a focalized IE (NT-026 §5.4): its context and band."""

    contexto: str
    docentes: int
    minimo: int
    maximo: int


@dataclass(frozen=True)
class EvaluacionCriterio(Valor):
    """One criterion of a type evaluated on an IE: its result and the IE's values it read (None: sin dato)."""

    tipo: str
    fase: Literal["focalizacion", "priorizacion"]
    codigo: str
    resultado: Literal["cumple", "no_cumple", "sin_dato"]
    valores: dict[str, Any]


@dataclass(frozen=True)
class Decision(Valor):
    """What the norm decided of one IE in one convocatoria (``focalizar.decidir``): focalized in a type (its
    priority ``puntaje``, its ``orden`` in its UGEL and type, its ``ratio``) or excluded (its ``motivos``), with
    every criterion evaluated."""

    convocatoria: str
    reglas: str
    codigo_modular: str
    anexo: int
    nombre: str
    nivel: str
    dre: str
    ugel: str
    tipo: str | None
    focalizada: bool
    puntaje: int
    orden: int | None
    ratio: RatioAplicada | None
    evaluaciones: list[EvaluacionCriterio]
    motivos: list[str] | None = None  # excluded: why, in words

    def como_dict(self) -> dict[str, Any]:
        """As ``focalizar`` gives it (and the read model keeps it): ``motivos`` only when excluded."""
        d = super().como_dict()
        return d if self.motivos is not None else {k: v for k, v in d.items() if k != "motivos"}


@dataclass(frozen=True)
class Territorio(Valor):
    """Where a UGEL's caseloads belong: their convocatoria, DRE and UGEL. Every caseload event carries it, so
    its publisher and its read model need nothing else to place it."""

    convocatoria: str
    dre: str
    ugel: str


@dataclass(frozen=True)
class CarteraAcompanante(Valor):
    """An acompañante in a UGEL's caseloads: the type of IE he holds, whether he is active, the limit an
    exception gave him (None: his schools' ratio) and the school year he joined."""

    tipo: str
    activo: bool
    limite_excepcion: int | None
    desde: int


@dataclass(frozen=True)
class AsignacionDocente(Valor):
    """A docente in a UGEL's caseloads: his acompañante and his school (its type and ratio)."""

    acompanante: str
    codigo_modular: str
    anexo: int
    nivel: str
    tipo: str
    ratio_maximo: int


VALORES: dict[str, type] = {f"focalizacion.{t.__name__}": t for t in (
    FichaIE, FichaDocente, FichaAcompanante, RatioAplicada, EvaluacionCriterio, Decision, Territorio,
    CarteraAcompanante, AsignacionDocente)}
