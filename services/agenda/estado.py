"""What agenda's aggregates hold, as typed objects rebuilt from their events (never stored themselves): a docente on an
acompañante's agenda (``DocenteEnAgenda``), an activity and its course (``Actividad``, ``Reprogramacion``). The rules
(``reglas``) and the application read them; only the aggregates' event methods change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from services.agenda.valores import DatosActividad, DocenteDeAgenda, Entregado
from shared.valores import Valor

Estado = Literal["programada", "realizada", "cancelada"]


@dataclass
class DocenteEnAgenda:
    """A docente an acompañante holds (``activo``) or held this year, with what his agenda keeps of his plan."""

    plan: DocenteDeAgenda
    activo: bool = True

    def __deepcopy__(self, memo: dict[int, Any]) -> DocenteEnAgenda:
        return DocenteEnAgenda(self.plan, self.activo)  # its plan is a value (``valores.Valor``): shared

    @property
    def ie(self) -> str:
        return self.plan.ie

    @property
    def recibido(self) -> dict[str, Entregado]:
        return self.plan.recibido


@dataclass(frozen=True)
class Reprogramacion(Valor):
    """A change of a scheduled activity's dates or hours (its data after the change), with the reason."""

    datos: DatosActividad
    motivo: str


@dataclass
class Actividad:
    """An activity on the agenda: its kind, state and data (as realized once it took place), what was first
    scheduled (``programacion``: a re-sent scheduling compares with it), what was scheduled last (``agendado``:
    a change applies on top of it) and its changes. An activity realized without scheduling has neither."""

    tipo: str
    estado: Estado
    datos: DatosActividad
    programacion: DatosActividad | None = None
    agendado: DatosActividad | None = None
    reprogramaciones: list[Reprogramacion] = field(default_factory=list)

    def __deepcopy__(self, memo: dict[int, Any]) -> Actividad:
        """A copy for another reader of the agenda (the repository's cache): its data are values, shared."""
        return Actividad(self.tipo, self.estado, self.datos, self.programacion, self.agendado,
                         list(self.reprogramaciones))

    def es_de(self, docente_id: str) -> bool:
        return docente_id in self.datos.docentes

    @property
    def fecha_inicio(self) -> str:
        return self.datos.fecha_inicio

    def vigente(self) -> bool:
        return self.estado != "cancelada"

