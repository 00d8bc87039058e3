"""One slice for real: agenda records a VisitaRealizada over HTTP; the relay publishes it to
JetStream; evaluacion consumes it into its projection, readable over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from tests.conftest import eventually, serving
from tests.support.stream import consumido
from tests.support.world import asignar


def visita(docente_id: uuid.UUID, **changes: object) -> dict:
    """A visit to a docente by the acompañante ``asignar`` gives him (see tests.support.world)."""
    body = {
        "visita_id": str(uuid.uuid4()),
        "docente_id": str(docente_id),
        "acompanante_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante-de/{docente_id}")),
        "fecha_inicio": "2021-06-10",
        "fecha_fin": "2021-06-11",
        "acciones": ["observacion", "asesoria"],
    }
    body.update(changes)
    return body


def dia_lectivo(n: int) -> str:
    """The n-th school day (Monday to Friday) from Monday 5 April 2021."""
    dia = date(2021, 4, 5) + timedelta(weeks=n // 5, days=n % 5)
    return dia.isoformat()


def con_plan(app, *docentes: uuid.UUID, anio: int = 2021) -> None:
    """Given each docente assigned to an acompañante, with his plan for the year."""
    for docente in docentes:
        asignar(app.state.agenda, docente, anio=anio)


async def test_visita_realizada_llega_a_la_proyeccion_de_evaluacion(make_settings):
    docente = uuid.uuid4()
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
               serving(evaluacion_app(make_settings(EvaluacionSettings))) as evaluacion:
        # Given a docente with plans in 2021 and 2022, two visits in 2021 and one in 2022
        con_plan(agenda_http, docente)
        con_plan(agenda_http, docente, anio=2022)
        for body in (visita(docente), visita(docente, fecha_inicio="2021-09-02", fecha_fin="2021-09-02"),
                     visita(docente, fecha_inicio="2022-04-04", fecha_fin="2022-04-05")):
            response = await agenda.post("/v1/visitas-realizadas", json=body)
            assert response.status_code == 201, response.text

        # Then evaluacion shows them per year
        async def projected():
            r = await evaluacion.get(f"/v1/docentes/{docente}/visitas")
            assert r.status_code == 200
            return r.json() if len(r.json()) == 2 and r.json()[0]["visitas"] == 2 else None

        filas = await eventually(projected)
        assert filas == [
            {"docente_id": str(docente), "anio": 2021, "visitas": 2, "dias": 3},
            {"docente_id": str(docente), "anio": 2022, "visitas": 1, "dias": 2},
        ]


async def test_reenvio_de_la_misma_visita_no_crea_otra_y_otro_contenido_es_conflicto(make_settings, js):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        docente = uuid.uuid4()
        con_plan(app, docente)
        body = visita(docente)
        first = await agenda.post("/v1/visitas-realizadas", json=body)
        again = await agenda.post("/v1/visitas-realizadas", json=body)
        other = await agenda.post("/v1/visitas-realizadas", json={**body, "fecha_fin": "2021-06-10"})

        assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
        assert (first.json()["estado"], again.json()["estado"]) == ("registrado", "ya_registrado")
        assert again.json()["id"] == first.json()["id"] == body["visita_id"]
        assert other.json()["codigo"] == "conflicto"
        actividad = (await agenda.get(f"/v1/actividades/{body['visita_id']}")).json()
        assert actividad["estado"] == "realizada" and len(actividad["historial"]) == 1
        await eventually(lambda: _count_published(js, 2))  # the plan and the one visit


async def _count_published(js, n: int) -> bool:
    return (await js.stream_info("ACOMPANA")).state.messages == n


async def test_solicitud_no_valida_responde_422_con_campo_y_motivo_sin_escribir_nada(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        bad = visita(uuid.uuid4(), acompanante_id="12AB", fecha_inicio="2021-13-01", extra="x")
        del bad["acciones"]
        response = await agenda.post("/v1/visitas-realizadas", json=bad)
        assert response.status_code == 422
        errores = {e["campo"]: e["motivo"] for e in response.json()["errores"]}
        assert errores == {
            "body.acompanante_id": "no es un identificador UUID válido",
            "body.fecha_inicio": "no es una fecha válida (AAAA-MM-DD)",
            "body.acciones": "es obligatorio",
            "body.extra": "no es un campo permitido",
        }

        # A rule of the domain: a visit to a polidocente primaria docente lasts one or two days
        docente = uuid.uuid4()
        con_plan(app, docente)
        antes = app.state.runtime.app.recorder.max_notification_id()
        too_long = visita(docente, fecha_inicio="2021-06-08", fecha_fin="2021-06-10")
        response = await agenda.post("/v1/visitas-realizadas", json=too_long)
        assert response.status_code == 422
        assert response.json() == {"codigo": "regla_incumplida", "mensaje": (
            "Una visita a este docente dura entre 1 y 2 días según su protocolo (NT-026@1); se indicaron 3.")}
        assert app.state.runtime.app.recorder.max_notification_id() == antes
        assert (await agenda.get(f"/v1/actividades/{too_long['visita_id']}")).status_code == 404


async def test_reconstruir_desde_cero_da_la_misma_proyeccion(make_settings, nats_server, js):
    from services.evaluacion.rebuild import reconstruir

    evaluacion_settings = make_settings(EvaluacionSettings)
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
               serving(evaluacion_app(evaluacion_settings)) as evaluacion:
        docentes = [uuid.uuid4() for _ in range(5)]
        con_plan(agenda_http, *docentes)
        for i in range(30):
            body = visita(docentes[i % 5], fecha_inicio=dia_lectivo(i // 5), fecha_fin=dia_lectivo(i // 5))
            assert (await agenda.post("/v1/visitas-realizadas", json=body)).status_code == 201
        live = evaluacion._transport.app.state.proyecciones

        async def all_projected():
            rows = (await evaluacion.get("/v1/visitas-por-docente")).json()
            return sum(r["visitas"] for r in rows) == 30

        await eventually(all_projected)
        await eventually(lambda: consumido(js, "evaluacion-hechos"))
        antes = live.checksums()
        filas = (await evaluacion.get("/v1/visitas-por-docente")).json()

        # When the projections are rebuilt from the stream while the service runs
        resultado = await reconstruir(evaluacion_settings, nats_server.url, [], quiet=True)

        # Then the service answers from the new generation, with the same content
        assert {p["proyeccion"]: p["activa"] for p in (await evaluacion.get("/v1/proyecciones")).json()} == {
            "progreso": 2, "seguimiento": 2, "practica": 2, "historia": 2, "territorios": 2}
        assert live.checksums() == antes
        assert resultado == {nombre: f"g2 {suma}" for nombre, suma in antes.items()}
        assert (await evaluacion.get("/v1/visitas-por-docente")).json() == filas


async def test_durante_la_reconstruccion_responde_la_generacion_anterior(make_settings, nats_server, js):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
               serving(evaluacion_app(make_settings(EvaluacionSettings))) as evaluacion:
        docentes = [uuid.uuid4() for _ in range(4)]
        con_plan(agenda_http, *docentes)
        for i in range(20):
            body = visita(docentes[i % 4], fecha_inicio=dia_lectivo(i // 4), fecha_fin=dia_lectivo(i // 4))
            assert (await agenda.post("/v1/visitas-realizadas", json=body)).status_code == 201

        async def all_projected():
            rows = (await evaluacion.get("/v1/visitas-por-docente")).json()
            return rows if sum(r["visitas"] for r in rows) == 20 else None

        filas = await eventually(all_projected)
        await eventually(lambda: consumido(js, "evaluacion-hechos"))
        live = evaluacion._transport.app.state.proyecciones
        antes = live.checksums()

        # When an administrator asks for a rebuild of every projection (others may not)
        url = "/v1/proyecciones/todas/reconstruccion"
        assert (await evaluacion.post(url, headers={"X-Rol": "acompanante"})).status_code == 403
        r = await evaluacion.post(url, headers={"X-Rol": "administrador"})
        assert r.status_code == 202 and r.json()["estado"] == "en_curso"
        assert (await evaluacion.post(url, headers={"X-Rol": "administrador"})).status_code == 409

        # Then, while it runs, every answer is the whole read model (the old generation)
        respuestas_durante = 0
        while True:
            estado = (await evaluacion.get("/v1/proyecciones")).json()
            if estado[0]["reconstruccion"]["estado"] != "en_curso":
                break
            assert (await evaluacion.get("/v1/visitas-por-docente")).json() == filas
            respuestas_durante += 1
            await asyncio.sleep(0.02)
        assert respuestas_durante > 0
        # and afterwards the new generation answers, with the same content
        assert [(p["activa"], p["reconstruccion"]["estado"]) for p in estado] == [(2, "terminada")] * 5
        assert estado[0]["reconstruccion"]["checksums"] == antes
        assert live.checksums() == antes
        assert (await evaluacion.get("/v1/visitas-por-docente")).json() == filas


async def test_cada_evento_guarda_quien_lo_causo_y_su_traza(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        docente = uuid.uuid4()
        con_plan(app, docente)
        body = visita(docente)
        acompanante = body["acompanante_id"]  # the coach who holds him records it
        response = await agenda.post("/v1/visitas-realizadas", json=body,
                                     headers={"X-Usuario": acompanante, "X-Rol": "acompanante"})
        assert response.status_code == 201
        store = app.state.runtime.app
        event = store.mapper.to_domain_event(store.recorder.select_notifications(
            store.recorder.max_notification_id(), 1)[0])
    assert event.metadata["usuario"] == acompanante
    assert event.metadata["rol"] == "acompanante"
    assert event.metadata["traceparent"].startswith("00-")
