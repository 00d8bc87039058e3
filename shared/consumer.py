"""Idempotent JetStream consumers: durable pull consumers, applied in batches.

Each durable consumer of the service runs one loop (all started by ``consumir``) on a nats-py pull
subscription: it fetches up to ``batch_size`` messages (after the first one, waiting at most ``batch_wait``
seconds for the batch to fill), runs each message's handlers in stream order in one thread and one transaction
per read-model store, and acknowledges the messages after the commit (``shared.fases``: a handler that raises
is isolated). A message's handlers are its durable's own and, when the durable dispatches by contract
(``por_contrato``: one durable for every subject, each fact fetched once), its contract's. A message one of
whose handlers failed is negatively acknowledged with a growing delay (``backoff``) and redelivered; after
``max_deliver`` deliveries, or at once when it does not honour its contract or breaks its service's chain, it
is parked on the dead-letter subject ``acompana-dlq.<durable>`` with the reason, and only then acknowledged
(``shared.fallidos.fallo``, a store that does not answer included); the server never drops one itself. A
message's handlers run in a span of its trace (when spans are exported). ``shared.durables`` declares them.

Delivery is at least once (an ack lost, a replica that dies mid-batch, a republication after the dedupe
window): handlers are idempotent by what they write. A ``StreamView`` records each applied event's id in its
generation's inbox with its rows and skips an id already there; the write side's commands change an aggregate
only when its state does not hold the fact yet; the chain ledger (``shared.eslabones``) keeps the first record
of each position. A nak'ed message comes back after later ones: no result depends on delivery order.

Another service's fact is applied only when it continues its service's chain (``shared.eslabones``): a handler
that waits for the chain runs in the batch on facts whose link the ledger verified, and on the others on its
own after the batch (a fact whose predecessor has not arrived is asked for again, ``CadenaPendiente``). The
ledger is fed by the durable whose own handler records the chains itself (evaluacion's, on every subject: its
history keeps broken facts with their reason), which records a batch's links in a transaction of their own
before any handler runs; a producer no such durable reads gets a ledger durable of its own. The durables a
service had before and no longer declares (``retira``) are removed when its consumers start, their replacement
declared from the first message they had not all acknowledged (``shared.durables.retirar``: what it reads again
its handlers drop); their dead letters stay listed and are redriven by it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig as JsConsumerConfig

from shared import durables, fallidos
from shared import fases as fases_
from shared.contracts import ContractError, Envelope, IntegrationEvent
from shared.eslabones import VERIFICADO, CadenaPendiente, CadenaRota, Eslabones
from shared.fallidos import DeadLetter
from shared.recoleccion import congelar_arranque
from shared.fases import Fase, Handler
from shared.streams import DLQ_STREAM, STREAM
from shared.telemetry import Telemetry

__all__ = ["Handler", "IdempotentConsumers"]

log = logging.getLogger(__name__)

# a message, its fact, the handlers its batch runs and the ones run on their own after it (link not verified)
Trabajo = tuple[Msg, Envelope, list[Fase], list[Fase]]


class IdempotentConsumers:
    """The durable consumers of one service, their retry policy and dead letters."""

    def __init__(self, telemetry: Telemetry, *, max_deliver: int = 5, ack_wait: float = 30.0,
                 backoff: list[float] | None = None, batch_size: int = 100, batch_wait: float = 0.05,
                 eslabones: Eslabones | None = None, espera_cadena: float = 300.0) -> None:
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.backoff = backoff or [0.5, 2.0, 10.0, 30.0]
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.handlers: dict[str, Handler] = {}
        self.por_contrato: dict[str, dict[type[IntegrationEvent], Handler]] = {}  # by durable, contract
        self.configs: dict[str, JsConsumerConfig] = {}  # what each durable consumer is declared with
        self.subjects: dict[str, str] = {}
        self.leidos = durables.Leidos()  # a message several durables read is parsed once
        self.js: JetStreamContext | None = None  # set when the service connects
        # The chains of the services this one consumes from (shared.eslabones): a fact is applied only when
        # it continues its service's chain; ``espera_cadena`` seconds for a predecessor before parking it.
        self.eslabones = eslabones
        self.espera_cadena = espera_cadena
        self._servicio = ""  # the consuming service, in its ledger durables' names
        # Durables whose own handler records the chains itself (the ledger's own, a history of every fact): it
        # does not ask the ledger, so what it keeps of a fact does not depend on when its link was recorded.
        self.registran_cadena: set[str] = set()
        # durable -> the producers whose ledger it carries; old durable -> the one that reads its messages now
        self.con_registro: dict[str, set[str]] = {}
        self.obsoletos: dict[str, str] = {}
        self.telemetry = telemetry
        self.tracer = telemetry.tracer("acompana.consumidores")
        self.dead_lettered = telemetry.counter("acompana_mensajes_fallidos", "Mensajes enviados a la cola de fallidos")
        self.aplicados = telemetry.counter(
            "acompana_mensajes_aplicados", "Mensajes aplicados y confirmados por los consumidores durables")
        self.lotes = telemetry.counter("acompana_lotes_aplicados", "Lotes de mensajes aplicados en una transacción")

    def subscribe(self, durable: str, contract: type[IntegrationEvent], handler: Handler) -> None:
        """Register ``handler`` for every territory's messages of ``contract``."""
        self.subscribe_subject(durable, contract.subject(), handler, title=f"{durable}:{contract.ce_type()}",
                               description=contract.__doc__ or "")

    def subscribe_subject(self, durable: str, subject: str, handler: Handler, *, title: str, description: str,
                          registra_cadena: bool = False,
                          por_contrato: dict[type[IntegrationEvent], Handler] | None = None) -> None:
        """Register ``handler`` for every message on ``subject`` (a wildcard takes several contracts);
        ``title`` and ``description`` describe the durable consumer on the server.

        ``registra_cadena``: the handler verifies and records each fact's link itself, broken or waiting
        ones included, as a rebuild from the stream does; the ledger does not hold its facts back.
        ``por_contrato``: after ``handler``, the one of the message's contract, if any; it runs on a fact only
        once its chain link is verified (each fact fetched once, dispatched to what reads its contract)."""
        self.handlers[durable] = handler
        if registra_cadena:
            self.registran_cadena.add(durable)
        if por_contrato:
            self.por_contrato[durable] = dict(por_contrato)
        self.configs[durable] = durables.configuracion(durable, subject, self.ack_wait, f"{title}: {description}")
        self.subjects[durable] = subject

    def retira(self, anteriores: Iterable[str], por: str) -> None:
        """Durables of a deployment before this one whose messages ``por`` reads now: removed from the server when
        the consumers start (``por`` declared from the first message they had not all acknowledged), their dead
        letters listed and redriven by ``por``."""
        for durable in anteriores:
            self.obsoletos[durable] = por

    # --- the durable consumers run while the service runs ------------------------------------

    async def consumir(self, stopping: asyncio.Event, every: float = 2.0) -> None:
        """Run every durable consumer (one pull loop each) and keep them declared until ``stopping``."""
        congelar_arranque()  # what the service built to start, out of the collector's full passes
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
        """Fetch and apply ``durable``'s messages, batch after batch, until ``stopping``. While a batch's handlers
        run and its messages are acknowledged (``_aplicar``), the next one is fetched, read and its links recorded
        (``_preparar``): its handlers run only once the batch before it is done (the order stays), and one's
        round trips to the stores and to NATS overlap the other's work."""
        sub, aplicando = None, None
        while not stopping.is_set():
            try:
                if sub is None:
                    if self.js is None:
                        raise ConnectionError("sin conexión a NATS")
                    # bound to the durable (declared here when missing, with its configuration)
                    sub = await self.js.pull_subscribe(self.subjects[durable], durable=durable, stream=STREAM,
                                                       config=replace(self.configs[durable]))
                mensajes = await durables.traer(sub, stopping, self.batch_size, self.batch_wait)
                trabajos = await self._preparar(durable, mensajes) if mensajes else []
                aplicando = await self._terminar(durable, aplicando)
                if trabajos:
                    aplicando = asyncio.create_task(self._aplicar(durable, trabajos))
            except Exception as exc:  # NATS or the stream away: the messages not acknowledged come back
                log.debug("%s: no se pudo consumir: %r", durable, exc)
                try:
                    await asyncio.wait_for(stopping.wait(), 0.5)
                except TimeoutError:
                    pass
        await self._terminar(durable, aplicando)
        if sub is not None:
            try:
                await sub.unsubscribe()
            except Exception as exc:
                log.debug("%s: %r al cerrar la suscripción", durable, exc)

    @staticmethod
    async def _terminar(durable: str, aplicando: asyncio.Task | None) -> None:
        """Wait for the batch being applied, if any (what it did not acknowledge comes back)."""
        if aplicando is not None:
            try:
                await aplicando
            except Exception as exc:
                log.debug("%s: no se pudo aplicar el lote: %r", durable, exc)

    def producers(self, servicio: str, servicios: tuple[str, ...]) -> list[str]:
        """The other services whose facts this one consumes (from its subscriptions' subjects)."""
        vistos = set()
        for subject in self.subjects.values():
            token = subject.split(".")[1] if subject.count(".") else ">"
            vistos.update(servicios if token in (">", "*") else [token])
        return sorted(vistos & set(servicios) - {servicio})

    def follow_chains(self, servicio: str, eslabones: Eslabones, espera: float) -> None:
        """Record the producers' chains in the ledger and apply a producer's fact only when it continues its
        chain. A durable that records the chains itself on a producer's subjects (evaluacion's, on every
        subject) carries that producer's ledger too: it records the batch's links first, in a transaction of
        their own, then runs its handlers; any other producer gets a durable of its own,
        ``<servicio>-cadena-<productor>`` on ``acompana.<productor>.>`` (the ones replaced are ``obsoletos``)."""
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
        """Apply a fetched batch: each message acknowledged once its handlers applied, retried, or parked."""
        await self._aplicar(durable, await self._preparar(durable, mensajes))

    async def _preparar(self, durable: str, mensajes: list[Msg]) -> list[Trabajo]:
        """A batch's first step: its messages read (one that does not honour its contract parked), its producers'
        links recorded in the ledger, each message with the handlers its batch runs (``_trabajos``)."""
        validos: list[tuple[Msg, Envelope]] = []
        leer = self.leidos.leer if len(self.configs) > 1 else durables.leer  # several durables: parsed once
        for msg in mensajes:
            try:
                validos.append((msg, leer(msg)))
            except ContractError as exc:
                await self._dead_letter(durable, msg, f"contrato: {exc}")
                await msg.ack()
        if durable in self.con_registro:
            validos = await self._registrar_eslabones(durable, validos)
        return await self._trabajos(durable, validos)

    async def _aplicar(self, durable: str, trabajos: list[Trabajo]) -> None:
        """A batch's second step: its handlers run (``_en_lotes``), then each message acknowledged."""
        listos = []
        for msg, envelope, aparte in await self._en_lotes(durable, trabajos):
            if aparte:  # its link not verified yet, or broken: on its own (``_fallo`` says what next)
                try:
                    await asyncio.to_thread(self._aplicar_solo, durable, envelope, aparte, False)
                except Exception as exc:
                    await self._fallo(durable, msg, envelope, exc)
                    continue
            listos.append(msg)
        await self._ack(listos)

    def _fases(self, durable: str, envelope: Envelope) -> list[Fase]:
        """What ``durable`` runs on ``envelope``: its handler, then its contract's (``por_contrato``)."""
        fases = [(self.handlers[durable], durable not in self.registran_cadena)]
        suyo = self.por_contrato.get(durable, {}).get(type(envelope.data))
        if suyo is not None:
            fases.append((suyo, True))
        return fases

    async def _trabajos(self, durable: str, validos: list[tuple[Msg, Envelope]]) -> list[Trabajo]:
        """Each message with the handlers its batch runs, and those that wait for a link not verified yet."""
        fases = [(msg, env, self._fases(durable, env)) for msg, env in validos]
        aparte: set[int] = set()
        if self.eslabones is not None:
            esperan = [(msg, env) for msg, env, f in fases if any(sigue for _, sigue in f)]
            if durable in self.con_registro:  # it recorded the batch's links itself: the ledger's states now
                esperan = [(msg, env) for msg, env in esperan if self.eslabones.vigila(env)]
                estados = await asyncio.to_thread(self.eslabones.estados, [env for _, env in esperan])
                aparte = {id(msg) for (msg, _), (estado, _) in zip(esperan, estados, strict=True)
                          if estado != VERIFICADO}
            else:
                aparte = {id(msg) for msg, _ in (await self.eslabones.separar(esperan))[1]}
        return [(msg, env, [x for x in f if not (x[1] and id(msg) in aparte)],
                 [x for x in f if x[1] and id(msg) in aparte]) for msg, env, f in fases]

    async def _en_lotes(self, durable: str, trabajos: list[Trabajo]) -> list[tuple[Msg, Envelope, list[Fase]]]:
        """Run the batch's handlers (``shared.fases.en_lotes``); a message one of them failed on goes to ``_fallo``.
        Returns the others, each with the handlers still to run on its own."""
        return await fases_.en_lotes(
            durable, trabajos, lambda t: self._aplicar_lote(durable, t),
            lambda env, fases: self._aplicar_solo(durable, env, fases, True),
            lambda msg, env, exc: self._fallo(durable, msg, env, exc))

    async def _registrar_eslabones(self, durable: str, validos: list[tuple[Msg, Envelope]]
                                   ) -> list[tuple[Msg, Envelope]]:
        """Record the links of the batch's facts of the producers whose ledger ``durable`` carries, before its handlers
        run, in a transaction of their own (a fact a handler then fails on leaves no gap in the ledger); when
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

    def _correr(self, durable: str, verificado: bool) -> fases_.Correr:
        """How the batch runs a message's handlers (``shared.fases.correr_de``)."""
        exigir = None if verificado or self.eslabones is None else self.eslabones.exigir
        return fases_.correr_de(self.telemetry, self.tracer, durable, exigir)

    def _aplicar_solo(self, durable: str, envelope: Envelope, fases: list[Fase], verificado: bool) -> None:
        fases_.aplicar_solo(self._correr(durable, verificado), envelope, fases)

    def _aplicar_lote(self, durable: str, trabajos: list[tuple[Envelope, list[Fase]]]
                      ) -> tuple[int, Exception | None, list[Fase]]:
        return fases_.aplicar_lote(self._correr(durable, True), trabajos)

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
        """The dead letters of this service's durables, and of those it replaced (``retira``)."""
        assert self.js is not None
        return await fallidos.leer(self.js, [*self.handlers, *self.obsoletos], limit)

    async def redrive(self, secuencia: int) -> None:
        """Run the handlers again on a dead letter (of a durable replaced, its replacement's); on success it
        leaves the queue.

        Raises LookupError when there is no such dead letter, ContractError or the handler's
        error when it fails again (the dead letter stays).
        """
        assert self.js is not None
        durable, envelope = await fallidos.carta(self.js, secuencia, [*self.handlers, *self.obsoletos])
        durable = self.obsoletos.get(durable, durable)
        fases = self._fases(durable, envelope)
        try:
            if durable in self.con_registro:
                await asyncio.to_thread(self.eslabones.registrar_lote, [envelope])  # type: ignore[union-attr]
            for parte in ([f for f in fases if not f[1]], [f for f in fases if f[1]]):
                if parte:  # what does not wait for the chain first: a broken link does not roll it back
                    await asyncio.to_thread(self._aplicar_solo, durable, envelope, parte, False)
        except (CadenaRota, CadenaPendiente) as exc:
            raise ContractError(f"no continúa la cadena de su servicio: {exc}") from None
        await self.js.delete_msg(DLQ_STREAM, secuencia)
