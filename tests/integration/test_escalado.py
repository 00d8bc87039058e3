"""Scaling out: replicas of a service share its durable consumers (each message to one of them)
and only one of them relays its outbox; when that one dies another takes over within seconds."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.agenda.messaging import Publicador
from shared.cadena import verificar_enlaces
from shared.contracts import DocenteAsignadoV1, Envelope
from shared.outbox import OutboxRelay, PublishFailed
from shared.publicados import leer_publicados
from shared.streams import STREAM
from shared.telemetry import Telemetry
from tests.conftest import eventually, serving
from tests.support.stream import consumido, encadenados, published_ids, stream_messages
from tests.support.world import registrar_planes

pytestmark = pytest.mark.parametrize("store_kind", ["postgres"])  # replicas share one PostgreSQL store

DURABLE = "agenda-docente-asignado"


def asignado(i: int) -> Envelope:
    """focalizacion's fact: docente i is now in charge of an acompañante (five docentes each)."""
    data = DocenteAsignadoV1(
        convocatoria="2020-2022", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO",
        docente_id=uuid.uuid5(uuid.NAMESPACE_URL, f"escalado/docente/{i}"),
        acompanante_id=uuid.uuid5(uuid.NAMESPACE_URL, f"escalado/acompanante/{i // 5}"),
        codigo_modular=f"{2000000 + i:07d}", nivel="primaria", tipo_ie="polidocente_primaria",
        ratio_maximo=10, anio=2021)
    return Envelope.wrap(servicio="focalizacion", position=i + 1, data=data, subject=f"docente/{data.docente_id}",
                         time=datetime(2021, 3, 1, tzinfo=UTC), dre=data.dre, ugel=data.ugel)


def publicables(store: Agenda) -> list[str]:
    """The ids of the stored events that agenda publishes, in store order."""
    publicador = Publicador(store)
    return [f"agenda:{n.id}" for n in store.recorder.select_notifications(0, 100_000)
            if publicador(store.mapper.to_domain_event(n)) is not None]


async def test_dos_replicas_se_reparten_los_mensajes_y_cada_uno_se_procesa_una_vez(make_settings, js):
    # Given two replicas of agenda on one store, bound to the same durable consumers
    settings = make_settings(AgendaSettings)
    replicas = [agenda_app(settings), agenda_app(settings)]
    procesados: list[list[str]] = [[], []]
    trabajando = [threading.Event(), threading.Event()]

    def contando(r: int, handler):
        def handle(envelope: Envelope) -> None:
            procesados[r].append(envelope.id)
            if not trabajando[r].is_set():
                # Each replica holds its first message until the other has one too: they work at the
                # same time, whatever the order in which the server answered their pulls.
                trabajando[r].set()
                trabajando[1 - r].wait(20)
            handler(envelope)
        return handle

    for r, http in enumerate(replicas):
        consumers = http.state.runtime.consumers
        consumers.handlers[DURABLE] = contando(r, consumers.handlers[DURABLE])

    n = 200
    async with serving(replicas[0]), serving(replicas[1]):
        # When focalizacion publishes 200 assignments
        for envelope in encadenados([asignado(i) for i in range(n)]):
            await js.publish(envelope.nats_subject, envelope.payload(), headers=envelope.headers())

        async def todos_procesados() -> bool:
            return sum(map(len, procesados)) >= n and await consumido(js, DURABLE)

        await eventually(todos_procesados, timeout=60)
        store = replicas[0].state.agenda
        esperados = await asyncio.to_thread(publicables, store)
        await eventually(lambda: _publicados_son(js, esperados), timeout=30)
        lideres = [http.state.runtime.telemetry.registry.get_sample_value("acompana_relay_lider")
                   for http in replicas]
        planes = await asyncio.to_thread(store.proyecciones.planes, anio=2021)

    # Then every message was handled once, by one replica or the other, and both had work
    veces = Counter(procesados[0] + procesados[1])
    assert set(veces) == {f"focalizacion:{i + 1}" for i in range(n)}
    assert max(veces.values()) == 1, [k for k, v in veces.items() if v > 1]
    assert procesados[0] and procesados[1], [len(p) for p in procesados]
    # and each plan was generated once and published once, by the one replica that relays
    assert len(planes) == n
    assert lideres == [1, 0] or lideres == [0, 1]
    assert len(esperados) >= n


async def _publicados_son(js, esperados: list[str]) -> bool:
    return await published_ids(js, "acompana.agenda.>") == esperados


class Replica:
    """A relay process of agenda (``tests.support.relay_replica_process``) and its status file."""

    def __init__(self, settings: AgendaSettings, estado: Path) -> None:
        self.estado = estado
        env = {**os.environ, **settings.eventsourcing_env(), "AGENDA_NATS_URL": settings.nats_url,
               "AGENDA_RELAY_BATCH_SIZE": "100", "ACOMPANA_ESTADO_RELAY": str(estado)}
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.relay_replica_process"], env=env)

    def leer(self) -> dict:
        if self.process.poll() is not None and self.process.returncode != -signal.SIGKILL:
            raise RuntimeError(f"el relay {self.estado.stem} terminó con código {self.process.returncode}")
        try:
            return json.loads(self.estado.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {"lider": False, "enviados": 0, "pid": None}

    def matar(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


async def test_dos_relays_solo_publica_el_lider_y_al_matarlo_el_otro_sigue(make_settings, js, tmp_path):
    settings = make_settings(AgendaSettings)
    agenda = Agenda(settings)
    replicas: list[Replica] = []
    try:
        registrar_planes(agenda, 300)
        esperados = [f"agenda:{i}" for i in range(1, agenda.recorder.max_notification_id() + 1)]

        # Given two relay processes of agenda on the same store, started together
        replicas = [Replica(settings, tmp_path / f"relay-{r}.json") for r in range(2)]
        await eventually(lambda: all(r.leer()["pid"] for r in replicas), timeout=60)
        await eventually(lambda: _publicados_son(js, esperados), timeout=30)
        await eventually(lambda: any(r.leer()["lider"] for r in replicas), timeout=10)
        lider, seguidor = sorted(replicas, key=lambda r: not r.leer()["lider"])

        # Then only the leader published: the stream holds each recorded event once
        assert (await js.stream_info(STREAM)).state.messages == len(esperados)
        assert lider.leer()["enviados"] >= len(esperados)
        assert _ni_lider_ni_envios(seguidor.leer())

        # and so it stays while the leader lives
        registrar_planes(agenda, 50, start=1000)
        esperados = [f"agenda:{i}" for i in range(1, agenda.recorder.max_notification_id() + 1)]
        await eventually(lambda: _publicados_son(js, esperados), timeout=20)
        assert _ni_lider_ni_envios(seguidor.leer())

        # When the leader is killed and new events are recorded
        loop = asyncio.get_running_loop()
        lider.matar()
        muerto = loop.time()
        registrar_planes(agenda, 50, start=2000)
        esperados = [f"agenda:{i}" for i in range(1, agenda.recorder.max_notification_id() + 1)]

        # Then the other takes over within seconds and publishes them, each once, in order
        await eventually(lambda: _publicados_son(js, esperados), timeout=30, interval=0.1)
        relevo = loop.time() - muerto
        assert relevo < 10.0, f"el relevo tardó {relevo:.1f}s"
        # it is the one that sent them (its status file is rewritten every 50 ms: read it until it shows them)
        await eventually(lambda: (estado := seguidor.leer())["lider"] and estado["enviados"] > 0, timeout=5)
        assert (await js.stream_info(STREAM)).state.messages == len(esperados)
        assert verificar_enlaces(await leer_publicados(js, "agenda")) == []  # the chain goes on unbroken
    finally:
        for replica in replicas:
            replica.matar()
        agenda.close()


async def test_dos_relays_solapados_no_duplican_ni_rompen_la_cadena(make_settings, js):
    # Given two relays of agenda that both believe they lead (one frozen past its lease), from the same start
    agenda = Agenda(make_settings(AgendaSettings))
    relays = [OutboxRelay(agenda, Publicador(agenda), js, Telemetry.create("agenda"), batch_size=40) for _ in range(2)]
    try:
        await asyncio.to_thread(registrar_planes, agenda, 120)
        for relay in relays:
            await relay.reconcile()

        # When the second sends again the batch the first already sent, and tries to save the same position
        assert await relays[0].relay_once() == 40
        with pytest.raises(PublishFailed):
            await relays[1].relay_once()
        # Then JetStream dropped the repeats, and the second goes on from the store and the stream
        assert (await js.stream_info(STREAM)).state.messages == 40
        await relays[1].reconcile()
        assert await relays[1].relay_once() == 40

        # and with both running at once while events keep being recorded, still each once and in order
        stopping = asyncio.Event()
        tareas = [asyncio.create_task(relay.run(stopping)) for relay in relays]
        try:
            for ronda in range(1, 5):
                await asyncio.to_thread(registrar_planes, agenda, 60, start=ronda * 1000)
                await asyncio.sleep(0.05)
            esperados = [f"agenda:{i}" for i in range(1, agenda.recorder.max_notification_id() + 1)]
            await eventually(lambda: _publicados_son(js, esperados), timeout=30)
        finally:
            stopping.set()
            await asyncio.gather(*tareas)
        assert (await js.stream_info(STREAM)).state.messages == len(esperados)
        assert verificar_enlaces(await leer_publicados(js, "agenda")) == []  # one unbroken chain
        assert relays[0].stored_position() == len(esperados)
    finally:
        agenda.close()


def _ni_lider_ni_envios(estado: dict) -> bool:
    return not estado["lider"] and estado["enviados"] == 0


async def test_la_republicacion_pedida_a_cualquier_replica_la_hace_la_que_publica(make_settings, js):
    # Given two replicas of agenda on one store; one of them holds the lease and relays
    settings = make_settings(AgendaSettings)
    replicas = [agenda_app(settings), agenda_app(settings)]
    async with serving(replicas[0]) as a, serving(replicas[1]) as b:
        store = replicas[0].state.runtime.app
        registrar_planes(store, 30)
        await eventually(lambda: _publicados(js, publicables(store)), timeout=30)
        relays = [http.state.runtime.relay for http in replicas]
        await eventually(lambda: sum(r.may_publish for r in relays) == 1, timeout=15)

        # Given the stream lost one fact and no longer remembers its id (a short duplicate window)
        config = (await js.stream_info(STREAM)).config
        config.duplicate_window = 0.5
        await js.update_stream(config)
        [perdido] = [m for m in await stream_messages(js, "acompana.agenda.>") if m.headers["ce-id"] == "agenda:7"]
        await js.delete_msg(STREAM, perdido.metadata.sequence.stream)
        await asyncio.sleep(1.5)

        # When the administrator asks the replica that does not publish
        otra = b if relays[0].may_publish else a
        r = await otra.post("/v1/cadena/republicacion", json={"desde": 1}, headers={"X-Rol": "administrador"})

        # Then it passed the request to the one that publishes, which sent only the missing fact, once
        assert r.status_code == 200, r.text
        assert r.json() == {"republicados": 1, "retenidos": []}
        ids = await published_ids(js, "acompana.agenda.>")
        assert sorted(ids, key=lambda i: int(i.rsplit(":", 1)[1])) == publicables(store)
        assert ids[-1] == "agenda:7"  # a hole is filled at the end


async def _publicados(js, esperado: list[str]) -> bool:
    return await published_ids(js, "acompana.agenda.>") == esperado
