"""One slice for real: agenda records a VisitaRealizada over HTTP; the relay publishes it to
JetStream; evaluacion consumes it into its projection, readable over HTTP."""

from __future__ import annotations

import uuid

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from tests.conftest import eventually, serving


def visita(docente_id: uuid.UUID, **changes: object) -> dict:
    body = {
        "visita_id": str(uuid.uuid4()),
        "docente_id": str(docente_id),
        "acompanante_id": str(uuid.uuid4()),
        "codigo_modular": "0236885",
        "anexo": 0,
        "dre": "DRE-PUNO",
        "ugel": "UGEL-EL-COLLAO",
        "fecha_inicio": "2025-06-10",
        "fecha_fin": "2025-06-11",
        "acciones": ["observacion", "asesoria"],
    }
    body.update(changes)
    return body


async def test_visita_realizada_llega_a_la_proyeccion_de_evaluacion(make_settings):
    docente = uuid.uuid4()
    async with serving(agenda_app(make_settings(AgendaSettings))) as agenda, \
               serving(evaluacion_app(make_settings(EvaluacionSettings))) as evaluacion:
        # Given two visits to the same docente in 2025 and one in 2026
        for body in (visita(docente), visita(docente, fecha_inicio="2025-09-02", fecha_fin="2025-09-02"),
                     visita(docente, fecha_inicio="2026-04-01", fecha_fin="2026-04-03")):
            response = await agenda.post("/v1/visitas-realizadas", json=body)
            assert response.status_code == 201, response.text

        # Then evaluacion shows them per year
        async def projected():
            r = await evaluacion.get(f"/v1/docentes/{docente}/visitas")
            assert r.status_code == 200
            return r.json() if len(r.json()) == 2 and r.json()[0]["visitas"] == 2 else None

        filas = await eventually(projected)
        assert filas == [
            {"docente_id": str(docente), "anio": 2025, "visitas": 2, "dias": 3},
            {"docente_id": str(docente), "anio": 2026, "visitas": 1, "dias": 3},
        ]
