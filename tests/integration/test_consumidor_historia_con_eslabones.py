"""evaluacion's one durable (every subject) carries the producers' chain ledger, the history, the matrices and
the write side: each fact fetched once, the same guarantees (each view applies a fact once, the ledger records
each link once, a gap waits, a failing handler is isolated and its message parked, and a deployment's old
durables, one per contract, the history's and the ledger's, are removed without losing a message)."""

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
from shared.streams import STREAM, dlq_subject
from shared.telemetry import Telemetry
from tests.conftest import eventually
from tests.support.stream import consumido, consumiendo, encadenados

HECHOS = messaging.CONSUMIDOR
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


async def not_(consulta) -> bool:
    return not await consulta


async def existe(js, durable: str) -> bool:
    try:
        await js.consumer_info(STREAM, durable)
    except NotFoundError:
        return False
    return True


@asynccontextmanager
async def evaluacion(settings, proyecciones: Proyecciones, js, *, falla: str | None = None,
                     falla_matrices: str | None = None):
    """evaluacion's consumers as the service wires them (the chains followed after the subscriptions); with
    ``falla``, the history's handler (the durable's own) raises on that fact every time; with ``falla_matrices``,
    the visits' handler (the matrices')."""
    consumers = IdempotentConsumers(Telemetry.create("prueba"), ack_wait=5.0, max_deliver=2, backoff=[0.05])
    messaging.subscribe(consumers, None, proyecciones)  # only visits arrive: none reaches the write side
    ledger = Eslabones(settings, consumers.producers("evaluacion", SERVICIOS))
    consumers.follow_chains("evaluacion", ledger, 30.0)
    if falla is not None:
        historia = consumers.handlers[HECHOS]

        def handler(env: Envelope) -> None:
            if env.id == falla:
                raise RuntimeError("la historia no puede con este hecho")
            historia(env)
        consumers.handlers[HECHOS] = handler
    if falla_matrices is not None:
        matrices = consumers.por_contrato[HECHOS][VisitaRealizadaV1]

        def de_visitas(env: Envelope) -> None:
            if env.id == falla_matrices:
                raise RuntimeError("las matrices no pueden con este hecho")
            matrices(env)
        consumers.por_contrato[HECHOS][VisitaRealizadaV1] = de_visitas
    try:
        async with consumiendo(consumers, js):
            yield consumers, ledger
    finally:
        ledger.close()


async def test_un_lote_por_el_durable_de_evaluacion_aplica_cada_vista_y_cada_eslabon_una_vez_y_un_hueco_espera(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    docente = uuid.uuid4()
    hechos = encadenados([visita(i, docente) for i in range(1, 8)])
    async with evaluacion(settings, proyecciones, js) as (consumers, ledger):
        # Given one durable: it carries agenda's ledger, the history and the matrices
        assert consumers.con_registro == {HECHOS: {"agenda", "evidencias", "focalizacion"}}
        assert list(consumers.configs) == [HECHOS]
        # When a batch of agenda's chained visits arrives, twice (a republication), the sixth missing
        await publicar(js, *hechos[:5], hechos[6], *hechos[:5])
        await eventually(lambda: contar(proyecciones, "historia") == 6)
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
        # Then that fact alone is parked by evaluacion's durable, after its deliveries
        assert [(f.evento_id, f.consumidor) for f in fallidos] == [("agenda:2", HECHOS)]
        await eventually(lambda: consumido(js, HECHOS))
        assert contar(proyecciones, "historia") == 3
        # and its link is in the ledger: the matrices (its other handler) apply every fact, that one included, once
        assert eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 5)]
        await eventually(lambda: contar(proyecciones, "seguimiento") == 4)
        # When it is driven again (the handler mended), it leaves the queue and the history has it once
        consumers.handlers[HECHOS] = proyecciones.historia.aplicar
        await consumers.redrive(fallidos[0].secuencia)
        assert contar(proyecciones, "historia") == 4
        assert await consumers.dead_letters() == []


async def test_un_hecho_que_las_matrices_no_aplican_queda_aparte_y_la_historia_lo_tiene(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    hechos = encadenados([visita(i, uuid.uuid4()) for i in range(1, 5)])
    async with evaluacion(settings, proyecciones, js, falla_matrices="agenda:3") as (consumers, ledger):
        # When a batch arrives whose third fact the matrices' handler fails on
        await publicar(js, *hechos)
        fallidos = await eventually(consumers.dead_letters)
        # Then that fact alone is parked, after its deliveries; the history applied it (its other handler), and
        # the matrices every other fact, the one after it included
        assert [(f.evento_id, f.consumidor) for f in fallidos] == [("agenda:3", HECHOS)]
        await eventually(lambda: consumido(js, HECHOS))
        assert contar(proyecciones, "historia") == 4
        assert contar(proyecciones, "seguimiento") == 3
        assert eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 5)]
        # When it is driven again (the handler mended), it leaves the queue and each view has it once
        consumers.por_contrato[HECHOS][VisitaRealizadaV1] = proyecciones.aplicar
        await consumers.redrive(fallidos[0].secuencia)
        assert contar(proyecciones, "seguimiento") == 4
        assert contar(proyecciones, "historia") == 4
        assert await consumers.dead_letters() == []


async def test_una_carta_muerta_de_un_durable_de_antes_se_lista_y_la_reaplica_el_nuevo(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    uno, dos, tres = encadenados([visita(i, uuid.uuid4()) for i in range(1, 4)])
    async with evaluacion(settings, proyecciones, js) as (consumers, ledger):
        await publicar(js, uno, dos)
        await eventually(lambda: contar(proyecciones, "seguimiento") == 2)
        # Given a dead letter the visits' durable of a deployment before this one had parked
        await js.publish(dlq_subject("evaluacion-visitas"), tres.payload(), headers={
            **tres.headers(), "x-fallido-consumidor": "evaluacion-visitas", "x-fallido-motivo": "RuntimeError: antes",
            "x-fallido-entregas": "5", "x-fallido-sujeto": tres.nats_subject, "x-fallido-secuencia": "3",
            "x-fallido-en": datetime.now(UTC).isoformat()})
        # When the queue is listed, and that dead letter driven again
        fallidos = await consumers.dead_letters()
        assert [(f.evento_id, f.consumidor) for f in fallidos] == [(tres.id, "evaluacion-visitas")]
        await consumers.redrive(fallidos[0].secuencia)
        # Then evaluacion's durable applied it as its own: its link, the history, the matrices; the queue is empty
        assert eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 4)]
        assert contar(proyecciones, "seguimiento") == 3
        assert contar(proyecciones, "historia") == 3
        assert await consumers.dead_letters() == []


async def test_los_durables_de_antes_se_retiran_y_el_nuevo_relee_lo_que_no_habian_confirmado_todos(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    docente = uuid.uuid4()
    hechos = encadenados([visita(i, docente) for i in range(1, 5)])
    await publicar(js, *hechos)
    # Given a deployment of before: agenda's ledger durable had recorded and acknowledged the first fact only,
    # the visits' durable had applied the first two, the history's durable all four
    anterior = Eslabones(settings, ["agenda"])
    try:
        anterior.registrar_lote([hechos[0]])
    finally:
        anterior.close()
    for env in hechos[:2]:
        proyecciones.aplicar(env)
    for env in hechos:
        proyecciones.historia.aplicar(env)
    for durable, subject, leidos in (("evaluacion-cadena-agenda", "acompana.agenda.>", 1),
                                     ("evaluacion-visitas", VisitaRealizadaV1.subject(), 2),
                                     ("evaluacion-historia", "acompana.>", 4)):
        viejo = await js.pull_subscribe(subject, durable=durable, stream=STREAM,
                                        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
        for msg in await viejo.fetch(leidos, timeout=2.0):
            await msg.ack_sync()
        await viejo.unsubscribe()
    # When this version starts
    async with evaluacion(settings, proyecciones, js) as (consumers, ledger):
        # Then the old durables are gone, and the new one read again from the first fact they had not all
        # acknowledged: the ledger has every link, each view every fact once
        await eventually(lambda: eslabones_registrados(ledger) == [(i, VERIFICADO) for i in range(1, 5)])
        for viejo in ("evaluacion-cadena-agenda", "evaluacion-visitas", "evaluacion-historia"):
            assert not await existe(js, viejo)
        assert (await js.consumer_info(STREAM, HECHOS)).config.opt_start_seq == 2
        await eventually(lambda: consumido(js, HECHOS))
        await eventually(lambda: contar(proyecciones, "seguimiento") == 4)
        assert contar(proyecciones, "historia") == 4
        assert await consumers.dead_letters() == []


async def test_si_los_durables_de_antes_lo_habian_confirmado_todo_el_nuevo_empieza_tras_el_ultimo_mensaje(
        make_settings, nats_server, js, closing):
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    hechos = encadenados([visita(i, uuid.uuid4()) for i in range(1, 4)])
    await publicar(js, *hechos)
    # Given a deployment of before whose visits' durable had read and acknowledged every visit, and whose
    # other durables (here, the DRE names') never had a message: their ack floors say 3 and 0
    visitas = await js.pull_subscribe(VisitaRealizadaV1.subject(), durable="evaluacion-visitas", stream=STREAM,
                                      config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
    for msg in await visitas.fetch(3, timeout=2.0):
        await msg.ack_sync()
    await visitas.unsubscribe()
    await js.add_consumer(STREAM, config=ConsumerConfig(
        durable_name="evaluacion-territorio-nombrado", filter_subject="acompana.focalizacion.TerritorioNombrado.v1.*.*",
        ack_policy=AckPolicy.EXPLICIT))
    # When this version starts
    async with evaluacion(settings, proyecciones, js) as (consumers, _):
        # Then the new durable starts after the last message (nothing was left for them), not from the first, and
        # the old ones are removed (just after the new one is declared: the consumers may be pulling already)
        assert (await js.consumer_info(STREAM, HECHOS)).config.opt_start_seq == 4
        for viejo in ("evaluacion-visitas", "evaluacion-territorio-nombrado"):
            await eventually(lambda viejo=viejo: not_(existe(js, viejo)))
        assert await consumido(js, HECHOS)
        assert contar(proyecciones, "historia") == 0
