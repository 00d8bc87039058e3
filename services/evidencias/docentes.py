"""What evidencias knows of a docente (``DocenteAcompanado``): who holds him each year (from agenda's plans), his
necesidades formativas, and whether his personal data were cancelled (Ley 29733).

It was first defined in ``services.evidencias.domainmodel`` (which still exports it): the events stored under that
module's topic resolve here (``register_topic``).

A plan and a need are values (``valores.PlanAnual``, ``valores.Necesidad``) from their events' versions 2 and 3
(the dicts earlier versions stored are read into them); each plan of his is kept as a ``PlanEnCurso``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from eventsourcing.domain import event
from eventsourcing.utils import register_topic

from services.evidencias.valores import Necesidad, PlanAnual, Territorio
from shared.eventstore import Aggregate, Conflict
from shared.valores import Valor, como_valor


@dataclass(frozen=True)
class Anterior(Valor):
    """Who held him before in a plan, and until when (the day agenda moved him; None: not known)."""

    acompanante_id: str
    hasta: date | None


@dataclass(frozen=True)
class PlanEnCurso(Valor):
    """A plan of his as it stands: agenda's plan, who holds him now (``acompanante_id``), whether it is active and
    the day it closed, the reassignments applied (``avisos``) and who held him before (``anteriores``)."""

    plan: PlanAnual
    acompanante_id: str
    activo: bool = True
    cerrado_el: date | None = None
    avisos: tuple[str, ...] = ()
    anteriores: tuple[Anterior, ...] = ()


class DocenteAcompanado(Aggregate):
    cancelado = False

    class NecesidadFormativaRegistrada(Aggregate.Event):
        necesidad_id: str
        necesidad: Necesidad
        docente_id: str | None
        territorio: Territorio | None  # of his plan of the need's year
        class_version = 3
        upcast_v1_v2 = como_valor({"docente_id": None, "territorio": None})
        upcast_v2_v3 = como_valor(necesidad=Necesidad)

    class Registrado(Aggregate.Created):
        docente_id: str

    class PlanConocido(Aggregate.Event):
        plan: PlanAnual  # agenda's PlanAnualGenerado
        class_version = 2
        upcast_v1_v2 = como_valor(plan=PlanAnual)

    class AcompananteCambiado(Aggregate.Event):
        anio: int
        de_acompanante_id: str
        a_acompanante_id: str
        aviso_id: str
        desde: str | None = None  # the day agenda moved him (None: unknown, or recorded before it was kept)

    class PlanCerrado(Aggregate.Event):
        anio: int
        el: str | None = None  # the day agenda closed it (None: unknown)

    class DatosPersonalesCancelados(Aggregate.Event):
        aviso_id: str

    @event(Registrado)
    def __init__(self, id: UUID, docente_id: str) -> None:  # noqa: A002
        self.docente_id = docente_id
        self.planes: dict[int, PlanEnCurso] = {}  # by year: the external coach's plan
        self.internos: dict[int, PlanEnCurso] = {}  # by year: his school's own plan, observed by its directivo
        self.necesidades: dict[str, Necesidad] = {}

    def conoce(self, plan_id: str) -> bool:
        return any(p.plan.plan_id == plan_id for p in (*self.planes.values(), *self.internos.values()))

    @event(PlanConocido)
    def conocer_plan(self, plan: PlanAnual) -> None:
        destino = self.internos if plan.modalidad == "interna" else self.planes
        destino[plan.anio] = PlanEnCurso(plan, plan.acompanante_id)

    def observadores_actuales(self) -> set[str]:
        """Who holds him now: his acompañante (latest plan, active) and his directivo (latest internal plan)."""
        actuales = {self.actual()} if self.actual() else set()
        if self.internos:
            actuales.add(self.internos[max(self.internos)].acompanante_id)
        return actuales

    @event(AcompananteCambiado)
    def cambiar_acompanante(self, anio: int, de_acompanante_id: str, a_acompanante_id: str, aviso_id: str,
                            desde: str | None = None) -> None:
        plan = self.planes[anio]
        # who held him before, and until when (the day agenda moved him; unknown in facts recorded before)
        self.planes[anio] = replace(plan, acompanante_id=a_acompanante_id, avisos=(*plan.avisos, aviso_id),
                                    anteriores=(*plan.anteriores, Anterior(de_acompanante_id, _dia(desde))))

    @event(PlanCerrado)
    def cerrar_plan(self, anio: int, el: str | None = None) -> None:
        self.planes[anio] = replace(self.planes[anio], activo=False, cerrado_el=_dia(el))

    def acompanante(self, anio: int) -> str | None:
        """Who holds him in ``anio`` (None when nobody does)."""
        plan = self.planes.get(anio)
        return plan.acompanante_id if plan and plan.activo else None

    def tuvo(self, acompanante_id: str, anio: int, dia: date) -> bool:
        """Whether ``acompanante_id`` held him on ``dia`` (his plan of ``anio``): what a visit of that day
        leaves behind is his to record even after the docente was handed to another or his plan closed."""
        plan = self.planes.get(anio)
        if plan is None:
            return False
        if plan.acompanante_id == acompanante_id:
            return plan.activo or _hasta(plan.cerrado_el, dia)
        return any(a.acompanante_id == acompanante_id and _hasta(a.hasta, dia) for a in plan.anteriores)

    def actual(self) -> str | None:
        """Who holds him now: the acompañante of his latest plan, while it is active."""
        return self.acompanante(max(self.planes)) if self.planes else None

    def registrar_necesidad(self, necesidad_id: str, necesidad: Necesidad) -> bool:
        previa = self.necesidades.get(necesidad_id)
        if previa is not None:
            if previa != necesidad:
                raise Conflict(f"La necesidad {necesidad_id} ya se registró con otro contenido.")
            return False
        plan = (self.planes.get(necesidad.anio) or self.internos[necesidad.anio]).plan
        self._necesidad_formativa_registrada(necesidad_id=necesidad_id, necesidad=necesidad, docente_id=self.docente_id,
                                             territorio=Territorio(plan.dre, plan.ugel))
        return True

    @event(NecesidadFormativaRegistrada)
    def _necesidad_formativa_registrada(self, necesidad_id: str, necesidad: Necesidad, docente_id: str | None,
                                        territorio: Territorio | None) -> None:
        self.necesidades[necesidad_id] = necesidad

    def cancelar_datos_personales(self, aviso_id: str) -> bool:
        """focalizacion's ``DatosPersonalesCancelados`` (``aviso_id``), recorded once; the key of his
        evidence references is erased right after (``Evidencias.cancelar_datos_personales``)."""
        if self.cancelado:
            return False
        self._datos_personales_cancelados(aviso_id=aviso_id)
        return True

    @event(DatosPersonalesCancelados)
    def _datos_personales_cancelados(self, aviso_id: str) -> None:
        self.cancelado = True


def _dia(iso: str | None) -> date | None:
    return None if iso is None else date.fromisoformat(iso)


def _hasta(hasta: date | None, dia: date) -> bool:
    """``dia`` falls on or before ``hasta`` (a day known; None: not known, so not shown to be)."""
    return hasta is not None and dia <= hasta


register_topic("services.evidencias.domainmodel:DocenteAcompanado", DocenteAcompanado)
