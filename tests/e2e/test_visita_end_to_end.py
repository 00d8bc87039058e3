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


async def test_reenvio_de_la_misma_visita_no_crea_otra_y_otro_contenido_es_conflicto(make_settings, js):
    async with serving(agenda_app(make_settings(AgendaSettings))) as agenda:
        body = visita(uuid.uuid4())
        first = await agenda.post("/v1/visitas-realizadas", json=body)
        again = await agenda.post("/v1/visitas-realizadas", json=body)
        other = await agenda.post("/v1/visitas-realizadas", json={**body, "fecha_fin": "2025-06-12"})

        assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
        assert again.json() == first.json()
        assert other.json()["codigo"] == "conflicto"
        assert (await agenda.get(f"/v1/visitas/{body['visita_id']}")).json()["version"] == 1
        await eventually(lambda: _count_published(js, 1))


async def _count_published(js, n: int) -> bool:
    return (await js.stream_info("ACOMPANA")).state.messages == n


async def test_solicitud_no_valida_responde_422_con_campo_y_motivo_sin_escribir_nada(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        bad = visita(uuid.uuid4(), codigo_modular="12AB", fecha_inicio="2025-13-01", extra="x")
        del bad["acciones"]
        response = await agenda.post("/v1/visitas-realizadas", json=bad)
        assert response.status_code == 422
        errores = {e["campo"]: e["motivo"] for e in response.json()["errores"]}
        assert errores == {
            "body.codigo_modular": "no tiene el formato requerido (^\\d{7}$)",
            "body.fecha_inicio": "no es una fecha válida (AAAA-MM-DD)",
            "body.acciones": "es obligatorio",
            "body.extra": "no es un campo permitido",
        }

        # A rule of the domain: a visit lasts at most three days
        too_long = visita(uuid.uuid4(), fecha_inicio="2025-06-10", fecha_fin="2025-06-14")
        response = await agenda.post("/v1/visitas-realizadas", json=too_long)
        assert response.status_code == 422
        assert response.json() == {"codigo": "regla_incumplida",
                                   "mensaje": "Una visita dura como máximo 3 días (NT-026 §5.6)."}
        assert app.state.runtime.app.recorder.max_notification_id() in (0, None)
        assert (await agenda.get(f"/v1/visitas/{too_long['visita_id']}")).status_code == 404


async def test_reconstruir_desde_cero_da_la_misma_proyeccion(make_settings, nats_server, tmp_path, closing):
    from services.evaluacion.rebuild import rebuild

    evaluacion_settings = make_settings(EvaluacionSettings)
    async with serving(agenda_app(make_settings(AgendaSettings))) as agenda, \
               serving(evaluacion_app(evaluacion_settings)) as evaluacion:
        docentes = [uuid.uuid4() for _ in range(5)]
        for i in range(30):
            body = visita(docentes[i % 5], fecha_inicio=f"2025-{3 + i % 9:02d}-1{i % 10}",
                          fecha_fin=f"2025-{3 + i % 9:02d}-1{i % 10}")
            assert (await agenda.post("/v1/visitas-realizadas", json=body)).status_code == 201
        live = evaluacion._transport.app.state.proyecciones

        async def all_projected():
            rows = (await evaluacion.get("/v1/visitas-por-docente")).json()
            return sum(r["visitas"] for r in rows) == 30

        await eventually(all_projected)

    rebuilt = await rebuild(
        make_settings(EvaluacionSettings, data_dir=tmp_path / "reconstruida",
                      postgres_schema=f"reconstruida_{uuid.uuid4().hex[:8]}"),
        nats_server.url, quiet=True,
    )
    closing(rebuilt)
    assert rebuilt.checksum() == live.checksum()
    assert rebuilt.visitas_por_docente() == live.visitas_por_docente()


async def test_cada_evento_guarda_quien_lo_causo_y_su_traza(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        body = visita(uuid.uuid4())
        response = await agenda.post("/v1/visitas-realizadas", json=body,
                                     headers={"X-Usuario": "acomp-0042", "X-Rol": "acompanante"})
        assert response.status_code == 201
        store = app.state.runtime.app
        event = store.mapper.to_domain_event(store.recorder.select_notifications(1, 1)[0])
    assert event.metadata["usuario"] == "acomp-0042"
    assert event.metadata["rol"] == "acompanante"
    assert event.metadata["traceparent"].startswith("00-")
