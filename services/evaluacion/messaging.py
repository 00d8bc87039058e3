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
from services.evaluacion.application import Evaluacion
from services.evaluacion.projections import Proyecciones
from shared import contracts as c
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope
from shared.outbox import Publication

CONSUMIDOR_VISITAS = "evaluacion-visitas"


def plan_generado(app: Evaluacion, d: c.PlanAnualGeneradoV1, _: Envelope) -> None:
    app.conocer_plan({
        "plan_id": str(d.plan_id), "docente_id": str(d.docente_id), "acompanante_id": str(d.acompanante_id),
        "convocatoria": d.convocatoria, "anio": d.anio, "etapa": d.etapa, "modalidad": d.modalidad,
        "codigo_modular": d.codigo_modular, "anexo": d.anexo, "tipo_ie": d.tipo_ie, "nivel": d.nivel,
        "dre": d.dre, "ugel": d.ugel})


def plan_reasignado(app: Evaluacion, d: c.PlanAnualReasignadoV1, envelope: Envelope) -> None:
    app.cambiar_acompanante(str(d.docente_id), d.anio, str(d.de_acompanante_id), str(d.a_acompanante_id), envelope.id)


def plan_cerrado(app: Evaluacion, d: c.PlanAnualCerradoV1, _: Envelope) -> None:
    app.cerrar_plan(str(d.docente_id), d.anio)


def observacion(app: Evaluacion, d: c.ObservacionRegistradaV1 | c.ObservacionRegistradaV2, _: Envelope) -> None:
    app.conocer_evidencia(str(d.docente_id), str(d.observacion_id), {
        "tipo": "observacion", "anio": d.anio, "fecha": d.fecha.isoformat(), "visita_id": str(d.visita_id)})


def acompanante(app: Evaluacion, d: c.AcompananteIncorporadoV1, _: Envelope) -> None:
    app.conocer_acompanante(str(d.acompanante_id), d.dre, d.ugel, d.tipo_ie, d.convocatoria)


# contract -> (durable consumer, what evaluacion's write side records of it, if anything)
SUSCRIPCIONES: dict[type[c.IntegrationEvent], tuple[str, Callable[[Evaluacion, Any, Envelope], None] | None]] = {
    c.PlanAnualGeneradoV1: ("evaluacion-plan-generado", plan_generado),
    c.PlanAnualReasignadoV1: ("evaluacion-plan-reasignado", plan_reasignado),
    c.PlanAnualCerradoV1: ("evaluacion-plan-cerrado", plan_cerrado),
    c.ObservacionRegistradaV1: ("evaluacion-observacion-registrada", observacion),
    c.ObservacionCorregidaV1: ("evaluacion-observacion-corregida", None),
    # v2: the same facts without free text (published since evidencias encrypts it); v1 still comes from old streams
    c.ObservacionRegistradaV2: ("evaluacion-observacion-registrada-v2", observacion),
    c.ObservacionCorregidaV2: ("evaluacion-observacion-corregida-v2", None),
    c.AcompananteIncorporadoV1: ("evaluacion-acompanante-incorporado", acompanante),
    c.VisitaRealizadaV1: (CONSUMIDOR_VISITAS, None),
    c.GIACompletadoV1: ("evaluacion-gia-completado", None),
    c.RTCRealizadaV1: ("evaluacion-rtc-realizada", None),
    c.TallerRealizadoV1: ("evaluacion-taller-realizado", None),
    c.CursoVirtualCompletadoV1: ("evaluacion-curso-virtual", None),
    c.SituacionInicialRegistradaV1: ("evaluacion-situacion-inicial", None),
    c.NivelCompetenciaValoradoV1: ("evaluacion-nivel-valorado", None),
    c.EtapaCerradaV1: ("evaluacion-etapa-cerrada", None),
    c.MetasDeEtapaDefinidasV1: ("evaluacion-metas-definidas", None),
    c.EncuestaSatisfaccionRespondidaV1: ("evaluacion-encuesta-respondida", None),
    c.DesempenoAcompananteEvaluadoV1: ("evaluacion-desempeno-evaluado", None),
}


CONSUMIDOR_HISTORIA = "evaluacion-historia"


def subscribe(consumers: IdempotentConsumers, app: Evaluacion, proyecciones: Proyecciones) -> None:
    for contract, (durable, registrar) in SUSCRIPCIONES.items():
        consumers.subscribe(durable, contract, handler(app, proyecciones, registrar))
    # The history verifies every fact's link itself and keeps the broken ones with their reason, live as when
    # rebuilt from the stream: it does not wait for the ledger, which would park those facts.
    consumers.subscribe_subject(
        CONSUMIDOR_HISTORIA, "acompana.>", proyecciones.historia.aplicar, title=f"{CONSUMIDOR_HISTORIA}:acompana.>",
        description="Todo hecho publicado: la historia de cada docente y el registro de las cadenas de huellas.",
        registra_cadena=True)


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

    def _de_docente(self, event: Any, contexto: dict[str, Any], contrato: type[c.IntegrationEvent],
                    **datos: Any) -> Publication:
        docente = self.app.inicial(event.originator_id).docente_id
        publicado = contrato(docente_id=docente, **contexto, **datos)
        return Publication(data=publicado, subject=f"docente/{docente}", dre=contexto["dre"], ugel=contexto["ugel"])

    @publicacion.register
    def _(self, event: dm.Docente.SituacionInicialRegistrada) -> Publication:
        v = dict(event.valoracion)
        niveles = v.pop("niveles")
        return self._de_docente(event, v, c.SituacionInicialRegistradaV1, niveles=niveles)

    @publicacion.register
    def _(self, event: dm.Docente.NivelCompetenciaValorado) -> Publication:
        v = dict(event.valoracion)
        datos = {k: v.pop(k) for k in ("competencia", "nivel", "evidencias", "sustento")}
        return self._de_docente(event, v, c.NivelCompetenciaValoradoV1, valoracion_id=event.valoracion_id, **datos)

    @publicacion.register
    def _(self, event: dm.Docente.EtapaCerrada) -> Publication:
        v = dict(event.cierre)
        niveles = v.pop("niveles")
        return self._de_docente(event, v, c.EtapaCerradaV1, niveles=niveles, correccion=event.correccion,
                                motivo=event.motivo)

    @publicacion.register
    def _(self, event: dm.Metas.Definidas) -> Publication:
        m = event.metas
        datos = c.MetasDeEtapaDefinidasV1(convocatoria=m["convocatoria"], tipo_ie=m["tipo_ie"],
                                          version_metas=m["version"], metas=m["metas"], fuente=m.get("fuente", ""))
        return Publication(data=datos, subject=f"metas/{m['convocatoria']}/{m['tipo_ie']}@{m['version']}",
                           dre=None, ugel=None)

    @publicacion.register
    def _(self, event: dm.Encuesta.Respondida) -> Publication:
        e = event.encuesta
        datos = c.EncuestaSatisfaccionRespondidaV1(**e)
        return Publication(data=datos, subject=f"{e['encuestado']}/{e['persona_id']}", dre=e["dre"], ugel=e["ugel"])

    @publicacion.register
    def _(self, event: dm.DesempenoAcompanante.Evaluado) -> Publication:
        e = event.evaluacion
        datos = c.DesempenoAcompananteEvaluadoV1(**e)
        return Publication(data=datos, subject=f"acompanante/{e['acompanante_id']}", dre=e["dre"], ugel=e["ugel"])

    def _informe(self, event: Any, contrato: type[c.IntegrationEvent], **datos: Any) -> Publication:
        informe: dm.InformeTrimestral = self.app.inicial(event.originator_id)
        publicado = contrato(informe_id=event.originator_id, dre=informe.dre, ugel=informe.ugel, anio=informe.anio,
                             trimestre=informe.trimestre, **datos)
        return Publication(data=publicado, subject=f"informe-trimestral/{informe.ugel}/{informe.anio}-T{informe.trimestre}",
                           dre=informe.dre, ugel=informe.ugel)

    @publicacion.register
    def _(self, event: dm.InformeTrimestral.Enviado) -> Publication:
        return self._informe(event, c.InformeTrimestralEnviadoV1, **event.envio)

    @publicacion.register
    def _(self, event: dm.InformeTrimestral.Recibido) -> Publication:
        return self._informe(event, c.InformeTrimestralRecibidoV1, **event.recepcion)

    @publicacion.register
    def _(self, event: dm.InformeTrimestral.MedidaDispuesta) -> Publication:
        return self._informe(event, c.MedidaCorrectivaDispuestaV1, medida_id=event.medida_id, **event.medida)

    @publicacion.register
    def _(self, event: dm.InformeTrimestral.MedidaSeguida) -> Publication:
        # the sender's id of the follow-up is not in the contract
        seguimiento = {k: v for k, v in event.seguimiento.items() if k != "seguimiento_id"}
        return self._informe(event, c.MedidaCorrectivaSeguidaV1, medida_id=event.medida_id, **seguimiento)
