"""One active outbox relay per service, whatever the number of replicas: a lease in NATS KV.

The lease is the key ``<servicio>`` of the bucket ``acompana_lideres``, whose TTL (the bucket's
max age) is the lease's length: a value nobody rewrites within it disappears. A replica becomes
the leader by *creating* the key (possible only when it is absent), keeps it by *updating* it
with the revision it last wrote (compare-and-set), and gives it up by deleting that revision when
it stops. The others try to create the key every ``renew_every`` seconds, so when a leader dies
without letting go another one takes over within ``lease_seconds + renew_every``; after a clean
stop, within ``renew_every``. The bucket lives in JetStream, so it works whatever the service's
store (SQLite or PostgreSQL).

A leader counts itself leader only until ``lease_seconds - margin`` after it *sent* its last
successful write, while the server expires the key ``lease_seconds`` after it *received* it: a
leader that can no longer renew (cut off from NATS, frozen) stops publishing before anybody else
can start. A write refused for another revision means someone else holds the key: it stops at
once. A process frozen between checking the lease and sending can still overlap its successor
briefly; the relay is built to be correct then too (``shared.outbox``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.streams import LEADERS_BUCKET, leaders_bucket

log = logging.getLogger(__name__)


def holder_id() -> str:
    """Who holds a lease: the host (the pod's name in Kubernetes), the process and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """This process's claim to act alone for ``key`` (a service) among its replicas."""

    def __init__(self, js: JetStreamContext, key: str, *, lease_seconds: float, renew_every: float) -> None:
        # lease_seconds >= 3 * renew_every is checked where both come from (ServiceSettings)
        self.js = js
        self.key = key
        self.lease_seconds = lease_seconds
        self.renew_every = renew_every
        self.holder = holder_id()
        self._kv: KeyValue | None = None
        self._revision: int | None = None  # of our last write of the key, while we think it is ours
        self._valid_until = 0.0
        self._changed = asyncio.Event()  # set when this replica becomes the leader
        self._announced = False  # what the log last said: leader or not
        self._last_error = ""

    # --- what the relay asks --------------------------------------------------------------

    @property
    def held(self) -> bool:
        """True while this replica may act: it holds the key and the lease has not run out."""
        return self._revision is not None and time.monotonic() < self._valid_until

    async def wait_held(self, stopping: asyncio.Event) -> None:
        """Return when this replica holds the lease, or when ``stopping`` is set."""
        while True:
            self._changed.clear()
            if self.held or stopping.is_set():
                return
            waiters = [asyncio.ensure_future(self._changed.wait()), asyncio.ensure_future(stopping.wait())]
            try:
                await asyncio.wait(waiters, timeout=self.renew_every, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    # --- the loop -------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        """Acquire and renew the lease until ``stopping`` is set; then let it go."""
        try:
            while not stopping.is_set():
                await self.renew_once()
                try:
                    await asyncio.wait_for(stopping.wait(), self.renew_every)
                except TimeoutError:
                    pass
        finally:
            await self.release()

    async def renew_once(self) -> bool:
        """One round: renew the lease if it is ours, else try to take it. Returns ``held``."""
        try:
            kv = await self._bucket()
            sent = time.monotonic()
            revision = await self._write(kv)
            if revision is None:  # someone else holds the key: whatever the clock says, not ours
                self._revision, self._valid_until = None, 0.0
            else:
                self._revision, self._valid_until = revision, sent + self.lease_seconds - self.margin
        except Exception as exc:  # NATS away or slow: a held lease runs out on its own
            if self.held:
                log.warning("%s: no se pudo renovar la concesión (%r); vence en %.1fs",
                            self.key, exc, self._valid_until - time.monotonic())
            elif repr(exc) != self._last_error:
                log.warning("%s: no se pudo pedir la concesión (%r); se reintenta", self.key, exc)
            self._last_error = repr(exc)
        else:
            self._last_error = ""
        if self.held and not self._announced:
            log.info("%s: esta réplica (%s) es ahora la única que publica", self.key, self.holder)
            self._changed.set()
        elif self._announced and not self.held:
            log.warning("%s: esta réplica (%s) dejó de publicar: perdió la concesión", self.key, self.holder)
        self._announced = self.held
        return self.held

    async def release(self) -> None:
        """Let another replica take over at once (deletes only our own revision)."""
        revision, self._revision, self._valid_until, self._announced = self._revision, None, 0.0, False
        if revision is None or self._kv is None:
            return
        try:
            await self._a_tiempo(self._kv.delete(self.key, last=revision))
            log.info("%s: esta réplica (%s) cedió la concesión", self.key, self.holder)
        except Exception as exc:  # it runs out on its own
            log.warning("%s: no se pudo ceder la concesión (%r); vencerá sola", self.key, exc)

    # --- inside ---------------------------------------------------------------------------

    async def _write(self, kv: KeyValue) -> int | None:
        """Our new revision of the key, or None when someone else holds it."""
        value = self._value()
        if self._revision is not None:
            try:
                return await self._a_tiempo(kv.update(self.key, value, last=self._revision))
            except KeyWrongLastSequenceError:
                pass  # it expired, someone else wrote it, or the answer to our last write was lost
        try:
            return await self._a_tiempo(kv.create(self.key, value))
        except KeyWrongLastSequenceError:
            pass
        try:
            entry = await self._a_tiempo(kv.get(self.key))
        except KeyNotFoundError:
            return None  # gone in between: the next round takes it
        if entry.value == value:  # ours: our last write reached the server, its answer did not
            return await self._a_tiempo(kv.update(self.key, value, last=entry.revision))
        return None

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            try:
                kv = await self.js.key_value(LEADERS_BUCKET)
            except BucketNotFoundError:  # normally declared by shared.streams
                kv = await self.js.create_key_value(leaders_bucket(self.lease_seconds))
            ttl = (await kv.status()).ttl
            if not ttl:
                raise RuntimeError(f"el bucket {LEADERS_BUCKET} no tiene TTL: una réplica caída no cedería nunca")
            if abs(ttl - self.lease_seconds) > 1e-3:
                log.warning("%s: el bucket %s vence en %.1fs, no en %.1fs: se usa el del bucket",
                            self.key, LEADERS_BUCKET, ttl, self.lease_seconds)
                self.lease_seconds = ttl
            self._kv = kv
        return self._kv

    @property
    def margin(self) -> float:
        """How long before the server could expire the key this replica stops: one renewal, at most a third."""
        return min(self.renew_every, self.lease_seconds / 3)

    def _value(self) -> bytes:
        return self.holder.encode()

    async def _a_tiempo(self, operation):
        """A KV operation that answers within a renewal, or fails (the lease then runs out on its own)."""
        return await asyncio.wait_for(operation, max(self.renew_every, 0.5))

