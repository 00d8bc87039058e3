"""evaluacion's aggregates: the formative evaluation of each docente (NT-026 §5.2.5, §5.3) and the
facts of the seguimiento and evaluación matrices (§5.5).

- ``Docente``: what evaluacion knows of a docente (his plan each year, from agenda; the
  observations made of him, from evidencias) and his formative evaluation: the initial situation
  of each convocatoria, the valuations of his competencies and the close of each etapa.
- ``Metas``: one published version of the expected levels of a school type.
- ``Acompanante``: a coach's territory (from focalizacion) and the evaluations of his performance.
- ``Encuesta``: one satisfaction survey answered by a docente or an acompañante.

Every valuation rests on evidence the docente's record already holds, is made by the acompañante
who holds him that year, and covers the competencies of his school type.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from services.evaluacion.metas import Metas as MetasDeEtapa
from services.evaluacion.metas import competencias
from services.evaluacion.valores import (
    Contexto, Envio, Evidencia, InformeDe, Medida, NivelInicial, PlanDocente, Recepcion, Seguimiento,
)
from shared.eventstore import Aggregate, Conflict, DomainError, EnEspera

NS = uuid5(NAMESPACE_URL, "https://acompana.minedu.gob.pe/evaluacion")


def docente_id(docente: UUID | str) -> UUID:
    return uuid5(NS, f"docente:{docente}")


def metas_id(convocatoria: str, tipo_ie: str, version: int) -> UUID:
    return uuid5(NS, f"metas:{convocatoria}:{tipo_ie}@{version}")


def acompanante_id(acompanante: UUID | str) -> UUID:
    return uuid5(NS, f"acompanante:{acompanante}")


def encuesta_id(encuestado: str, persona: UUID | str, anio: int, periodo: str) -> UUID:
    """One survey per person and period: a second answer is a conflict, a re-sent one is nothing new."""
    return uuid5(NS, f"encuesta:{encuestado}:{persona}:{anio}:{periodo}")


def accesos_id(docente: UUID | str) -> UUID:
    return uuid5(NS, f"accesos:{docente}")


def desempeno_id(acompanante: UUID | str, anio: int, momento: str) -> UUID:
    return uuid5(NS, f"desempeno:{acompanante}:{anio}:{momento}")


class EvaluacionInvalida(DomainError):
    """A valuation that breaks a rule of the norm; the message says which."""


class Pendiente(Exception):
    """A change to something another service has not reported yet: retried until it arrives."""


def igual(registrado: dict[str, Any], propio: dict[str, Any]) -> bool:
    """A re-sent command: what it says equals what was recorded (whatever context was added then)."""
    return all(registrado.get(k) == v for k, v in propio.items())


def contexto(plan: dict[str, Any], fecha: date, acompanante_id: str) -> Contexto:
    """What every published valuation carries about the docente's plan when it was made."""
    return Contexto.de({**plan, "acompanante_id": acompanante_id, "fecha": fecha})


class Docente(Aggregate):
    """Events of version 1 (recorded before they were typed) are upcast when read: their dicts become the value
    objects of ``services.evaluacion.valores``; a valuation's ``docente_id``, which they did not carry, is None
    (the aggregate's, ``Docente.Registrado``)."""

    class Registrado(Aggregate.Created):
        docente_id: str

    class PlanConocido(Aggregate.Event):
        plan: PlanDocente
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["plan"] = PlanDocente.de(state["plan"])

    class EvidenciaConocida(Aggregate.Event):
        evidencia_id: str
        evidencia: Evidencia
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["evidencia"] = Evidencia.de(state["evidencia"])

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
                         niveles={c: NivelInicial(**n) for c, n in valoracion["niveles"].items()})

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
        self.planes: dict[int, dict[str, Any]] = {}  # by year: agenda's plan, as it stands now
        self.internos: dict[int, dict[str, Any]] = {}  # by year: his school's own plan (its directivo observes)
        self.evidencias: dict[str, dict[str, Any]] = {}  # by evidence id: year, date, kind
        self.iniciales: dict[str, dict[str, Any]] = {}  # by convocatoria
        self.valoraciones: dict[str, dict[str, Any]] = {}  # by valoracion_id
        self.cierres: dict[str, list[dict[str, Any]]] = {}  # by "<convocatoria>/<etapa>": the close, then corrections

    # --- what the other services report -----------------------------------------------------

    def conoce(self, plan_id: str) -> bool:
        return any(p["plan_id"] == plan_id for p in (*self.planes.values(), *self.internos.values()))

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
        if aviso_id in plan["avisos"]:
            return False
        if plan["acompanante_id"] != de:
            raise Pendiente(f"el docente {self.docente_id} no está con {de} en {anio}: falta un cambio "
                            "anterior")
        self.cambiar_acompanante(anio=anio, a_acompanante_id=a, aviso_id=aviso_id)
        return True

    def retirar(self, anio: int) -> bool:
        """agenda closed his plan of ``anio`` (he left the coaching), recorded once."""
        if not self.planes[anio]["activo"]:
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
        destino[plan.anio] = {**plan.como_dict(), "activo": True, "avisos": []}

    @event("AcompananteCambiado")
    def cambiar_acompanante(self, anio: int, a_acompanante_id: str, aviso_id: str) -> None:
        self.planes[anio]["acompanante_id"] = a_acompanante_id
        self.planes[anio]["avisos"].append(aviso_id)

    @event("PlanCerrado")
    def cerrar_plan(self, anio: int) -> None:
        self.planes[anio]["activo"] = False

    @event(EvidenciaConocida)
    def conocer_evidencia(self, evidencia_id: str, evidencia: Evidencia) -> None:
        self.evidencias[evidencia_id] = evidencia.como_dict()

    # --- rules --------------------------------------------------------------------------------

    def plan(self, anio: int, acompanante: str) -> dict[str, Any]:
        """His plan of ``anio``, held by ``acompanante``; otherwise the rule that stops the valuation."""
        plan = self.planes.get(anio)
        interno = self.internos.get(anio)
        if interno is not None and interno["acompanante_id"] == acompanante and (
                plan is None or plan["acompanante_id"] != acompanante):
            return interno  # the directivo values him in his school's own plan (NT-026 §5.2.1)
        if plan is None:  # agenda's plan may still be on its way
            raise EnEspera(f"El docente no tiene plan de acompañamiento en {anio} (aún no llega de agenda): se "
                           "registrará cuando llegue.")
        if not plan["activo"]:
            raise EvaluacionInvalida(f"El plan {anio} del docente está cerrado (retiro del acompañamiento).")
        if plan["acompanante_id"] != acompanante:
            raise EvaluacionInvalida(f"El docente no está a cargo de ese acompañante en {anio}: lo valora "
                                     "quien lo acompaña.")
        return plan

    def check_competencias(self, plan: dict[str, Any], dadas: set[str], todas: bool) -> None:
        propias = competencias(plan["tipo_ie"])
        ajenas = sorted(dadas - set(propias))
        if ajenas:
            raise EvaluacionInvalida(f"{', '.join(ajenas)} no se desarrolla(n) con un docente de IE "
                                     f"{plan['tipo_ie']}: sus competencias son {', '.join(propias)} (NT-026 §5.2.4).")
        faltan = [c for c in propias if c not in dadas]
        if todas and faltan:
            raise EvaluacionInvalida(f"Falta el nivel de {', '.join(faltan)}: se valoran todas sus competencias "
                                     f"({', '.join(propias)}).")

    def check_evidencias(self, evidencias: list[str], fecha: date) -> None:
        if not evidencias:
            raise EvaluacionInvalida("Una valoración se sustenta en evidencias: indique al menos una observación.")
        for e in evidencias:
            conocida = self.evidencias.get(e)
            if conocida is None:
                raise EnEspera(f"La evidencia {e} no consta para este docente (aún no llega de evidencias): se "
                               "registrará cuando llegue.")
            if date.fromisoformat(conocida["fecha"]) > fecha:
                raise EvaluacionInvalida(f"La evidencia {e} es del {conocida['fecha']}, posterior a la valoración.")

    def check_inicial(self, convocatoria: str) -> None:
        if convocatoria not in self.iniciales:
            raise EnEspera("Registre antes la situación inicial del docente: los niveles esperados "
                           "progresan desde ella (NT-026 §5.2.5); esto se registrará cuando llegue.")

    # --- the formative evaluation ---------------------------------------------------------------

    def registrar_situacion_inicial(self, acompanante_id: str, fecha: date,
                                    niveles: dict[str, dict[str, Any]]) -> bool:
        propio = {"acompanante_id": acompanante_id, "fecha": fecha.isoformat(), "niveles": niveles}
        registrado = self.planes.get(fecha.year)
        previa = self.iniciales.get(registrado["convocatoria"]) if registrado else None
        if previa and igual(previa["valoracion"], propio):
            return False  # a re-send, even after the docente changed hands
        plan = self.plan(fecha.year, acompanante_id)
        en = contexto(plan, fecha, acompanante_id)
        valoracion = {**en.como_dict(), "niveles": niveles}
        previa = self.iniciales.get(plan["convocatoria"])
        if previa is not None:
            if previa["valoracion"] == valoracion:
                return False
            raise Conflict(f"La situación inicial de la convocatoria {plan['convocatoria']} ya se registró el "
                           f"{previa['valoracion']['fecha']}.")
        self.check_competencias(plan, set(niveles), todas=True)
        for n in niveles.values():
            self.check_evidencias(n["evidencias"], fecha)
        self._situacion_inicial_registrada(docente_id=self.docente_id, contexto=en, niveles={
            c: NivelInicial(n["nivel"], list(n["evidencias"]), n.get("sustento", "")) for c, n in niveles.items()})
        return True

    @event(SituacionInicialRegistrada)
    def _situacion_inicial_registrada(self, docente_id: str | None, contexto: Contexto,
                                      niveles: dict[str, NivelInicial]) -> None:
        valoracion = {**contexto.como_dict(), "niveles": {c: n.como_dict() for c, n in niveles.items()}}
        self.iniciales[contexto.convocatoria] = {"anio": contexto.anio, "valoracion": valoracion}

    def valorar(self, valoracion_id: str, propio: dict[str, Any]) -> bool:
        """``propio``: the valuation as sent (acompanante_id, fecha, competencia, nivel, evidencias,
        sustento)."""
        previa = self.valoraciones.get(valoracion_id)
        if previa is not None:
            if igual(previa, propio):
                return False
            raise Conflict(f"La valoración {valoracion_id} ya se registró con otro contenido.")
        fecha = date.fromisoformat(propio["fecha"])
        plan = self.plan(fecha.year, propio["acompanante_id"])
        self.check_inicial(plan["convocatoria"])
        self.check_competencias(plan, {propio["competencia"]}, todas=False)
        self.check_evidencias(propio["evidencias"], fecha)
        self._nivel_competencia_valorado(
            valoracion_id=valoracion_id, docente_id=self.docente_id,
            contexto=contexto(plan, fecha, propio["acompanante_id"]), competencia=propio["competencia"],
            nivel=propio["nivel"], evidencias=list(propio["evidencias"]), sustento=propio.get("sustento", ""))
        return True

    @event(NivelCompetenciaValorado)
    def _nivel_competencia_valorado(self, valoracion_id: str, docente_id: str | None,  # noqa: PLR0913
                                    contexto: Contexto, competencia: str, nivel: str, evidencias: list[str],
                                    sustento: str) -> None:
        self.valoraciones[valoracion_id] = {**contexto.como_dict(), "competencia": competencia, "nivel": nivel,
                                            "evidencias": list(evidencias), "sustento": sustento}

    def cierre(self, convocatoria: str, etapa: int) -> list[dict[str, Any]]:
        return self.cierres.get(f"{convocatoria}/{etapa}", [])

    def cerrar_etapa(self, acompanante_id: str, anio: int, fecha: date, niveles: dict[str, str]) -> bool:
        """The acompañante who holds him that year states the level achieved in each competency."""
        propio = {"acompanante_id": acompanante_id, "fecha": fecha.isoformat(), "niveles": niveles}
        registrado = self.planes.get(anio)
        previos = self.cierre(registrado["convocatoria"], registrado["etapa"]) if registrado else []
        if previos and igual(previos[0], propio):
            return False  # a re-send, even after the docente changed hands
        plan = self.plan(anio, acompanante_id)
        en = contexto(plan, fecha, acompanante_id)
        cierre = {**en.como_dict(), "niveles": niveles}
        previos = self.cierre(plan["convocatoria"], plan["etapa"])
        if previos:
            if previos[0] == cierre:
                return False
            raise Conflict(f"La etapa {plan['etapa']} ya se cerró el {previos[0]['fecha']}: para cambiarla, "
                           "registre una corrección con su motivo.")
        self.check_inicial(plan["convocatoria"])
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
        convocatoria, etapa = plan["convocatoria"], plan["etapa"]
        previos = self.cierre(convocatoria, etapa)
        if previos and previos[-1]["niveles"] == niveles:
            return False  # nothing to correct, or a re-sent correction
        if not especialista:
            if not acompanante_id:
                raise EvaluacionInvalida("Indique el acompañante que corrige (acompanante_id), o corrija "
                                         "con un rol de especialista.")
            if previos and previos[0]["acompanante_id"] != acompanante_id:
                raise EvaluacionInvalida("Corrige el cierre el acompañante que lo registró, o un "
                                         "especialista.")
            self.plan(anio, acompanante_id)
        if previos and fecha < date.fromisoformat(previos[-1]["fecha"]):
            raise EvaluacionInvalida(f"La corrección no puede ser anterior al cierre que corrige "
                                     f"({previos[-1]['fecha']}).")
        if not previos:
            raise EvaluacionInvalida(f"La etapa {etapa} no se ha cerrado: no hay cierre que corregir.")
        self.check_competencias(plan, set(niveles), todas=True)
        # Who corrected is in the event's metadata; the close keeps the context it was made in.
        en = Contexto.de({**previos[-1], "fecha": fecha})
        self._etapa_cerrada(docente_id=self.docente_id, contexto=en, niveles=dict(niveles), correccion=len(previos),
                            motivo=motivo)
        return True

    @event(EtapaCerrada)
    def _etapa_cerrada(self, docente_id: str | None, contexto: Contexto, niveles: dict[str, str],  # noqa: PLR0913
                       correccion: int, motivo: str) -> None:
        self.cierres.setdefault(f"{contexto.convocatoria}/{contexto.etapa}", []).append(
            {**contexto.como_dict(), "niveles": dict(niveles)})


class Metas(Aggregate):
    class Definidas(Aggregate.Created):
        """Version 2: the published version typed (``metas.Metas``); version 1 stored its JSON."""

        metas: MetasDeEtapa
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["metas"] = MetasDeEtapa.model_validate(state["metas"])

    @event(Definidas)
    def __init__(self, id: UUID, metas: MetasDeEtapa) -> None:  # noqa: A002
        self.metas = metas


class Acompanante(Aggregate):
    @event("Registrado")
    def __init__(self, id: UUID, acompanante_id: str) -> None:  # noqa: A002
        self.acompanante_id = acompanante_id
        self.territorio: dict[str, str] | None = None

    @event("Incorporado")
    def incorporar(self, dre: str, ugel: str, tipo_ie: str, convocatoria: str) -> None:
        self.territorio = {"dre": dre, "ugel": ugel, "tipo_ie": tipo_ie, "convocatoria": convocatoria}

    def situar(self, territorio: dict[str, str]) -> bool:
        """focalizacion's incorporation (dre, ugel, tipo_ie, convocatoria), recorded when it changes."""
        if self.territorio == territorio:
            return False
        self.incorporar(**territorio)
        return True


def _aplanar(state: dict[str, Any], campo: str) -> None:
    """A version 1 event kept its record in one dict ``campo``: version 2 has its fields."""
    state.update(state.pop(campo))


class Encuesta(Aggregate):
    class Respondida(Aggregate.Created):
        encuesta_id: str
        encuestado: str
        persona_id: str
        anio: int
        periodo: str
        respuestas: dict[str, int]
        comentario: str
        dre: str
        ugel: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _aplanar(state, "encuesta")

    @event(Respondida)
    def __init__(self, id: UUID, encuesta_id: str, encuestado: str, persona_id: str, anio: int,  # noqa: A002, PLR0913
                 periodo: str, respuestas: dict[str, int], comentario: str, dre: str, ugel: str) -> None:
        self.encuesta = {"encuesta_id": encuesta_id, "encuestado": encuestado, "persona_id": persona_id, "anio": anio,
                         "periodo": periodo, "respuestas": respuestas, "comentario": comentario, "dre": dre,
                         "ugel": ugel}


class DesempenoAcompanante(Aggregate):
    class Evaluado(Aggregate.Created):
        evaluacion_id: str
        acompanante_id: str
        anio: int
        momento: str
        fecha: date
        criterios: dict[str, str]
        nivel: str
        evaluador: str
        dre: str
        ugel: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _aplanar(state, "evaluacion")
            state["fecha"] = date.fromisoformat(state["fecha"])

    @event(Evaluado)
    def __init__(self, id: UUID, evaluacion_id: str, acompanante_id: str, anio: int, momento: str,  # noqa: A002, PLR0913
                 fecha: date, criterios: dict[str, str], nivel: str, evaluador: str, dre: str, ugel: str) -> None:
        self.evaluacion = {"evaluacion_id": evaluacion_id, "acompanante_id": acompanante_id, "anio": anio,
                           "momento": momento, "fecha": fecha.isoformat(), "criterios": criterios, "nivel": nivel,
                           "evaluador": evaluador, "dre": dre, "ugel": ugel}


class AccesosHistoria(Aggregate):
    """Who read a docente's history, when and why (Ley 29733: the docente may know it)."""

    @event("Abierto")
    def __init__(self, id: UUID, docente_id: str) -> None:  # noqa: A002
        self.docente_id = docente_id

    @event("HistoriaConsultada")
    def consultar(self, usuario: str, rol: str, motivo: str, consulta: dict[str, Any]) -> None:
        """Recorded, never folded into the aggregate: the reads are listed from its events
        (``Evaluacion.accesos``)."""

    def registrar(self, usuario: str, rol: str, motivo: str, consulta: dict[str, Any]) -> bool:
        """Every read is recorded, a repeated one too (each is a read)."""
        self.consultar(usuario=usuario, rol=rol, motivo=motivo, consulta=consulta)
        return True



def reenvio(registrado: dict[str, Any], nuevo: dict[str, Any], *contexto: str) -> bool:
    """A re-sent command: the same record but for ``contexto`` (when, and by whom, it was sent)."""
    return {k: v for k, v in registrado.items() if k not in contexto} == \
        {k: v for k, v in nuevo.items() if k not in contexto}


def seguimiento_id(medida_id: str, seguimiento: dict[str, Any]) -> str:
    """Which follow-up of a measure this is: the id its sender gave it (the same on every re-send, on any
    day); one sent without an id is its state, text and day (sent again the same day, it is the same one;
    the same text on another day is another follow-up)."""
    if seguimiento.get("seguimiento_id"):
        return str(seguimiento["seguimiento_id"])
    return str(uuid5(NS, f"seguimiento:{medida_id}:{seguimiento['fecha']}:{seguimiento['estado']}:"
                         f"{seguimiento['avance']}"))


def informe_id(ugel: str, anio: int, trimestre: int) -> UUID:
    return uuid5(NS, f"informe-trimestral:{ugel}:{anio}:{trimestre}")


ESTADOS_MEDIDA = ("dispuesta", "en_ejecucion", "cumplida", "no_cumplida")
SIGUIENTES = {"dispuesta": ("en_ejecucion", "cumplida", "no_cumplida"), "en_ejecucion": ("en_ejecucion", "cumplida",
              "no_cumplida"), "cumplida": (), "no_cumplida": ()}


class InformeTrimestral(Aggregate):
    """A UGEL's quarterly progress report to its DRE (NT-026 §6.3: the UGEL "Remite los reportes de
    avance trimestral a la DRE"; §6.2: the DRE "supervisa la implementación ... en las UGEL de su
    jurisdicción"): sent once with the figures it carried, acknowledged once by the DRE; and the
    corrective measures the UGEL disposes (§6.3: "dispone las medidas correctivas necesarias")
    against a school or an acompañante, each followed up to its end."""

    class Enviado(Aggregate.Created):
        ugel: str
        dre: str
        anio: int
        trimestre: int
        envio: Envio
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["envio"] = Envio.de(state["envio"])

    class DelInforme(Aggregate.Event):
        """What happens to a sent report. Version 2 carries which report it is (``informe``); version 1 did not
        (``informe`` None: the aggregate's, ``Enviado``) and kept its record as a dict."""

        informe: InformeDe | None
        class_version = 2

    class Recibido(DelInforme):
        recepcion: Recepcion

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(informe=None, recepcion=Recepcion.de(state["recepcion"]))

    class MedidaDispuesta(DelInforme):
        medida_id: str
        medida: Medida

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(informe=None, medida=Medida.de(state["medida"]))

    class MedidaSeguida(DelInforme):
        medida_id: str
        seguimiento: Seguimiento

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(informe=None, seguimiento=Seguimiento.de(state["seguimiento"]))

    @event(Enviado)
    def __init__(self, id: UUID, ugel: str, dre: str, anio: int, trimestre: int,  # noqa: A002, PLR0913
                 envio: Envio) -> None:
        self.ugel, self.dre, self.anio, self.trimestre = ugel, dre, anio, trimestre
        self.envio = envio.como_dict()
        self.recepcion: dict[str, Any] | None = None
        self.medidas: dict[str, dict[str, Any]] = {}

    @property
    def de(self) -> InformeDe:
        return InformeDe(self.ugel, self.dre, self.anio, self.trimestre)

    def acusar_recibo(self, recepcion: dict[str, Any]) -> bool:
        if self.recepcion is not None:
            if reenvio(self.recepcion, recepcion, "fecha"):
                return False
            raise Conflict(f"La DRE ya acusó recibo de este informe el {date.fromisoformat(self.recepcion['fecha']):%d/%m/%Y}.")
        self._recibido(informe=self.de, recepcion=Recepcion.de(recepcion))
        return True

    @event(Recibido)
    def _recibido(self, informe: InformeDe | None, recepcion: Recepcion) -> None:
        self.recepcion = recepcion.como_dict()

    def disponer_medida(self, medida_id: str, medida: dict[str, Any]) -> bool:
        """``medida`` carries the day it is disposed (``fecha``): a re-send on another day, even after
        its deadline, is already recorded; a new measure's deadline must not have passed."""
        previa = self.medidas.get(medida_id)
        if previa is not None:
            if reenvio(previa["medida"], medida, "fecha"):
                return False
            raise Conflict(f"La medida {medida_id} ya se registró con otros datos.")
        if medida["plazo"] < medida["fecha"]:
            raise EvaluacionInvalida(f"El plazo de la medida ({date.fromisoformat(medida['plazo']):%d/%m/%Y}) ya pasó.")
        self._medida_dispuesta(informe=self.de, medida_id=medida_id, medida=Medida.de(medida))
        return True

    @event(MedidaDispuesta)
    def _medida_dispuesta(self, informe: InformeDe | None, medida_id: str, medida: Medida) -> None:
        self.medidas[medida_id] = {"medida": medida.como_dict(), "estado": "dispuesta", "seguimiento": []}

    def seguir_medida(self, medida_id: str, seguimiento: dict[str, Any]) -> bool:
        medida = self.medidas.get(medida_id)
        if medida is None:
            raise EvaluacionInvalida(f"El informe no tiene la medida {medida_id}.")
        clave = seguimiento_id(medida_id, seguimiento)
        previo = next((p for p in medida["seguimiento"] if seguimiento_id(medida_id, p) == clave), None)
        if previo is not None:
            if reenvio(previo, seguimiento, "fecha", "por"):
                return False  # the same follow-up, re-sent (another day, or by a colleague)
            raise Conflict(f"El seguimiento {clave} de la medida {medida_id} ya se registró con otros datos.")
        estado = seguimiento["estado"]
        if estado not in SIGUIENTES[medida["estado"]]:
            raise EvaluacionInvalida(
                f"Una medida {medida['estado'].replace('_', ' ')} no pasa a {estado.replace('_', ' ')}"
                + (" (ya está cerrada)." if not SIGUIENTES[medida["estado"]] else "."))
        ultimo = medida["seguimiento"][-1]["fecha"] if medida["seguimiento"] else medida["medida"]["fecha"]
        if seguimiento["fecha"] < ultimo:
            raise EvaluacionInvalida(f"El seguimiento no puede ser anterior al {date.fromisoformat(ultimo):%d/%m/%Y}.")
        self._medida_seguida(informe=self.de, medida_id=medida_id, seguimiento=Seguimiento.de(seguimiento))
        return True

    @event(MedidaSeguida)
    def _medida_seguida(self, informe: InformeDe | None, medida_id: str, seguimiento: Seguimiento) -> None:
        medida = self.medidas[medida_id]
        medida["estado"] = seguimiento.estado
        medida["seguimiento"].append(seguimiento.como_dict())
