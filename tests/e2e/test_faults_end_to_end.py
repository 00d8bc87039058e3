"""The whole path under faults: the broker dies under load; one trace across services."""

from __future__ import annotations

import asyncio
import uuid

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from tests.conftest import eventually, serving
from services.agenda.messaging import Publicador
from tests.e2e.test_visita_end_to_end import con_plan, dia_lectivo, visita
from tests.support.stream import published_ids


async def test_nats_muere_y_vuelve_bajo_carga_sin_perder_ni_duplicar(make_settings, nats_server, js):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
               serving(evaluacion_app(make_settings(EvaluacionSettings))) as evaluacion:
        docentes = [uuid.uuid4() for _ in range(20)]  # six one-day visits each: the most a year allows (NT-026 §5.6.3 c)
        con_plan(agenda_http, *docentes)
        sent = 0

        async def load(n: int) -> None:
            nonlocal sent
            for _ in range(n):
                dia = dia_lectivo(sent // 20)  # each docente's visits on distinct school days
                body = visita(docentes[sent % 20], fecha_inicio=dia, fecha_fin=dia)
                response = await agenda.post("/v1/visitas-realizadas", json=body)
                assert response.status_code == 201, response.text  # writes never wait for NATS
                sent += 1
                await asyncio.sleep(0.002)

        await load(40)
        nats_server.kill()  # SIGKILL under load
        await load(40)      # recorded while the broker is down
        nats_server.start()
        await load(40)

        async def projected() -> bool:
            rows = (await evaluacion.get("/v1/visitas-por-docente", params={"limite": 1000})).json()
            return sum(r["visitas"] for r in rows) == 120

        await eventually(projected, timeout=60)
        store = agenda_http.state.runtime.app
        publicador = Publicador(store)
        publicables = [f"agenda:{n.id}" for n in store.recorder.select_notifications(0, 10_000)
                       if publicador(store.mapper.to_domain_event(n)) is not None]
        assert len(publicables) == 140  # 20 plans and 120 visits

    assert await published_ids(js, "acompana.agenda.>") == publicables


async def test_una_traza_cruza_agenda_y_evaluacion(make_settings):
    exporter = InMemorySpanExporter()
    async with serving(agenda_app(make_settings(AgendaSettings), SimpleSpanProcessor(exporter))) as agenda, \
               serving(evaluacion_app(make_settings(EvaluacionSettings), SimpleSpanProcessor(exporter))) as ev:
        docente = uuid.uuid4()
        con_plan(agenda._transport.app, docente)
        response = await agenda.post("/v1/visitas-realizadas", json=visita(docente))
        assert response.status_code == 201

        async def projected() -> bool:
            return (await ev.get(f"/v1/docentes/{docente}/visitas")).json() != []

        await eventually(projected)
        await asyncio.sleep(0.2)

    spans = exporter.get_finished_spans()
    http = [s for s in spans if s.name.startswith("POST /v1/visitas-realizadas") and s.parent is None]
    assert len(http) == 1
    trace_id = http[0].context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    services = {s.resource.attributes["service.name"] for s in in_trace}
    names = {s.name for s in in_trace}
    assert services == {"acompana-agenda", "acompana-evaluacion"}
    assert "publish pe.gob.minedu.acompana.agenda.VisitaRealizada.v1" in names
    consumer = [s for s in in_trace if s.resource.attributes["service.name"] == "acompana-evaluacion"]
    assert consumer, "evaluacion's consumer span must belong to the request's trace"
