"""The outbox relay loses nothing and duplicates nothing, whatever point it crashes at."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from nats.js import JetStreamContext

from services.agenda.application import Agenda
from services.agenda.comandos import ProgramarActividad, RealizarActividad, VisitaPedida
from services.agenda.config import AgendaSettings
from services.agenda.messaging import Publicador
from shared.outbox import TRACKING_NAME, OutboxRelay
from shared.streams import STREAM, ensure_streams
from shared.telemetry import Telemetry
from tests.support.stream import published_ids, stream_messages
from tests.integration.test_bus_cuentas import visita_falsa
from tests.support.world import asignar, registrar_planes


class Crash(Exception):
    """The process dies here."""


def relay_for(agenda: Agenda, js, batch_size: int = 50) -> OutboxRelay:
    """A fresh relay object, as after a process restart (all state is in the store and NATS)."""
    return OutboxRelay(agenda, Publicador(agenda), js, Telemetry.create("agenda"), batch_size=batch_size)


async def drain(relay: OutboxRelay) -> None:
    await relay.reconcile()
    while await relay.relay_once():
        pass


def expected_ids(agenda: Agenda) -> list[str]:
    last = agenda.recorder.max_notification_id()
    return [f"agenda:{i}" for i in range(1, last + 1)]


async def test_relay_publica_en_orden_cada_evento_una_vez(make_settings, js, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 120)

    await drain(relay_for(agenda, js))

    assert await published_ids(js) == expected_ids(agenda)
    assert relay_for(agenda, js).stored_position() == 120


async def test_caida_entre_puback_y_guardar_posicion_no_duplica(make_settings, js, monkeypatch, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 120)
    crashing = relay_for(agenda, js)
    await crashing.reconcile()
    await crashing.relay_once()  # first batch fully relayed

    # When the process dies after the PubAcks of the second batch, before saving its position
    async def die(position: int) -> None:
        raise Crash

    monkeypatch.setattr(crashing, "_save_position", die)
    with pytest.raises(Crash):
        await crashing.relay_once()
    assert crashing.stored_position() == 50
    assert len(await published_ids(js)) == 100  # the second batch did reach the stream

    # Then a restarted relay finishes and the stream holds each event exactly once
    await drain(relay_for(agenda, js))
    assert await published_ids(js) == expected_ids(agenda)


async def test_sin_reconciliar_la_deduplicacion_de_jetstream_evita_el_duplicado(make_settings, js, monkeypatch, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 60)
    crashing = relay_for(agenda, js)

    async def die(position: int) -> None:
        raise Crash

    monkeypatch.setattr(crashing, "_save_position", die)
    with pytest.raises(Crash):
        await crashing.relay_once()

    # A relay that skips reconciliation re-sends the batch; Nats-Msg-Id drops the repeats.
    again = relay_for(agenda, js)
    while await again.relay_once():
        pass
    assert await published_ids(js) == expected_ids(agenda)
    info = await js.stream_info(STREAM)
    assert info.state.messages == 60


async def test_caida_antes_de_publicar_no_pierde_nada(make_settings, js, monkeypatch, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 80)
    crashing = relay_for(agenda, js)
    await crashing.reconcile()
    calls = 0
    real_publish = js.publish_async

    async def publish_then_die(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 20:
            raise Crash  # dies in the middle of a batch: 19 sent, the rest never sent
        return await real_publish(*args, **kwargs)

    monkeypatch.setattr(js, "publish_async", publish_then_die)
    with pytest.raises(Crash):
        await crashing.relay_once()
    monkeypatch.setattr(js, "publish_async", real_publish)
    assert crashing.stored_position() == 0

    await drain(relay_for(agenda, js))
    assert await published_ids(js) == expected_ids(agenda)


async def test_stream_perdido_se_rellena_desde_el_almacen(make_settings, js, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 70)
    await drain(relay_for(agenda, js))

    # Given the stream lost everything (deleted and declared again, empty)
    await js.delete_stream(STREAM)
    await ensure_streams(js)
    assert await published_ids(js) == []

    # When the relay starts again, it republishes from the store
    await drain(relay_for(agenda, js))
    assert await published_ids(js) == expected_ids(agenda)


async def test_republicar_desde_una_posicion_no_duplica_en_la_ventana(make_settings, js, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 40)
    relay = relay_for(agenda, js)
    await drain(relay)

    republished = await relay.republish(10)

    assert republished == 30
    assert await published_ids(js) == expected_ids(agenda)
    assert relay.tracking.max_tracking_id(TRACKING_NAME) == 40


async def test_relay_sigue_eventos_nuevos_en_milisegundos(make_settings, js, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    relay = relay_for(agenda, js)
    agenda.on_saved.append(relay.wake)
    stopping = asyncio.Event()
    task = asyncio.create_task(relay.run(stopping))
    try:
        await asyncio.sleep(0.2)
        loop = asyncio.get_running_loop()
        started = loop.time()
        registrar_planes(agenda, 1)
        while not await published_ids(js):
            await asyncio.sleep(0.005)
        elapsed = loop.time() - started
    finally:
        stopping.set()
        await task
    assert elapsed < 1.0, f"el evento tardó {elapsed:.3f}s en publicarse"


async def test_al_reconciliar_tras_un_hueco_rellenado_no_lee_todo_el_stream(make_settings, js, monkeypatch,
                                                                              closing):
    # Given 200 plans relayed long ago (as the relay's clocks count: half a second), 10 relayed just now
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 200)
    await drain(relay_for(agenda, js))
    await asyncio.sleep(1.5)
    registrar_planes(agenda, 10, start=200)
    await drain(relay_for(agenda, js))
    # and the stream's fact at position 5 deleted and published again last (a hole filled by a republication)
    quinto = next(m for m in await stream_messages(js) if m.headers["ce-id"] == "agenda:5")
    await js.delete_msg(STREAM, quinto.metadata.sequence.stream)
    await js.publish(quinto.subject, quinto.data,
                     headers={**quinto.headers, "Nats-Msg-Id": "agenda:5:relleno"})
    ultimo = next(m for m in await stream_messages(js) if m.headers["ce-id"] == "agenda:210")
    cabeza = (210, ultimo.headers["ce-cadena"])
    leidos = []
    original = JetStreamContext.PullSubscription.fetch

    async def contar(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        mensajes = await original(self, *args, **kwargs)
        leidos.extend(mensajes)
        return mensajes
    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", contar)

    # When a relay starts (its last message in the stream is behind its saved position)
    relay = OutboxRelay(agenda, Publicador(agenda), js, Telemetry.create("agenda"), desfase_relojes=0.5)
    await relay.reconcile()

    # Then it finds the chain's head at its saved position, reading only what was published since that fact
    assert relay._cadena == cabeza and relay.stored_position() == 210
    assert 0 < len(leidos) <= 11, len(leidos)
    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", original)
    assert len(await published_ids(js)) == 210  # nothing republished


async def test_un_mensaje_mas_alla_del_almacen_no_se_toma_como_cabeza_de_la_cadena(make_settings, js, closing):
    # Given agenda's facts published, then a fact published with agenda's account outside its relay, claiming
    # a position far beyond what agenda stores (a leaked credential, or a test's forged fact)
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 10)
    await drain(relay_for(agenda, js))
    falsa = visita_falsa(900_001, 0, "ninguna")
    await js.publish(falsa.nats_subject, falsa.payload(), headers=falsa.headers())
    # When agenda records more and a restarted relay reconciles and publishes
    registrar_planes(agenda, 10, start=10)
    relay = relay_for(agenda, js)
    await drain(relay)
    # Then its position is the store's own, and every fact agenda stored is in the stream once, in order
    assert relay.stored_position() == agenda.recorder.max_notification_id() == 20
    assert [i for i in await published_ids(js) if i != "agenda:900001"] == expected_ids(agenda)


def test_el_relay_toma_el_evento_recien_guardado_tal_como_lo_daria_el_almacen(make_settings, closing):
    # Given agenda's facts of a plan, a scheduled visit and its record, saved by this process
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    agenda.publicar_protocolos_incluidos()
    acompanante, docente, visita = (str(uuid.uuid4()) for _ in range(3))
    asignar(agenda, docente, acompanante)
    dia = date(2021, 5, 10)
    assert agenda.programar(ProgramarActividad(acompanante, visita, "visita", VisitaPedida(docente, dia, dia))).nuevo
    assert agenda.realizar(RealizarActividad(acompanante, visita, "visita", VisitaPedida(
        docente, dia, dia, acciones=["observacion", "asesoria"]))).nuevo
    relay = relay_for(agenda, js=None)
    notificaciones = agenda.recorder.select_notifications(0, 1000)
    # When the relay maps each one twice: first from what this process saved, then (forgotten) from the store
    recien = [relay.envelope_de(n) for n in notificaciones]
    assert not agenda._recientes  # each taken once
    almacen = [relay.envelope_de(n) for n in notificaciones]
    # Then both give the same envelopes, byte for byte
    assert [e and (e.payload(), e.headers()) for e in recien] == [e and (e.payload(), e.headers()) for e in almacen]
    assert sum(e is not None for e in recien) >= 3
