"""The stream lost while the services run, on a real nats-server: the relay refills it from the store in
notification order, an operator's republication never sends a second copy, the backlog is visible while
NATS is away, and the durable consumers come back with the stream."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from services.agenda.messaging import Publicador
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from shared.cadena import verificar_enlaces
from shared.outbox import OutboxRelay
from shared.publicados import leer_publicados
from shared.streams import STREAM, ensure_streams
from shared.telemetry import Telemetry
from tests.conftest import eventually, serving
from tests.e2e.test_visita_end_to_end import con_plan
from tests.support.stream import stream_messages
from tests.support.world import registrar_planes


def esperados(agenda: Agenda) -> list[str]:
    return [f"agenda:{i}" for i in range(1, agenda.recorder.max_notification_id() + 1)]


async def ids_y_msg_ids(js) -> tuple[list[str], list[str]]:
    mensajes = [m for m in await stream_messages(js, "acompana.agenda.>")]
    return [m.headers["ce-id"] for m in mensajes], [m.headers["Nats-Msg-Id"] for m in mensajes]


async def relay_corriendo(agenda: Agenda, js):
    relay = OutboxRelay(agenda, Publicador(agenda), js, Telemetry.create("agenda"), batch_size=20)
    agenda.on_saved.append(relay.wake)
    stopping = asyncio.Event()
    return relay, stopping, asyncio.create_task(relay.run(stopping))


async def test_un_stream_declarado_de_nuevo_se_rellena_en_orden_antes_de_lo_nuevo(make_settings, js, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 30)
    relay, stopping, task = await relay_corriendo(agenda, js)
    try:
        await eventually(lambda: _publicados_son(js, esperados(agenda)))

        # Given the stream is lost and declared again while the relay has nothing to send (it sees no error)
        await js.delete_stream(STREAM)
        await ensure_streams(js)

        # When new plans are recorded
        registrar_planes(agenda, 5, start=500)

        # Then the relay first refills the stream from the store: every fact once, in notification order,
        # each link of the chain holding
        await eventually(lambda: _publicados_son(js, esperados(agenda)), timeout=30)
        assert verificar_enlaces(await leer_publicados(js, "agenda")) == []
    finally:
        stopping.set()
        await task


async def test_la_republicacion_del_operador_no_envia_una_segunda_copia(make_settings, js, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 60)
    relay, stopping, task = await relay_corriendo(agenda, js)
    try:
        await eventually(lambda: _publicados_son(js, esperados(agenda)))

        # Given the stream is deleted and facts keep being recorded while it is away
        await js.delete_stream(STREAM)
        registrar_planes(agenda, 40, start=500)
        await asyncio.sleep(0.5)

        # When the operator declares it again and at once asks for the republication, while the relay refills
        await ensure_streams(js)
        hecho = await relay.pedir_republicacion(1, timeout=60)
        registrar_planes(agenda, 10, start=900)

        # Then the stream holds every fact once, in notification order, under its original Nats-Msg-Id, and
        # the facts recorded after the republication are chained after the stream's head (every link holds)
        await eventually(lambda: _publicados_son(js, esperados(agenda)), timeout=30)
        ids, msg_ids = await ids_y_msg_ids(js)
        assert msg_ids == ids
        assert hecho.retenidos == []
        assert verificar_enlaces(await leer_publicados(js, "agenda")) == []
    finally:
        stopping.set()
        await task


async def test_lo_pendiente_se_ve_mientras_nats_no_responde(make_settings, js, nats_server, closing):
    agenda = closing(Agenda(make_settings(AgendaSettings)))
    registrar_planes(agenda, 10)
    relay, stopping, task = await relay_corriendo(agenda, js)
    try:
        await eventually(lambda: _publicados_son(js, esperados(agenda)))
        await eventually(lambda: relay.lag._value.get() == 0)

        # Given NATS dies
        nats_server.kill()
        # When 25 plans are recorded meanwhile
        registrar_planes(agenda, 25, start=500)
        # Then the gauge shows them waiting, while nothing can be published
        await eventually(lambda: relay.lag._value.get() == 25, timeout=10)

        # And once NATS is back the backlog is published and the gauge returns to zero
        nats_server.start()
        await eventually(lambda: _publicados_son(js, esperados(agenda)), timeout=60)
        await eventually(lambda: relay.lag._value.get() == 0, timeout=10)
    finally:
        stopping.set()
        await task


async def test_los_consumidores_vuelven_con_el_stream_y_readyz_avisa_mientras_faltan(make_settings, js):
    evidencias_http = evidencias_app(make_settings(EvidenciasSettings))
    async with serving(evidencias_http) as evidencias:
        consumidores = evidencias_http.state.runtime.consumers
        assert (await evidencias.get("/readyz")).status_code == 200

        # Given the stream is lost with its durable consumers
        await js.delete_stream(STREAM)

        # Then the service says it is not ready, naming what it lacks
        async def no_listo() -> bool:
            r = await evidencias.get("/readyz")
            return r.status_code == 503 and "evidencias-visita-realizada" in r.json()["detalle"]["consumidores"]

        await eventually(no_listo, timeout=15)

        # When the streams are declared again, the consumers come back by themselves and it is ready again
        await ensure_streams(js)
        await eventually(lambda: _listo(evidencias), timeout=15)
        assert await consumidores.faltantes() == []
        info = await js.consumer_info(STREAM, "evidencias-visita-realizada")
        assert info.config.filter_subject == "acompana.agenda.VisitaRealizada.v1.*.*"


async def test_los_hechos_llegan_a_los_consumidores_vueltos_a_declarar(make_settings, js):
    from services.agenda.main import create_app as agenda_app

    agenda_http = agenda_app(make_settings(AgendaSettings))
    evidencias_http = evidencias_app(make_settings(EvidenciasSettings))
    async with serving(agenda_http), serving(evidencias_http) as evidencias:
        await js.delete_stream(STREAM)
        await ensure_streams(js)
        await eventually(lambda: _listo(evidencias), timeout=15)

        # When a plan is generated after the stream came back, evidencias (its consumer re-declared) learns of it
        docente = uuid.uuid4()
        con_plan(agenda_http, docente)

        async def entregado() -> bool:
            info = await js.consumer_info(STREAM, "evidencias-plan-generado")
            return info.delivered.stream_seq > 0 and info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(entregado, timeout=30)


async def _listo(client) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def _publicados_son(js, esperado: list[str]) -> bool:
    ids, _ = await ids_y_msg_ids(js)
    repetidos = [i for i, n in Counter(ids).items() if n > 1]
    assert not repetidos, f"hechos repetidos en el stream: {repetidos[:5]}"
    return ids == esperado
