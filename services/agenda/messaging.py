"""What agenda consumes and publishes.

Consumes focalizacion's assignments: ``DocenteAsignado`` generates the docente's plan and puts
him on the acompañante's agenda; ``DocenteReasignado`` and ``DocenteRetirado`` move or close it;
``DocenteRegistradoEnIE`` tells which docentes each school has (its own plan covers them);
``DatosPersonalesCancelados`` erases agenda's key of the docente's free text (Ley 29733);
``TerritorioNombrado`` gives the names of the DREs and UGELs its spreadsheets show (``territorios``).
The commands are idempotent by their deterministic ids, so a redelivered message changes
nothing; a reassignment that arrives before its assignment fails and is retried later.

Publishes plans and activities: the one place where stored events become published
contracts. Each event carries whose agenda or plan it is of (``contexto``); those of version 1, recorded before,
do not, and for them it is read from the aggregate's first event.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from eventsourcing.domain import DomainEventProtocol

from services.agenda import domainmodel as dm
from services.agenda import escuela
from services.agenda.application import Agenda
from services.agenda.calendario import Franja
from services.agenda.comandos import Asignacion
from services.agenda.valores import AgendaDe, DocenteEnIE, PlanDe, PlanIEDe
from shared import contracts as c
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope
from shared.contracts.agenda import VisitaEntreParesRealizadaV1
from shared.outbox import Publication
from shared.territorios import Territorios

A = dm.AgendaAcompanante
PROGRAMACION = {
    ("visita", "ActividadProgramada"): c.VisitaProgramadaV1, ("visita", "ActividadReprogramada"): c.VisitaReprogramadaV1,
    ("visita", "ActividadCancelada"): c.VisitaCanceladaV1,
    ("gia", "ActividadProgramada"): c.GIAProgramadoV1, ("gia", "ActividadReprogramada"): c.GIAReprogramadoV1,
    ("gia", "ActividadCancelada"): c.GIACanceladoV1,
    ("rtc", "ActividadProgramada"): c.RTCProgramadaV1, ("rtc", "ActividadReprogramada"): c.RTCReprogramadaV1,
    ("rtc", "ActividadCancelada"): c.RTCCanceladaV1,
    ("taller", "ActividadProgramada"): c.TallerProgramadoV1, ("taller", "ActividadReprogramada"): c.TallerReprogramadoV1,
    ("taller", "ActividadCancelada"): c.TallerCanceladoV1,
}


class AsignacionPendiente(Exception):
    """A change to a plan that does not exist yet: retried until its assignment arrives."""


def subscribe(consumers: IdempotentConsumers, agenda: Agenda, territorios: Territorios) -> None:
    consumers.subscribe("agenda-docente-asignado", c.DocenteAsignadoV1, lambda e: asignado(agenda, e))
    consumers.subscribe("agenda-docente-reasignado", c.DocenteReasignadoV1, lambda e: reasignado(agenda, e))
    consumers.subscribe("agenda-docente-retirado", c.DocenteRetiradoV1, lambda e: retirado(agenda, e))
    consumers.subscribe("agenda-docente-en-ie", c.DocenteRegistradoEnIEV1, lambda e: en_ie(agenda, e))
    consumers.subscribe("agenda-datos-cancelados", c.DatosPersonalesCanceladosV1,
                        lambda e: agenda.cancelar_datos_personales(str(e.data.docente_id), e.id))  # type: ignore[attr-defined]
    consumers.subscribe("agenda-territorio-nombrado", c.TerritorioNombradoV1, territorios.aplicar)


def en_ie(agenda: Agenda, envelope: Envelope) -> None:
    d: c.DocenteRegistradoEnIEV1 = envelope.data  # type: ignore[assignment]
    agenda.registrar_docente_ie(str(d.docente_id), d.codigo_modular, d.anexo, DocenteEnIE(d.nivel, d.dre, d.ugel))


def asignado(agenda: Agenda, envelope: Envelope) -> None:
    d: c.DocenteAsignadoV1 = envelope.data  # type: ignore[assignment]
    desde = int(d.convocatoria.partition("-")[0]) if d.convocatoria[:4].isdigit() else d.anio
    agenda.generar_plan(Asignacion(
        docente_id=str(d.docente_id), acompanante_id=str(d.acompanante_id), convocatoria=d.convocatoria,
        anio=d.anio, codigo_modular=d.codigo_modular, anexo=d.anexo, dre=d.dre, ugel=d.ugel,
        tipo_ie=d.tipo_ie, nivel=d.nivel), etapa=max(1, d.anio - desde + 1))


def reasignado(agenda: Agenda, envelope: Envelope) -> None:
    d: c.DocenteReasignadoV1 = envelope.data  # type: ignore[assignment]
    docente, de, a = str(d.docente_id), str(d.de_acompanante_id), str(d.a_acompanante_id)
    planes = agenda.proyecciones.planes(docente_id=docente, activos=True)
    if agenda.reasignar(docente, de, a, d.motivo) == 0 and not any(p["acompanante_id"] == a for p in planes):
        raise AsignacionPendiente(f"el docente {docente} aún no tiene plan con el acompañante {de}")


def retirado(agenda: Agenda, envelope: Envelope) -> None:
    d: c.DocenteRetiradoV1 = envelope.data  # type: ignore[assignment]
    docente = str(d.docente_id)
    if agenda.retirar(docente, d.motivo) == 0 and not agenda.proyecciones.planes(docente_id=docente):
        raise AsignacionPendiente(f"el docente {docente} aún no tiene plan")


class Publicador:
    def __init__(self, app: Agenda) -> None:
        self.app = app

    def __call__(self, event: DomainEventProtocol) -> Publication | None:
        return self.publicacion(event)

    def _agenda(self, event: Any) -> tuple[str, int, str, str]:
        a: AgendaDe = event.contexto or self.app.inicial(event.originator_id).contexto  # version 1: its first event
        return a.acompanante_id, a.anio, a.dre, a.ugel

    def _plan(self, event: Any) -> PlanDe:
        return event.contexto or self.app.inicial(event.originator_id).contexto  # version 1: its first event

    @singledispatchmethod
    def publicacion(self, event: DomainEventProtocol) -> Publication | None:
        return None  # internal: templates, directivos, the docentes an agenda holds

    @publicacion.register
    def _(self, event: dm.PlanAnual.Generado) -> Publication:
        p = event.plan.como_dict()
        inicio, fin = p["anio_escolar"]
        datos = c.PlanAnualGeneradoV1(
            plan_id=event.originator_id, **{k: p[k] for k in (
                "docente_id", "acompanante_id", "convocatoria", "anio", "etapa", "modalidad", "protocolo",
                "codigo_modular", "anexo", "tipo_ie", "nivel", "dre", "ugel", "componentes")},
            anio_escolar_inicio=inicio, anio_escolar_fin=fin)
        return Publication(data=datos, subject=f"docente/{p['docente_id']}", dre=p["dre"], ugel=p["ugel"])

    @publicacion.register
    def _(self, event: dm.PlanAnual.AcompananteCambiado) -> Publication:
        p = self._plan(event)
        datos = c.PlanAnualReasignadoV1(plan_id=event.originator_id, docente_id=p.docente_id, anio=p.anio,
                                        de_acompanante_id=event.de_acompanante_id,
                                        a_acompanante_id=event.a_acompanante_id, motivo=event.motivo,
                                        dre=p.dre, ugel=p.ugel)
        return Publication(data=datos, subject=f"docente/{p.docente_id}", dre=p.dre, ugel=p.ugel)

    @publicacion.register
    def _(self, event: dm.PlanAnual.Retirado) -> Publication:
        p = self._plan(event)
        datos = c.PlanAnualCerradoV1(plan_id=event.originator_id, docente_id=p.docente_id, anio=p.anio,
                                     motivo=event.motivo, dre=p.dre, ugel=p.ugel)
        return Publication(data=datos, subject=f"docente/{p.docente_id}", dre=p.dre, ugel=p.ugel)

    def _plan_ie(self, event: Any, contrato: type, de: PlanIEDe | None = None, **campos: Any) -> Publication:
        p: PlanIEDe = de or event.contexto or self.app.inicial(event.originator_id).contexto  # v1: its first event
        datos = contrato(plan_ie_id=event.originator_id, codigo_modular=p.codigo_modular, anexo=p.anexo,
                         anio=p.anio, dre=p.dre, ugel=p.ugel, **campos)
        return Publication(data=datos, subject=f"ie/{p.ie}", dre=p.dre, ugel=p.ugel)

    @publicacion.register
    def _(self, event: escuela.PlanMonitoreoIE.Elaborado) -> Publication:
        p = event.plan.como_dict()
        ie = PlanIEDe(p["ie"], p["codigo_modular"], p["anexo"], p["anio"], p["dre"], p["ugel"])
        return self._plan_ie(event, c.PlanMonitoreoIEElaboradoV1, ie, **{k: p[k] for k in (
            "directivo_id", "cargo", "turno", "director", "responsables", "protocolo", "tipo_ie", "nivel",
            "docentes", "componentes")})

    @publicacion.register
    def _(self, event: escuela.PlanMonitoreoIE.Aprobado) -> Publication:
        return self._plan_ie(event, c.PlanMonitoreoIEAprobadoV1, resolucion=event.resolucion, fecha=event.fecha)

    @publicacion.register
    def _(self, event: escuela.PlanMonitoreoIE.Socializado) -> Publication:
        s = event.socializacion
        return self._plan_ie(event, c.PlanMonitoreoIESocializadoV1, fecha=s.fecha, medio=s.medio)

    @publicacion.register
    def _(self, event: escuela.PlanMonitoreoIE.Ejecutado) -> Publication:
        i = event.informe.como_dict()
        return self._plan_ie(event, c.PlanMonitoreoIEEjecutadoV1, **{k: i[k] for k in (
            "fecha", "visitas_planificadas", "visitas_realizadas", "logros", "dificultades", "recomendaciones")})

    @publicacion.register
    def _(self, event: escuela.PlanMonitoreoIE.VisitaEntreParesRealizada) -> Publication:
        return self._plan_ie(event, VisitaEntreParesRealizadaV1, visita_id=event.visita_id,
                             **event.visita.como_dict())

    @publicacion.register
    def _(self, event: dm.PlanAnual.CursoVirtualCompletado) -> Publication:
        p, k = self._plan(event), event.curso
        datos = c.CursoVirtualCompletadoV1(registro_id=event.registro_id, docente_id=p.docente_id, anio=p.anio,
                                           curso=k.curso, horas=k.horas, fecha=k.fecha,
                                           plataforma=k.plataforma, dre=p.dre, ugel=p.ugel)
        return Publication(data=datos, subject=f"docente/{p.docente_id}", dre=p.dre, ugel=p.ugel)

    @publicacion.register
    def _(self, event: A.CursoPropioCompletado) -> Publication:
        acompanante_id, anio, dre, ugel = self._agenda(event)
        k = event.curso
        datos = c.CursoVirtualAcompananteCompletadoV1(
            registro_id=event.registro_id, acompanante_id=acompanante_id, anio=anio, curso=k.curso,
            horas=k.horas, fecha=k.fecha, plataforma=k.plataforma, dre=dre, ugel=ugel)
        return Publication(data=datos, subject=f"acompanante/{acompanante_id}", dre=dre, ugel=ugel)

    def _actividad(self, event: Any, contrato: type, tipo: str, **extra: Any) -> Publication:
        acompanante_id, anio, dre, ugel = self._agenda(event)
        d = event.datos.como_dict()
        campos = {k: d.get(k) for k in ("codigo_modular", "anexo", "fecha_inicio", "fecha_fin", "hora_inicio",
                                        "hora_fin")}
        comunes = {"actividad_id": event.actividad_id, "acompanante_id": acompanante_id, "anio": anio,
                   "dre": dre, "ugel": ugel, "docente_ids": d["docentes"], **campos}
        opcionales = {k: d.get(k) for k in ("sede", "directivo_id", "tema", "acuerdos", "destinatarios",
                                            "asistencia") if k in contrato.model_fields and d.get(k) is not None}
        datos = contrato(**comunes, **opcionales, **extra)
        sujeto = f"docente/{d['docentes'][0]}" if tipo == "visita" else f"acompanante/{acompanante_id}"
        return Publication(data=datos, subject=sujeto, dre=dre, ugel=ugel)

    @publicacion.register(A.ActividadProgramada)
    @publicacion.register(A.ActividadReprogramada)
    @publicacion.register(A.ActividadCancelada)
    def _(self, event: Any) -> Publication:
        contrato = PROGRAMACION[(event.tipo, type(event).__name__)]
        extra = {"motivo": event.motivo} if hasattr(event, "motivo") else {}
        return self._actividad(event, contrato, event.tipo, **extra)

    @publicacion.register
    def _(self, event: A.VisitaRealizada) -> Publication:
        acompanante_id, anio, dre, ugel = self._agenda(event)
        d = event.datos.como_dict()
        dias = Franja.de(d).dias_lectivos()
        datos = c.VisitaRealizadaV1(
            visita_id=event.actividad_id, docente_id=d["docentes"][0], acompanante_id=acompanante_id,
            codigo_modular=d["codigo_modular"], anexo=d["anexo"], dre=dre, ugel=ugel, anio=anio,
            fecha_inicio=d["fecha_inicio"], fecha_fin=d["fecha_fin"], dias=dias, acciones=d["acciones"])
        return Publication(data=datos, subject=f"docente/{d['docentes'][0]}", dre=dre, ugel=ugel)

    @publicacion.register(A.GIACompletado)
    @publicacion.register(A.RTCRealizada)
    def _(self, event: Any) -> Publication:
        contrato = c.GIACompletadoV1 if isinstance(event, A.GIACompletado) else c.RTCRealizadaV1
        return self._actividad(event, contrato, "reunion", horas=Franja.de(event.datos.como_dict()).horas)

    @publicacion.register
    def _(self, event: A.TallerRealizado) -> Publication:
        return self._actividad(event, c.TallerRealizadoV1, "taller")
