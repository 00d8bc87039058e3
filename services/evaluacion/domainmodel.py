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

from services.evaluacion.metas import competencias
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


def contexto(plan: dict[str, Any], fecha: date, acompanante_id: str) -> dict[str, Any]:
    """What every published valuation carries about the docente's plan when it was made."""
    return {k: plan[k] for k in ("codigo_modular", "anexo", "tipo_ie", "convocatoria", "anio", "etapa", "dre",
                                 "ugel")} | {"acompanante_id": acompanante_id, "fecha": fecha.isoformat()}


class Docente(Aggregate):
    @event("Registrado")
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

    def conocer(self, plan: dict[str, Any]) -> bool:
        """agenda's plan, recorded once."""
        if self.conoce(plan["plan_id"]):
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

    def registrar_evidencia(self, evidencia_id: str, evidencia: dict[str, Any]) -> bool:
        """An observation made of him (from evidencias), recorded once."""
        if evidencia_id in self.evidencias:
            return False
        self.conocer_evidencia(evidencia_id=evidencia_id, evidencia=evidencia)
        return True

    @event("PlanConocido")
    def conocer_plan(self, plan: dict[str, Any]) -> None:
        destino = self.internos if plan.get("modalidad") == "interna" else self.planes
        destino[plan["anio"]] = {**plan, "activo": True, "avisos": []}

    @event("AcompananteCambiado")
    def cambiar_acompanante(self, anio: int, a_acompanante_id: str, aviso_id: str) -> None:
        self.planes[anio]["acompanante_id"] = a_acompanante_id
        self.planes[anio]["avisos"].append(aviso_id)

    @event("PlanCerrado")
    def cerrar_plan(self, anio: int) -> None:
        self.planes[anio]["activo"] = False

    @event("EvidenciaConocida")
    def conocer_evidencia(self, evidencia_id: str, evidencia: dict[str, Any]) -> None:
        self.evidencias[evidencia_id] = evidencia

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
        valoracion = {**contexto(plan, fecha, acompanante_id), "niveles": niveles}
        previa = self.iniciales.get(plan["convocatoria"])
        if previa is not None:
            if previa["valoracion"] == valoracion:
                return False
            raise Conflict(f"La situación inicial de la convocatoria {plan['convocatoria']} ya se registró el "
                           f"{previa['valoracion']['fecha']}.")
        self.check_competencias(plan, set(niveles), todas=True)
        for n in niveles.values():
            self.check_evidencias(n["evidencias"], fecha)
        self._situacion_inicial(convocatoria=plan["convocatoria"], anio=plan["anio"], valoracion=valoracion)
        return True

    @event("SituacionInicialRegistrada")
    def _situacion_inicial(self, convocatoria: str, anio: int, valoracion: dict[str, Any]) -> None:
        self.iniciales[convocatoria] = {"anio": anio, "valoracion": valoracion}

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
        self._valoracion(valoracion_id=valoracion_id,
                         valoracion={**contexto(plan, fecha, propio["acompanante_id"]), **propio})
        return True

    @event("NivelCompetenciaValorado")
    def _valoracion(self, valoracion_id: str, valoracion: dict[str, Any]) -> None:
        self.valoraciones[valoracion_id] = valoracion

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
        cierre = {**contexto(plan, fecha, acompanante_id), "niveles": niveles}
        previos = self.cierre(plan["convocatoria"], plan["etapa"])
        if previos:
            if previos[0] == cierre:
                return False
            raise Conflict(f"La etapa {plan['etapa']} ya se cerró el {previos[0]['fecha']}: para cambiarla, "
                           "registre una corrección con su motivo.")
        self.check_inicial(plan["convocatoria"])
        self.check_competencias(plan, set(niveles), todas=True)
        self._cierre(convocatoria=plan["convocatoria"], etapa=plan["etapa"], cierre=cierre, correccion=0, motivo="")
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
        cierre = {**previos[-1], "fecha": fecha.isoformat(), "niveles": niveles}
        self._cierre(convocatoria=convocatoria, etapa=etapa, cierre=cierre, correccion=len(previos), motivo=motivo)
        return True

    @event("EtapaCerrada")
    def _cierre(self, convocatoria: str, etapa: int, cierre: dict[str, Any], correccion: int, motivo: str) -> None:
        self.cierres.setdefault(f"{convocatoria}/{etapa}", []).append(cierre)


class Metas(Aggregate):
    @event("Definidas")
    def __init__(self, id: UUID, metas: dict[str, Any]) -> None:  # noqa: A002
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


class Encuesta(Aggregate):
    @event("Respondida")
    def __init__(self, id: UUID, encuesta: dict[str, Any]) -> None:  # noqa: A002
        self.encuesta = encuesta


class DesempenoAcompanante(Aggregate):
    @event("Evaluado")
    def __init__(self, id: UUID, evaluacion: dict[str, Any]) -> None:  # noqa: A002
        self.evaluacion = evaluacion


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

    @event("Enviado")
    def __init__(self, id: UUID, ugel: str, dre: str, anio: int, trimestre: int,  # noqa: A002, PLR0913
                 envio: dict[str, Any]) -> None:
        self.ugel, self.dre, self.anio, self.trimestre = ugel, dre, anio, trimestre
        self.envio = envio
        self.recepcion: dict[str, Any] | None = None
        self.medidas: dict[str, dict[str, Any]] = {}

    def acusar_recibo(self, recepcion: dict[str, Any]) -> bool:
        if self.recepcion is not None:
            if reenvio(self.recepcion, recepcion, "fecha"):
                return False
            raise Conflict(f"La DRE ya acusó recibo de este informe el {date.fromisoformat(self.recepcion['fecha']):%d/%m/%Y}.")
        self._recibido(recepcion=recepcion)
        return True

    @event("Recibido")
    def _recibido(self, recepcion: dict[str, Any]) -> None:
        self.recepcion = recepcion

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
        self._dispuesta(medida_id=medida_id, medida=medida)
        return True

    @event("MedidaDispuesta")
    def _dispuesta(self, medida_id: str, medida: dict[str, Any]) -> None:
        self.medidas[medida_id] = {"medida": medida, "estado": "dispuesta", "seguimiento": []}

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
        self._seguida(medida_id=medida_id, seguimiento=seguimiento)
        return True

    @event("MedidaSeguida")
    def _seguida(self, medida_id: str, seguimiento: dict[str, Any]) -> None:
        medida = self.medidas[medida_id]
        medida["estado"] = seguimiento["estado"]
        medida["seguimiento"].append(seguimiento)
