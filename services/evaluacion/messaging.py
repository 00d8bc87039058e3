"""What evaluacion consumes and publishes.

Every consumed contract feeds the projections (each once, by its inbox); some also become
evaluacion's own facts, so its rules check its own store: agenda's plans (who holds each
docente each year), evidencias's observations (what a valuation may rest on) and
focalizacion's acompañantes (their territory). The projections go first: they never depend on
order, while a reassignment that overtook its plan is retried until the plan arrives.

Publishes the formative evaluation and the matrices' facts: the one place where stored events
become contracts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any

from eventsourcing.domain import DomainEventProtocol

from services.evaluacion import domainmodel as dm
from services.evaluacion import encuestas as enc
from services.evaluacion import informe_trimestral as it
from services.evaluacion.application import Evaluacion
from services.evaluacion.comandos import CambiarAcompanante, ConocerAcompanante, ConocerEvidencia
from services.evaluacion.projections import Proyecciones
from services.evaluacion.valores import Evidencia, InformeDe, PlanDocente
from shared import contracts as c
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope
from shared.outbox import Publication

def plan_generado(app: Evaluacion, d: c.PlanAnualGeneradoV1, _: Envelope) -> None:
    app.conocer_plan(PlanDocente(
        plan_id=str(d.plan_id), docente_id=str(d.docente_id), acompanante_id=str(d.acompanante_id),
        convocatoria=d.convocatoria, anio=d.anio, etapa=d.etapa, modalidad=d.modalidad,
        codigo_modular=d.codigo_modular, anexo=d.anexo, tipo_ie=d.tipo_ie, nivel=d.nivel, dre=d.dre, ugel=d.ugel))


def plan_reasignado(app: Evaluacion, d: c.PlanAnualReasignadoV1, envelope: Envelope) -> None:
    app.cambiar_acompanante(CambiarAcompanante(docente_id=str(d.docente_id), anio=d.anio, de=str(d.de_acompanante_id),
                                               a=str(d.a_acompanante_id), aviso_id=envelope.id))


def plan_cerrado(app: Evaluacion, d: c.PlanAnualCerradoV1, _: Envelope) -> None:
    app.cerrar_plan(str(d.docente_id), d.anio)


def observacion(app: Evaluacion, d: c.ObservacionRegistradaV1 | c.ObservacionRegistradaV2, _: Envelope) -> None:
    app.conocer_evidencia(ConocerEvidencia(docente_id=str(d.docente_id), evidencia_id=str(d.observacion_id),
                                           evidencia=Evidencia(tipo="observacion", anio=d.anio, fecha=d.fecha,
                                                               visita_id=str(d.visita_id))))


def acompanante(app: Evaluacion, d: c.AcompananteIncorporadoV1, _: Envelope) -> None:
    app.conocer_acompanante(ConocerAcompanante(acompanante_id=str(d.acompanante_id), dre=d.dre, ugel=d.ugel,
                                               tipo_ie=d.tipo_ie, convocatoria=d.convocatoria))


# contract -> what evaluacion's write side records of it, if anything (every one feeds the matrices)
SUSCRIPCIONES: dict[type[c.IntegrationEvent], Callable[[Evaluacion, Any, Envelope], None] | None] = {
    c.PlanAnualGeneradoV1: plan_generado,
    c.PlanAnualReasignadoV1: plan_reasignado,
    c.PlanAnualCerradoV1: plan_cerrado,
    c.ObservacionRegistradaV1: observacion,
    c.ObservacionCorregidaV1: None,
    # v2: the same facts without free text (published since evidencias encrypts it); v1 still comes from old streams
    c.ObservacionRegistradaV2: observacion,
    c.ObservacionCorregidaV2: None,
    c.AcompananteIncorporadoV1: acompanante,
    c.VisitaRealizadaV1: None,
    c.GIACompletadoV1: None,
    c.RTCRealizadaV1: None,
    c.TallerRealizadoV1: None,
    c.CursoVirtualCompletadoV1: None,
    c.SituacionInicialRegistradaV1: None,
    c.NivelCompetenciaValoradoV1: None,
    c.EtapaCerradaV1: None,
    c.MetasDeEtapaDefinidasV1: None,
    c.EncuestaSatisfaccionRespondidaV1: None,
    c.DesempenoAcompananteEvaluadoV1: None,
}

# evaluacion's one durable consumer: every published fact, fetched once (``subscribe``)
CONSUMIDOR = "evaluacion-hechos"
# The durables it replaced (until 2026-12-07): one per contract above, the territories' names' and the history's;
# removed when the consumers start, the new one declared from the first message they had not all acknowledged.
ANTERIORES = (
    "evaluacion-plan-generado", "evaluacion-plan-reasignado", "evaluacion-plan-cerrado",
    "evaluacion-observacion-registrada", "evaluacion-observacion-corregida", "evaluacion-observacion-registrada-v2",
    "evaluacion-observacion-corregida-v2", "evaluacion-acompanante-incorporado", "evaluacion-visitas",
    "evaluacion-gia-completado", "evaluacion-rtc-realizada", "evaluacion-taller-realizado", "evaluacion-curso-virtual",
    "evaluacion-situacion-inicial", "evaluacion-nivel-valorado", "evaluacion-etapa-cerrada",
    "evaluacion-metas-definidas", "evaluacion-encuesta-respondida", "evaluacion-desempeno-evaluado",
    "evaluacion-territorio-nombrado", "evaluacion-historia",
)


def subscribe(consumers: IdempotentConsumers, app: Evaluacion, proyecciones: Proyecciones) -> None:
    """One durable on every subject: each fact fetched and acknowledged once. Its batch records the producers'
    links in the ledger (``IdempotentConsumers.follow_chains``), then applies the history, which verifies every
    fact's link itself and keeps the broken ones with their reason, live as when rebuilt from the stream, then,
    for a fact whose link the ledger verified, what reads its contract: the matrices and evaluacion's write side,
    or the names the padrón gives the DREs and UGELs (what people read in the reports instead of their codes)."""
    por_contrato = {contrato: handler(app, proyecciones, registrar) for contrato, registrar in SUSCRIPCIONES.items()}
    por_contrato[c.TerritorioNombradoV1] = proyecciones.territorios.aplicar
    consumers.subscribe_subject(
        CONSUMIDOR, "acompana.>", proyecciones.historia.aplicar, title=f"{CONSUMIDOR}:acompana.>",
        description="Todo hecho publicado: el registro de las cadenas de huellas, la historia de cada docente, "
                    "las matrices y lo que evaluacion registra de los hechos de los demás servicios.",
        registra_cadena=True, por_contrato=por_contrato)
    consumers.retira(ANTERIORES, CONSUMIDOR)


def handler(app: Evaluacion, proyecciones: Proyecciones,
            registrar: Callable[[Evaluacion, Any, Envelope], None] | None) -> Callable[[Envelope], None]:
    def handle(envelope: Envelope) -> None:
        proyecciones.aplicar(envelope)
        if registrar is not None:
            registrar(app, envelope.data, envelope)
    return handle


class Publicador:
    def __init__(self, app: Evaluacion) -> None:
        self.app = app

    def __call__(self, event: DomainEventProtocol) -> Publication | None:
        return self.publicacion(event)

    @singledispatchmethod
    def publicacion(self, event: DomainEventProtocol) -> Publication | None:
        return None  # what the other services reported (their own contracts already carry it)

    def _de_docente(self, event: Any, contrato: type[c.IntegrationEvent], **datos: Any) -> Publication:
        # a valuation recorded before its events carried the docente (class_version 1): the aggregate's
        docente = event.docente_id or self.app.inicial(event.originator_id).docente_id
        en = event.contexto
        publicado = contrato(docente_id=docente, **en.como_dict(), **datos)
        return Publication(data=publicado, subject=f"docente/{docente}", dre=en.dre, ugel=en.ugel)

    @publicacion.register
    def _(self, event: dm.Docente.SituacionInicialRegistrada) -> Publication:
        return self._de_docente(event, c.SituacionInicialRegistradaV1,
                                niveles={k: n.como_dict() for k, n in event.niveles.items()})

    @publicacion.register
    def _(self, event: dm.Docente.NivelCompetenciaValorado) -> Publication:
        return self._de_docente(event, c.NivelCompetenciaValoradoV1, valoracion_id=event.valoracion_id,
                                competencia=event.competencia, nivel=event.nivel, evidencias=event.evidencias,
                                sustento=event.sustento)

    @publicacion.register
    def _(self, event: dm.Docente.EtapaCerrada) -> Publication:
        return self._de_docente(event, c.EtapaCerradaV1, niveles=event.niveles, correccion=event.correccion,
                                motivo=event.motivo)

    @publicacion.register
    def _(self, event: dm.Metas.Definidas) -> Publication:
        m = event.metas
        datos = c.MetasDeEtapaDefinidasV1(convocatoria=m.convocatoria, tipo_ie=m.tipo_ie, version_metas=m.version,
                                          metas=m.model_dump(mode="json")["metas"], fuente=m.fuente)
        return Publication(data=datos, subject=f"metas/{m.convocatoria}/{m.tipo_ie}@{m.version}", dre=None, ugel=None)

    @publicacion.register
    def _(self, event: enc.Encuesta.Respondida) -> Publication:
        datos = c.EncuestaSatisfaccionRespondidaV1(
            encuesta_id=event.encuesta_id, encuestado=event.encuestado, persona_id=event.persona_id, anio=event.anio,
            periodo=event.periodo, respuestas=event.respuestas, comentario=event.comentario, dre=event.dre,
            ugel=event.ugel)
        return Publication(data=datos, subject=f"{event.encuestado}/{event.persona_id}", dre=event.dre, ugel=event.ugel)

    @publicacion.register
    def _(self, event: enc.DesempenoAcompanante.Evaluado) -> Publication:
        datos = c.DesempenoAcompananteEvaluadoV1(
            evaluacion_id=event.evaluacion_id, acompanante_id=event.acompanante_id, anio=event.anio,
            momento=event.momento, fecha=event.fecha, criterios=event.criterios, nivel=event.nivel,
            evaluador=event.evaluador, dre=event.dre, ugel=event.ugel)
        return Publication(data=datos, subject=f"acompanante/{event.acompanante_id}", dre=event.dre, ugel=event.ugel)

    def _informe(self, event: Any, de: InformeDe | None, contrato: type[c.IntegrationEvent],
                 **datos: Any) -> Publication:
        if de is None:  # recorded before its events carried the report (class_version 1): the aggregate's
            de = self.app.inicial(event.originator_id).de
        publicado = contrato(informe_id=event.originator_id, dre=de.dre, ugel=de.ugel, anio=de.anio,
                             trimestre=de.trimestre, **datos)
        return Publication(data=publicado, subject=f"informe-trimestral/{de.ugel}/{de.anio}-T{de.trimestre}",
                           dre=de.dre, ugel=de.ugel)

    @publicacion.register
    def _(self, event: it.InformeTrimestral.Enviado) -> Publication:
        de = InformeDe(event.ugel, event.dre, event.anio, event.trimestre)
        return self._informe(event, de, c.InformeTrimestralEnviadoV1, **event.envio.como_dict())

    @publicacion.register
    def _(self, event: it.InformeTrimestral.Recibido) -> Publication:
        return self._informe(event, event.informe, c.InformeTrimestralRecibidoV1, **event.recepcion.como_dict())

    @publicacion.register
    def _(self, event: it.InformeTrimestral.MedidaDispuesta) -> Publication:
        return self._informe(event, event.informe, c.MedidaCorrectivaDispuestaV1, medida_id=event.medida_id,
                             **event.medida.como_dict())

    @publicacion.register
    def _(self, event: it.InformeTrimestral.MedidaSeguida) -> Publication:
        # the sender's id of the follow-up is not in the contract
        seguimiento = {k: v for k, v in event.seguimiento.como_dict().items() if k != "seguimiento_id"}
        return self._informe(event, event.informe, c.MedidaCorrectivaSeguidaV1, medida_id=event.medida_id,
                             **seguimiento)
