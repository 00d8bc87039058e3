"""Idempotent JetStream consumers: durable pull consumers, applied in batches.

Each durable consumer of the service runs one loop (all started by ``consumir``) on a nats-py pull
subscription: it fetches up to ``batch_size`` messages (after the first one, waiting at most ``batch_wait``
seconds for the batch to fill), applies them in stream order in one thread and one transaction per
read-model store (``shared.transacciones.lote``), and acknowledges them after the commit. When the handler raises on
a message, that message alone is treated as failed: the messages before it commit (applied again after
the rollback), the ones after it are applied next, in a transaction of their own. A message whose handler
fails is negatively acknowledged with a growing delay (``backoff``) and redelivered; after ``max_deliver``
deliveries, or at once when it does not honour its contract or breaks its service's chain, it is parked on
the dead-letter subject ``acompana-dlq.<durable>`` with the reason, and only then acknowledged (the whole
policy, a store that does not answer included: ``shared.fallidos.fallo``). The server never drops a
message on its own (``max_deliver=-1`` on the server side). Each message keeps its trace: when the
service exports spans, its handler runs in a span of the trace its ``traceparent`` names.

``consumir`` keeps the durables declared while it runs (``shared.durables``: a stream lost and declared again
comes back without them); the dead-letter queue is ``shared.fallidos``.

Delivery is at least once (an ack lost, a replica that dies mid-batch, a republication after the
dedupe window): handlers are idempotent by what they write, not by this module. A ``StreamView``
records each applied event's id in its generation's inbox in the same transaction as its rows and
skips an id already there; the write side's commands (agenda, evidencias, what evaluacion records of
other services' plans and observations) change an aggregate only when its state does not hold the fact
yet (a known plan, evidence or notice id, under deterministic ids and the store's optimistic
concurrency); the chain ledger (``shared.eslabones``) keeps the first record of each position.

A batch is applied in stream order, but a nak'ed message comes back after later ones, and each
contract has its own durable consumer: no result depends on delivery order. Another service's fact is
applied only when it continues its service's chain (``shared.eslabones``; a batch's links are asked with one
query, and a fact the ledger has not verified yet is applied on its own): a fact whose predecessor has not
arrived waits and is asked again (``CadenaPendiente``); a change that overtook the fact it changes
(a reassignment before its plan) fails and is retried. The ledger is fed by the durable that records the
chains itself on the producer's subjects (evaluacion's history, on every subject: one durable fewer per
message), which records a batch's links in a transaction of their own before its handler runs; a producer no
such durable reads gets a ledger durable of its own. The ledger durables a service had before
(``<servicio>-cadena-<productor>``) are removed when its consumers start (``shared.durables.retirar``); when the
durable that replaces them had acknowledged past their ack floor, it is declared again from the first message
after that floor (what it reads again its handler drops), so the ledger misses no link.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig as JsConsumerConfig
from opentelemetry.trace import SpanKind

from shared import durables, fallidos
from shared.contracts import ContractError, Envelope, IntegrationEvent
from shared.eslabones import CadenaPendiente, CadenaRota, Eslabones
from shared.fallidos import DeadLetter
from shared.streams import DLQ_STREAM, STREAM
from shared.telemetry import Telemetry, context_from_traceparent
from shared.transacciones import en_lote, lote

__all__ = ["Handler", "IdempotentConsumers"]

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], None]


def _se_exportan(telemetry: Telemetry) -> bool:
    """Whether the service's spans go anywhere (a span processor: the collector, a test's exporter)."""
    procesadores = getattr(getattr(telemetry.tracer_provider, "_active_span_processor", None), "_span_processors", None)
    return procesadores is None or bool(procesadores)


class _FalloEnLote(Exception):
    def __init__(self, indice: int, causa: Exception) -> None:
        super().__init__(indice, causa)
        self.indice, self.causa = indice, causa


class IdempotentConsumers:
    """The durable consumers of one service, their retry policy and dead letters."""

    def __init__(
        self,
        telemetry: Telemetry,
        *,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        backoff: list[float] | None = None,
        batch_size: int = 100,
        batch_wait: float = 0.05,
        eslabones: Eslabones | None = None,
        espera_cadena: float = 300.0,
    ) -> None:
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.backoff = backoff or [0.5, 2.0, 10.0, 30.0]
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.handlers: dict[str, Handler] = {}
        self.configs: dict[str, JsConsumerConfig] = {}  # what each durable consumer is declared with
        self.subjects: dict[str, str] = {}
        self.leidos = durables.Leidos()  # a message several durables read is parsed once
        self.js: JetStreamContext | None = None  # set when the service connects
        # The chains of the services this one consumes from (shared.eslabones): a fact is applied only when
        # it continues its service's chain; ``espera_cadena`` seconds for a predecessor before parking it.
        self.eslabones = eslabones
        self.espera_cadena = espera_cadena
        self._servicio = ""  # the consuming service, in its ledger durables' names
        # Durables that record the chains themselves (the ledger's own, a history of every fact): they do
        # not ask the ledger, so what they keep of a fact does not depend on when its link was recorded.
        self.registran_cadena: set[str] = set()
        # durable -> the producers whose ledger it carries; the ledger durables replaced (``follow_chains``)
        self.con_registro: dict[str, set[str]] = {}
        self.obsoletos: dict[str, str] = {}
        self.telemetry = telemetry
        self.tracer = telemetry.tracer("acompana.consumidores")
        self.dead_lettered = telemetry.counter(
            "acompana_mensajes_fallidos", "Mensajes enviados a la cola de fallidos"
        )
        self.aplicados = telemetry.counter(
            "acompana_mensajes_aplicados", "Mensajes aplicados y confirmados por los consumidores durables"
        )
        self.lotes = telemetry.counter("acompana_lotes_aplicados", "Lotes de mensajes aplicados en una transacción")

    def subscribe(self, durable: str, contract: type[IntegrationEvent], handler: Handler) -> None:
        """Register ``handler`` for every territory's messages of ``contract``."""
        self.subscribe_subject(durable, contract.subject(), handler, title=f"{durable}:{contract.ce_type()}",
                               description=contract.__doc__ or "")

    def subscribe_subject(self, durable: str, subject: str, handler: Handler, *, title: str,
                          description: str, registra_cadena: bool = False) -> None:
        """Register ``handler`` for every message on ``subject`` (a wildcard takes several contracts);
        ``title`` and ``description`` describe the durable consumer on the server.

        ``registra_cadena``: the handler verifies and records each fact's link itself, broken or waiting
        ones included, as a rebuild from the stream does; the ledger does not hold its facts back."""
        self.handlers[durable] = handler
        if registra_cadena:
            self.registran_cadena.add(durable)
        self.configs[durable] = durables.configuracion(durable, subject, self.ack_wait, f"{title}: {description}")
        self.subjects[durable] = subject

    # --- the durable consumers run while the service runs ------------------------------------

    async def consumir(self, stopping: asyncio.Event, every: float = 2.0) -> None:
        """Run every durable consumer (one pull loop each) and keep them declared until ``stopping``."""
        if self.js is not None:
            await durables.retirar(self.js, self.obsoletos, self.configs, stopping)
            try:  # declared before they pull (a first start): missing then is no news
                await self.redeclarar(avisar=False)
            except Exception as exc:  # NATS or the stream away: each loop and ``vigilar`` try again
                log.debug("no se pudieron declarar los consumidores: %r", exc)
        bucles = [asyncio.create_task(self._bucle(durable, stopping)) for durable in self.configs]
        try:
            await self.vigilar(stopping, every)
        finally:
            _, pendientes = await asyncio.wait(bucles, timeout=durables.ESPERA_LARGA + 2.0) if bucles else ((), ())
            for bucle in pendientes:
                bucle.cancel()
            await asyncio.gather(*bucles, return_exceptions=True)

    async def faltantes(self, timeout: float = 5.0) -> list[str]:
        """The durable consumers of this service the stream does not have (all, if it is gone)."""
        if self.js is None:
            raise ConnectionError("sin conexión a NATS")
        return await durables.faltantes(self.js, list(self.configs), timeout)

    async def al_dia(self) -> bool:
        """Whether every durable consumer of this service has applied (and acknowledged) every message the
        stream holds for it: nothing left to deliver, nothing delivered and waiting for its handler."""
        return self.js is not None and await durables.al_dia(self.js, list(self.configs))

    async def redeclarar(self, avisar: bool = True) -> list[str]:
        """Declare again every missing durable consumer (the stream was lost and declared anew); they
        deliver from the stream's first message, and each handler drops what was already applied."""
        assert self.js is not None
        faltan = await self.faltantes()
        for durable in faltan:
            await self.js.add_consumer(STREAM, config=self.configs[durable])
            if avisar:
                log.warning("%s: el consumidor durable no existía en el stream; declarado de nuevo", durable)
        return faltan

    async def vigilar(self, stopping: asyncio.Event, every: float = 2.0) -> None:
        """Keep the durable consumers declared while the service runs."""
        while not stopping.is_set():
            if self.js is not None and self.configs:
                try:
                    await self.redeclarar()
                except Exception as exc:  # the stream or NATS away: the readiness probe says so
                    log.debug("no se pudieron revisar los consumidores: %r", exc)
            try:
                await asyncio.wait_for(stopping.wait(), every)
            except TimeoutError:
                pass

    async def _bucle(self, durable: str, stopping: asyncio.Event) -> None:
        """Fetch and apply ``durable``'s messages, batch after batch, until ``stopping``."""
        sub = None
        while not stopping.is_set():
            try:
                if sub is None:
                    if self.js is None:
                        raise ConnectionError("sin conexión a NATS")
                    # bound to the durable (declared here when missing, with its configuration)
                    sub = await self.js.pull_subscribe(self.subjects[durable], durable=durable, stream=STREAM,
                                                       config=replace(self.configs[durable]))
                mensajes = await durables.traer(sub, stopping, self.batch_size, self.batch_wait)
                if mensajes:
                    await self.procesar(durable, mensajes)
            except Exception as exc:  # NATS or the stream away: the messages not acknowledged come back
                log.debug("%s: no se pudo consumir: %r", durable, exc)
                try:
                    await asyncio.wait_for(stopping.wait(), 0.5)
                except TimeoutError:
                    pass
        if sub is not None:
            try:
                await sub.unsubscribe()
            except Exception as exc:
                log.debug("%s: %r al cerrar la suscripción", durable, exc)

    def producers(self, servicio: str, servicios: tuple[str, ...]) -> list[str]:
        """The other services whose facts this one consumes (from its subscriptions' subjects)."""
        vistos = set()
        for subject in self.subjects.values():
            token = subject.split(".")[1] if subject.count(".") else ">"
            vistos.update(servicios if token in (">", "*") else [token])
        return sorted(vistos & set(servicios) - {servicio})

    def follow_chains(self, servicio: str, eslabones: Eslabones, espera: float) -> None:
        """Record the producers' chains in the ledger and apply a producer's fact only when it continues its
        chain. A durable that records the chains itself on a producer's subjects (the history, on every
        subject) carries that producer's ledger too: it records the batch's links first, in a transaction of
        their own, then runs its handler; any other producer gets a durable of its own,
        ``<servicio>-cadena-<productor>`` on ``acompana.<productor>.>`` (``obsoletos``: the ones replaced, which
        ``shared.durables.retirar`` removes from the server when the consumers start)."""
        self.eslabones, self.espera_cadena, self._servicio = eslabones, espera, servicio
        for productor in sorted(self.eslabones.productores):
            durable = f"{self._servicio}-cadena-{productor}"
            anfitrion = next((d for d in sorted(self.registran_cadena)
                              if self.subjects[d] in ("acompana.>", f"acompana.{productor}.>")), None)
            if anfitrion is not None:
                self.con_registro.setdefault(anfitrion, set()).add(productor)
                self.obsoletos[durable] = anfitrion
                continue
            self.registran_cadena.add(durable)
            self.subscribe_subject(durable, f"acompana.{productor}.>", self.eslabones.registrar,
                                   title=f"{durable}:cadena", description=f"La cadena de huellas de {productor}: "
                                   "cada eslabón verificado al llegar, antes de aplicar sus hechos.")

    # --- applying a batch -------------------------------------------------------------------------

    async def procesar(self, durable: str, mensajes: list[Msg]) -> None:
        """Apply a fetched batch: each message acknowledged once applied, or retried, or parked."""
        validos: list[tuple[Msg, Envelope]] = []
        for msg in mensajes:
            try:
                validos.append((msg, self.leidos.leer(msg)))
            except ContractError as exc:
                await self._dead_letter(durable, msg, f"contrato: {exc}")
                await msg.ack()
        if durable in self.con_registro:
            validos = await self._registrar_eslabones(durable, validos)
        listos, esperan = validos, []  # whose chain link is verified (or not this durable's to check), the rest
        if self.eslabones is not None and durable not in self.registran_cadena:
            listos, esperan = await self.eslabones.separar(validos)
        for msg, envelope in esperan:  # its link not verified yet, or broken: on its own (``_fallo`` says what next)
            try:
                await asyncio.to_thread(self._aplicar_solo, durable, envelope, False)
            except Exception as exc:
                await self._fallo(durable, msg, envelope, exc)
            else:
                await self._ack([msg])
        resto = listos
        while resto:
            try:
                hechos, error = await asyncio.to_thread(self._aplicar_lote, durable, [e for _, e in resto])
            except Exception as exc:  # the commit failed: no message to blame, each one on its own
                log.warning("%s: el lote de %s mensajes no se confirmó (%r); uno por uno", durable, len(resto), exc)
                for msg, envelope in resto:
                    try:
                        await asyncio.to_thread(self._aplicar_solo, durable, envelope, True)
                    except Exception as exc_uno:
                        await self._fallo(durable, msg, envelope, exc_uno)
                    else:
                        await self._ack([msg])
                return
            await self._ack([msg for msg, _ in resto[:hechos]])
            if error is None:
                return
            msg, envelope = resto[hechos]
            await self._fallo(durable, msg, envelope, error)
            resto = resto[hechos + 1:]

    async def _registrar_eslabones(self, durable: str, validos: list[tuple[Msg, Envelope]]
                                   ) -> list[tuple[Msg, Envelope]]:
        """Record the links of the batch's facts of the producers whose ledger ``durable`` carries, before its handler
        runs, in a transaction of their own (a fact the handler then fails on leaves no gap in the ledger); when
        they do not commit, each on its own, and one that fails goes to ``_fallo``. Returns the rest."""
        assert self.eslabones is not None
        suyos = [(m, e) for m, e in validos if (m.subject.split(".") + [""])[1] in self.con_registro[durable]]
        por_partes = [[e for _, e in suyos]] if suyos else []
        fallidos_: set[int] = set()
        while por_partes:
            parte = por_partes.pop(0)
            try:
                await asyncio.to_thread(self.eslabones.registrar_lote, parte)
            except Exception as exc:
                if len(parte) > 1:
                    por_partes = [[e] for e in parte]
                    continue
                msg = next(m for m, e in suyos if e is parte[0])
                fallidos_.add(id(msg))
                await self._fallo(durable, msg, parte[0], exc)
        return [(m, e) for m, e in validos if id(m) not in fallidos_]

    async def _ack(self, mensajes: list[Msg]) -> None:
        for msg in mensajes:
            await msg.ack()
        if mensajes:
            self.aplicados.inc(len(mensajes))
            self.lotes.inc()

    def _aplicar(self, durable: str, envelope: Envelope, verificado: bool, exportar: bool) -> None:
        if not verificado and self.eslabones is not None and durable not in self.registran_cadena:
            self.eslabones.exigir(envelope)
        if not exportar:  # a span that goes nowhere costs a third of a visit's projection
            self.handlers[durable](envelope)
            return
        with self.tracer.start_as_current_span(
                f"{envelope.nats_subject} process", context=context_from_traceparent(envelope.traceparent),
                kind=SpanKind.CONSUMER,
                attributes={"messaging.system": "nats", "messaging.destination.name": envelope.nats_subject,
                            "messaging.message.id": envelope.id, "messaging.consumer.group.name": durable}):
            self.handlers[durable](envelope)

    def _aplicar_solo(self, durable: str, envelope: Envelope, verificado: bool) -> None:
        with lote():
            self._aplicar(durable, envelope, verificado, _se_exportan(self.telemetry))

    def _aplicar_lote(self, durable: str, envelopes: list[Envelope]) -> tuple[int, Exception | None]:
        """Apply ``envelopes`` in one batch (``shared.transacciones.lote``), or the longest run of them from the first
        that applies without error: returns its length and the error of the message after it (None when all
        applied). When a message raises, the batch is rolled back and the messages before it are applied again
        without it, unless they wrote no read model (a command on the write side stands, it is not repeated)."""
        fin, error = len(envelopes), None
        exportar = _se_exportan(self.telemetry)
        while fin:
            escribio = False
            try:
                with lote():
                    for indice, envelope in enumerate(envelopes[:fin]):
                        try:
                            self._aplicar(durable, envelope, True, exportar)
                        except Exception as exc:
                            escribio = en_lote()
                            raise _FalloEnLote(indice, exc) from exc
                return fin, error
            except _FalloEnLote as fallo:
                fin, error = fallo.indice, fallo.causa
                if not escribio:
                    return fin, error
        return fin, error

    async def _fallo(self, durable: str, msg: Msg, envelope: Envelope, exc: Exception) -> None:
        """A message whose handler raised ``exc``: parked, or asked for again later (``shared.fallidos.fallo``)."""
        assert self.js is not None
        if await fallidos.fallo(self.js, durable, msg, envelope.id, exc, max_deliver=self.max_deliver,
                                backoff=self.backoff, espera_cadena=self.espera_cadena):
            self.dead_lettered.inc()

    async def _dead_letter(self, durable: str, msg: Msg, motivo: str) -> None:
        assert self.js is not None
        await fallidos.aparcar(self.js, durable, msg, motivo)
        self.dead_lettered.inc()

    # --- the dead-letter queue, visible and re-drivable ------------------------------------

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        assert self.js is not None
        return await fallidos.leer(self.js, list(self.handlers), limit)

    async def redrive(self, secuencia: int) -> None:
        """Run the handler again on a dead letter; on success it leaves the queue.

        Raises LookupError when there is no such dead letter, ContractError or the handler's
        error when it fails again (the dead letter stays).
        """
        assert self.js is not None
        durable, envelope = await fallidos.carta(self.js, secuencia, self.handlers)
        try:
            if durable in self.con_registro:
                await asyncio.to_thread(self.eslabones.registrar_lote, [envelope])  # type: ignore[union-attr]
            await asyncio.to_thread(self._aplicar_solo, durable, envelope, False)
        except (CadenaRota, CadenaPendiente) as exc:
            raise ContractError(f"no continúa la cadena de su servicio: {exc}") from None
        await self.js.delete_msg(DLQ_STREAM, secuencia)
