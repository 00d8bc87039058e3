"""evaluacion's aggregates of the formative evaluation (NT-026 §5.2.5, §5.3) and of who reads it:

- ``Docente``: what evaluacion knows of a docente (his plan each year, from agenda; the
  observations made of him, from evidencias) and his formative evaluation: the initial situation
  of each convocatoria, the valuations of his competencies and the close of each etapa, checked against the
  norm's rules (``services.evaluacion.reglas.ReglasDeValoracion``).
- ``Metas``: one published version of the expected levels of a school type.
- ``AccesosHistoria``: who read a docente's history.

The matrices' facts about people are in ``services.evaluacion.encuestas``; the UGEL's quarterly report in
``services.evaluacion.informe_trimestral``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from services.evaluacion.metas import Metas as MetasDeEtapa
from services.evaluacion.reglas import NS, EvaluacionInvalida, Pendiente, ReglasDeValoracion, contexto, igual
from services.evaluacion.valores import (Cierre, ConsultaHistoria, Contexto, Evidencia, NivelInicial, PlanDocente,
                                         PlanEnCurso, SituacionInicial, Valoracion)
from shared.eventstore import Aggregate, Conflict
from shared.valores import como_valor

__all__ = ["AccesosHistoria", "Docente", "EvaluacionInvalida", "Metas", "Pendiente", "accesos_id", "docente_id",
           "metas_id"]


def docente_id(docente: UUID | str) -> UUID:
    return uuid5(NS, f"docente:{docente}")


def metas_id(convocatoria: str, tipo_ie: str, version: int) -> UUID:
    return uuid5(NS, f"metas:{convocatoria}:{tipo_ie}@{version}")


def accesos_id(docente: UUID | str) -> UUID:
    return uuid5(NS, f"accesos:{docente}")


class Docente(ReglasDeValoracion, Aggregate):
    """Events of version 1 (recorded before they were typed) are upcast when read: their dicts become the value
    objects of ``services.evaluacion.valores``; a valuation's ``docente_id``, which they did not carry, is None
    (the aggregate's, ``Docente.Registrado``)."""

    class Registrado(Aggregate.Created):
        docente_id: str

    class PlanConocido(Aggregate.Event):
        plan: PlanDocente
        class_version = 2
        upcast_v1_v2 = como_valor(plan=PlanDocente)

    class EvidenciaConocida(Aggregate.Event):
        evidencia_id: str
        evidencia: Evidencia
        class_version = 2
        upcast_v1_v2 = como_valor(evidencia=Evidencia)

    class SituacionInicialRegistrada(Aggregate.Event):
        docente_id: str | None
        contexto: Contexto
        niveles: dict[str, NivelInicial]
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            del state["convocatoria"], state["anio"]  # the context's
            valoracion = state.pop("valoracion")
            state.update(docente_id=None, contexto=Contexto.de(valoracion),
                         niveles={c: NivelInicial.de(n) for c, n in valoracion["niveles"].items()})

    class NivelCompetenciaValorado(Aggregate.Event):
        valoracion_id: str
        docente_id: str | None
        contexto: Contexto
        competencia: str
        nivel: str
        evidencias: list[str]
        sustento: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            v = state.pop("valoracion")
            state.update(docente_id=None, contexto=Contexto.de(v), competencia=v["competencia"], nivel=v["nivel"],
                         evidencias=v["evidencias"], sustento=v.get("sustento", ""))

    class EtapaCerrada(Aggregate.Event):
        """A close (``correccion`` 0) or its corrections (1, 2... with their ``motivo``)."""

        docente_id: str | None
        contexto: Contexto
        niveles: dict[str, str]
        correccion: int
        motivo: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            del state["convocatoria"], state["etapa"]  # the context's
            cierre = state.pop("cierre")
            state.update(docente_id=None, contexto=Contexto.de(cierre), niveles=cierre["niveles"])

    @event(Registrado)
    def __init__(self, id: UUID, docente_id: str) -> None:  # noqa: A002
        self.docente_id = docente_id
        self.planes: dict[int, PlanEnCurso] = {}  # by year: agenda's plan, as it stands now
        self.internos: dict[int, PlanEnCurso] = {}  # by year: his school's own plan (its directivo observes)
        self.evidencias: dict[str, Evidencia] = {}  # by evidence id
        self.iniciales: dict[str, SituacionInicial] = {}  # by convocatoria
        self.valoraciones: dict[str, Valoracion] = {}  # by valoracion_id
        self.cierres: dict[str, list[Cierre]] = {}  # by "<convocatoria>/<etapa>": the close, then corrections

    # --- what the other services report -----------------------------------------------------

    def conoce(self, plan_id: str) -> bool:
        return any(p.plan_id == plan_id for p in (*self.planes.values(), *self.internos.values()))

    def conocer(self, plan: PlanDocente) -> bool:
        """agenda's plan, recorded once."""
        if self.conoce(plan.plan_id):
            return False
        self.conocer_plan(plan=plan)
        return True

    def reasignar(self, anio: int, de: str, a: str, aviso_id: str) -> bool:
        """agenda's reassignment, applied once and only from the coach it names (an earlier one may be
        late)."""
        plan = self.planes[anio]
        if aviso_id in plan.avisos:
            return False
        if plan.acompanante_id != de:
            raise Pendiente(f"el docente {self.docente_id} no está con {de} en {anio}: falta un cambio "
                            "anterior")
        self.cambiar_acompanante(anio=anio, a_acompanante_id=a, aviso_id=aviso_id)
        return True

    def retirar(self, anio: int) -> bool:
        """agenda closed his plan of ``anio`` (he left the coaching), recorded once."""
        if not self.planes[anio].activo:
            return False
        self.cerrar_plan(anio=anio)
        return True

    def registrar_evidencia(self, evidencia_id: str, evidencia: Evidencia) -> bool:
        """An observation made of him (from evidencias), recorded once."""
        if evidencia_id in self.evidencias:
            return False
        self.conocer_evidencia(evidencia_id=evidencia_id, evidencia=evidencia)
        return True

    @event(PlanConocido)
    def conocer_plan(self, plan: PlanDocente) -> None:
        destino = self.internos if plan.modalidad == "interna" else self.planes
        destino[plan.anio] = PlanEnCurso.de(plan)

    @event("AcompananteCambiado")
    def cambiar_acompanante(self, anio: int, a_acompanante_id: str, aviso_id: str) -> None:
        plan = self.planes[anio]
        self.planes[anio] = replace(plan, acompanante_id=a_acompanante_id, avisos=(*plan.avisos, aviso_id))

    @event("PlanCerrado")
    def cerrar_plan(self, anio: int) -> None:
        self.planes[anio] = replace(self.planes[anio], activo=False)

    @event(EvidenciaConocida)
    def conocer_evidencia(self, evidencia_id: str, evidencia: Evidencia) -> None:
        self.evidencias[evidencia_id] = evidencia

    # --- the formative evaluation ---------------------------------------------------------------

    def registrar_situacion_inicial(self, acompanante_id: str, fecha: date, niveles: dict[str, NivelInicial]) -> bool:
        registrado = self.planes.get(fecha.year)
        previa = self.iniciales.get(registrado.convocatoria) if registrado else None
        if previa and igual(previa, acompanante_id, fecha, niveles=niveles):
            return False  # a re-send, even after the docente changed hands
        plan = self.plan(fecha.year, acompanante_id)
        en = contexto(plan, fecha, acompanante_id)
        previa = self.iniciales.get(plan.convocatoria)
        if previa is not None:
            if previa == SituacionInicial(en, niveles):
                return False
            raise Conflict(f"La situación inicial de la convocatoria {plan.convocatoria} ya se registró el "
                           f"{previa.contexto.fecha.isoformat()}.")
        self.check_competencias(plan, set(niveles), todas=True)
        for n in niveles.values():
            self.check_evidencias(n.evidencias, fecha)
        self._situacion_inicial_registrada(docente_id=self.docente_id, contexto=en, niveles=dict(niveles))
        return True

    @event(SituacionInicialRegistrada)
    def _situacion_inicial_registrada(self, docente_id: str | None, contexto: Contexto,
                                      niveles: dict[str, NivelInicial]) -> None:
        self.iniciales[contexto.convocatoria] = SituacionInicial(contexto, dict(niveles))

    def valorar(self, valoracion_id: str, acompanante_id: str, fecha: date,  # noqa: PLR0913
                competencia: str, nivel: str, evidencias: list[str], sustento: str = "") -> bool:
        """A valuation of one competency as sent; a re-sent one (same ``valoracion_id``) records nothing."""
        propio = {"competencia": competencia, "nivel": nivel, "evidencias": list(evidencias), "sustento": sustento}
        previa = self.valoraciones.get(valoracion_id)
        if previa is not None:
            if igual(previa, acompanante_id, fecha, **propio):
                return False
            raise Conflict(f"La valoración {valoracion_id} ya se registró con otro contenido.")
        plan = self.plan(fecha.year, acompanante_id)
        self.check_inicial(plan.convocatoria)
        self.check_competencias(plan, {competencia}, todas=False)
        self.check_evidencias(evidencias, fecha)
        self._nivel_competencia_valorado(valoracion_id=valoracion_id, docente_id=self.docente_id,
                                         contexto=contexto(plan, fecha, acompanante_id), **propio)
        return True

    @event(NivelCompetenciaValorado)
    def _nivel_competencia_valorado(self, valoracion_id: str, docente_id: str | None,  # noqa: PLR0913
                                    contexto: Contexto, competencia: str, nivel: str, evidencias: list[str],
                                    sustento: str) -> None:
        self.valoraciones[valoracion_id] = Valoracion(contexto, competencia, nivel, list(evidencias), sustento)

    def cierre(self, convocatoria: str, etapa: int) -> list[Cierre]:
        return self.cierres.get(f"{convocatoria}/{etapa}", [])

    def cerrar_etapa(self, acompanante_id: str, anio: int, fecha: date, niveles: dict[str, str]) -> bool:
        """The acompañante who holds him that year states the level achieved in each competency."""
        registrado = self.planes.get(anio)
        previos = self.cierre(registrado.convocatoria, registrado.etapa) if registrado else []
        if previos and igual(previos[0], acompanante_id, fecha, niveles=niveles):
            return False  # a re-send, even after the docente changed hands
        plan = self.plan(anio, acompanante_id)
        en = contexto(plan, fecha, acompanante_id)
        previos = self.cierre(plan.convocatoria, plan.etapa)
        if previos:
            if previos[0] == Cierre(en, niveles):
                return False
            raise Conflict(f"La etapa {plan.etapa} ya se cerró el {previos[0].contexto.fecha.isoformat()}: para "
                           "cambiarla, registre una corrección con su motivo.")
        self.check_inicial(plan.convocatoria)
        self.check_competencias(plan, set(niveles), todas=True)
        self._etapa_cerrada(docente_id=self.docente_id, contexto=en, niveles=dict(niveles), correccion=0, motivo="")
        return True

    def corregir_cierre(self, anio: int, fecha: date, niveles: dict[str, str], motivo: str,
                        acompanante_id: str | None, especialista: bool) -> bool:
        """The acompañante who closed it (while he still holds the docente) or a specialist corrects a close;
        the correction is a new close with its reason, the earlier one stays in the history."""
        plan = self.planes.get(anio)
        if plan is None:
            raise EvaluacionInvalida(f"El docente no tiene plan de acompañamiento en {anio}.")
        previos = self.cierre(plan.convocatoria, plan.etapa)
        if previos and previos[-1].niveles == niveles:
            return False  # nothing to correct, or a re-sent correction
        if not especialista:
            if not acompanante_id:
                raise EvaluacionInvalida("Indique el acompañante que corrige (acompanante_id), o corrija "
                                         "con un rol de especialista.")
            if previos and previos[0].contexto.acompanante_id != acompanante_id:
                raise EvaluacionInvalida("Corrige el cierre el acompañante que lo registró, o un "
                                         "especialista.")
            self.plan(anio, acompanante_id)
        if previos and fecha < previos[-1].contexto.fecha:
            raise EvaluacionInvalida(f"La corrección no puede ser anterior al cierre que corrige "
                                     f"({previos[-1].contexto.fecha.isoformat()}).")
        if not previos:
            raise EvaluacionInvalida(f"La etapa {plan.etapa} no se ha cerrado: no hay cierre que corregir.")
        self.check_competencias(plan, set(niveles), todas=True)
        # Who corrected is in the event's metadata; the close keeps the context it was made in.
        self._etapa_cerrada(docente_id=self.docente_id, contexto=replace(previos[-1].contexto, fecha=fecha),
                            niveles=dict(niveles), correccion=len(previos), motivo=motivo)
        return True

    @event(EtapaCerrada)
    def _etapa_cerrada(self, docente_id: str | None, contexto: Contexto, niveles: dict[str, str],  # noqa: PLR0913
                       correccion: int, motivo: str) -> None:
        self.cierres.setdefault(f"{contexto.convocatoria}/{contexto.etapa}", []).append(
            Cierre(contexto, dict(niveles)))


class Metas(Aggregate):
    class Definidas(Aggregate.Created):
        """Version 2: the published version typed (``metas.Metas``); version 1 stored its JSON."""

        metas: MetasDeEtapa
        class_version = 2
        upcast_v1_v2 = como_valor(metas=MetasDeEtapa)

    @event(Definidas)
    def __init__(self, id: UUID, metas: MetasDeEtapa) -> None:  # noqa: A002
        self.metas = metas


class AccesosHistoria(Aggregate):
    """Who read a docente's history, when and why (Ley 29733: the docente may know it)."""

    @event("Abierto")
    def __init__(self, id: UUID, docente_id: str) -> None:  # noqa: A002
        self.docente_id = docente_id

    class HistoriaConsultada(Aggregate.Event):
        """Version 2: what was asked typed (``ConsultaHistoria``); version 1 stored it as a dict."""

        usuario: str
        rol: str
        motivo: str
        consulta: ConsultaHistoria
        class_version = 2
        upcast_v1_v2 = como_valor(consulta=ConsultaHistoria)

    @event(HistoriaConsultada)
    def consultar(self, usuario: str, rol: str, motivo: str, consulta: ConsultaHistoria) -> None:
        """Recorded, never folded into the aggregate: the reads are listed from its events
        (``Evaluacion.accesos``)."""

    def registrar(self, usuario: str, rol: str, motivo: str, consulta: ConsultaHistoria) -> bool:
        """Every read is recorded, a repeated one too (each is a read)."""
        self.consultar(usuario=usuario, rol=rol, motivo=motivo, consulta=consulta)
        return True
