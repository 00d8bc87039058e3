"""How many requests each caller may make: per address before any token is read, per user across replicas.

- ``CubosLocales``: a token bucket per key in this process's memory. The HTTP chassis keeps one per client
  address for requests without a valid token, consulted *before* a token is verified (verifying may fetch
  the issuer's keys): a flood of anonymous or forged requests from one address is refused cheaply, and a
  caller at another address is not affected. A token naming a key already read is verified even then
  (a signature check, from memory), and a valid one passes: one address may carry many users (the web
  application), each limited by his own budget.
- ``PresupuestoCompartido``: each user's budget per minute in a service, shared by all its replicas, in
  the NATS KV bucket ``acompana_ritmo`` (a fixed window: key ``<servicio>.<hash of the user>.<minute>``, its count
  increased by compare-and-set on the revision this replica last wrote, read again only when another
  replica wrote since; the bucket's TTL forgets past minutes). A user's requests that arrive while this replica
  is writing his count wait for that write and are then counted together, in one compare-and-set (in the order
  they came: each passes when the count with those before it stays within the budget, as one after another
  would): one round trip per user at a time, not one per request. When NATS does not answer, or the connection
  is down, the replica falls back to its own ``CubosLocales`` at once, and so does a request whose shared count
  has not answered within ``ESPERA_KV`` (each replica then allows the whole budget: degraded, never closed).
- ``costo``: what a request takes from the budget; exports (CSV, XLSX, PDF, PNG, SVG, iCalendar) and the
  offline batches (``/lote``, by their number of items) cost more than an ordinary request.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import math
import time

from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.streams import RITMO_BUCKET

log = logging.getLogger(__name__)

EXTENSIONES_EXPORTACION = (".csv", ".xlsx", ".pdf", ".png", ".svg", ".ics")
FORMATOS_EXPORTACION = frozenset({"csv", "xlsx", "pdf", "png", "svg"})
_INTENTOS = 8
ESPERA_KV = 0.5  # seconds: a healthy KV round trip takes a millisecond or two


class CubosLocales:
    """A token bucket per key (``por_minuto`` tokens, refilled continuously), in this process only."""

    def __init__(self, por_minuto: int, maximo_claves: int = 100_000) -> None:
        self.por_minuto = por_minuto
        self.maximo_claves = maximo_claves
        self._cubos: dict[str, tuple[float, float]] = {}  # key: tokens left, when last counted

    def agotado(self, clave: str) -> int:
        """Seconds to wait before ``clave`` may spend one token (0: it may), spending nothing."""
        fichas = self._fichas(clave, time.monotonic())
        return 0 if fichas >= 1.0 else max(1, math.ceil((1.0 - fichas) * 60.0 / self.por_minuto))

    def gastar(self, clave: str, costo: int = 1) -> int:
        """Take ``costo`` tokens from ``clave``'s bucket: 0 when allowed, else the seconds to wait."""
        ahora = time.monotonic()
        fichas = self._fichas(clave, ahora)
        costo = min(costo, self.por_minuto)  # a single request bigger than the budget still passes when full
        if fichas < costo:
            self._cubos[clave] = (fichas, ahora)
            return max(1, math.ceil((costo - fichas) * 60.0 / self.por_minuto))
        self._cubos[clave] = (fichas - costo, ahora)
        if len(self._cubos) > self.maximo_claves:  # forget the quiet ones
            for viejo in [c for c, (_, t) in self._cubos.items() if ahora - t > 120]:
                del self._cubos[viejo]
        return 0

    def _fichas(self, clave: str, ahora: float) -> float:
        fichas, antes = self._cubos.get(clave, (float(self.por_minuto), ahora))
        return min(float(self.por_minuto), fichas + (ahora - antes) * self.por_minuto / 60.0)


class PresupuestoCompartido:
    """Each user's requests per minute, counted once for all replicas in NATS KV (local when NATS is away)."""

    def __init__(self, por_minuto: int, servicio: str = "servicio", espera: float = ESPERA_KV) -> None:
        self.por_minuto = por_minuto
        self.servicio = servicio
        self.espera = espera  # the longest a request waits on the shared count before counting locally
        self.local = CubosLocales(por_minuto)
        self.js: JetStreamContext | None = None  # set when the service connects
        self.nc: Client | None = None  # its connection: while it is down (reconnecting) the count is local
        self._kv: KeyValue | None = None
        # What this replica last wrote per key of the current minute: (count, revision). The next request
        # updates on that revision at once (one round trip); another replica's write in between makes it
        # read again. Past minutes' keys are dropped.
        self._escritas: dict[str, tuple[int, int]] = {}
        self._minuto = 0
        self._colas: dict[str, list[tuple[int, asyncio.Future]]] = {}  # per key being written: who waits next
        self._escritores: set[asyncio.Task] = set()

    async def gastar(self, usuario: str, costo: int = 1) -> int:
        """Take ``costo`` from the user's minute: 0 when allowed, else the seconds until the next minute."""
        if self.nc is not None and not self.nc.is_connected:
            return self.local.gastar(usuario, costo)  # NATS away: no request waits on a reconnecting client
        try:
            return await asyncio.wait_for(self._gastar_compartido(usuario, costo), self.espera)
        except TimeoutError:  # NATS frozen, or gone and the client has not noticed yet: no request waits on it
            log.warning("presupuesto compartido sin respuesta en %.1f s: cuenta local", self.espera)
            self._kv = None
            return self.local.gastar(usuario, costo)

    async def _gastar_compartido(self, usuario: str, costo: int) -> int:
        try:
            kv = await self._bucket()
        except Exception as exc:  # NATS away or the bucket missing: this replica counts alone
            log.debug("presupuesto compartido no disponible (%r): cuenta local", exc)
            kv = None
        if kv is None:
            return self.local.gastar(usuario, costo)
        minuto = int(time.time() // 60)
        if minuto != self._minuto:
            self._minuto, self._escritas = minuto, {}
        clave = f"{self.servicio}.{huella(usuario)}.{minuto}"
        pedido: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        cola = self._colas.get(clave)
        if cola is None:  # nobody is writing this count now: a writer for it, which takes those who come meanwhile
            cola = self._colas[clave] = []
            tarea = asyncio.create_task(self._escritor(kv, clave, cola))
            self._escritores.add(tarea)
            tarea.add_done_callback(self._escritores.discard)
        cola.append((min(costo, self.por_minuto), pedido))
        espera = await pedido
        return self.local.gastar(usuario, costo) if espera is None else espera

    async def _escritor(self, kv: KeyValue, clave: str, cola: list[tuple[int, asyncio.Future]]) -> None:
        """Count the requests waiting on ``clave``, all those that arrived since the last write in one write,
        until none waits. Each request's future: 0 (allowed), the seconds to wait, or None (count it locally)."""
        lote: list[tuple[int, asyncio.Future]] = []
        try:
            while cola:
                lote = [(c, pedido) for c, pedido in cola if not pedido.done()]  # not those that gave up waiting
                cola.clear()
                esperas = await self._contar(kv, clave, [c for c, _ in lote])
                for (_, pedido), espera in zip(lote, esperas, strict=True):
                    if not pedido.done():  # one that gave up waiting (``espera``) was counted locally
                        pedido.set_result(espera)
                lote = []
        except Exception as exc:
            log.warning("presupuesto compartido no disponible (%r): cuenta local", exc)
            self._kv = None
            for _, pedido in lote + cola:
                if not pedido.done():
                    pedido.set_result(None)
        finally:
            del self._colas[clave]

    async def _contar(self, kv: KeyValue, clave: str, costos: list[int]) -> list[int | None]:
        """Add to ``clave``'s count the ``costos`` that fit in the budget, in order; what each request gets."""
        leida = self._escritas.get(clave)  # first on the revision this replica last wrote: no read
        for _ in range(_INTENTOS + 1):
            usadas = total = leida[0] if leida is not None else 0
            espera = max(1, math.ceil((int(time.time() // 60) + 1) * 60 - time.time()))
            esperas: list[int | None] = []
            for costo in costos:  # within a minute the count only grows: one that does not fit waits
                cabe = total + costo <= self.por_minuto
                total += costo if cabe else 0
                esperas.append(0 if cabe else espera)
            if total == usadas or await self._escribir(kv, clave, leida, total - usadas):
                return esperas
            try:  # another replica wrote it since: read it again
                entrada = await kv.get(clave)
            except KeyNotFoundError:
                entrada = None
            leida = (int(entrada.value or b"0"), entrada.revision) if entrada is not None else None
        return [None] * len(costos)  # it kept losing the race: each counted locally

    async def _escribir(self, kv: KeyValue, clave: str, antes: tuple[int, int] | None, costo: int) -> bool:
        """Add ``costo`` to the count ``antes`` (None: no key yet) by compare-and-set; False when another
        replica wrote it meanwhile (read again)."""
        usadas = (antes[0] if antes else 0) + costo
        try:
            if antes is None:
                revision = await kv.create(clave, str(usadas).encode())
            else:
                revision = await kv.update(clave, str(usadas).encode(), last=antes[1])
        except KeyWrongLastSequenceError:
            return False
        self._escritas[clave] = (usadas, revision)
        return True

    async def _bucket(self) -> KeyValue | None:
        if self.js is None:
            return None
        if self._kv is None:
            try:
                self._kv = await self.js.key_value(RITMO_BUCKET)
            except BucketNotFoundError:
                return None
        return self._kv


@functools.lru_cache(maxsize=10_000)
def huella(usuario: str) -> str:
    """What names a user in the bucket's keys (not his id: the keys are readable by every service)."""
    return hashlib.sha256(usuario.encode()).hexdigest()[:32]


def costo(metodo: str, ruta: str, consulta: dict[str, str], cuerpo: bytes | None,
          exportacion: int, lote_por_cada: int) -> int:
    """What one request takes from its user's budget."""
    if ruta.endswith(EXTENSIONES_EXPORTACION) or consulta.get("formato", "") in FORMATOS_EXPORTACION:
        return exportacion
    if metodo == "POST" and ruta.endswith("/lote") and cuerpo:
        try:
            items = len(json.loads(cuerpo).get("items") or [])
        except (ValueError, AttributeError, TypeError):
            return 1  # the route answers 422
        return 1 + items // lote_por_cada
    return 1
