"""An external ministry system subscribes with read-only credentials (deploy/nats/cuentas.conf) on a real
nats-server, using the runnable example (docs/ejemplos/suscriptor_externo.py, nats-py only); what those
credentials may not do (publish, read an internal subject, administer JetStream) the server refuses."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import nats
import pytest
from nats.js.api import ConsumerConfig

from shared import contracts as c
from shared.contracts import Envelope
from shared.streams import DLQ_STREAM, STREAM, ensure_streams
from tests.conftest import eventually
from tests.support.servers import NatsServer

RAIZ = Path(__file__).parents[2]
EJEMPLO = RAIZ / "docs" / "ejemplos" / "suscriptor_externo.py"
EXTERNO = {"user": "externo-ejemplo", "password": "externo-ejemplo-desarrollo"}
CONSUMIDOR = "externo-ejemplo-dre-puno"


@pytest.fixture
async def servidor(tmp_path: Path):
    (tmp_path / "nats").mkdir()
    server = NatsServer(tmp_path / "nats", incluir=RAIZ / "deploy" / "nats" / "cuentas.conf").start()
    yield server
    server.stop()


def visita(dre: str, ugel: str, n: int) -> c.VisitaRealizadaV1:
    return c.VisitaRealizadaV1(visita_id=uuid.uuid4(), docente_id=uuid.uuid4(), acompanante_id=uuid.uuid4(),
                               codigo_modular="0236885", dre=dre, ugel=ugel, anio=2021,
                               fecha_inicio=date(2021, 6, n), fecha_fin=date(2021, 6, n), dias=1,
                               acciones=["observacion", "asesoria"])


def compromiso(dre: str, ugel: str) -> c.CompromisoAsumidoV1:
    return c.CompromisoAsumidoV1(visita_id=uuid.uuid4(), docente_id=uuid.uuid4(), acompanante_id=uuid.uuid4(),
                                 codigo_modular="0236885", dre=dre, ugel=ugel, anio=2021, fecha=date(2021, 6, 2),
                                 compromiso_id=uuid.uuid4(), descripcion="Preguntas abiertas", instrumento="FICHA-AULA",
                                 version_instrumento=1, item="D2", competencia="C4", fecha_limite=date(2021, 7, 1),
                                 verificacion="En la próxima visita")


def como(url: str, usuario: str) -> str:
    """The URL with a development user of deploy/nats/cuentas.conf (password ``<usuario>-desarrollo``)."""
    return url.replace("nats://", f"nats://{usuario}:{usuario}-desarrollo@")


async def publicar_como_servicios(url: str, hechos: list[c.IntegrationEvent], desde: int = 1) -> None:
    """The streams Job declares the streams; each service publishes its facts with its own user, as its relay."""
    nc = await nats.connect(como(url, "streams"))
    await ensure_streams(nc.jetstream())
    await nc.close()
    inicio = datetime(2021, 6, 1, tzinfo=UTC)
    for i, datos in enumerate(hechos, start=desde):
        nc = await nats.connect(como(url, datos.servicio))
        try:
            env = Envelope.wrap(servicio=datos.servicio, position=i, data=datos, subject="docente/x",
                                time=inicio + timedelta(hours=i), dre=datos.dre, ugel=datos.ugel)
            await nc.jetstream().publish(env.nats_subject, env.payload(), headers=env.headers())
        finally:
            await nc.close()


def suscriptor(url: str, *extra: str) -> list[dict]:
    resultado = subprocess.run(
        [sys.executable, str(EJEMPLO), "--servidor", url, "--usuario", EXTERNO["user"], "--clave",
         EXTERNO["password"], "--consumidor", CONSUMIDOR, "--dre", "DRE-PUNO", "--evento", "agenda.VisitaRealizada.v1",
         "--evento", "evidencias.CompromisoAsumido.v1", "--hasta-vaciar", "1.0", *extra],
        capture_output=True, text=True, timeout=60)
    assert resultado.returncode == 0, resultado.stderr
    return [json.loads(linea) for linea in resultado.stdout.splitlines()]


async def test_un_sistema_externo_recibe_los_hechos_de_su_dre_con_el_ejemplo(servidor):
    # Given visits and commitments of two DREs, and an observation, in the stream (in two moments)
    observacion = c.ObservacionRegistradaV1(
        visita_id=uuid.uuid4(), docente_id=uuid.uuid4(), acompanante_id=uuid.uuid4(), codigo_modular="0236885",
        dre="DRE-PUNO", ugel="UGEL-PUNO", anio=2021, fecha=date(2021, 6, 4), observacion_id=uuid.uuid4(),
        instrumento="FICHA-AULA", version_instrumento=1, niveles={}, fortalezas=[], aspectos_criticos=[])
    await publicar_como_servicios(servidor.url, [
        visita("DRE-PUNO", "UGEL-EL-COLLAO", 1), visita("DRE-CUSCO", "UGEL-CANCHIS", 2),
        compromiso("DRE-PUNO", "UGEL-PUNO")])
    await asyncio.sleep(0.05)
    entre = datetime.now(UTC)
    await asyncio.sleep(0.05)
    await publicar_como_servicios(servidor.url, [
        visita("DRE-PUNO", "UGEL-PUNO", 3), observacion, visita("DRE-PUNO", "UGEL-EL-COLLAO", 4)], desde=4)

    # When the external system runs the example from the beginning
    recibidos = suscriptor(servidor.url)
    # Then it gets exactly the visits and commitments of its DRE, in stream order, each once
    assert [(h["ce-type"].rsplit(".", 2)[-2], h["datos"]["ugel"]) for h in recibidos] == [
        ("VisitaRealizada", "UGEL-EL-COLLAO"), ("CompromisoAsumido", "UGEL-PUNO"),
        ("VisitaRealizada", "UGEL-PUNO"), ("VisitaRealizada", "UGEL-EL-COLLAO")]
    assert [h["secuencia"] for h in recibidos] == [1, 3, 4, 6]
    # and, run again, its durable consumer remembers: nothing new
    assert suscriptor(servidor.url) == []
    # and it can start over from a sequence, or from the moment facts reached the stream
    assert [h["secuencia"] for h in suscriptor(servidor.url, "--reiniciar", "--desde", "secuencia:4")] == [4, 6]
    desde = f"fecha:{entre.isoformat()}"
    assert [h["secuencia"] for h in suscriptor(servidor.url, "--reiniciar", "--desde", desde)] == [4, 6]


async def test_lo_que_las_credenciales_externas_no_pueden_hacer_el_servidor_lo_rechaza(servidor):
    await publicar_como_servicios(servidor.url, [visita("DRE-PUNO", "UGEL-PUNO", 1)])
    errores: list[str] = []

    async def al_error(e: Exception) -> None:
        errores.append(str(e))

    nc = await nats.connect(servidor.url, error_cb=al_error, max_reconnect_attempts=1, **EXTERNO)
    try:
        # A refused request gets no answer: the server tells the connection of the violation (collected in
        # ``errores``, checked below) and the request runs out its time, which needs not be long.
        js = nc.jetstream(timeout=0.2)
        # publish a fact
        await nc.publish("acompana.agenda.VisitaRealizada.v1.DRE-PUNO.UGEL-PUNO", b"{}")
        # read an internal subject: the dead letters (core and through JetStream)
        await nc.subscribe("acompana-dlq.>")
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):
            await js.add_consumer(DLQ_STREAM, durable_name="externo-ejemplo-dre-puno")
        # administer JetStream: delete the stream, or another system's consumer
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):
            await js.delete_stream(STREAM)
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):
            await js.delete_consumer(STREAM, "evaluacion-hechos")
        # create its own consumer for every DRE, for another DRE, or without naming the filter in the request
        propio = {"name": CONSUMIDOR, "durable_name": CONSUMIDOR}
        for filtro in ("acompana.>", "acompana.*.*.*.*.*", "acompana.agenda.VisitaRealizada.v1.DRE-CUSCO.*"):
            with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):
                await js.add_consumer(STREAM, ConsumerConfig(**propio, filter_subject=filtro))
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):  # several filters: no filter named
            await js.add_consumer(STREAM, ConsumerConfig(**propio, filter_subjects=[
                "acompana.agenda.VisitaRealizada.v1.DRE-PUNO.*", "acompana.agenda.VisitaRealizada.v1.DRE-CUSCO.*"]))
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):  # the legacy form
            await js.add_consumer(STREAM, ConsumerConfig(durable_name=CONSUMIDOR, filter_subject="acompana.>"))
        # nor smuggle another filter in the request's body behind its DRE's subject: the server compares them
        dentro = f"$JS.API.CONSUMER.CREATE.{STREAM}.{CONSUMIDOR}.acompana.*.*.*.DRE-PUNO.*"
        respuesta = await nc.request(dentro, json.dumps({"stream_name": STREAM, "config": {
            **propio, "filter_subject": "acompana.>", "ack_policy": "explicit"}}).encode(), timeout=2)
        assert "error" in json.loads(respuesta.data), respuesta.data
        await nc.flush()
        await eventually(lambda: len(set(errores)) >= 10, timeout=10)  # every violation reported
        await nc.flush()
    finally:
        await nc.close()

    violaciones = {e.lower().removeprefix("nats: permissions violation for ") for e in errores}
    assert violaciones == {
        'publish to "acompana.agenda.visitarealizada.v1.dre-puno.ugel-puno"',
        'subscription to "acompana-dlq.>"',
        'publish to "$js.api.consumer.durable.create.acompana_dlq.externo-ejemplo-dre-puno"',
        'publish to "$js.api.stream.delete.acompana"',
        'publish to "$js.api.consumer.delete.acompana.evaluacion-hechos"',
        f'publish to "$js.api.consumer.create.acompana.{CONSUMIDOR}.acompana.>"',
        f'publish to "$js.api.consumer.create.acompana.{CONSUMIDOR}.acompana.*.*.*.*.*"',
        f'publish to "$js.api.consumer.create.acompana.{CONSUMIDOR}.acompana.agenda.visitarealizada.v1.dre-cusco.*"',
        f'publish to "$js.api.consumer.create.acompana.{CONSUMIDOR}"',
        f'publish to "$js.api.consumer.durable.create.acompana.{CONSUMIDOR}"'}, errores
    # and no consumer of it exists
    lector = await nats.connect(como(servidor.url, "streams"))
    try:
        with pytest.raises(nats.js.errors.NotFoundError):
            await lector.jetstream().consumer_info(STREAM, CONSUMIDOR)
    finally:
        await lector.close()
    # and nothing changed: the stream is there with its one fact
    servicios = await nats.connect(como(servidor.url, "streams"))
    try:
        info = await servicios.jetstream().stream_info(STREAM)
        assert info.state.messages == 1
    finally:
        await servicios.close()
