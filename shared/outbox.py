"""The outbox relay: moves each service's recorded events to JetStream, in order, once.

The service's notification log is the outbox (events and notification ids commit in one
transaction). The relay reads it from the last relayed position, maps each stored event to
its published contract, publishes the batch with nats-py's async publish, waits for every
PubAck and only then records the new position as an ``eventsourcing`` tracking record in the
same store. A crash at any point loses nothing: unacknowledged events are published again,
and JetStream drops the repeats by ``Nats-Msg-Id`` (``<servicio>:<notification id>``). On
start the relay also reads the last message of its service in the stream, so a crash between
PubAck and position save is closed even after the duplicate window, and a stream that lost
its tail is filled again from the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification, Tracking
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from opentelemetry.trace import SpanKind

from shared.contracts import Envelope, IntegrationEvent
from shared.eventstore import ServiceApplication
from shared.streams import STREAM
from shared.telemetry import Telemetry, context_from_traceparent, current_traceparent

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
    ) -> None:
        self.app = app
        self.servicio = app.settings.servicio
        self.to_publication = to_publication
        self.js = js
        self.tracking = app.factory.tracking_recorder()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.tracer = telemetry.tracer(__name__)
        self._position = 0
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.lag = telemetry.gauge(
            "acompana_outbox_pendientes", "Eventos registrados aún no publicados en JetStream"
        )
        self.published = telemetry.counter(
            "acompana_outbox_publicados", "Eventos publicados en JetStream por el relay"
        )

    # --- position -------------------------------------------------------------------------

    def stored_position(self) -> int:
        return self.tracking.max_tracking_id(TRACKING_NAME) or 0

    async def _save_position(self, position: int) -> None:
        if position > self._position:
            await asyncio.to_thread(self.tracking.insert_tracking, Tracking(TRACKING_NAME, position))
            self._position = position

    async def last_in_stream(self) -> int | None:
        """Notification id of this service's newest message in the stream, if any."""
        try:
            msg = await self.js.get_last_msg(STREAM, f"acompana.{self.servicio}.>")
        except NotFoundError:
            return None
        return int((msg.headers or {})["ce-id"].rsplit(":", 1)[1])

    async def reconcile(self) -> None:
        """Align the stored position with what the stream already holds."""
        self._position = await asyncio.to_thread(self.stored_position)
        in_stream = await self.last_in_stream() or 0
        if in_stream > self._position:
            log.info("%s: el stream ya tiene hasta %s; posición avanzada", self.servicio, in_stream)
            await self._save_position(in_stream)
        elif in_stream < self._position:
            log.warning(
                "%s: el stream termina en %s pero se publicó hasta %s; se republica el tramo",
                self.servicio, in_stream, self._position,
            )
            await self.republish(in_stream, self._position)

    # --- publishing -----------------------------------------------------------------------

    def _envelope(self, notification: Notification) -> Envelope | None:
        event = self.app.mapper.to_domain_event(notification)
        publication = self.to_publication(event)
        if publication is None:
            return None
        return Envelope.wrap(
            servicio=self.servicio,
            position=notification.id,
            data=publication.data,
            subject=publication.subject,
            time=event.timestamp,
            dre=publication.dre,
            ugel=publication.ugel,
            traceparent=getattr(event, "metadata", {}).get("traceparent", ""),
        )

    async def _publish(self, notifications: Sequence[Notification]) -> int:
        """Publish a batch; return the last notification id whose PubAck (and all before) came."""
        pending: list[tuple[int, asyncio.Future]] = []
        for notification in notifications:
            envelope = self._envelope(notification)
            if envelope is None:
                pending.append((notification.id, _done()))
                continue
            with self.tracer.start_as_current_span(
                f"publish {envelope.type}",
                context=context_from_traceparent(envelope.traceparent),
                kind=SpanKind.PRODUCER,
                attributes={"messaging.system": "nats", "messaging.message.id": envelope.id},
            ):
                headers = envelope.headers()
                headers["traceparent"] = current_traceparent()
                future = await self.js.publish_async(envelope.nats_subject, envelope.payload(), headers=headers)
            pending.append((notification.id, future))
        futures = [f for _, f in pending]
        try:
            await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), self.ack_timeout)
        except asyncio.TimeoutError:
            pass
        acked = 0
        for notification_id, future in pending:
            if not future.done() or future.cancelled() or future.exception() is not None:
                break
            acked = notification_id
        for future in futures:
            future.cancel()  # releases nats-py's pending slot of any ack that never came
        return acked

    async def relay_once(self) -> int:
        """Publish the next batch; returns how many notifications it moved past."""
        notifications = await asyncio.to_thread(
            self.app.recorder.select_notifications,
            self._position, self.batch_size, inclusive_of_start=False,
        )
        if not notifications:
            return 0
        acked = await self._publish(notifications)
        await self._save_position(acked)
        moved = sum(1 for n in notifications if n.id <= acked)
        self.published.inc(moved)
        if acked < notifications[-1].id:
            raise PublishFailed(f"sin PubAck después de la notificación {acked}")
        return moved

    async def republish(self, from_position: int, to_position: int | None = None) -> int:
        """Publish again every event after ``from_position`` (recovery after stream loss).

        Does not move the relay's position; JetStream deduplicates what is still in its window.
        """
        count, start = 0, from_position
        while to_position is None or start < to_position:
            notifications = await asyncio.to_thread(
                self.app.recorder.select_notifications,
                start, self.batch_size, to_position, inclusive_of_start=False,
            )
            if not notifications:
                break
            acked = await self._publish(notifications)
            if acked < notifications[-1].id:
                raise PublishFailed(f"republicación detenida en {acked}")
            count += len(notifications)
            start = acked
        return count

    # --- the loop -------------------------------------------------------------------------

    def wake(self) -> None:
        """Called after a save (from any thread) so new events go out at once."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stopping: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        delay = 0.1
        reconciled = False
        while not stopping.is_set():
            try:
                if not reconciled:
                    await self.reconcile()
                    reconciled = True
                moved = await self.relay_once()
                delay = 0.1
                # An empty poll means everything is published: no need to ask the store.
                lag = await asyncio.to_thread(self.app.check_store) - self._position if moved else 0
                self.lag.set(lag)
                if moved < self.batch_size:
                    self._wake.clear()
                    await _wait_any(self._wake, stopping, self.poll_interval)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep relaying: the store holds everything not yet acked
                log.warning("%s: relay en pausa %.1fs: %r", self.servicio, delay, exc)
                await _wait_any(stopping, stopping, delay)
                delay = min(delay * 2, 5.0)


def _done() -> asyncio.Future:
    future: asyncio.Future = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


async def _wait_any(a: asyncio.Event, b: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
