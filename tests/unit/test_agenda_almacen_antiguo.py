"""What the previous code left keeps working: a store written before the school's aggregates moved from
``services.agenda.domainmodel`` to ``services.agenda.escuela`` (its events, stored under the old topics, load
into the same aggregates and rebuild the same read models: ``escuela`` registers the old topics), and read
models built before the projection kept its own ``origen`` table (rebuilt when the service starts)."""

from __future__ import annotations

import sqlite3
from datetime import date
from uuid import uuid4

from sqlalchemy import delete, select

from services.agenda import domainmodel as dm
from services.agenda import escuela
from services.agenda.application import Agenda
from services.agenda.comandos import AprobarPlanIE, Asignacion, CompletarCursoPropio, Curso, DesignarDirectivo
from services.agenda.config import AgendaSettings
from services.agenda.protocolos import PlanIE, incluidos
from services.agenda.tablas import origen
from services.agenda.valores import DocenteEnIE
from shared.settings import SQLITE

IE = "0236885-0"


def test_los_eventos_de_la_escuela_guardados_con_el_topico_anterior_se_leen(tmp_path):
    # Given a school with its directivo, a docente the padrón places in it and its approved plan
    settings = AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path)
    app = Agenda(settings)
    directivo, docente = str(uuid4()), str(uuid4())
    assert app.designar_directivo(DesignarDirectivo("0236885", 0, directivo, "director"))
    assert app.registrar_docente_ie(docente, "0236885", 0, DocenteEnIE("inicial", "DRE-PUNO", "UGEL-PUNO"))
    plan_ie_id = dm.plan_ie_id(IE, 2024)
    plantilla = incluidos()[1]  # the IEI N°246's own
    [(tipo, componentes)] = plantilla.tipos.items()
    app.save(escuela.PlanMonitoreoIE(id=plan_ie_id, plan=PlanIE(
        ie=IE, codigo_modular="0236885", anexo=0, anio=2024, dre="DRE-PUNO", ugel="UGEL-PUNO", directivo_id=directivo,
        cargo="director", turno="", director="", responsables=[], protocolo=plantilla.clave,
        nombre_protocolo=plantilla.nombre, tipo_ie=tipo.partition("/")[0], nivel=tipo.partition("/")[2], docentes=[],
        anio_escolar=["2024-03-11", "2024-12-20"], componentes=componentes)))
    assert app.aprobar_plan_ie(AprobarPlanIE(str(plan_ie_id), "RD N° 012-2024", date(2024, 3, 1))).nuevo
    antes = (app.proyecciones.docentes_ie(IE), app.proyecciones.planes_ie(ie=IE))
    app.close()
    # and its events stored as the code before the move wrote them
    with sqlite3.connect(settings.sqlite_path()) as db:
        movidos = db.execute("UPDATE stored_events SET topic = replace(topic, 'services.agenda.escuela:', "
                             "'services.agenda.domainmodel:') WHERE topic LIKE 'services.agenda.escuela:%'").rowcount
    assert movidos >= 4  # Registrada, DirectivoDesignado, DocenteRegistrado, Elaborado, Aprobado
    # When the service opens that store
    app = Agenda(settings)
    try:
        # Then the aggregates load, the commands answer on them, and the read models rebuild the same
        assert app.plan_ie(str(plan_ie_id)).estado == "aprobado"
        assert app.directivo(IE) == directivo
        assert not app.designar_directivo(DesignarDirectivo("0236885", 0, directivo, "director"))
        assert app.proyecciones.reconstruir() >= movidos
        assert (app.proyecciones.docentes_ie(IE), app.proyecciones.planes_ie(ie=IE)) == antes
    finally:
        app.close()


def _filas(app: Agenda) -> dict[str, list[tuple]]:
    app.proyecciones.ponerse_al_dia()
    with app.proyecciones.store.engine.connect() as conn:
        return {t.name: sorted(tuple(map(str, f)) for f in conn.execute(select(t)))
                for t in app.proyecciones.tablas if t.name != "origen"}


def test_un_modelo_de_lectura_anterior_a_origen_se_reconstruye_al_arrancar(tmp_path):
    # Given an acompañante's agenda with a docente and a course of his own formation, projected
    settings = AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path)
    app = Agenda(settings)
    app.publicar_protocolos_incluidos()
    acompanante = str(uuid4())
    assert app.generar_plan(Asignacion(
        docente_id=str(uuid4()), acompanante_id=acompanante, convocatoria="2020-2022", anio=2020,
        codigo_modular="0236885", anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", tipo_ie="eib", nivel="primaria"),
        etapa=1)
    assert app.completar_curso_propio(CompletarCursoPropio(acompanante, 2020, str(uuid4()),
                                                           Curso("Curso A", 10.0, date(2020, 5, 1))))
    antes = _filas(app)
    # and its read models as the code before ``origen`` left them: every row but what that table keeps
    with app.proyecciones.store.engine.begin() as conn:
        conn.execute(delete(origen))
    app.close()
    # When the service starts again and records one more course
    app = Agenda(settings)
    try:
        # Then the read models were rebuilt from the events: the same rows, and the new event finds its agenda
        assert _filas(app) == antes
        assert app.completar_curso_propio(CompletarCursoPropio(acompanante, 2020, str(uuid4()),
                                                               Curso("Curso B", 12.0, date(2020, 6, 1))))
        [fila] = app.proyecciones.cumplimiento(2020, date(2020, 12, 31), "acompanante", acompanante_id=acompanante)
        assert fila["cursos_propios_realizado"] == 2
    finally:
        app.close()
