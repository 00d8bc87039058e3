"""The school agenda works with (NT-026 §5.2.1, §5.2.7): ``IEAcompanada``, its directivo, who leads its RTC, and
the docentes the padrón registers in it (focalizacion's ``DocenteRegistradoEnIE``: ids only, no personal data);
and ``PlanMonitoreoIE``, its own plan of monitoring and coaching (the internal modality, "desde la propia
organización de la IE con el liderazgo de su directivo"), as the plans of the IEI N°246 and the IES Miguel Grau:
elaborado, aprobado (with its RD), socializado, ejecutado. Once approved, each docente it covers gets an internal
``domainmodel.PlanAnual`` whose observer is the directivo, on the directivo's own agenda.

Their events and their state carry typed values (``services.agenda.valores``; the plan, ``protocolos.PlanIE``);
the dicts of version 1 are upcast when read. These aggregates lived in ``services.agenda.domainmodel``: their events
stored there keep that topic, which resolves here (``register_topic``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

from eventsourcing.domain import event
from eventsourcing.utils import register_topic

from services.agenda.protocolos import PlanIE
from services.agenda.reglas import AgendaInvalida
from services.agenda.valores import (Aprobacion, DocenteEnIE, InformeEjecucion, PlanIEDe, Socializacion,
                                     VisitaEntrePares, en_ie_v1, informe_v1, sin_contexto, socializacion_v1,
                                     visita_par_v1)
from shared.eventstore import Aggregate, Conflict
from shared.valores import como_valor


class DocentesDeOtraIE(AgendaInvalida):
    """A school's plan lists docentes who belong to another school (the message names them)."""


class DocenteAjenoAlPlan(AgendaInvalida):
    """A peer visit names a docente the school's plan does not cover; ``campo`` is the field naming him."""

    def __init__(self, campo: str, motivo: str) -> None:
        super().__init__(motivo)
        self.campo = campo


class IEAcompanada(Aggregate):
    class DocenteRegistrado(Aggregate.Event):
        docente_id: str
        datos: DocenteEnIE
        class_version = 2
        upcast_v1_v2 = en_ie_v1

    @event("Registrada")
    def __init__(self, id: UUID, codigo_modular: str, anexo: int) -> None:  # noqa: A002
        self.codigo_modular = codigo_modular
        self.anexo = anexo
        self.directivo_id: str | None = None
        self.cargo: str | None = None
        self.docentes: dict[str, DocenteEnIE] = {}  # by docente id: his level and the school's territory

    def designar_directivo(self, directivo_id: str, cargo: str) -> bool:
        """The school's directivo; the same one again changes nothing."""
        if (self.directivo_id, self.cargo) == (directivo_id, cargo):
            return False
        self.designar(directivo_id=directivo_id, cargo=cargo)
        return True

    @event("DirectivoDesignado")
    def designar(self, directivo_id: str, cargo: str) -> None:
        self.directivo_id = directivo_id
        self.cargo = cargo

    @event(DocenteRegistrado)
    def registrar_docente(self, docente_id: str, datos: DocenteEnIE) -> None:
        self.docentes[docente_id] = datos

    @event("DocenteDadoDeBaja")
    def dar_de_baja(self, docente_id: str) -> None:
        self.docentes.pop(docente_id, None)


ESTADOS_PLAN_IE = ("elaborado", "aprobado", "socializado", "ejecutado")


class PlanMonitoreoIE(Aggregate):
    """The school's plan of the year (seeds: IEI N°246, IES Miguel Grau). Its states follow the
    plans' own cronograma (IES Miguel Grau, IX): elaboración, aprobación con RD, socialización,
    and the December informe de ejecución. Each step's event carries the plan it is of (``contexto``: None in
    those of version 1, its ``Elaborado``'s)."""

    class Elaborado(Aggregate.Created):
        plan: PlanIE
        class_version = 2
        upcast_v1_v2 = como_valor(plan=PlanIE)

    class Aprobado(Aggregate.Event):
        resolucion: str
        fecha: str
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = sin_contexto

    class Socializado(Aggregate.Event):
        socializacion: Socializacion
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = socializacion_v1

    class Ejecutado(Aggregate.Event):
        informe: InformeEjecucion
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = informe_v1

    class VisitaEntreParesRealizada(Aggregate.Event):
        visita_id: str
        visita: VisitaEntrePares
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = visita_par_v1

    @event(Elaborado)
    def __init__(self, id: UUID, plan: PlanIE) -> None:  # noqa: A002
        self.plan = plan
        self.estado = "elaborado"
        self.aprobacion: Aprobacion | None = None
        self.socializacion: Socializacion | None = None
        self.ejecucion: InformeEjecucion | None = None
        self.visitas_entre_pares: dict[str, VisitaEntrePares] = {}

    @property
    def contexto(self) -> PlanIEDe:
        p = self.plan
        return PlanIEDe(p.ie, p.codigo_modular, p.anexo, p.anio, p.dre, p.ugel)

    def _paso(self, desde: str, hacia: str) -> None:
        if self.estado != desde:
            raise Conflict(f"El plan está {self.estado}: para quedar {hacia} debe estar {desde}.")

    def _fecha_del_anio(self, fecha: str) -> None:
        if date.fromisoformat(fecha).year != self.plan.anio:
            raise AgendaInvalida(f"La fecha debe ser del año del plan ({self.plan.anio}).")

    # Each step re-sent is recognised by its data first, whatever step the plan reached since.

    def aprobar(self, resolucion: str, fecha: str) -> bool:
        if self.aprobacion is not None:
            if self.aprobacion == Aprobacion(resolucion, fecha):
                return False
            raise Conflict(f"El plan ya se aprobó con {self.aprobacion.resolucion}.")
        self._paso("elaborado", "aprobado")
        self._fecha_del_anio(fecha)
        self._aprobado(resolucion=resolucion, fecha=fecha, contexto=self.contexto)
        return True

    @event(Aprobado)
    def _aprobado(self, resolucion: str, fecha: str, contexto: PlanIEDe | None) -> None:
        self.estado = "aprobado"
        self.aprobacion = Aprobacion(resolucion, fecha)

    def socializar(self, socializacion: Socializacion) -> bool:
        if self.socializacion is not None:
            if self.socializacion == socializacion:
                return False
            raise Conflict("El plan ya se socializó con otros datos.")
        self._paso("aprobado", "socializado")
        self._fecha_del_anio(socializacion.fecha)
        if socializacion.fecha < self.aprobacion.fecha:  # type: ignore[union-attr]
            raise AgendaInvalida("La socialización no puede ser anterior a la aprobación.")
        self._socializado(socializacion=socializacion, contexto=self.contexto)
        return True

    @event(Socializado)
    def _socializado(self, socializacion: Socializacion, contexto: PlanIEDe | None) -> None:
        self.estado = "socializado"
        self.socializacion = socializacion

    def ejecutar(self, informe: InformeEjecucion) -> bool:
        """The informe carries the visits counted when it was filed (``visitas_*``): a re-send counts
        them again, perhaps after more visits were recorded, so they are left out of the comparison."""
        if self.ejecucion is not None:
            if _sin_cuentas(self.ejecucion) == _sin_cuentas(informe):
                return False
            raise Conflict("El informe de ejecución ya se registró con otros datos.")
        self._paso("socializado", "ejecutado")
        self._fecha_del_anio(informe.fecha)
        self._ejecutado(informe=informe, contexto=self.contexto)
        return True

    @event(Ejecutado)
    def _ejecutado(self, informe: InformeEjecucion, contexto: PlanIEDe | None) -> None:
        self.estado = "ejecutado"
        self.ejecucion = informe

    def registrar_visita_entre_pares(self, visita_id: str, visita: VisitaEntrePares) -> bool:
        """A "visita entre pares" (seed 002, one of the plan's "formas de intervención" with the "visitas
        al aula"): a docente of the school observes a colleague's class, organised by the directivo, on a
        school day of the plan in force. ``visita``: ``docente_visitante_id``, ``docente_visitado_id``,
        ``fecha``. The same visit re-sent changes nothing; other data under its id is a conflict."""
        previa = self.visitas_entre_pares.get(visita_id)
        if previa is not None:
            if previa == visita:
                return False
            raise Conflict(f"La visita entre pares {visita_id} ya fue registrada con otros datos.")
        if self.estado == "elaborado":
            raise Conflict("El plan está elaborado: las visitas entre pares se registran una vez aprobado.")
        if self.estado == "ejecutado":
            raise Conflict("El plan ya tiene su informe de ejecución: no admite nuevas visitas entre pares.")
        cubiertos = self.plan.cubre()
        for campo in ("docente_visitante_id", "docente_visitado_id"):
            if getattr(visita, campo) not in cubiertos:
                raise DocenteAjenoAlPlan(campo, f"el docente {getattr(visita, campo)} no está entre los docentes "
                                                f"que cubre el plan de la IE {self.plan.ie}")
        if visita.docente_visitante_id == visita.docente_visitado_id:
            raise DocenteAjenoAlPlan("docente_visitado_id", "en una visita entre pares un docente observa "
                                     "la clase de otro: el visitado no puede ser el visitante")
        fecha = date.fromisoformat(visita.fecha)
        inicio, fin = (date.fromisoformat(x) for x in self.plan.anio_escolar)
        if not inicio <= fecha <= fin:
            raise AgendaInvalida(f"La visita entre pares cae fuera del año escolar del plan ({inicio:%d/%m} "
                                 f"al {fin:%d/%m/%Y}).")
        if fecha.weekday() >= 5:
            raise AgendaInvalida("Una visita entre pares observa una clase: se realiza en un día lectivo "
                                 "(de lunes a viernes).")
        self._visita_entre_pares_realizada(visita_id=visita_id, visita=visita, contexto=self.contexto)
        return True

    @event(VisitaEntreParesRealizada)
    def _visita_entre_pares_realizada(self, visita_id: str, visita: VisitaEntrePares,
                                      contexto: PlanIEDe | None) -> None:
        self.visitas_entre_pares[visita_id] = visita


def _sin_cuentas(informe: InformeEjecucion) -> InformeEjecucion:
    return replace(informe, visitas_planificadas=0, visitas_realizadas=0, visitas_entre_pares=None)


for _agregado in (IEAcompanada, PlanMonitoreoIE):
    register_topic(f"services.agenda.domainmodel:{_agregado.__name__}", _agregado)
