"""The context evidencias's events carry (each stored by ``shared.eventstore.ValorTranscoding`` under the name
``VALORES`` gives it): what a record hangs from — the realized visit, the GIA or RTC, the commitment, the
docente's territory — as agenda reported it, so its publisher and projections read it from the event itself.

Frozen dataclasses of plain fields. Events recorded before they carried it (version 1) have None, and their
publisher reads the aggregate's first event instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any


def _iso(valor: date | str) -> date:
    return valor if isinstance(valor, date) else date.fromisoformat(valor)


@dataclass(frozen=True)
class VisitaRealizada:
    """A visit agenda reported as realized (``VisitaRealizadaV1``), as ``Visita.Conocida`` records it."""

    visita_id: str
    docente_id: str
    acompanante_id: str
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    anio: int
    fecha_inicio: date
    fecha_fin: date
    acciones: list[str]

    @classmethod
    def de(cls, visita: dict[str, Any]) -> VisitaRealizada:
        """From the dict agenda's visit was kept as (version 1 of ``Visita.Conocida``; dates as ISO text)."""
        return cls(**{**visita, "fecha_inicio": _iso(visita["fecha_inicio"]), "fecha_fin": _iso(visita["fecha_fin"]),
                      "acciones": list(visita["acciones"])})

    def como_dict(self) -> dict[str, Any]:
        """As the aggregate and the read model keep it (dates as ISO text)."""
        return {**asdict(self), "fecha_inicio": self.fecha_inicio.isoformat(), "fecha_fin": self.fecha_fin.isoformat()}


@dataclass(frozen=True)
class VisitaDe:
    """The realized visit a record was made in: whose, where and when (its first day)."""

    visita_id: str
    docente_id: str
    acompanante_id: str
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    anio: int
    fecha: date

    @classmethod
    def de(cls, visita: dict[str, Any]) -> VisitaDe:
        """From agenda's visit as ``Visita`` keeps it."""
        return cls(visita_id=visita["visita_id"], docente_id=visita["docente_id"],
                   acompanante_id=visita["acompanante_id"], codigo_modular=visita["codigo_modular"],
                   anexo=visita["anexo"], dre=visita["dre"], ugel=visita["ugel"], anio=visita["anio"],
                   fecha=_iso(visita["fecha_inicio"]))


@dataclass(frozen=True)
class ReunionRealizada:
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

    @classmethod
    def de(cls, reunion: dict[str, Any]) -> ReunionRealizada:
        """From the dict agenda's GIA or RTC was kept as (version 1 of ``Reunion.Conocida``; its day as ISO text)."""
        return cls(**{**reunion, "fecha": _iso(reunion["fecha"]), "docentes": list(reunion["docentes"]),
                      "acuerdos": list(reunion["acuerdos"])})

    def como_dict(self) -> dict[str, Any]:
        """As the aggregate and the read model keep it (its day as ISO text)."""
        return {**asdict(self), "fecha": self.fecha.isoformat()}


@dataclass(frozen=True)
class ReunionDe:
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

    @classmethod
    def de(cls, reunion: dict[str, Any]) -> ReunionDe:
        """From agenda's GIA or RTC as ``Reunion`` keeps it."""
        return cls(actividad_id=reunion["actividad_id"], tipo=reunion["tipo"], acompanante_id=reunion["acompanante_id"],
                   codigo_modular=reunion["codigo_modular"], anexo=reunion["anexo"], dre=reunion["dre"],
                   ugel=reunion["ugel"], anio=reunion["anio"], fecha=_iso(reunion["fecha"]),
                   docentes=list(reunion["docentes"]))


@dataclass(frozen=True)
class CompromisoDe:
    """A commitment a later fact is about: whose, taken in which visit, due when, in which territory."""

    compromiso_id: str
    docente_id: str
    acompanante_id: str
    visita_id: str
    fecha_limite: date
    dre: str
    ugel: str

    @classmethod
    def de(cls, compromiso: dict[str, Any]) -> CompromisoDe:
        """From the commitment as ``Compromiso`` keeps it."""
        return cls(compromiso_id=compromiso["compromiso_id"], docente_id=compromiso["docente_id"],
                   acompanante_id=compromiso["acompanante_id"], visita_id=compromiso["visita_id"],
                   fecha_limite=_iso(compromiso["fecha_limite"]), dre=compromiso["dre"], ugel=compromiso["ugel"])


@dataclass(frozen=True)
class Territorio:
    """The DRE and UGEL of a docente's plan of a year."""

    dre: str
    ugel: str


def sin_contexto(*campos: str) -> Callable[[dict[str, Any]], None]:
    """An event's ``upcast_v1_v2`` when version 2 only adds context: version 1's ``campos`` are None."""

    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.update(dict.fromkeys(campos))

    return staticmethod(upcast_v1_v2)  # type: ignore[return-value]


VALORES: dict[str, type] = {f"evidencias.{t.__name__}": t for t in (
    VisitaRealizada, VisitaDe, ReunionRealizada, ReunionDe, CompromisoDe, Territorio)}
