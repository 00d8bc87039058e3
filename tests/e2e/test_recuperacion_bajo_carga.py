"""The runbook's recovery of a lost stream (deploy/README.md, "Releer el stream tras una pérdida"), done
exactly as written while visits keep being recorded through agenda's API: the stream ends with every fact
once and in order (read by a plain nats-py reader of its own), and evaluacion counts every visit once,
with no service restarted."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict

import nats

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.agenda.messaging import Publicador
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from shared.streams import STREAM, ensure_streams
from tests.conftest import eventually, serving
from tests.e2e.test_visita_end_to_end import con_plan, dia_lectivo, visita
from tests.support.stream import stream_messages

ADMINISTRADOR = {"X-Rol": "administrador"}
DOCENTES = 60  # at most 6 one-day visits each in the year (their protocol), whatever the load


async def test_el_stream_perdido_bajo_carga_se_recupera_como_dice_el_manual(make_settings, nats_server, js):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
               serving(evaluacion_app(make_settings(EvaluacionSettings))) as evaluacion:
        docentes = [uuid.uuid4() for _ in range(DOCENTES)]
        con_plan(agenda_http, *docentes)
        registradas = 0
        parar = asyncio.Event()

        async def carga() -> None:  # visits recorded through the API, without pause, until the year is full
            nonlocal registradas
            while not parar.is_set() and registradas < 6 * DOCENTES:  # six one-day visits: a year's mix
                dia = dia_lectivo(registradas // DOCENTES)
                body = visita(docentes[registradas % DOCENTES], fecha_inicio=dia, fecha_fin=dia)
                r = await agenda.post("/v1/visitas-realizadas", json=body)
                assert r.status_code == 201, r.text  # writes never wait for NATS
                registradas += 1
                await asyncio.sleep(0.01)

        tarea = asyncio.create_task(carga())
        await eventually(lambda: registradas >= 60, timeout=30)

        # Given the stream is lost while visits keep coming
        await js.delete_stream(STREAM)
        perdido_en = registradas
        await eventually(lambda: registradas >= perdido_en + 40, timeout=30)
        assert (await evaluacion.get("/readyz")).status_code == 503  # its consumers went with the stream

        # When the operator follows the runbook: declare the streams again, then republish on each service
        await ensure_streams(js)
        for servicio in (agenda, evaluacion):
            r = await servicio.post("/v1/cadena/republicacion", json={"desde": 1}, headers=ADMINISTRADOR)
            assert r.status_code == 200, r.text
            assert r.json()["retenidos"] == []
        r = await evaluacion.post("/v1/proyecciones/todas/reconstruccion", headers=ADMINISTRADOR)
        assert r.status_code == 202, r.text  # historia keeps stream sequences, which the refill changed
        await eventually(lambda: registradas >= perdido_en + 100, timeout=30)
        parar.set()
        await tarea

        # Then evaluacion, never restarted, counts every visit once
        async def proyectadas() -> bool:
            rows = (await evaluacion.get("/v1/visitas-por-docente", params={"limite": 1000})).json()
            return sum(r["visitas"] for r in rows) == registradas

        await eventually(proyectadas, timeout=60)

        async def lista() -> bool:  # every durable consumer declared again (they are re-declared every 2 s)
            return (await evaluacion.get("/readyz")).status_code == 200

        await eventually(lista, timeout=30)

        async def reconstruidas() -> bool:
            filas = (await evaluacion.get("/v1/proyecciones", headers=ADMINISTRADOR)).json()
            return all(f.get("reconstruccion", {}).get("estado") == "terminada" for f in filas)

        await eventually(reconstruidas, timeout=60)
        store = agenda_http.state.runtime.app
        publicador = Publicador(store)
        publicables = [f"agenda:{n.id}" for n in store.recorder.select_notifications(0, 100_000)
                       if publicador(store.mapper.to_domain_event(n)) is not None]
        assert len(publicables) == DOCENTES + registradas

    # And an independent reader finds each fact once, each service's facts in their order, under their own ids
    lector = await nats.connect(nats_server.url)
    try:
        mensajes = await stream_messages(lector.jetstream())
    finally:
        await lector.close()
    ids = [m.headers["ce-id"] for m in mensajes]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert all(m.headers["Nats-Msg-Id"] == m.headers["ce-id"] for m in mensajes)
    assert [i for i in ids if i.startswith("agenda:")] == publicables
    posiciones = defaultdict(list)
    for i in ids:
        servicio, posicion = i.rsplit(":", 1)
        posiciones[servicio].append(int(posicion))
    assert {s: p for s, p in posiciones.items() if p != sorted(p)} == {}
