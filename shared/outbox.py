"""The outbox relay: moves each service's recorded events to JetStream, in order, once.

The service's notification log is the outbox (events and notification ids commit in one
transaction). The relay reads it from the last relayed position, maps each stored event to
its published contract, publishes the batch chained and waits for every PubAck (``shared.envio``),
and only then records the new position as an ``eventsourcing`` tracking record in the
same store. A crash at any point loses nothing: unacknowledged events are published again,
and JetStream drops the repeats by ``Nats-Msg-Id`` (``<servicio>:<notification id>``). On
start the relay also finds its service's chain head in the stream (``shared.publicados``), so a crash
between PubAck and position save is closed even after the duplicate window, and a stream that lost
its tail is filled again from the store. The chain's head is sealed now and then for third parties to keep.

With several replicas of a service, only the one holding the service's lease publishes
(``shared.liderazgo``); it checks the lease before every message and stops at once without it.
A new leader never trusts memory: it starts from the position saved in the store and the chain's
head read from the stream (``reconcile``), and so does any relay after any failure. Two relays
that overlap for a moment (one frozen past its lease) send the same messages: the same
``Nats-Msg-Id`` (dropped by JetStream as duplicates) and the same ``ce-cadena`` (the chain is a
function of the stored facts and the head in the stream, not of who computes it); the position
only moves forward (a save that lost the race is dropped and the relay reconciles again).

Recovery after the stream is lost is the relay's own work, never a second publisher's: a stream
that disappears stops the relay (it waits for it to be declared again), a stream declared anew
(another ``created``) is noticed before the next batch, and the relay then fills it from the store
in notification order before publishing anything new. A republication asked by an operator
(``pedir_republicacion``) runs inside the relay's loop, under its lease, between two batches: it
reads everything the stream holds of the service (nothing else of the service is being published
then) and sends only what is missing, under the original ``Nats-Msg-Id``; a fact the stream no
longer holds but still remembers within its duplicate window is held back (``retenidos``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.contracts import Envelope, IntegrationEvent
from shared.contracts.envelope import GENESIS
from shared.envio import Sellador, publicar_encadenados
from shared.eventstore import ServiceApplication
from shared.liderazgo import Lease
from shared.publicados import cabeza_de_la_cadena, cabeza_en_stream
from shared.republicacion import Pedidos, publicar_faltantes
from shared.streams import STREAM
from shared.telemetry import Telemetry

log = logging.getLogger(__name__)

TRACKING_NAME = "outbox-jetstream"


@dataclass(frozen=True)
class Publication:
    """What a stored event becomes on the wire (``None`` from the mapper: internal only)."""

    data: IntegrationEvent
    subject: str  # the CloudEvents subject: what the event is about, e.g. "docente/<id>"
    dre: str | None
    ugel: str | None


EventMapper = Callable[[DomainEventProtocol], Publication | None]


class PublishFailed(RuntimeError):
    pass


class NotLeader(RuntimeError):
    """This replica's lease ran out or was taken: it stops publishing at once."""


class StreamAusente(PublishFailed):
    """The stream does not exist (lost, not declared yet): nothing is published until it is back."""


class StreamReemplazado(PublishFailed):
    """The stream was declared anew since the relay last reconciled: it reconciles before publishing."""


@dataclass(frozen=True)
class Republicacion:
    """What a republication did: facts sent again, and facts held back by the duplicate window."""

    republicados: int
    retenidos: list[int]


class OutboxRelay:
    def __init__(
        self,
        app: ServiceApplication,
        to_publication: EventMapper,
        js: JetStreamContext,
        telemetry: Telemetry,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.05,
        ack_timeout: float = 10.0,
        seal_every: int = 1000,
        seal_seconds: float = 600.0,
        lease: Lease | None = None,
        desfase_relojes: float = 300.0,
        agrupar: float = 0.02,
    ) -> None:
        self.app = app
        self.servicio = app.settings.servicio
        self.to_publication = to_publication
        self.js = js
        self.tracking = app.tracking_recorder
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.tracer = telemetry.tracer(__name__)
        self._position = 0
        self._cadena: tuple[int, str] = (0, GENESIS)  # the last published fact and its chain hash
        self.sellador = Sellador(self.servicio, seal_every, seal_seconds)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream_creado: object = None  # the ``created`` of the stream the relay reconciled with
        self._pedidos = Pedidos()  # republications asked, run by the loop
        self.lease = lease  # None: the only relay of its service, no election
        self.desfase_relojes = desfase_relojes  # seconds the service's clock may differ from NATS's
        # at most one batch every ``agrupar`` seconds while facts keep coming: what a batch costs whatever its
        # size (reading the store, asking the stream, saving the position) is shared by the facts of that while
        self.agrupar = agrupar
        self.lag = telemetry.gauge("acompana_outbox_pendientes",
                                   "Eventos registrados aún no publicados en JetStream")
        self.published = telemetry.counter("acompana_outbox_publicados",
                                           "Eventos publicados en JetStream por el relay")
        self.leader = telemetry.gauge("acompana_relay_lider",
                                      "1 si esta réplica es la que publica el outbox de su servicio, si no 0")

    @property
    def may_publish(self) -> bool:
        return self.lease is None or self.lease.held

    # --- position -------------------------------------------------------------------------

    def stored_position(self) -> int:
        return self.tracking.max_tracking_id(TRACKING_NAME) or 0

    async def _save_position(self, position: int) -> None:
        if position > self._position:
            try:
                await asyncio.to_thread(self.tracking.insert_tracking, Tracking(TRACKING_NAME, position))
            except IntegrityError:
                # Another relay of this service saved a later position (an overlap of leaders): the
                # position only moves forward, and this relay must reconcile before going on.
                raise PublishFailed(f"otro relay ya guardó una posición posterior a {position}") from None
            self._position = position

    async def _stream_creado_en(self) -> object:
        """When the stream was created (it changes when the stream is lost and declared again)."""
        try:
            return (await self.js.stream_info(STREAM)).created
        except NotFoundError:
            raise StreamAusente(f"el stream {STREAM} no existe: se espera a que se declare de nuevo"
                                ) from None

    async def _registrado(self, posicion: int) -> datetime | None:
        """When the stored fact at ``posicion`` was recorded (None: not in the store, or unreadable)."""
        notificaciones = await asyncio.to_thread(self.app.recorder.select_notifications, posicion, 1)
        try:
            return self.app.mapper.to_domain_event(notificaciones[0]).timestamp
        except Exception as exc:
            log.warning("%s: sin la hora del hecho %s (%r): se lee todo el stream", self.servicio, posicion,
                        exc)
            return None

    async def reconcile(self) -> None:
        """Align the stored position and the chain's head with what the stream already holds."""
        self._stream_creado = await self._stream_creado_en()
        self._position = await asyncio.to_thread(self.stored_position)
        almacenado = await asyncio.to_thread(self.app.recorder.max_notification_id) or 0
        cabeza = await cabeza_de_la_cadena(self.js, self.servicio, self._position, almacenado,
                                           self._registrado, self.desfase_relojes)
        in_stream = cabeza[0]
        self._cadena = cabeza
        if in_stream > self._position:
            log.info("%s: el stream ya tiene hasta %s; posición avanzada", self.servicio, in_stream)
            await self._save_position(in_stream)
        elif in_stream < self._position:
            log.warning(
                "%s: el stream termina en %s pero se publicó hasta %s; se republica el tramo",
                self.servicio, in_stream, self._position,
            )
            await self.republish(in_stream, self._position)
            # what comes next is chained after the head the stream now has, never after the one read before
            self._cadena = await cabeza_en_stream(self.js, self.servicio) or (0, GENESIS)
        self.sellador.desde(self._cadena[0])

    # --- publishing -----------------------------------------------------------------------

    def envelope_de(self, notification: Notification) -> Envelope | None:
        event = self.app.recien_guardado(notification)
        publication = self.to_publication(event)
        if publication is None:
            return None
        metadata = getattr(event, "metadata", {})
        return Envelope.wrap(
            servicio=self.servicio,
            position=notification.id,
            data=publication.data,
            subject=publication.subject,
            time=event.timestamp,
            dre=publication.dre,
            ugel=publication.ugel,
            traceparent=metadata.get("traceparent", ""),
            usuario=metadata.get("usuario", ""),
            rol=metadata.get("rol", ""),
        )

    async def _publish(self, notifications: Sequence[Notification],
                       cadena: tuple[int, str]) -> tuple[int, tuple[int, str]]:
        """Publish a batch chained after ``cadena``: how far the PubAcks came, and the chain's head there."""
        return await publicar_encadenados(self.js, self.tracer, notifications, self.envelope_de, cadena,
                                          self.ack_timeout, lambda: self.may_publish)

    async def relay_once(self) -> int:
        """Publish the next batch; returns how many notifications it moved past."""
        notifications = await self._siguientes(self._position)
        if not notifications:
            return 0
        creado = await self._stream_creado_en()
        if self._stream_creado is None:
            self._stream_creado = creado  # a relay driven by hand, without reconcile: the first stream seen
        elif creado != self._stream_creado:
            raise StreamReemplazado(f"el stream {STREAM} se declaró de nuevo: se rellena antes de seguir")
        acked, cabeza = await self._publish(notifications, self._cadena)
        if acked:
            self._cadena = cabeza
        await self._save_position(acked)
        moved = sum(1 for n in notifications if n.id <= acked)
        self.published.inc(moved)
        if acked < notifications[-1].id:
            if not self.may_publish:
                raise NotLeader(f"sin concesión después de la notificación {acked}")
            raise PublishFailed(f"sin PubAck después de la notificación {acked}")
        await self.sellador.tras_lote(self.js, self._cadena, self.may_publish)
        return moved

    async def republish(self, from_position: int, to_position: int | None = None) -> int:
        """Publish again every event after ``from_position`` (recovery after stream loss), chained after
        the relay's current head (which ``reconcile`` read from the stream).

        Does not move the relay's position; JetStream deduplicates what is still in its window.
        """
        count, start, cadena = 0, from_position, self._cadena
        while to_position is None or start < to_position:
            notifications = await self._siguientes(start, to_position)
            if not notifications:
                break
            acked, cadena = await self._publish(notifications, cadena)
            if acked < notifications[-1].id:
                if not self.may_publish:
                    raise NotLeader(f"republicación detenida en {acked}: sin concesión")
                raise PublishFailed(f"republicación detenida en {acked}")
            count += len(notifications)
            start = acked
        return count

    async def pedir_republicacion(self, desde: int = 1, timeout: float = 600.0) -> Republicacion:
        """Ask the relay's loop to publish again what the stream lacks from ``desde`` on, and wait for it.

        Raises NotLeader when this replica does not publish (another one must be asked)."""
        if self._loop is None or not self.may_publish:
            raise NotLeader("esta réplica no publica el outbox de su servicio")
        future = self._pedidos.pedir(self._loop, desde)
        self._wake.set()
        return await asyncio.wait_for(asyncio.shield(future), timeout)

    async def republicar_faltantes(self, desde: int = 1) -> Republicacion:
        """Publish again, from the store, each fact from ``desde`` on that the stream no longer holds,
        with its original ids and chain hash. Run by the relay's loop (``pedir_republicacion``): the view
        of the stream it judges from is complete, since nothing else of the service is published meanwhile.
        """
        enviados, retenidos = await publicar_faltantes(self.js, self.servicio, self._siguientes,
                                                       self.envelope_de, desde, self.ack_timeout,
                                                       self._exigir_concesion)
        return Republicacion(enviados, retenidos)

    async def _siguientes(self, inicio: int, hasta: int | None = None) -> Sequence[Notification]:
        """The next batch of stored facts after position ``inicio`` (up to ``hasta``, when given)."""
        return await asyncio.to_thread(self.app.recorder.select_notifications, inicio, self.batch_size, hasta,
                                       inclusive_of_start=False)

    def _exigir_concesion(self, posicion: int) -> None:
        if not self.may_publish:
            raise NotLeader(f"republicación detenida en {posicion}: sin concesión")

    # --- the loop -------------------------------------------------------------------------

    def wake(self) -> None:
        """Called after a save (from any thread) so new events go out at once."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stopping: asyncio.Event) -> None:
        """Relay until ``stopping`` is set; with a lease, only while this replica holds it."""
        self._loop = asyncio.get_running_loop()
        lease_stop = asyncio.Event()
        lease_task = asyncio.create_task(self.lease.run(lease_stop)) if self.lease is not None else None
        medidor = asyncio.create_task(self._medir_pendientes(stopping))
        try:
            await self._relay(stopping)
        finally:
            medidor.cancel()
            self._rechazar_pedidos()
            self.leader.set(0)
            if lease_task is not None:  # let the lease go only after the last batch
                lease_stop.set()
                await asyncio.wait([lease_task], timeout=5.0)

    def _rechazar_pedidos(self, motivo: Exception | None = None) -> None:
        """The republications asked cannot run here now: this replica stopped publishing (ask the new
        leader), or ``motivo``."""
        self._pedidos.rechazar(motivo or NotLeader("esta réplica dejó de publicar"))

    def pendientes(self) -> int:
        """Events recorded and not yet published: the store's last notification id minus the saved
        position (the same figure on every replica, and whether NATS answers or not)."""
        return max(0, self.app.check_store() - self.stored_position())

    async def _medir_pendientes(self, stopping: asyncio.Event, every: float = 1.0) -> None:
        while not stopping.is_set():
            try:
                self.lag.set(await asyncio.to_thread(self.pendientes))
            except Exception as exc:  # the store away: the readiness probe says so
                log.debug("%s: no se pudo medir lo pendiente: %r", self.servicio, exc)
            await _wait_any(stopping, stopping, every)

    async def _relay(self, stopping: asyncio.Event) -> None:
        delay = 0.1
        reconciled = False
        loop = asyncio.get_running_loop()
        while not stopping.is_set():
            if self.lease is not None and not self.lease.held:
                self.leader.set(0)
                self._rechazar_pedidos()
                reconciled = False  # a new term starts from the store and the stream, never from memory
                await self.lease.wait_held(stopping)
                continue
            self.leader.set(1)
            try:
                if not reconciled:
                    await self.reconcile()
                    reconciled = True
                if await self._pedidos.atender(self.republicar_faltantes):
                    # The republication may have sent facts past the saved position, each chained after the
                    # stream's own: the position and the chain's head are read again before going on.
                    reconciled = False
                    continue
                inicio = loop.time()
                moved = await self.relay_once()
                delay = 0.1
                if moved < self.batch_size and not self._pedidos:
                    self._wake.clear()
                    await _wait_any(self._wake, stopping, self.poll_interval)
                    if moved and (resto := inicio + self.agrupar - loop.time()) > 0 and not self._pedidos:
                        await asyncio.sleep(resto)  # the facts saved meanwhile go out together
            except asyncio.CancelledError:
                raise
            except NotLeader:
                reconciled = False
                self._rechazar_pedidos()
            except Exception as exc:  # keep relaying: the store holds everything not yet acked
                reconciled = False  # after any failure, start again from the store and the stream
                if isinstance(exc, StreamAusente):
                    self._rechazar_pedidos(exc)  # nothing to republish into: the streams come first
                log.warning("%s: relay en pausa %.1fs: %r", self.servicio, delay, exc)
                await _wait_any(stopping, stopping, delay)
                delay = min(delay * 2, 5.0)


async def _wait_any(a: asyncio.Event, b: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
