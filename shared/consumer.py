"""Idempotent JetStream consumers: durable pull subscriptions through faststream.

Acknowledgement is manual and explicit. A message whose handler fails is negatively
acknowledged with a growing delay (``backoff``) and redelivered; after ``max_deliver``
deliveries, or at once when it does not honour its contract, it is parked on the dead-letter
subject ``acompana-dlq.<durable>`` with the reason, and only then acknowledged. The server
never drops a message on its own (``max_deliver=-1`` on the server side).

Durable consumers live in the stream: when the stream is lost they go with it. ``vigilar`` checks
them every few seconds and declares each missing one again (same name and configuration, from
the stream's first message) as soon as the stream is back; meanwhile ``faltantes`` names them, and
the service's ``/readyz`` answers 503.

Handlers must be idempotent by the event id (``Envelope.id``): ``ViewStore.apply_once``
records the id with the effect in one transaction. Because of that, delivery order does not
matter for correctness: a late or repeated message is recognised by its id, not by position.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig as JsConsumerConfig
from nats.js.errors import NotFoundError

from shared.contracts import ContractError, Envelope, IntegrationEvent
from shared.eslabones import DESCONOCIDO, PENDIENTE, VERIFICADO, CadenaPendiente, CadenaRota, Eslabones
from shared.streams import DLQ_STREAM, STREAM, dlq_subject
from shared.telemetry import Telemetry

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], None]
_SAFE = " :,;=/()[]{}<>'\"-_.!?*+#@|"


def _espera_de_eslabon(entrega: int) -> float:
    """Seconds before a fact waiting for its chain link is delivered again, after its ``entrega``-th delivery."""
    return min(0.2 * entrega, 2.0)


@dataclass(frozen=True)
class DeadLetter:
    secuencia: int
    consumidor: str
    motivo: str
    entregas: int
    sujeto_original: str
    evento_id: str
    registrado_en: str


class IdempotentConsumers:
    """The durable consumers of one service, their retry policy and dead letters."""

    def __init__(
        self,
        broker: NatsBroker,
        telemetry: Telemetry,
        *,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        backoff: list[float] | None = None,
        batch_size: int = 100,
        eslabones: Eslabones | None = None,
        espera_cadena: float = 300.0,
    ) -> None:
        self.broker = broker
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.backoff = backoff or [0.5, 2.0, 10.0, 30.0]
        self.batch_size = batch_size
        self.handlers: dict[str, Handler] = {}
        self.configs: dict[str, JsConsumerConfig] = {}  # what each durable consumer is declared with
        self.subjects: dict[str, str] = {}
        self.js: JetStreamContext | None = None  # set when the service connects
        # The chains of the services this one consumes from (shared.eslabones): a fact is applied only when
        # it continues its service's chain; ``espera_cadena`` seconds for a predecessor before parking it.
        self.eslabones = eslabones
        self.espera_cadena = espera_cadena
        self._servicio = ""  # the consuming service, in its ledger durables' names
        # Durables that record the chains themselves (the ledger's own, a history of every fact): they do
        # not ask the ledger, so what they keep of a fact does not depend on when its link was recorded.
        self.registran_cadena: set[str] = set()
        self.dead_lettered = telemetry.counter(
            "acompana_mensajes_fallidos", "Mensajes enviados a la cola de fallidos"
        )

    def subscribe(self, durable: str, contract: type[IntegrationEvent], handler: Handler) -> None:
        """Register ``handler`` for every territory's messages of ``contract``."""
        self.subscribe_subject(durable, contract.subject(), handler, title=f"{durable}:{contract.ce_type()}",
                               description=contract.__doc__ or "")

    def subscribe_subject(self, durable: str, subject: str, handler: Handler, *, title: str,
                          description: str, registra_cadena: bool = False) -> None:
        """Register ``handler`` for every message on ``subject`` (a wildcard takes several contracts).

        ``registra_cadena``: the handler verifies and records each fact's link itself, broken or waiting
        ones included, as a rebuild from the stream does; the ledger does not hold its facts back."""
        self.handlers[durable] = handler
        if registra_cadena:
            self.registran_cadena.add(durable)
        self.configs[durable] = JsConsumerConfig(
            durable_name=durable, filter_subject=subject, ack_policy=JsAckPolicy.EXPLICIT,
            ack_wait=self.ack_wait, max_deliver=-1, max_ack_pending=1000)
        self.subjects[durable] = subject

        @self.broker.subscriber(
            subject,
            stream=JStream(STREAM, declare=False),
            durable=durable,
            pull_sub=PullSub(batch_size=self.batch_size, timeout=1.0),
            config=self.configs[durable],  # faststream's ConsumerConfig is nats-py's: one declaration
            ack_policy=AckPolicy.MANUAL,
            title=title,
            description=description,
        )
        async def on_message(message: NatsMessage) -> None:
            await self.process(durable, message.raw_message)

    # --- the durable consumers exist while the service runs ---------------------------------

    async def faltantes(self, timeout: float = 5.0) -> list[str]:
        """The durable consumers of this service the stream does not have (all, if it is gone)."""
        if self.js is None:
            raise ConnectionError("sin conexión a NATS")
        js = self.js

        async def existe(durable: str) -> bool:
            try:
                await js.consumer_info(STREAM, durable)
            except NotFoundError:
                return False
            return True

        durables = list(self.configs)
        existen = await asyncio.wait_for(asyncio.gather(*(existe(d) for d in durables)), timeout)
        return [d for d, si in zip(durables, existen, strict=True) if not si]

    async def al_dia(self) -> bool:
        """Whether every durable consumer of this service has applied (and acknowledged) every message the
        stream holds for it: nothing left to deliver, nothing delivered and waiting for its handler."""
        if self.js is None:
            return False
        for durable in self.configs:
            info = await self.js.consumer_info(STREAM, durable)
            if info.num_pending or info.num_ack_pending:
                return False
        return True

    async def redeclarar(self) -> list[str]:
        """Declare again every missing durable consumer (the stream was lost and declared anew); they
        deliver from the stream's first message, and each inbox drops what was already applied."""
        assert self.js is not None
        faltan = await self.faltantes()
        for durable in faltan:
            await self.js.add_consumer(STREAM, config=self.configs[durable])
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

    def producers(self, servicio: str, servicios: tuple[str, ...]) -> list[str]:
        """The other services whose facts this one consumes (from its subscriptions' subjects)."""
        vistos = set()
        for subject in self.subjects.values():
            token = subject.split(".")[1] if subject.count(".") else ">"
            vistos.update(servicios if token in (">", "*") else [token])
        return sorted(vistos & set(servicios) - {servicio})

    def follow_chains(self, servicio: str, eslabones: Eslabones, espera: float) -> None:
        """Record the producers' chains in the ledger (one durable per producer, on its subjects) and apply
        a producer's fact only when it continues its chain."""
        self.eslabones, self.espera_cadena, self._servicio = eslabones, espera, servicio
        for productor in sorted(self.eslabones.productores):
            durable = f"{self._servicio}-cadena-{productor}"
            self.registran_cadena.add(durable)
            self.subscribe_subject(durable, f"acompana.{productor}.>", self.eslabones.registrar,
                                   title=f"{durable}:cadena", description=f"La cadena de huellas de {productor}: "
                                   "cada eslabón verificado al llegar, antes de aplicar sus hechos.")

    async def _esperar_eslabon(self, durable: str, envelope: Envelope) -> bool:
        """The ledger's consumer usually records a link within milliseconds of its arrival: wait for it a
        moment (without holding a worker thread; never long, the rest of the batch waits behind) before
        asking again later. True when the link is verified (or not this consumer's to check)."""
        if self.eslabones is None or durable in self.registran_cadena or not self.eslabones.vigila(envelope):
            return True
        for intento in range(3):
            estado = (await asyncio.to_thread(self.eslabones.estado, envelope))[0]
            if estado == VERIFICADO:
                return True
            if estado not in (DESCONOCIDO, PENDIENTE):
                return False  # broken: ``_aplicar`` says why
            await asyncio.sleep(0.02 * 2 ** intento)
        return False

    def _aplicar(self, durable: str, envelope: Envelope, verificado: bool = False) -> None:
        if not verificado and self.eslabones is not None and durable not in self.registran_cadena:
            self.eslabones.exigir(envelope)
        self.handlers[durable](envelope)

    async def process(self, durable: str, msg: Msg) -> None:
        deliveries = msg.metadata.num_delivered
        try:
            envelope = Envelope.parse(msg.subject, msg.headers, msg.data, msg.metadata.sequence.stream)
        except ContractError as exc:
            await self._dead_letter(durable, msg, f"contrato: {exc}")
            await msg.ack()
            return
        try:
            verificado = await self._esperar_eslabon(durable, envelope)
            await asyncio.to_thread(self._aplicar, durable, envelope, verificado)
        except CadenaRota as exc:
            await self._dead_letter(durable, msg, str(exc))
            await msg.ack()
            return
        except CadenaPendiente as exc:
            # Measured from this consumer's deliveries, not from when the stream stored the fact: after a
            # backlog (the service down, a replay) an old fact's link may simply not be recorded yet.
            esperado = sum(_espera_de_eslabon(d) for d in range(1, deliveries))
            if esperado > self.espera_cadena:
                await self._dead_letter(durable, msg, f"cadena: no continúa la cadena de su servicio tras "
                                                      f"{deliveries} entregas ({esperado:.0f} s): {exc}")
                await msg.ack()
            else:  # its predecessor (or the ledger) is on its way: ask again shortly, however many times
                await msg.nak(delay=_espera_de_eslabon(deliveries))
            return
        except Exception as exc:
            if deliveries >= self.max_deliver:
                await self._dead_letter(durable, msg, f"{type(exc).__name__}: {exc}")
                await msg.ack()
            else:
                delay = self.backoff[min(deliveries, len(self.backoff)) - 1]
                log.warning("%s: %s falló (entrega %s), reintento en %ss: %r",
                            durable, envelope.id, deliveries, delay, exc)
                await msg.nak(delay=delay)
            return
        await msg.ack()

    async def _dead_letter(self, durable: str, msg: Msg, motivo: str) -> None:
        assert self.js is not None
        headers = dict(msg.headers or {})
        headers.pop("Nats-Msg-Id", None)
        headers.update({
            "Nats-Msg-Id": f"{durable}:{msg.metadata.sequence.stream}",
            "x-fallido-consumidor": durable,
            # NATS headers are single-line ASCII: the reason travels percent-encoded.
            "x-fallido-motivo": quote(" ".join(motivo.split())[:1500], safe=_SAFE),
            "x-fallido-entregas": str(msg.metadata.num_delivered),
            "x-fallido-sujeto": msg.subject,
            "x-fallido-secuencia": str(msg.metadata.sequence.stream),
            "x-fallido-en": datetime.now(UTC).isoformat(),
        })
        await self.js.publish(dlq_subject(durable), msg.data, headers=headers)
        self.dead_lettered.inc()
        log.error("%s: mensaje %s a la cola de fallidos: %s", durable, msg.metadata.sequence.stream, motivo)

    # --- the dead-letter queue, visible and re-drivable ------------------------------------

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        assert self.js is not None
        found: list[DeadLetter] = []
        for durable in self.handlers:
            seq = 0
            while len(found) < limit:
                try:
                    raw = await self.js.get_msg(DLQ_STREAM, seq=seq + 1, next=True, subject=dlq_subject(durable))
                except NotFoundError:
                    break
                seq = raw.seq
                h = raw.headers or {}
                found.append(DeadLetter(
                    secuencia=raw.seq, consumidor=durable, motivo=unquote(str(h.get("x-fallido-motivo", ""))),
                    entregas=int(h.get("x-fallido-entregas", 0)),
                    sujeto_original=h.get("x-fallido-sujeto", ""), evento_id=h.get("ce-id", ""),
                    registrado_en=h.get("x-fallido-en", ""),
                ))
        return found

    async def redrive(self, secuencia: int) -> None:
        """Run the handler again on a dead letter; on success it leaves the queue.

        Raises LookupError when there is no such dead letter, ContractError or the handler's
        error when it fails again (the dead letter stays).
        """
        assert self.js is not None
        try:
            raw = await self.js.get_msg(DLQ_STREAM, seq=secuencia)
        except NotFoundError:
            raise LookupError(secuencia) from None
        headers = raw.headers or {}
        durable = headers.get("x-fallido-consumidor", "")
        if durable not in self.handlers:
            raise LookupError(secuencia)
        envelope = Envelope.parse(headers.get("x-fallido-sujeto", ""), headers, raw.data or b"")
        try:
            await asyncio.to_thread(self._aplicar, durable, envelope)
        except (CadenaRota, CadenaPendiente) as exc:
            raise ContractError(f"no continúa la cadena de su servicio: {exc}") from None
        await self.js.delete_msg(DLQ_STREAM, secuencia)
