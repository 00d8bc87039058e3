"""The school agenda works with (NT-026 §5.2.1, §5.2.7): ``IEAcompanada``, its directivo, who leads its RTC, and
the docentes the padrón registers in it (focalizacion's ``DocenteRegistradoEnIE``: ids only, no personal data);
and ``PlanMonitoreoIE``, its own plan of monitoring and coaching (the internal modality, "desde la propia
organización de la IE con el liderazgo de su directivo"), as the plans of the IEI N°246 and the IES Miguel Grau:
elaborado, aprobado (with its RD), socializado, ejecutado. Once approved, each docente it covers gets an internal
``domainmodel.PlanAnual`` whose observer is the directivo, on the directivo's own agenda.

These aggregates lived in ``services.agenda.domainmodel``: their events stored there keep that topic, which
resolves here (``register_topic``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event
from eventsourcing.utils import register_topic

from services.agenda.reglas import AgendaInvalida
from services.agenda.valores import (InformeEjecucion, PlanIEDe, Socializacion, VisitaEntrePares, informe_v1,
                                     sin_contexto, socializacion_v1, visita_par_v1)
from shared.eventstore import Aggregate, Conflict


class DocentesDeOtraIE(AgendaInvalida):
    """A school's plan lists docentes who belong to another school (the message names them)."""


class DocenteAjenoAlPlan(AgendaInvalida):
    """A peer visit names a docente the school's plan does not cover; ``campo`` is the field naming him."""

    def __init__(self, campo: str, motivo: str) -> None:
        super().__init__(motivo)
        self.campo = campo


class IEAcompanada(Aggregate):
    @event("Registrada")
    def __init__(self, id: UUID, codigo_modular: str, anexo: int) -> None:  # noqa: A002
        self.codigo_modular = codigo_modular
        self.anexo = anexo
        self.directivo_id: str | None = None
        self.cargo: str | None = None
        self.docentes: dict[str, dict[str, str]] = {}  # by docente id: his level and the school's territory

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

    @event("DocenteRegistrado")
    def registrar_docente(self, docente_id: str, datos: dict[str, str]) -> None:
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

    class Aprobado(Aggregate.Event):
        resolucion: str
        fecha: str
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = staticmethod(sin_contexto)

    class Socializado(Aggregate.Event):
        socializacion: Socializacion
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = staticmethod(socializacion_v1)

    class Ejecutado(Aggregate.Event):
        informe: InformeEjecucion
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = staticmethod(informe_v1)

    class VisitaEntreParesRealizada(Aggregate.Event):
        visita_id: str
        visita: VisitaEntrePares
        contexto: PlanIEDe | None
        class_version = 2
        upcast_v1_v2 = staticmethod(visita_par_v1)

    @event("Elaborado")
    def __init__(self, id: UUID, plan: dict[str, Any]) -> None:  # noqa: A002
        self.plan = plan
        self.estado = "elaborado"
        self.aprobacion: dict[str, Any] | None = None
        self.socializacion: dict[str, Any] | None = None
        self.ejecucion: dict[str, Any] | None = None
        self.visitas_entre_pares: dict[str, dict[str, str]] = {}

    @property
    def contexto(self) -> PlanIEDe:
        p = self.plan
        return PlanIEDe(p["ie"], p["codigo_modular"], p["anexo"], p["anio"], p["dre"], p["ugel"])

    def _paso(self, desde: str, hacia: str) -> None:
        if self.estado != desde:
            raise Conflict(f"El plan está {self.estado}: para quedar {hacia} debe estar {desde}.")

    def _fecha_del_anio(self, fecha: str) -> None:
        if date.fromisoformat(fecha).year != self.plan["anio"]:
            raise AgendaInvalida(f"La fecha debe ser del año del plan ({self.plan['anio']}).")

    # Each step re-sent is recognised by its data first, whatever step the plan reached since.

    def aprobar(self, resolucion: str, fecha: str) -> bool:
        if self.aprobacion is not None:
            if self.aprobacion == {"resolucion": resolucion, "fecha": fecha}:
                return False
            raise Conflict(f"El plan ya se aprobó con {self.aprobacion['resolucion']}.")
        self._paso("elaborado", "aprobado")
        self._fecha_del_anio(fecha)
        self._aprobado(resolucion=resolucion, fecha=fecha, contexto=self.contexto)
        return True

    @event(Aprobado)
    def _aprobado(self, resolucion: str, fecha: str, contexto: PlanIEDe | None) -> None:
        self.estado = "aprobado"
        self.aprobacion = {"resolucion": resolucion, "fecha": fecha}

    def socializar(self, socializacion: dict[str, Any]) -> bool:
        if self.socializacion is not None:
            if self.socializacion == socializacion:
                return False
            raise Conflict("El plan ya se socializó con otros datos.")
        self._paso("aprobado", "socializado")
        self._fecha_del_anio(socializacion["fecha"])
        if socializacion["fecha"] < self.aprobacion["fecha"]:  # type: ignore[index]
            raise AgendaInvalida("La socialización no puede ser anterior a la aprobación.")
        self._socializado(socializacion=Socializacion.de(socializacion), contexto=self.contexto)
        return True

    @event(Socializado)
    def _socializado(self, socializacion: Socializacion, contexto: PlanIEDe | None) -> None:
        self.estado = "socializado"
        self.socializacion = socializacion.como_dict()

    def ejecutar(self, informe: dict[str, Any]) -> bool:
        """The informe carries the visits counted when it was filed (``visitas_*``): a re-send counts
        them again, perhaps after more visits were recorded, so they are left out of the comparison."""
        if self.ejecucion is not None:
            if _sin_cuentas(self.ejecucion) == _sin_cuentas(informe):
                return False
            raise Conflict("El informe de ejecución ya se registró con otros datos.")
        self._paso("socializado", "ejecutado")
        self._fecha_del_anio(informe["fecha"])
        self._ejecutado(informe=InformeEjecucion.de(informe), contexto=self.contexto)
        return True

    @event(Ejecutado)
    def _ejecutado(self, informe: InformeEjecucion, contexto: PlanIEDe | None) -> None:
        self.estado = "ejecutado"
        self.ejecucion = informe.como_dict()


    def registrar_visita_entre_pares(self, visita_id: str, visita: dict[str, str]) -> bool:
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
        cubiertos = {d["docente_id"] for d in self.plan["docentes"]}
        for campo in ("docente_visitante_id", "docente_visitado_id"):
            if visita[campo] not in cubiertos:
                raise DocenteAjenoAlPlan(campo, f"el docente {visita[campo]} no está entre los docentes "
                                                f"que cubre el plan de la IE {self.plan['ie']}")
        if visita["docente_visitante_id"] == visita["docente_visitado_id"]:
            raise DocenteAjenoAlPlan("docente_visitado_id", "en una visita entre pares un docente observa "
                                     "la clase de otro: el visitado no puede ser el visitante")
        fecha = date.fromisoformat(visita["fecha"])
        inicio, fin = (date.fromisoformat(x) for x in self.plan["anio_escolar"])
        if not inicio <= fecha <= fin:
            raise AgendaInvalida(f"La visita entre pares cae fuera del año escolar del plan ({inicio:%d/%m} "
                                 f"al {fin:%d/%m/%Y}).")
        if fecha.weekday() >= 5:
            raise AgendaInvalida("Una visita entre pares observa una clase: se realiza en un día lectivo "
                                 "(de lunes a viernes).")
        self._visita_entre_pares_realizada(visita_id=visita_id, visita=VisitaEntrePares.de(visita),
                                           contexto=self.contexto)
        return True

    @event(VisitaEntreParesRealizada)
    def _visita_entre_pares_realizada(self, visita_id: str, visita: VisitaEntrePares,
                                      contexto: PlanIEDe | None) -> None:
        self.visitas_entre_pares[visita_id] = visita.como_dict()


def _sin_cuentas(informe: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in informe.items() if not k.startswith("visitas_")}


for _agregado in (IEAcompanada, PlanMonitoreoIE):
    register_topic(f"services.agenda.domainmodel:{_agregado.__name__}", _agregado)
