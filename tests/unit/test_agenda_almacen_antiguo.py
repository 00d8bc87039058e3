"""A store written before the school's aggregates moved from ``services.agenda.domainmodel`` to
``services.agenda.escuela`` keeps working: its events, stored under the old topics, load into the same
aggregates and rebuild the same read models (``escuela`` registers the old topics)."""

from __future__ import annotations

import sqlite3
from datetime import date
from uuid import uuid4

from services.agenda import domainmodel as dm
from services.agenda import escuela
from services.agenda.application import Agenda
from services.agenda.comandos import AprobarPlanIE, DesignarDirectivo
from services.agenda.config import AgendaSettings
from shared.settings import SQLITE

IE = "0236885-0"


def test_los_eventos_de_la_escuela_guardados_con_el_topico_anterior_se_leen(tmp_path):
    # Given a school with its directivo, a docente the padrón places in it and its approved plan
    settings = AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path)
    app = Agenda(settings)
    directivo, docente = str(uuid4()), str(uuid4())
    assert app.designar_directivo(DesignarDirectivo("0236885", 0, directivo, "director"))
    assert app.registrar_docente_ie(docente, "0236885", 0, {"nivel": "inicial", "dre": "DRE-PUNO", "ugel": "UGEL-PUNO"})
    plan_ie_id = dm.plan_ie_id(IE, 2024)
    app.save(escuela.PlanMonitoreoIE(id=plan_ie_id, plan={
        "ie": IE, "anio": 2024, "dre": "DRE-PUNO", "ugel": "UGEL-PUNO", "directivo_id": directivo,
        "codigo_modular": "0236885", "anexo": 0, "cargo": "director", "docentes": []}))
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
