"""agenda's fixture store, written by the code before its events were typed (tests/fixtures/
generar_almacen_agenda.py), loads with today's code: every stored event reads, every aggregate rebuilds, the
relay publishes what it published then and the read models are built as they were. Its events of version 1 read
with their typed values (their dicts upcast); new ones carry whose agenda they are of."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.agenda import domainmodel as dm
from services.agenda import escuela
from services.agenda.comandos import (CancelarActividad, ProgramarActividad, RealizarActividad, ReunionPedida,
                                      VisitaPedida, pedido)
from services.agenda.estado import Actividad, DocenteEnAgenda, Reprogramacion
from services.agenda.messaging import Publicador
from services.agenda.protocolos import Componentes, PlanDocente, PlanIE, Protocolo
from services.agenda.valores import (AgendaDe, Aprobacion, CursoCompletado, DocenteDeAgenda, DocenteEnIE,
                                     DocentePlanIE, Entregado, InformeEjecucion, Reunion, Socializacion, Taller, Visita,
                                     VisitaEntrePares)
from tests.fixtures import generar_almacen_agenda as gaa
from tests.fixtures.generar_almacen import ALMACENES, publicaciones


A = dm.AgendaAcompanante


def esperado(nombre: str) -> Any:
    return json.loads((ALMACENES / nombre).read_text("utf-8"))


@pytest.fixture
def agenda(tmp_path: Path) -> Iterator[Any]:
    """The fixture store and its key store, copied: loading them writes read models and caches next to them."""
    for nombre in ("agenda.sqlite", "agenda-claves.sqlite"):
        shutil.copy(ALMACENES / nombre, tmp_path / nombre)
    app = gaa.abrir(tmp_path)
    try:
        yield app
    finally:
        app.close()


def _eventos(app: Any) -> list[Any]:
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(0, 100_000)]


def test_agenda_cada_evento_guardado_se_lee_y_cada_agregado_se_reconstruye(agenda):
    guardados = list(agenda.recorder.select_notifications(0, 100_000))
    eventos = _eventos(agenda)
    assert len({n.topic for n in guardados}) == len({type(e) for e in eventos}) == 26  # every kind agenda stores
    for originador in {e.originator_id for e in eventos}:
        agregado = agenda.repository.get(originador)
        assert agregado.version == max(e.originator_version for e in eventos if e.originator_id == originador)


def test_agenda_publica_lo_mismo_que_publicaba_el_codigo_que_los_escribio(agenda):
    assert publicaciones(agenda, Publicador(agenda)) == esperado("agenda-publicado.json")


def test_agenda_arma_sus_modelos_de_lectura_desde_los_eventos_antiguos(agenda):
    agenda.proyecciones.reconstruir()
    assert gaa.vistas(agenda) == esperado("agenda-vistas.json")
    # and a realized visit's free text reads as it was written (the key store came with the events)
    assert agenda.proyecciones.actividad(gaa.ident("visita"))["datos"]["observaciones"] == "Buen manejo del aula"


def _de(app: Any, clase: type) -> list[Any]:
    return [e for e in _eventos(app) if isinstance(e, clase)]


def test_agenda_un_evento_antiguo_se_lee_con_sus_campos_tipados(agenda):
    # an activity of version 1 kept its data in a dict: read now, it is a Visita, a Reunion or a Taller
    programadas = _de(agenda, A.ActividadProgramada)
    assert {type(e.datos) for e in programadas} == {Visita, Reunion, Taller}
    assert all(e.contexto is None for e in programadas)  # version 1 did not carry it: the publisher reads it
    visita, = (e for e in _de(agenda, A.VisitaRealizada) if e.actividad_id == gaa.ident("visita"))
    assert (visita.datos.docentes, visita.datos.fecha_inicio, visita.datos.acciones) == (
        [gaa.DOCENTES[0]], "2020-06-11", ["asesoria", "observacion"])
    rtc, = _de(agenda, A.RTCRealizada)
    assert (rtc.datos.directivo_id, rtc.datos.hora_inicio, rtc.datos.acuerdos) == (gaa.DIRECTIVO, "14:00", [])
    taller, = _de(agenda, A.TallerRealizado)
    assert taller.datos.ie is None and taller.datos.asistencia == {gaa.DOCENTES[0]: ["2020-06-22", "2020-06-23"]}
    assert taller.datos.como_dict()["ie"] is None  # as version 1 stored it
    gia, = _de(agenda, A.GIACompletado)
    assert isinstance(gia.datos, Reunion) and gia.datos.directivo_id is None
    assert "directivo_id" not in gia.datos.como_dict()
    curso, = _de(agenda, dm.PlanAnual.CursoVirtualCompletado)
    assert curso.curso == CursoCompletado("Evaluación formativa", 40.0, "2020-08-01", "PerúEduca")
    propio, = _de(agenda, A.CursoPropioCompletado)
    assert propio.curso == curso.curso and propio.contexto is None
    par, = _de(agenda, escuela.PlanMonitoreoIE.VisitaEntreParesRealizada)
    assert par.visita == VisitaEntrePares(gaa.DOCENTES_PLAN[0], gaa.DOCENTES_PLAN[1], "2024-05-10")
    socializado, = _de(agenda, escuela.PlanMonitoreoIE.Socializado)
    assert socializado.socializacion == Socializacion("2024-03-15", "Asamblea")
    ejecutado, = _de(agenda, escuela.PlanMonitoreoIE.Ejecutado)
    assert ejecutado.informe == InformeEjecucion("2024-12-15", "Logros", "Dificultades", "Recomendaciones", 4, 3, 1)
    for clase in (dm.PlanAnual.AcompananteCambiado, dm.PlanAnual.Retirado, escuela.PlanMonitoreoIE.Aprobado,
                  escuela.PlanMonitoreoIE.VisitaEntreParesRealizada, A.CursoPropioCompletado):
        evento, = _de(agenda, clase)
        assert evento.contexto is None


def test_agenda_un_evento_nuevo_lleva_su_contexto_y_se_publica_igual(agenda):
    # Given the fixture's agenda, When its acompañante schedules a GIA now
    gia = gaa.ident("gia-nueva")
    assert agenda.programar(ProgramarActividad(gaa.ACOMPANANTE, gia, "gia",
                                               pedido("gia", gaa.reunion("2020-09-02", tema="Lectura")))).nuevo
    # Then its event carries his agenda and the GIA typed, stored under their names
    nueva = _de(agenda, A.ActividadProgramada)[-1]
    assert nueva.contexto == AgendaDe(gaa.ACOMPANANTE, 2020, gaa.DRE, gaa.UGEL)
    assert nueva.datos == Reunion(ie=f"{gaa.IE}-0", codigo_modular=gaa.IE, anexo=0, docentes=[gaa.DOCENTES[0]],
                                  fecha_inicio="2020-09-02", fecha_fin="2020-09-02", hora_inicio="14:00",
                                  hora_fin="17:00", tema="Lectura")
    guardado = next(n for n in reversed(agenda.recorder.select_notifications(0, 100_000))
                    if n.topic.endswith("ActividadProgramada")).state.decode()
    assert '"class_version":2' in guardado and '"_type_":"agenda.AgendaDe"' in guardado
    assert '"_type_":"agenda.Reunion"' in guardado
    # and it is published as one of version 1 would be, without reading the agenda's first event
    publicar = Publicador(agenda)
    agenda.inicial = None  # type: ignore[method-assign]
    publicado = publicar(nueva)
    assert (publicado.subject, publicado.dre, publicado.ugel) == (f"acompanante/{gaa.ACOMPANANTE}", gaa.DRE, gaa.UGEL)
    assert (str(publicado.data.actividad_id), publicado.data.tema) == (gia, "Lectura")
    # and a re-send of the same GIA records nothing (the aggregate compares what the typed event left)
    assert not agenda.programar(ProgramarActividad(gaa.ACOMPANANTE, gia, "gia",
                                                   pedido("gia", gaa.reunion("2020-09-02", tema="Lectura")))).nuevo


def test_agenda_reenviar_lo_que_registro_el_codigo_anterior_no_registra_nada(agenda):
    # Given the activities the previous code recorded (version 1), When the devices send them again
    a, (d0, d1, _) = gaa.ACOMPANANTE, gaa.DOCENTES
    antes = agenda.recorder.max_notification_id()
    agenda.proyecciones.ponerse_al_dia()
    # (a device sends the GIA's and the RTC's participants: those the previous code recorded; each request as
    # the JSON the previous code was sent, read into its typed request)
    quienes = {n: agenda.proyecciones.actividad(gaa.ident(n))["datos"]["docentes"] for n in ("gia", "rtc")}
    reenvios = [RealizarActividad(a, gaa.ident(tipo), tipo, pedido(tipo, json_)) for tipo, json_ in (
        ("visita", {"docente_id": d0, "fecha_inicio": "2020-06-11", "fecha_fin": "2020-06-11",
                    "acciones": ["observacion", "asesoria"], "observaciones": "Buen manejo del aula"}),
        ("gia", {**gaa.reunion("2020-06-17", tema="Planificación"), "participantes": quienes["gia"],
                 "acuerdos": ["Compartir sesiones"]}),
        ("rtc", {**gaa.reunion("2020-06-19", directivo_id=gaa.DIRECTIVO), "participantes": quienes["rtc"],
                 "acuerdos": []}),
        ("taller", {"fecha_inicio": "2020-06-22", "fecha_fin": "2020-06-25", "sede": "UGEL El Collao",
                    "tema": "Evaluación formativa", "asistencia": {d0: ["2020-06-22", "2020-06-23"], d1: []}}),
    )]
    # Then each is already recorded: the data the typed events leave compare equal to the request's
    assert [agenda.realizar(c).nuevo for c in reenvios] == [False] * 4
    assert not agenda.cancelar(CancelarActividad(gaa.ident("gia-cancelada"), "Paro regional")).nuevo
    assert agenda.recorder.max_notification_id() == antes


def test_agenda_plantillas_planes_y_docentes_antiguos_se_leen_tipados_y_sus_agregados_guardan_estado_tipado(agenda):
    # Given the fixture's events of version 1 that carried a template, a plan or a docente as a dict
    protocolos = _de(agenda, dm.Protocolo.Publicado)
    assert protocolos and all(isinstance(e.protocolo, Protocolo) for e in protocolos)
    generados = _de(agenda, dm.PlanAnual.Generado)
    assert all(isinstance(e.plan, PlanDocente) and isinstance(e.plan.componentes, Componentes) for e in generados)
    primero = next(e for e in _de(agenda, A.DocenteIncorporado) if e.docente_id == gaa.DOCENTES[0])
    assert isinstance(primero.plan, DocenteDeAgenda) and primero.plan.recibido == {}
    assert (primero.plan.ie, primero.plan.requisitos.visita_grupos) == (f"{gaa.IE}-0", [[1, 2, 2], [6, 1, 1]])
    relevo = next(e for e in _de(agenda, A.DocenteIncorporado) if e.docente_id == gaa.DOCENTES[2] and e.plan.recibido)
    assert relevo.plan.recibido == {str(dm.agenda_id(gaa.ACOMPANANTE, 2020)): Entregado(visitas=0, gia=1, rtc=1)}
    registrado = next(e for e in _de(agenda, escuela.IEAcompanada.DocenteRegistrado)
                      if e.docente_id == gaa.DOCENTES_PLAN[0])
    assert registrado.datos == DocenteEnIE("inicial", gaa.DRE, gaa.UGEL)
    elaborado, = _de(agenda, escuela.PlanMonitoreoIE.Elaborado)
    assert isinstance(elaborado.plan, PlanIE) and DocentePlanIE(gaa.DOCENTES_PLAN[0]) in elaborado.plan.docentes
    # Then the aggregates rebuilt from them hold typed state
    a = agenda.agenda(gaa.ACOMPANANTE, 2020)
    assert a.docentes[gaa.DOCENTES[1]] == DocenteEnAgenda(a.docentes[gaa.DOCENTES[1]].plan, activo=False)  # retired
    visita = a.actividades[gaa.ident("visita")]
    assert isinstance(visita, Actividad) and (visita.tipo, visita.estado) == ("visita", "realizada")
    assert isinstance(visita.programacion, Visita) and visita.reprogramaciones == [
        Reprogramacion(visita.agendado, "Feriado")]  # scheduled, moved, then realized
    assert a.cursos[gaa.ident("curso-propio")] == CursoCompletado("Evaluación formativa", 40.0, "2020-08-01",
                                                                  "PerúEduca")
    plan_ie = agenda.plan_ie(str(dm.plan_ie_id(f"{gaa.IE}-0", 2024)))
    assert plan_ie.aprobacion == Aprobacion("RD N° 012-2024", "2024-03-01")
    assert plan_ie.visitas_entre_pares[gaa.ident("visita-par")] == VisitaEntrePares(
        gaa.DOCENTES_PLAN[0], gaa.DOCENTES_PLAN[1], "2024-05-10")
    assert plan_ie.ejecucion == InformeEjecucion("2024-12-15", "Logros", "Dificultades", "Recomendaciones", 4, 3, 1)


def test_agenda_un_plan_y_una_visita_nuevos_se_guardan_tipados_con_sus_nombres(agenda):
    # Given the fixture's agenda, When a docente is assigned to its acompañante now and his visit is scheduled
    nuevo = gaa.ident("docente-nuevo")
    assert agenda.generar_plan(gaa.asignacion(nuevo, gaa.ACOMPANANTE), etapa=1)
    visita = gaa.ident("visita-nueva")
    programada = VisitaPedida(nuevo, date(2020, 9, 7), date(2020, 9, 7))
    assert agenda.programar(ProgramarActividad(gaa.ACOMPANANTE, visita, "visita", programada)).nuevo
    # Then the plan and the docente on the agenda are stored typed under their names, in version 2
    guardados = {n.topic.rpartition(".")[2]: n.state.decode()
                 for n in agenda.recorder.select_notifications(agenda.recorder.max_notification_id() - 4, 5)}
    assert '"_type_":"agenda.PlanDocente"' in guardados["Generado"]
    assert '"_type_":"agenda.Componentes"' in guardados["Generado"]
    assert '"_type_":"agenda.DocenteDeAgenda"' in guardados["DocenteIncorporado"]
    assert '"_type_":"agenda.Requisitos"' in guardados["DocenteIncorporado"]
    assert all('"class_version":2' in guardados[k] for k in ("Generado", "DocenteIncorporado"))
    # and the same visit sent as its JSON, as a device's older request, reads as the same request: nothing new
    assert not agenda.programar(ProgramarActividad(gaa.ACOMPANANTE, visita, "visita", pedido("visita", {
        "docente_id": nuevo, "fecha_inicio": "2020-09-07", "fecha_fin": "2020-09-07"}))).nuevo
    # and a GIA's request as JSON reads as the typed one
    assert pedido("gia", gaa.reunion("2020-09-09")) == ReunionPedida(gaa.IE, date(2020, 9, 9), "14:00", "17:00")
