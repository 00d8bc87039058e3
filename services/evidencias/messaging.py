"""What evidencias consumes and publishes.

Consumes agenda's plans (who holds each docente each year) and its realized visits, GIA and
RTC: each becomes an evidencias fact, recorded once by its deterministic id, so a redelivered
message changes nothing. A reassignment or closing that arrives before its plan is retried.

Consumes focalizacion's ``DatosPersonalesCancelados``: the docente's evidence references become
unreadable here too (this service's key for him is erased).

Publishes what each visit leaves behind: the one place where stored events become contracts.
Nothing encrypted is published (a published fact must be derivable from the store whatever keys
remain, or the chain could not be verified): an attachment's description stays out, and so does the free
text of a visit's record, commitments and training needs (``services.evidencias.textos``): a fact stored
with its text encrypted is published in the contract's v2, which has no free text; one stored before
(clear text) is derived as it was published, in v1.
"""

from __future__ import annotations

from datetime import date
from functools import singledispatchmethod
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.domain import DomainEventProtocol

from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.application import Evidencias
from services.evidencias.comandos import CambiarAcompanante, CerrarPlan
from services.evidencias.valores import (CompromisoDe, PlanAnual, ReunionDe, ReunionRealizada, Territorio, VisitaDe,
                                        VisitaRealizada)
from shared import contracts as c
from shared.cifrado import Cifrador
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope
from shared.outbox import Publication

V, C, R = dm.Visita, dm.Compromiso, dm.Reunion
LIMA = ZoneInfo("America/Lima")


def subscribe(consumers: IdempotentConsumers, app: Evidencias) -> None:
    consumers.subscribe("evidencias-plan-generado", c.PlanAnualGeneradoV1, lambda e: plan_generado(app, e))
    consumers.subscribe("evidencias-plan-reasignado", c.PlanAnualReasignadoV1, lambda e: plan_reasignado(app, e))
    consumers.subscribe("evidencias-plan-cerrado", c.PlanAnualCerradoV1, lambda e: plan_cerrado(app, e))
    consumers.subscribe("evidencias-visita-realizada", c.VisitaRealizadaV1, lambda e: visita_realizada(app, e))
    consumers.subscribe("evidencias-gia-completado", c.GIACompletadoV1, lambda e: reunion_realizada(app, e, "gia"))
    consumers.subscribe("evidencias-rtc-realizada", c.RTCRealizadaV1, lambda e: reunion_realizada(app, e, "rtc"))
    consumers.subscribe("evidencias-datos-cancelados", c.DatosPersonalesCanceladosV1,
                        lambda e: datos_cancelados(app, e))


def dia_en_lima(envelope: Envelope) -> date:
    """The day (in Peru) agenda recorded the change: a visit until that day stays its coach's to record."""
    return envelope.time.astimezone(LIMA).date()


def datos_cancelados(app: Evidencias, envelope: Envelope) -> None:
    d: c.DatosPersonalesCanceladosV1 = envelope.data  # type: ignore[assignment]
    app.cancelar_datos_personales(str(d.docente_id), envelope.id)


def plan_generado(app: Evidencias, envelope: Envelope) -> None:
    d: c.PlanAnualGeneradoV1 = envelope.data  # type: ignore[assignment]
    app.conocer_plan(PlanAnual(
        plan_id=str(d.plan_id), docente_id=str(d.docente_id), acompanante_id=str(d.acompanante_id), anio=d.anio,
        etapa=d.etapa, modalidad=d.modalidad, codigo_modular=d.codigo_modular, anexo=d.anexo, tipo_ie=d.tipo_ie,
        nivel=d.nivel, dre=d.dre, ugel=d.ugel))


def plan_reasignado(app: Evidencias, envelope: Envelope) -> None:
    d: c.PlanAnualReasignadoV1 = envelope.data  # type: ignore[assignment]
    app.cambiar_acompanante(CambiarAcompanante(docente_id=str(d.docente_id), anio=d.anio, de=str(d.de_acompanante_id),
                                               a=str(d.a_acompanante_id), aviso_id=envelope.id,
                                               el=dia_en_lima(envelope)))


def plan_cerrado(app: Evidencias, envelope: Envelope) -> None:
    d: c.PlanAnualCerradoV1 = envelope.data  # type: ignore[assignment]
    app.cerrar_plan(CerrarPlan(docente_id=str(d.docente_id), anio=d.anio, el=dia_en_lima(envelope)))


def visita_realizada(app: Evidencias, envelope: Envelope) -> None:
    d: c.VisitaRealizadaV1 = envelope.data  # type: ignore[assignment]
    app.conocer_visita(VisitaRealizada(
        visita_id=str(d.visita_id), docente_id=str(d.docente_id), acompanante_id=str(d.acompanante_id),
        codigo_modular=d.codigo_modular, anexo=d.anexo, dre=d.dre, ugel=d.ugel, anio=d.anio,
        fecha_inicio=d.fecha_inicio, fecha_fin=d.fecha_fin, acciones=list(d.acciones)))


def reunion_realizada(app: Evidencias, envelope: Envelope, tipo: str) -> None:
    d: c.GIACompletadoV1 | c.RTCRealizadaV1 = envelope.data  # type: ignore[assignment]
    app.conocer_reunion(ReunionRealizada(
        actividad_id=str(d.actividad_id), tipo=tipo, acompanante_id=str(d.acompanante_id),
        directivo_id=str(d.directivo_id) if isinstance(d, c.RTCRealizadaV1) else None,
        codigo_modular=d.codigo_modular, anexo=d.anexo, dre=d.dre, ugel=d.ugel, anio=d.anio,
        fecha=d.fecha_inicio, hora_inicio=d.hora_inicio, hora_fin=d.hora_fin, horas=d.horas,
        docentes=[str(x) for x in d.docente_ids], tema=d.tema, acuerdos=list(d.acuerdos)))


class Publicador:
    def __init__(self, app: Evidencias) -> None:
        self.app = app

    def __call__(self, event: DomainEventProtocol) -> Publication | None:
        return self.publicacion(event)

    @singledispatchmethod
    def publicacion(self, event: DomainEventProtocol) -> Publication | None:
        return None  # what agenda reported (its own contracts already carry it)

    # What a fact hangs from: carried by the event since its version 2; for one of version 1 (None), read from
    # the first event of its aggregate, which never changes.

    def _visita(self, visita: VisitaDe | None, originator_id: Any) -> VisitaDe:
        return visita or VisitaDe.de(self.app.inicial(originator_id).visita)

    def _reunion(self, event: Any) -> ReunionDe:
        return event.reunion or ReunionDe.de(self.app.inicial(event.originator_id).reunion)

    def _compromiso(self, event: Any) -> CompromisoDe:
        return event.compromiso or CompromisoDe.de(self.app.inicial(event.originator_id).compromiso)

    def _de_visita(self, event: Any) -> tuple[VisitaDe, dict[str, Any]]:
        v = self._visita(event.visita, event.originator_id)
        comunes = {k: getattr(v, k) for k in ("visita_id", "docente_id", "acompanante_id", "codigo_modular", "anexo",
                                               "dre", "ugel", "anio", "fecha")}
        return v, comunes

    @staticmethod
    def _publicar(datos: c.IntegrationEvent, docente_id: Any) -> Publication:
        return Publication(data=datos, subject=f"docente/{docente_id}", dre=datos.dre, ugel=datos.ugel)  # type: ignore[attr-defined]

    @publicacion.register
    def _(self, event: dm.Instrumento.Publicado) -> Publication:
        i = event.instrumento
        datos = c.InstrumentoPublicadoV1(codigo=i.codigo, version_instrumento=i.version,
                                         instrumento=i.model_dump(mode="json"))
        return Publication(data=datos, subject=f"instrumento/{i.clave}", dre=None, ugel=None)

    @publicacion.register(V.ObservacionRegistrada)
    @publicacion.register(V.ObservacionCorregida)
    def _(self, event: Any) -> Publication:
        v, comunes = self._de_visita(event)
        o = event.observacion
        contenido = {"observacion_id": event.observacion_id, "instrumento": o.instrumento,
                     "version_instrumento": o.version}
        if textos.cifrado(o):
            niveles = {k: {"nivel": n.nivel, "competencia": n.competencia} for k, n in o.niveles.items()}
            if isinstance(event, V.ObservacionCorregida):
                datos = c.ObservacionCorregidaV2(**comunes, **contenido, niveles=niveles, correccion=event.correccion,
                                                 autor_id=event.autor_id, autor_rol=event.autor_rol)
            else:
                datos = c.ObservacionRegistradaV2(**comunes, **contenido, niveles=niveles)
            return self._publicar(datos, v.docente_id)
        contenido.update(niveles=o.como_dict()["niveles"], fortalezas=o.fortalezas,
                         aspectos_criticos=o.aspectos_criticos)
        if isinstance(event, V.ObservacionCorregida):
            datos = c.ObservacionCorregidaV1(**comunes, **contenido, correccion=event.correccion, motivo=event.motivo,
                                             autor_id=event.autor_id, autor_rol=event.autor_rol)
        else:
            datos = c.ObservacionRegistradaV1(**comunes, **contenido)
        return self._publicar(datos, v.docente_id)

    @publicacion.register
    def _(self, event: V.RetroalimentacionBrindada) -> Publication:
        v, comunes = self._de_visita(event)
        r = event.retroalimentacion
        if Cifrador.cifrado(r.dialogo_reflexivo):
            datos = c.RetroalimentacionBrindadaV2(**comunes, aspectos_priorizados=r.aspectos_priorizados,
                                                  modelamiento=[m.tipo for m in r.modelamiento])
            return self._publicar(datos, v.docente_id)
        datos = c.RetroalimentacionBrindadaV1(**comunes, dialogo_reflexivo=r.dialogo_reflexivo,
                                              aspectos_priorizados=r.aspectos_priorizados,
                                              modelamiento=r.como_dict()["modelamiento"])
        return self._publicar(datos, v.docente_id)

    @publicacion.register
    def _(self, event: dm.ConAdjuntos.EvidenciaAdjuntada) -> Publication:
        de = event.propietario or self.app.inicial(event.originator_id).de()
        a = event.adjunto
        if isinstance(de, VisitaDe):
            tipo, pid, docentes = "visita", de.visita_id, [de.docente_id]
        else:
            tipo, pid, docentes = de.tipo, de.actividad_id, list(de.docentes)
        datos = c.EvidenciaAdjuntadaV1(
            sha256=a.sha256, tipo_contenido=a.tipo_contenido, bytes=a.bytes, propietario=tipo,
            propietario_id=pid, docente_ids=docentes, acompanante_id=a.acompanante_id,
            descripcion=_publicable(a.descripcion or ""), dre=de.dre, ugel=de.ugel)
        sujeto = f"docente/{docentes[0]}" if tipo == "visita" else f"{tipo}/{pid}"
        return Publication(data=datos, subject=sujeto, dre=de.dre, ugel=de.ugel)

    @publicacion.register
    def _(self, event: C.Asumido) -> Publication:
        k = event.compromiso
        comunes = dict(
            visita_id=k.visita_id, docente_id=k.docente_id, acompanante_id=k.acompanante_id,
            codigo_modular=k.codigo_modular, anexo=k.anexo, dre=k.dre, ugel=k.ugel, anio=k.anio,
            fecha=k.fecha_visita, compromiso_id=k.compromiso_id, instrumento=k.instrumento,
            version_instrumento=k.version, item=k.item, competencia=k.competencia, fecha_limite=k.fecha_limite)
        if Cifrador.cifrado(k.descripcion):
            datos: c.IntegrationEvent = c.CompromisoAsumidoV2(**comunes)
        else:
            datos = c.CompromisoAsumidoV1(**comunes, descripcion=k.descripcion, verificacion=k.verificacion)
        return self._publicar(datos, k.docente_id)

    @publicacion.register
    def _(self, event: C.Verificado) -> Publication:
        k = self._compromiso(event)
        ver = event.verificacion
        visita = self._visita(event.visita, dm.visita_id(ver.visita_id))
        comunes = dict(
            visita_id=ver.visita_id, docente_id=k.docente_id, acompanante_id=ver.acompanante_id,
            codigo_modular=visita.codigo_modular, anexo=visita.anexo, dre=visita.dre, ugel=visita.ugel,
            anio=visita.anio, fecha=ver.fecha, compromiso_id=k.compromiso_id, visita_origen_id=k.visita_id,
            resultado=ver.resultado)
        datos: c.IntegrationEvent = (c.CompromisoVerificadoV2(**comunes) if Cifrador.cifrado(ver.evidencia)
                                     else c.CompromisoVerificadoV1(**comunes, evidencia=ver.evidencia))
        return self._publicar(datos, k.docente_id)

    @publicacion.register
    def _(self, event: C.Vencido) -> Publication:
        k = self._compromiso(event)
        datos = c.CompromisoVencidoV1(compromiso_id=k.compromiso_id, docente_id=k.docente_id,
                                      acompanante_id=k.acompanante_id, fecha_limite=k.fecha_limite,
                                      vencido_el=event.vencido_el, dre=k.dre, ugel=k.ugel)
        return self._publicar(datos, k.docente_id)

    @publicacion.register
    def _(self, event: dm.DocenteAcompanado.NecesidadFormativaRegistrada) -> Publication:
        docente = event.docente_id or self.app.inicial(event.originator_id).docente_id
        n = event.necesidad
        territorio = event.territorio or self._territorio(event, n.anio)
        comunes = dict(
            necesidad_id=event.necesidad_id, docente_id=docente, acompanante_id=n.acompanante_id, anio=n.anio,
            competencia=n.competencia, visita_id=n.visita_id, dre=territorio.dre, ugel=territorio.ugel)
        datos: c.IntegrationEvent = (c.NecesidadFormativaRegistradaV2(**comunes) if Cifrador.cifrado(n.descripcion)
                                     else c.NecesidadFormativaRegistradaV1(**comunes, descripcion=n.descripcion))
        return self._publicar(datos, docente)

    def _territorio(self, event: Any, anio: int) -> Territorio:
        # Version 1: the territory of the docente's plan of that year, as it stood when the event was saved.
        plan = self.app.repository.get(event.originator_id, version=event.originator_version).planes[anio].plan
        return Territorio(plan.dre, plan.ugel)

    @publicacion.register(R.ActaRegistrada)
    @publicacion.register(R.ActaCorregida)
    def _(self, event: Any) -> Publication:
        r = self._reunion(event)
        a = event.acta
        contrato = c.ActaGIARegistradaV1 if r.tipo == "gia" else c.ActaRTCRegistradaV1
        datos = contrato(
            actividad_id=r.actividad_id, acompanante_id=r.acompanante_id, codigo_modular=r.codigo_modular,
            anexo=r.anexo, anio=r.anio, fecha=r.fecha, asistencia=a.asistencia, duracion_horas=a.duracion_horas,
            acuerdos=a.acuerdos, nudos_criticos=a.nudos_criticos, instrumento=a.instrumento,
            version_instrumento=a.version, lista_cotejo=a.lista_cotejo,
            correccion=getattr(event, "correccion", 0), motivo=getattr(event, "motivo", ""), dre=r.dre, ugel=r.ugel)
        return Publication(data=datos, subject=f"{r.tipo}/{r.actividad_id}", dre=r.dre, ugel=r.ugel)

    @publicacion.register
    def _(self, event: dm.SesionEjecucion.Registrada) -> Publication:
        s = event.sesion
        plano = s.como_dict()
        campos = {k: plano[k] for k in ("acciones_clave", "indicadores", "hitos", "acuerdos", "avances",
                                        "nudos_criticos", "aprendizajes")}
        datos = c.SesionEjecucionRegistradaV1(
            sesion_id=s.sesion_id, acompanante_id=s.acompanante_id, codigo_modular=s.codigo_modular,
            anexo=s.anexo, fecha=s.fecha, momento=s.momento, dre=s.dre, ugel=s.ugel, **campos)
        return Publication(data=datos, subject=f"ie/{s.codigo_modular}-{s.anexo}", dre=s.dre, ugel=s.ugel)

    @publicacion.register
    def _(self, event: dm.Autoevaluacion.Registrada) -> Publication:
        a = event.autoevaluacion
        datos = c.AutoevaluacionRegistradaV1(
            autoevaluacion_id=a.autoevaluacion_id, acompanante_id=a.acompanante_id, fecha=a.fecha,
            instrumento=a.instrumento, version_instrumento=a.version, respuestas=a.respuestas,
            comentario=a.comentario, dre=a.dre or c.SIN_TERRITORIO, ugel=a.ugel or c.SIN_TERRITORIO)
        return Publication(data=datos, subject=f"acompanante/{a.acompanante_id}", dre=a.dre or None,
                           ugel=a.ugel or None)


def _publicable(texto: str) -> str:
    """A description recorded before encryption existed is published as it was; an encrypted one, never."""
    return "" if Cifrador.cifrado(texto) else texto
