"""The live consumers apply a fetched batch in one transaction and isolate the message that fails in it
(real nats-server; the read model on SQLite and on PostgreSQL)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, select, text

from services.evaluacion.config import EvaluacionSettings
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope, VisitaRealizadaV1
from shared.generaciones import control_table
from shared.stream_views import StreamView, Tablas
from shared.telemetry import Telemetry
from shared.views import ViewStore
from tests.conftest import eventually
from tests.integration.test_idempotent_consumer import envelope, publish
from tests.support.stream import consumido, consumiendo

DURABLE = "prueba-lotes"


class Veces(StreamView):
    """How many times each visit was applied: an effect that is not idempotent by itself (a second
    application adds one), so only the generation's inbox and the batch's transaction keep it at one."""

    nombre = "veces"

    def __init__(self, store: ViewStore, control: Table) -> None:
        super().__init__(store, control)
        self.handlers[VisitaRealizadaV1] = self._visita

    def definir(self, metadata: MetaData, n: Callable[[str], str]) -> list[Table]:
        return [Table(n("aplicadas"), metadata, Column("evento_id", String(200), primary_key=True),
                      Column("veces", Integer, nullable=False))]

    def _visita(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        tabla = t.aplicadas.name
        conn.execute(text(f'INSERT INTO "{tabla}" (evento_id, veces) VALUES (:id, 1) '
                          f'ON CONFLICT (evento_id) DO UPDATE SET veces = "{tabla}".veces + 1'), {"id": env.id})

    def veces(self) -> dict[str, int]:
        return dict(self.leer(lambda conn, t: conn.execute(select(t.aplicadas.c.evento_id, t.aplicadas.c.veces))
                              .tuples().all()))


def vista(settings: EvaluacionSettings) -> Veces:
    metadata = MetaData()
    control = control_table(metadata)
    store = ViewStore(settings, metadata)
    store.create_all()
    return Veces(store, control)


def consumidores(handler: Callable[[Envelope], None]) -> IdempotentConsumers:
    consumers = IdempotentConsumers(Telemetry.create("prueba"), max_deliver=3, ack_wait=5.0, backoff=[0.05, 0.1, 0.2])
    consumers.subscribe(DURABLE, VisitaRealizadaV1, handler)
    return consumers


def contador(consumers: IdempotentConsumers, nombre: str) -> float:
    return consumers.telemetry.registry.get_sample_value(f"{nombre}_total") or 0.0


async def test_un_lote_con_un_mensaje_que_falla_aplica_los_demas_una_vez_y_aparta_el_que_falla(
        make_settings, nats_server, js):
    # Given ten visits of one docente already in the stream, and a read model whose handler writes the fifth
    # and then fails on it, every time
    veces = vista(make_settings(EvaluacionSettings))
    llamadas: Counter[str] = Counter()

    def handler(env: Envelope) -> None:
        llamadas[env.id] += 1
        veces.aplicar(env)
        if env.id == "agenda:5":
            raise ValueError("dato imposible de proyectar")

    docente = uuid.uuid4()
    for posicion in range(1, 11):
        await publish(js, envelope(posicion, docente))
    consumers = consumidores(handler)
    try:
        # When the consumer fetches them (together) and applies them
        async with consumiendo(consumers, js):
            fallidos = await eventually(consumers.dead_letters)
            await eventually(lambda: consumido(js, DURABLE))

        # Then the other nine are applied once each, in batches (not one transaction per message)
        buenas = {f"agenda:{p}": 1 for p in range(1, 11) if p != 5}
        assert veces.veces() == buenas
        assert contador(consumers, "acompana_mensajes_aplicados") == 9
        assert contador(consumers, "acompana_lotes_aplicados") < 9
        # and the fifth, whose own write was rolled back with its batch, was tried once per delivery and parked
        assert llamadas["agenda:5"] == 3
        assert [(f.evento_id, f.entregas, f.consumidor) for f in fallidos] == [("agenda:5", 3, DURABLE)]
        assert "ValueError: dato imposible de proyectar" in fallidos[0].motivo

        # When the cause is fixed and the dead letter re-driven, it is applied once too
        llamadas.clear()
        consumers.handlers[DURABLE] = veces.aplicar
        await consumers.redrive(fallidos[0].secuencia)
        assert veces.veces() == {**buenas, "agenda:5": 1}
        assert await consumers.dead_letters() == []
    finally:
        veces.store.dispose()


async def test_los_anteriores_al_que_falla_sin_modelo_de_lectura_no_se_repiten(make_settings, nats_server, js):
    # Given five visits in the stream and a handler that writes no read model (a command on the write side,
    # as agenda's and evidencias's), failing on the third once
    vistas: list[str] = []

    def handler(env: Envelope) -> None:
        vistas.append(env.id)
        if env.id == "agenda:3" and vistas.count("agenda:3") == 1:
            raise ConnectionError("almacén ocupado")

    for posicion in range(1, 6):
        await publish(js, envelope(posicion))
    consumers = consumidores(handler)
    # When the consumer applies them
    async with consumiendo(consumers, js):
        await eventually(lambda: consumido(js, DURABLE))
        assert await consumers.dead_letters() == []

    # Then each ran once, but the third, which ran again on its redelivery, and the first two were not
    # run again when the batch stopped at the third
    assert Counter(vistas) == {"agenda:1": 1, "agenda:2": 1, "agenda:3": 2, "agenda:4": 1, "agenda:5": 1}
    assert vistas[:3] == ["agenda:1", "agenda:2", "agenda:3"]


async def test_un_almacen_que_no_responde_no_aparta_el_mensaje_aunque_pase_max_deliver(
        make_settings, nats_server, js):
    # Given a read model whose store refuses connections for the first five deliveries of a visit (a
    # PostgreSQL restarting, a failover), more than the consumer's three deliveries
    from sqlalchemy.exc import OperationalError

    veces = vista(make_settings(EvaluacionSettings))
    intentos: Counter[str] = Counter()

    def handler(env: Envelope) -> None:
        intentos[env.id] += 1
        if intentos[env.id] <= 5:
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("the database system is starting up"))
        veces.aplicar(env)

    await publish(js, envelope(1))
    consumers = IdempotentConsumers(Telemetry.create("prueba"), max_deliver=3, ack_wait=5.0,
                                    backoff=[0.05, 0.1, 0.2])
    consumers.subscribe(DURABLE, VisitaRealizadaV1, handler)
    try:
        # When the consumer applies it
        async with consumiendo(consumers, js):
            await eventually(lambda: consumido(js, DURABLE))
            # Then it was asked again past max_deliver and applied once the store answered, never parked
            assert await consumers.dead_letters() == []
        assert intentos["agenda:1"] == 6
        assert veces.veces() == {"agenda:1": 1}
    finally:
        veces.store.dispose()


async def test_el_lote_siguiente_se_prepara_mientras_el_anterior_se_aplica_y_todos_se_aplican_en_orden(
        make_settings, nats_server, js):
    # Given thirty visits in the stream, a consumer that fetches ten at a time, and a handler that takes a while
    import time

    sucesos: list[tuple[str, str]] = []  # appended from the event loop and from the worker threads

    def handler(env: Envelope) -> None:
        time.sleep(0.01)
        sucesos.append(("aplicado", env.id))

    for posicion in range(1, 31):
        await publish(js, envelope(posicion))
    consumers = IdempotentConsumers(Telemetry.create("prueba"), max_deliver=3, ack_wait=5.0, batch_size=10)
    consumers.subscribe(DURABLE, VisitaRealizadaV1, handler)
    preparar = consumers._preparar

    async def preparando(durable: str, mensajes: list) -> list:
        trabajos = await preparar(durable, mensajes)
        sucesos.append(("preparado", trabajos[0][1].id))
        return trabajos
    consumers._preparar = preparando  # type: ignore[method-assign]

    # When it applies them
    async with consumiendo(consumers, js):
        await eventually(lambda: consumido(js, DURABLE))

    # Then each visit was applied once, in the stream's order, batch after batch
    assert [i for s, i in sucesos if s == "aplicado"] == [f"agenda:{p}" for p in range(1, 31)]
    assert contador(consumers, "acompana_mensajes_aplicados") == 30
    # and the second batch was fetched and read before the first one was done (one after the other, it came after)
    assert sucesos.index(("preparado", "agenda:11")) < sucesos.index(("aplicado", "agenda:10"))
