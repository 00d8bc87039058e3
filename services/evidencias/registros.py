"""The values of an acompañante's own record of Chile's guide for the execution stage, as its events carry them
(each stored by ``shared.eventstore.ValorTranscoding`` under the name ``VALORES`` gives it): a session with a
school's management team (``Sesion``, in ``SesionEjecucion.Registrada``) and a self-evaluation
(``Autoevaluacion``, in ``Autoevaluacion.Registrada``). Version 1 of those events kept each as a dict: their
upcast reads it into its value (``shared.valores.como_valor``). Their fields follow the order the dicts were
stored in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.valores import Valor


@dataclass(frozen=True, kw_only=True)
class AccionClave(Valor):
    """A key action agreed with the management team, who answers for it and how it stands (pendiente, en_curso,
    realizada, postergada)."""

    accion: str
    responsable: str
    estado: str


@dataclass(frozen=True, kw_only=True)
class Indicador(Valor):
    indicador: str
    meta: str
    avance: str


@dataclass(frozen=True, kw_only=True)
class Hito(Valor):
    fecha: date
    descripcion: str
    cumplido: bool = False


@dataclass(frozen=True, kw_only=True)
class Sesion(Valor):
    """A session of the execution stage (``momento``: antes, durante or después) at a school, with its territory
    (the DRE and UGEL where its acompañante holds docentes there)."""

    codigo_modular: str
    anexo: int
    fecha: date
    momento: str
    acciones_clave: list[AccionClave] = field(default_factory=list)
    indicadores: list[Indicador] = field(default_factory=list)
    hitos: list[Hito] = field(default_factory=list)
    acuerdos: list[str] = field(default_factory=list)
    avances: list[str] = field(default_factory=list)
    nudos_criticos: list[str] = field(default_factory=list)
    aprendizajes: list[str] = field(default_factory=list)
    sesion_id: str
    acompanante_id: str
    dre: str
    ugel: str


@dataclass(frozen=True, kw_only=True)
class Autoevaluacion(Valor):
    """An acompañante's self-evaluation: the instrument's version, its answers by item (si, no, no_aplica), his
    comment, and his territory that year ("" when he held nobody)."""

    fecha: date
    instrumento: str
    version: int
    respuestas: dict[str, str]
    comentario: str = ""
    autoevaluacion_id: str
    acompanante_id: str
    dre: str
    ugel: str


VALORES: dict[str, type] = {f"evidencias.{t.__name__}": t for t in (
    AccionClave, Indicador, Hito, Sesion, Autoevaluacion)}
