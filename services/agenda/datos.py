"""The typed values agenda's events carry, built from what a command receives: an activity's canonical data
(``de_actividad``, what a re-sent request is compared with), a reprogramming's changes on top of what was
scheduled (``cambios``, ``como_entrada``), and what an acompañante's agenda keeps of a docente's plan
(``resumen``) to check the norm's rules; a school's plan as recorded (``plan_de_la_ie``); and a realized visit's
free text encrypted with its docente's key (``cifrada``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from services.agenda import domainmodel as dm
from services.agenda.comandos import Cambios, ElaborarPlanIE, Pedido, ReunionPedida, VisitaPedida, pedido
from services.agenda.estado import Actividad
from services.agenda.protocolos import Componentes, PlanDocente, PlanIE, Protocolo
from services.agenda.reglas import AgendaInvalida
from services.agenda.valores import (DatosActividad, DocenteDeAgenda, DocentePlanIE, Requisitos, Reunion, Taller,
                                     Visita)
from shared.cifrado import Cifrador, LlaveSuprimida


def resumen(plan: PlanDocente) -> DocenteDeAgenda:
    """What the acompañante's agenda keeps of a docente's plan to check the norm's rules."""
    comp: Componentes = plan.componentes
    return DocenteDeAgenda(
        plan_id=str(dm.plan_id(plan.docente_id, plan.anio, plan.modalidad)), ie=f"{plan.codigo_modular}-{plan.anexo}",
        codigo_modular=plan.codigo_modular, anexo=plan.anexo, anio_escolar=list(plan.anio_escolar),
        requisitos=Requisitos(
            protocolo=plan.protocolo, visitas=comp.visitas.cantidad, dias_visita=comp.visitas.dias_total,
            visita_dias_min=comp.visitas.dias_min, visita_dias_max=comp.visitas.dias_max,
            gia=comp.gia.cantidad, gia_horas_min=comp.gia.horas_min, rtc=comp.rtc.cantidad,
            rtc_horas_min=comp.rtc.horas_min,
            visita_grupos=[[g.cantidad, g.dias_min, g.dias_max] for g in comp.visitas.grupos]))


def cambios(tipo: str, base: dict[str, Any], entrada: dict[str, Any]) -> dict[str, Any]:
    """A reprogramming's new dates and hours, refused when they do not apply to the activity.
    Moving only the first day of a multi-day activity keeps its length."""
    cambios = dict(entrada)
    if tipo in ("gia", "rtc"):
        if "fecha_fin" in cambios and cambios.get("fecha_fin") != cambios.get("fecha", cambios.get("fecha_inicio")):
            raise AgendaInvalida("Un GIA o una RTC dura un solo día: indique 'fecha' y las horas.")
        if "fecha_inicio" in cambios and "fecha" not in cambios:
            cambios["fecha"] = cambios["fecha_inicio"]
        return cambios
    if {"fecha", "hora_inicio", "hora_fin"} & set(cambios):
        raise AgendaInvalida("Una visita o un taller se reprograma con 'fecha_inicio' y 'fecha_fin', sin horas.")
    if "fecha_inicio" in cambios and "fecha_fin" not in cambios:
        duracion = date.fromisoformat(base["fecha_fin"]) - date.fromisoformat(base["fecha_inicio"])
        cambios["fecha_fin"] = (date.fromisoformat(str(cambios["fecha_inicio"])) + duracion).isoformat()
    return cambios


def cifrada(cifrador: Cifrador, datos: DatosActividad, previa: Actividad | None) -> DatosActividad:
    """A realized visit's ``observaciones`` encrypted with its docente's key; none is recorded once his
    personal data were cancelled. Then the key is gone, yet the visit ``previa`` realized before, sent again
    by a device that was offline, is still that visit: the same in all but the text, which can no longer be
    compared, it is answered with what is stored (nothing new, "ya registrada")."""
    if not isinstance(datos, Visita) or not datos.observaciones:
        return datos
    try:
        return Visita.de(cifrador.cifrar_campos(dm.sujeto_docente(datos.docentes[0]), datos.como_dict(),
                                                dm.PERSONALES, determinista=True))
    except LlaveSuprimida:
        if previa is not None and previa.estado == "realizada" and (
                _sin_texto(previa.datos.como_dict()) == _sin_texto(datos.como_dict())):
            return previa.datos
        raise AgendaInvalida("Los datos personales del docente se cancelaron a su pedido (Ley 29733): la "
                             "visita se registra sin observaciones.") from None


def _sin_texto(datos: dict[str, Any]) -> dict[str, Any]:
    """What a visit's data say besides its free text, and whether it has some (``cifrada``)."""
    return {**datos, **{c: bool(datos.get(c)) for c in dm.PERSONALES}}


def como_entrada(datos: dict[str, Any]) -> dict[str, Any]:
    """A recorded activity's data back in the shape of a request (to apply a change on top)."""
    entrada = {k: v for k, v in datos.items() if k not in ("ie",)}
    if datos.get("hora_inicio"):
        entrada["fecha"] = datos["fecha_inicio"]
    return entrada


def de_actividad(agenda: dm.AgendaAcompanante, tipo: str, p: Pedido, *, realizada: bool = False) -> DatosActividad:
    """An activity's typed data from its request (what events carry and what a re-sent request is compared with):
    its school and docentes resolved on the agenda, its lists in a canonical order."""
    if isinstance(p, VisitaPedida):
        if p.docente_id not in agenda.docentes:  # held once is enough to recognise a re-sent record
            raise AgendaInvalida(f"El docente {p.docente_id} no está asignado a este acompañante en {agenda.anio}.")
        d = agenda.docentes[p.docente_id].plan
        return Visita(d.ie, d.codigo_modular, d.anexo, [p.docente_id], p.fecha_inicio.isoformat(),
                      p.fecha_fin.isoformat(), sorted(set(p.acciones)) if realizada else None,
                      p.observaciones if realizada else None)
    if isinstance(p, ReunionPedida):
        ie = f"{p.codigo_modular}-{p.anexo}"
        docentes = p.docentes or [k for k, v in agenda.docentes.items() if v.activo and v.ie == ie]  # none: everyone
        return Reunion(ie, p.codigo_modular, p.anexo, sorted(set(docentes)), p.fecha.isoformat(), p.fecha.isoformat(),
                       p.hora_inicio, p.hora_fin, p.tema, p.directivo_id if tipo == "rtc" else None,
                       list(p.acuerdos) if realizada else None)
    docentes = p.docentes
    if docentes is None:
        docentes = [k for k, v in agenda.docentes.items() if v.activo] if p.destinatarios == "docentes" else []
    asistencia = None
    if realizada:
        asistencia = {k: sorted({x.isoformat() for x in v}) for k, v in sorted((p.asistencia or {}).items())
                      if v}  # listed with no day: absent
        if p.destinatarios == "docentes":
            docentes = list(asistencia)
    return Taller(None, p.sede, p.destinatarios, sorted(set(docentes)), p.fecha_inicio.isoformat(),
                  p.fecha_fin.isoformat(), p.tema, asistencia)


def a_programar(agenda: dm.AgendaAcompanante, tipo: str, actividad_id: str, p: Pedido) -> DatosActividad:
    """What scheduling ``actividad_id`` records. A GIA, RTC or workshop sent without its docentes ("everyone he
    coaches there") was resolved when first sent: a re-send means the same docentes."""
    datos = de_actividad(agenda, tipo, p)
    previa = agenda.actividades.get(actividad_id)
    if previa is not None and not isinstance(p, VisitaPedida) and p.docentes is None and previa.programacion:
        datos = replace(datos, docentes=previa.programacion.docentes)
    return datos


def reprogramada(agenda: dm.AgendaAcompanante, actividad_id: str, nuevas: Cambios) -> DatosActividad:
    """The activity's data with ``nuevas`` dates or hours applied on what was scheduled (even if it took place
    since); a GIA, RTC or workshop keeps only the docentes still in his caseload."""
    actual = agenda.actividades[actividad_id]
    base = (actual.agendado or actual.datos).como_dict()
    cambiados = cambios(actual.tipo, base, nuevas.dados())
    if actual.tipo != "visita":
        cambiados["docentes"] = [d for d in base["docentes"] if agenda.tiene(d)]
    return de_actividad(agenda, actual.tipo, pedido(actual.tipo, {**como_entrada(base), **cambiados}))  # type: ignore[arg-type]


def plan_de_la_ie(c: ElaborarPlanIE, plantilla: Protocolo, tipo: str, docentes: list[DocentePlanIE]) -> PlanIE:
    """The school's plan as recorded: its header, the template it follows (copied), its docentes."""
    codigo_modular, _, anexo = c.ie.partition("-")
    inicio, fin = plantilla.anio_escolar.fechas(c.anio)
    tipo_ie, _, nivel = tipo.partition("/")
    return PlanIE(ie=c.ie, codigo_modular=codigo_modular, anexo=int(anexo), anio=c.anio, dre=c.dre, ugel=c.ugel,
                  directivo_id=c.directivo_id, cargo=c.cargo, turno=c.turno, director=c.director,
                  responsables=list(c.responsables), protocolo=plantilla.clave, nombre_protocolo=plantilla.nombre,
                  tipo_ie=tipo_ie, nivel=nivel, docentes=docentes, anio_escolar=[inicio.isoformat(), fin.isoformat()],
                  componentes=plantilla.tipos[tipo])
