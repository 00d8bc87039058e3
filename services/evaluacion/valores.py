"""The value objects evaluacion's events carry (each stored by ``shared.eventstore.ValorTranscoding`` under the
name ``Evaluacion.valores`` gives it).

Frozen dataclasses of plain fields, built from what the other services publish or from a command. The
aggregates' rules compare records as dicts (``como_dict``: dates as ISO text), as they were first recorded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, Literal


class Valor:
    """An immutable value: a copy of the aggregate that holds it (the repository's cache hands out deep copies)
    shares it instead of copying it field by field. Its lists and dicts are never changed in place."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self


def _iso(valor: date | str) -> date:
    return valor if isinstance(valor, date) else date.fromisoformat(valor)


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

    @classmethod
    def de(cls, datos: dict[str, Any]) -> PlanDocente:
        return cls(**{f.name: datos[f.name] for f in fields(cls)})

    def como_dict(self) -> dict[str, Any]:
        return asdict(self)


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

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Evidencia:
        return cls(tipo=datos["tipo"], anio=datos["anio"], fecha=_iso(datos["fecha"]), visita_id=datos["visita_id"])

    def como_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fecha": self.fecha.isoformat()}


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

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Contexto:
        """From a plan and ``acompanante_id`` and ``fecha``, or from a recorded valuation (version 1 events)."""
        return cls(**{f.name: datos[f.name] for f in fields(cls) if f.name != "fecha"}, fecha=_iso(datos["fecha"]))

    def como_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fecha": self.fecha.isoformat()}


@dataclass(frozen=True)
class NivelInicial(Valor):
    """A competency's initial level, with the evidence it rests on."""

    nivel: str
    evidencias: list[str]
    sustento: str = ""

    @classmethod
    def de(cls, datos: dict[str, Any]) -> NivelInicial:
        return cls(datos["nivel"], list(datos["evidencias"]), datos.get("sustento", ""))

    def como_dict(self) -> dict[str, Any]:
        return {"nivel": self.nivel, "evidencias": list(self.evidencias), "sustento": self.sustento}


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

    @classmethod
    def de(cls, datos: dict[str, Any]) -> ConsultaHistoria:
        """From the route's filters (dates as dates or ISO text) or a recorded query (version 1 events)."""
        fechas = {k: _iso(datos[k]) for k in ("desde", "hasta") if datos.get(k) is not None}
        return cls(**{**{f.name: datos[f.name] for f in fields(cls) if f.name in datos}, **fechas})

    def como_dict(self) -> dict[str, Any]:
        return {**asdict(self), "desde": self.desde and self.desde.isoformat(),
                "hasta": self.hasta and self.hasta.isoformat()}


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

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Envio:
        return cls(enviado_por=datos["enviado_por"], fecha=_iso(datos["fecha"]), resumen=datos["resumen"],
                   observaciones=datos["observaciones"])

    def como_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fecha": self.fecha.isoformat()}


@dataclass(frozen=True)
class Recepcion(Valor):
    recibido_por: str
    fecha: date
    observaciones: str

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Recepcion:
        return cls(recibido_por=datos["recibido_por"], fecha=_iso(datos["fecha"]), observaciones=datos["observaciones"])

    def como_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fecha": self.fecha.isoformat()}


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

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Medida:
        return cls(**{**{f.name: datos[f.name] for f in fields(cls)}, "plazo": _iso(datos["plazo"]),
                      "fecha": _iso(datos["fecha"])})

    def como_dict(self) -> dict[str, Any]:
        return {**asdict(self), "plazo": self.plazo.isoformat(), "fecha": self.fecha.isoformat()}


@dataclass(frozen=True)
class Seguimiento(Valor):
    """A follow-up of a measure; ``seguimiento_id`` is the sender's (absent: its state, text and day tell it)."""

    estado: str
    avance: str
    fecha: date
    por: str
    seguimiento_id: str | None = None

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Seguimiento:
        return cls(estado=datos["estado"], avance=datos["avance"], fecha=_iso(datos["fecha"]), por=datos["por"],
                   seguimiento_id=datos.get("seguimiento_id"))

    def como_dict(self) -> dict[str, Any]:
        d = {"estado": self.estado, "avance": self.avance, "fecha": self.fecha.isoformat(), "por": self.por}
        return d | ({"seguimiento_id": self.seguimiento_id} if self.seguimiento_id else {})


VALORES: dict[str, type] = {f"evaluacion.{t.__name__}": t for t in (
    PlanDocente, Evidencia, Contexto, NivelInicial, InformeDe, Envio, Recepcion, Medida, Seguimiento, PlanEnCurso,
    SituacionInicial, Valoracion, Cierre, ConsultaHistoria, TerritorioAcompanante)}
