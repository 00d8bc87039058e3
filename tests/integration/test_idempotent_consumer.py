"""Idempotent consumers on a real nats-server: redelivery, retries, dead letters, order."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

from nats.aio.msg import Msg

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope, VisitaRealizadaV1
from shared.eslabones import PENDIENTE, Eslabones
from shared.streams import STREAM
from shared.telemetry import Telemetry
from tests.conftest import eventually
from tests.support.stream import consumiendo, encadenados


def envelope(position: int, docente_id: uuid.UUID | None = None) -> Envelope:
    data = VisitaRealizadaV1(
        visita_id=uuid.uuid5(uuid.NAMESPACE_URL, f"visita/{position}"),
        docente_id=docente_id or uuid.uuid4(),
        acompanante_id=uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante/{position}"),
        codigo_modular="0236885", anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", anio=2025,
        fecha_inicio=date(2025, 6, position % 28 + 1), fecha_fin=date(2025, 6, position % 28 + 1),
        dias=1, acciones=["observacion"],
    )
    return Envelope.wrap(servicio="agenda", position=position, data=data, subject="docente/x",
                         time=datetime(2025, 6, 30, 12, tzinfo=UTC) + timedelta(seconds=position),
                         dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")


async def publish(js, env: Envelope, msg_id: str | None = None) -> None:
    headers = env.headers()
    if msg_id:
        headers["Nats-Msg-Id"] = msg_id
    await js.publish(env.nats_subject, env.payload(), headers=headers)


def rows(proyecciones: Proyecciones) -> int:
    """Visits in the projection."""
    return sum(f["visitas"] for f in proyecciones.visitas_por_docente(limite=10_000))


@asynccontextmanager
async def consuming(nats_url: str, js, handler, *, max_deliver: int = 3, ack_wait: float = 1.0):
    consumers = IdempotentConsumers(Telemetry.create("prueba"), max_deliver=max_deliver,
                                    ack_wait=ack_wait, backoff=[0.05, 0.1, 0.2])
    consumers.subscribe("prueba-visitas", VisitaRealizadaV1, handler)
    async with consumiendo(consumers, js):
        yield consumers


async def test_muerto_despues_del_efecto_y_antes_del_ack_no_repite_el_efecto(
    make_settings, nats_server, js, monkeypatch, closing,
):
    proyecciones = closing(Proyecciones(make_settings(EvaluacionSettings)))
    calls = []

    def handler(env: Envelope) -> None:
        calls.append(env.id)
        proyecciones.aplicar(env)

    real_ack = Msg.ack
    lost = []

    async def ack_lost_once(self: Msg) -> None:
        if not lost:
            lost.append(self.metadata.sequence.stream)  # the process dies before the ack leaves
            return
        await real_ack(self)

    monkeypatch.setattr(Msg, "ack", ack_lost_once)
    async with consuming(nats_server.url, js, handler, ack_wait=1.0):
        await publish(js, envelope(1))
        await eventually(lambda: len(calls) >= 2, timeout=15)  # redelivered after ack_wait
        await asyncio.sleep(0.3)

    assert calls == ["agenda:1", "agenda:1"]
    assert rows(proyecciones) == 1


async def test_excepcion_se_reintenta_y_no_se_termina(make_settings, nats_server, js, closing):
    proyecciones = closing(Proyecciones(make_settings(EvaluacionSettings)))
    attempts = []

    def flaky(env: Envelope) -> None:
        attempts.append(env.id)
        if len(attempts) < 3:
            raise ConnectionError("base de datos ocupada")
        proyecciones.aplicar(env)

    async with consuming(nats_server.url, js, flaky, max_deliver=5) as consumers:
        await publish(js, envelope(1))
        await eventually(lambda: rows(proyecciones) == 1)
        assert await consumers.dead_letters() == []

    assert attempts == ["agenda:1"] * 3


async def test_tras_max_deliver_va_a_fallidos_y_no_bloquea_y_se_reenvia(make_settings, nats_server, js, closing):
    proyecciones = closing(Proyecciones(make_settings(EvaluacionSettings)))
    broken = {"agenda:1"}
    attempts = []

    def handler(env: Envelope) -> None:
        attempts.append(env.id)
        if env.id in broken:
            raise ValueError("docente desconocido")
        proyecciones.aplicar(env)

    async with consuming(nats_server.url, js, handler, max_deliver=3) as consumers:
        await publish(js, envelope(1))
        await publish(js, envelope(2))
        fallidos = await eventually(consumers.dead_letters)
        await eventually(lambda: rows(proyecciones) == 1)  # the next message was not blocked

        assert attempts.count("agenda:1") == 3
        assert [(f.evento_id, f.entregas, f.consumidor) for f in fallidos] == [("agenda:1", 3, "prueba-visitas")]
        assert "ValueError: docente desconocido" in fallidos[0].motivo

        # When the cause is fixed, the dead letter is re-driven and leaves the queue
        broken.clear()
        await consumers.redrive(fallidos[0].secuencia)
        assert rows(proyecciones) == 2
        assert await consumers.dead_letters() == []


async def test_mensaje_malformado_va_a_fallidos_con_su_motivo(make_settings, nats_server, js, closing):
    proyecciones = closing(Proyecciones(make_settings(EvaluacionSettings)))
    async with consuming(nats_server.url, js, proyecciones.aplicar) as consumers:
        subject = VisitaRealizadaV1.subject("DRE-PUNO", "UGEL-EL-COLLAO")
        await js.publish(subject, b"no es json", headers={"Nats-Msg-Id": "basura-1"})
        good = envelope(7)
        bad_payload = {**good.headers(), "Nats-Msg-Id": "basura-2", "ce-id": "agenda:8"}
        await js.publish(subject, b'{"visita_id": "no-uuid"}', headers=bad_payload)
        await publish(js, good)

        fallidos = await eventually(lambda: _at_least(consumers.dead_letters(), 2))
        await eventually(lambda: rows(proyecciones) == 1)

    motivos = sorted(f.motivo for f in fallidos)
    assert motivos[0].startswith("contrato: contenido no válido para pe.gob.minedu.acompana.agenda.VisitaRealizada.v1")
    assert motivos[1].startswith("contrato: faltan cabeceras CloudEvents")
    assert all(f.entregas == 1 for f in fallidos)


async def _at_least(coro, n: int):
    found = await coro
    return found if len(found) >= n else None


async def test_entrega_desordenada_y_repetida_da_el_mismo_resultado(make_settings, nats_server, js, tmp_path, closing):
    docente = uuid.uuid4()
    live = closing(Proyecciones(make_settings(EvaluacionSettings)))
    async with consuming(nats_server.url, js, live.aplicar):
        # Delivered 5, 3, 1, then 3 again (a re-publication after the dedupe window)
        for position in (5, 3, 1):
            await publish(js, envelope(position, docente))
        await publish(js, envelope(3, docente), msg_id="republicado-3")
        await eventually(lambda: _delivered(js, 4))
        await eventually(lambda: rows(live) == 3)
        await asyncio.sleep(0.3)

    in_order = closing(Proyecciones(make_settings(EvaluacionSettings, data_dir=tmp_path / "en-orden",
                                          postgres_schema=f"orden_{uuid.uuid4().hex[:8]}")))
    for position in (1, 3, 5):
        in_order.aplicar(envelope(position, docente))

    assert rows(live) == 3
    assert live.checksums() == in_order.checksums()
    assert live.visitas_por_docente(docente_id=docente) == [
        {"docente_id": str(docente), "anio": 2025, "visitas": 3, "dias": 3}]


async def _delivered(js, n: int) -> bool:
    info = await js.consumer_info("ACOMPANA", "prueba-visitas")
    return info.ack_floor.stream_seq >= n


@asynccontextmanager
async def following_chains(nats_url: str, js, settings, handler, *, espera: float):
    """evaluacion's consumer of agenda's visits, applying only facts that continue agenda's chain."""
    eslabones = Eslabones(settings, ["agenda"])
    consumers = IdempotentConsumers(Telemetry.create("prueba"), ack_wait=5.0)
    consumers.subscribe("prueba-visitas", VisitaRealizadaV1, handler)
    consumers.follow_chains("evaluacion", eslabones, espera)
    try:
        async with consumiendo(consumers, js):
            yield consumers, eslabones
    finally:
        eslabones.close()


async def test_un_hecho_antiguo_cuyo_anterior_llega_despues_espera_y_se_aplica(make_settings, nats_server, js):
    # Given agenda's second visit stored in the stream longer ago than the chain wait (1 s), as after a
    # backlog (evaluacion was down), and its predecessor not in the stream yet
    uno, dos = encadenados([envelope(1), envelope(2)])
    await publish(js, dos)
    await asyncio.sleep(1.5)  # the fact ages in the stream past the wait
    aplicados: list[str] = []
    settings = make_settings(EvaluacionSettings)
    async with following_chains(nats_server.url, js, settings, lambda e: aplicados.append(e.id),
                                espera=1.0) as (consumers, eslabones):
        # When evaluacion starts and the predecessor arrives once the consumer has dealt with the second
        # visit's first delivery (the ledger had it waiting for its predecessor)
        await eventually(lambda: eslabones.estado(dos)[0] == PENDIENTE)
        await eventually(lambda: _primera_entrega_atendida(js, "prueba-visitas"))
        await publish(js, uno)
        # Then both visits are applied, none parked
        await eventually(lambda: sorted(aplicados) == ["agenda:1", "agenda:2"])
        assert await consumers.dead_letters() == []


async def test_un_hecho_cuyo_anterior_nunca_llega_queda_apartado_tras_esperarlo(make_settings, nats_server, js):
    # Given agenda's second visit, whose predecessor never comes
    _, dos = encadenados([envelope(1), envelope(2)])
    aplicados: list[str] = []
    settings = make_settings(EvaluacionSettings)
    async with following_chains(nats_server.url, js, settings, lambda e: aplicados.append(e.id),
                                espera=0.5) as (consumers, _):
        # When it is delivered
        await publish(js, dos)
        # Then after waiting for its predecessor over several deliveries it is parked, with its reason
        fallidos = await eventually(consumers.dead_letters)
        assert [(f.evento_id, f.consumidor) for f in fallidos] == [("agenda:2", "prueba-visitas")]
        assert fallidos[0].entregas > 1 and "no continúa la cadena de su servicio" in fallidos[0].motivo
        assert aplicados == []


async def _primera_entrega_atendida(js, durable: str) -> bool:
    """The consumer acknowledged its first message, or was handed it again."""
    info = await js.consumer_info(STREAM, durable)
    return info.num_redelivered >= 1 or info.ack_floor.stream_seq >= 1
