"""evaluacion's history durable carries the producers' chain ledger: one durable fewer per message, the same
guarantees (each view applies a fact once, the ledger records each link once, a gap waits, a failing message
is isolated and parked, and a deployment's old ledger durables are removed without losing a link)."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from services.evaluacion import messaging
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope, VisitaRealizadaV1
from shared.eslabones import PENDIENTE, VERIFICADO, Eslabones
from shared.streams import STREAM
from shared.telemetry import Telemetry
from tests.conftest import eventually
from tests.support.stream import consumido, consumiendo, encadenados

HISTORIA = messaging.CONSUMIDOR_HISTORIA
SERVICIOS = ("focalizacion", "agenda", "evidencias", "evaluacion")


def visita(position: int, docente_id: uuid.UUID) -> Envelope:
    data = VisitaRealizadaV1(
        visita_id=uuid.uuid5(uuid.NAMESPACE_URL, f"visita/{position}"), docente_id=docente_id,
        acompanante_id=uuid.uuid5(uuid.NAMESPACE_URL, "acompanante"), codigo_modular="0236885", anexo=0,
        dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", anio=2025, fecha_inicio=date(2025, 6, position),
        fecha_fin=date(2025, 6, position), dias=1, acciones=["observacion"])
    return Envelope.wrap(servicio="agenda", position=position, data=data, subject="docente/x",
                         time=datetime(2025, 6, 30, 12, tzinfo=UTC) + timedelta(seconds=position),
                         dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")


async def publicar(js, *envelopes: Envelope) -> None:
    for env in envelopes:
        await js.publish(env.nats_subject, env.payload(), headers=env.headers())


def contar(proyecciones: Proyecciones, nombre: str) -> int:
    """Ids in a projection's inbox (each fact it applied, once)."""
    return proyecciones.leer(nombre, lambda conn, t: conn.execute(
        select(func.count()).select_from(t.inbox)).scalar_one())


def eslabones_registrados(ledger: Eslabones) -> list[tuple[int, str]]:
    t = ledger.tabla.t
    with ledger.engine.connect() as conn:
        return [tuple(f) for f in conn.execute(select(t.c.posicion, t.c.estado).order_by(t.c.posicion)).all()]


async def existe(js, durable: str) -> bool:
    try:
        await js.consumer_info(STREAM, durable)
    except NotFoundError:
        return False
    return True


@asynccontextmanager
async def evaluacion(settings, proyecciones: Proyecciones, js, *, falla: str | None = None):
    """evaluacion's consumers as the service wires them (the chains followed after the subscriptions); with
    ``falla``, the history's handler raises on that fact every time."""
    consumers = IdempotentConsumers(Telemetry.create("prueba"), ack_wait=5.0, max_deliver=2, backoff=[0.05])
    messaging.subscribe(consumers, None, proyecciones)  # only visits arrive: none reaches the write side
    ledger = Eslabones(settings, consumers.producers("evaluacion", SERVICIOS))
    consumers.follow_chains("evaluacion", ledger, 30.0)
    if falla is not None:
        historia = consumers.handlers[HISTORIA]

        def handler(env: Envelope) -> None:
            if env.id == falla:
                raise RuntimeError("la historia no puede con este hecho")
            historia(env)
        consumers.handlers[HISTORIA] = handler
    try:
        async with consumiendo(consumers, js):
            yield consumers, ledger
    finally:
        ledger.close()


async def test_un_lote_por_el_durable_de_la_historia_aplica_cada_vista_y_cada_eslabon_una_vez_y_un_hueco_espera(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    docente = uuid.uuid4()
    hechos = encadenados([visita(i, docente) for i in range(1, 8)])
    async with evaluacion(settings, proyecciones, js) as (consumers, ledger):
        # Given no ledger durable of its own: the history's durable carries agenda's ledger
        assert consumers.con_registro == {HISTORIA: {"agenda", "evidencias", "focalizacion"}}
        assert not [d for d in consumers.configs if "-cadena-" in d]
        # When a batch of agenda's chained visits arrives, twice (a republication), the sixth missing
        await publicar(js, *hechos[:5], hechos[6], *hechos[:5])
        await eventually(lambda: consumido(js, HISTORIA))
        await eventually(lambda: contar(proyecciones, "seguimiento") == 5)
        # Then each view applied each fact once, the ledger recorded each link once, and the fact after the
        # gap waits (in the history with its link waiting, in the ledger pending, not in the matrices)
        assert contar(proyecciones, "historia") == 6
        assert eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 6)] + [(7, PENDIENTE)]
        # When the missing fact arrives, both are applied
        await publicar(js, hechos[5])
        await eventually(lambda: contar(proyecciones, "seguimiento") == 7)
        assert eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 8)]
        assert contar(proyecciones, "historia") == 7
        assert await consumers.dead_letters() == []
        assert not await existe(js, "evaluacion-cadena-agenda")


async def test_un_hecho_que_la_historia_no_aplica_queda_aparte_y_su_eslabon_registrado(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    docente = uuid.uuid4()
    hechos = encadenados([visita(i, docente) for i in range(1, 5)])
    async with evaluacion(settings, proyecciones, js, falla="agenda:2") as (consumers, ledger):
        # When a batch arrives whose second fact the history's handler fails on
        await publicar(js, *hechos)
        fallidos = await eventually(consumers.dead_letters)
        # Then that fact alone is parked by the history's durable, after its deliveries
        assert [(f.evento_id, f.consumidor) for f in fallidos] == [("agenda:2", HISTORIA)]
        await eventually(lambda: consumido(js, HISTORIA))
        assert contar(proyecciones, "historia") == 3
        # and its link is in the ledger: the matrices apply every fact, the ones after it included, once
        assert eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 5)]
        await eventually(lambda: contar(proyecciones, "seguimiento") == 4)
        # When it is driven again (the handler mended), it leaves the queue and the history has it once
        consumers.handlers[HISTORIA] = proyecciones.historia.aplicar
        await consumers.redrive(fallidos[0].secuencia)
        assert contar(proyecciones, "historia") == 4
        assert await consumers.dead_letters() == []


async def test_los_durables_de_eslabones_de_antes_se_retiran_y_la_historia_relee_lo_que_no_habian_confirmado(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    docente = uuid.uuid4()
    hechos = encadenados([visita(i, docente) for i in range(1, 5)])
    await publicar(js, *hechos)
    # Given a deployment of before: agenda's ledger durable had recorded and acknowledged the first fact only,
    # while the history's durable had acknowledged all four
    viejo = await js.pull_subscribe("acompana.agenda.>", durable="evaluacion-cadena-agenda", stream=STREAM,
                                    config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
    primero = (await viejo.fetch(1, timeout=2.0))[0]
    anterior = Eslabones(settings, ["agenda"])
    try:
        anterior.registrar_lote([hechos[0]])
    finally:
        anterior.close()
    await primero.ack_sync()
    historia = await js.pull_subscribe("acompana.>", durable=HISTORIA, stream=STREAM,
                                       config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
    for msg in await historia.fetch(4, timeout=2.0):
        await msg.ack_sync()
    await viejo.unsubscribe()
    await historia.unsubscribe()
    assert (await js.consumer_info(STREAM, HISTORIA)).ack_floor.stream_seq == 4
    # When this version starts
    async with evaluacion(settings, proyecciones, js) as (consumers, ledger):
        # Then the old durable is gone, and the ledger has every link: the history's durable read again
        # from the first fact the old one had not acknowledged
        await eventually(lambda: eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 5)])
        assert not await existe(js, "evaluacion-cadena-agenda")
        await eventually(lambda: consumido(js, HISTORIA))
        await eventually(lambda: contar(proyecciones, "seguimiento") == 4)
        assert contar(proyecciones, "historia") == 3  # the first fact was never given to this history
        assert await consumers.dead_letters() == []
