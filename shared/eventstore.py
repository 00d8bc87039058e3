"""What every service's write side has in common: aggregates whose events carry metadata,
and an ``eventsourcing`` Application configured from the service's settings."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import field, fields, is_dataclass
from datetime import date
from enum import Enum
from functools import lru_cache
from threading import Lock, RLock
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import psycopg
from cachetools import LRUCache
from eventsourcing.application import AggregateNotFoundError, Application, Repository
from psycopg import sql
from eventsourcing.domain import Aggregate as _Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoding

from shared.settings import ServiceSettings
from shared.telemetry import event_metadata


class Aggregate(_Aggregate):
    """Base aggregate: each event records the trace and the actor that caused it."""

    class Event(_Aggregate.Event):
        metadata: dict[str, str] = field(default_factory=dict, kw_only=True)

    class Created(Event, _Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        kwargs.setdefault("metadata", event_metadata())
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", event_metadata())
        super().trigger_event(event_class, **kwargs)


T = TypeVar("T")
REINTENTAR_DURANTE = 5.0  # seconds a command that keeps losing races is retried before answering 409
RECIENTES = 5_000  # events saved lately kept for the relay (a replica that does not relay keeps the last ones)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ValorTranscoding(Transcoding):
    """How a typed value object of the domain is stored: a frozen dataclass by its fields, an ``Enum`` by its
    value, a pydantic model by its JSON. ``nombre`` is what the store records for the type: it never changes,
    wherever the class moves (``ServiceApplication.valores``)."""

    def __init__(self, tipo: type, nombre: str) -> None:
        self.type = tipo
        self.name = nombre

    def encode(self, obj: Any) -> Any:
        if isinstance(obj, Enum):
            return obj.value
        if is_dataclass(obj):
            return {f.name: getattr(obj, f.name) for f in fields(obj)}
        return obj.model_dump(mode="json")

    def decode(self, data: Any) -> Any:
        if issubclass(self.type, Enum):
            return self.type(data)
        if is_dataclass(self.type):
            return self.type(**data)
        return self.type.model_validate(data)  # type: ignore[attr-defined]


class DomainError(Exception):
    """A command that breaks a rule of the domain (HTTP 422). The message is for people; ``campo`` names the
    datum that breaks it when there is one (``body.anio_fin``), so a form can show the reason next to it."""

    def __init__(self, mensaje: str = "", campo: str | None = None) -> None:
        super().__init__(mensaje)
        self.campo = campo


class NotFound(DomainError):
    """The thing asked for does not exist (HTTP 404)."""


class Forbidden(DomainError):
    """The caller may not see or do this (HTTP 403)."""


class Conflict(DomainError):
    """The command contradicts what is already recorded (HTTP 409)."""


class EnEspera(DomainError):
    """The command depends on something this service has not received yet (another service's fact on its
    way over NATS): nothing is refused, it goes through when sent again after that arrives (HTTP 409
    ``en_espera``, with ``Retry-After``)."""


class RepositorioSeguro(Repository):
    """eventsourcing's repository, safe when several threads read one cached aggregate.

    eventsourcing 9.5 fast-forwards a cached aggregate in place under a per-aggregate lock, then
    deep-copies it after releasing that lock: a thread copying while another applies new events
    fails with ``RuntimeError: dictionary changed size during iteration``. Here the whole read of a
    cached aggregate (fast-forward and copy) holds one lock per aggregate (striped), so the copy
    handed to a command is always whole; reads of different aggregates still run in parallel.
    """

    FRANJAS = 512

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._franjas = [Lock() for _ in range(self.FRANJAS)]

    def get(self, aggregate_id: Any, *, version: int | None = None, **kwargs: Any) -> Any:
        if self.cache is None or version is not None:
            return super().get(aggregate_id, version=version, **kwargs)
        with self._franjas[hash(aggregate_id) % self.FRANJAS]:
            return super().get(aggregate_id, **kwargs)


class Desactualizado(Exception):
    """What a command read changed before it could save (another writer got there first): read it
    again and retry (``ServiceApplication.reintentar``)."""


class ServiceApplication(Application):
    """An Application whose store is chosen by the service's settings (SQLite or PostgreSQL).

    ``valores``: the value objects its events carry, by the name the store records for each
    (``ValorTranscoding``)."""

    valores: ClassVar[dict[str, type]] = {}

    def __init__(self, settings: ServiceSettings) -> None:
        settings.exigir_seguridad()  # a deployment never starts on development secrets (ConfiguracionInsegura)
        self.settings = settings
        self.on_saved: list[Callable[[], None]] = []
        with _esquema_propio(settings):
            super().__init__(env=settings.eventsourcing_env())
            # where the outbox relay keeps how far it published (shared.outbox), created with the rest
            self.tracking_recorder = self.factory.tracking_recorder()
        self._limitar_eventos(settings.evento_max_bytes)
        self.inicial: Callable[[UUID], Any] = lru_cache(maxsize=20_000)(self._inicial)
        self._candados = [RLock() for _ in range(256)]  # commands about one aggregate, one at a time
        self._perdedores = RLock()  # commands that lost a race, retried one at a time
        self._recientes: LRUCache = LRUCache(maxsize=RECIENTES)  # notification id -> the event saved
        self._recientes_candado = Lock()

    def construct_repository(self) -> Repository:
        base = super().construct_repository()
        return RepositorioSeguro(base.event_store, snapshot_store=base.snapshot_store,
                                 cache_maxsize=int(self.env.get(self.AGGREGATE_CACHE_MAXSIZE) or 0) or None,
                                 fastforward=base.fastforward, fastforward_skipping=base.fastforward_skipping,
                                 deepcopy_from_cache=base.deepcopy_from_cache)

    def _limitar_eventos(self, max_bytes: int) -> None:
        """Refuse, before anything is written, an event too big to be published: NATS would refuse
        it (max_payload) and the relay could never move it, so it is not recorded at all."""
        convertir = self.mapper.to_stored_event

        def to_stored_event(event: Any) -> Any:
            guardado = convertir(event)
            if len(guardado.state) > max_bytes:
                raise DomainError(f"El registro ocupa {len(guardado.state):,} bytes; el máximo es {max_bytes:,}. "
                                  "Divídalo o reduzca sus textos.")
            return guardado

        self.mapper.to_stored_event = to_stored_event  # type: ignore[method-assign]

    def _inicial(self, aggregate_id: UUID) -> Any:
        """An aggregate as its first event made it: what never changes afterwards (its
        territory, owner, year), read once and remembered. Not to be modified."""
        return self.repository.get(aggregate_id, version=1)

    def crear_una_vez(self, nuevo: Any, igual: Callable[[Any], bool], conflicto: str) -> bool:
        """Save a new aggregate whose id is deterministic. Saved already: False when the stored one
        is ``igual``, else ``Conflict(conflicto)`` (a re-sent request against a different one)."""
        try:
            self.save(nuevo)
            return True
        except IntegrityError:
            if igual(self.repository.get(nuevo.id)):
                return False
            raise Conflict(conflicto) from None

    def reintentar(self, intento: Callable[[], T], conflicto: str = "Otro cambio se registró a la vez; "
                   "vuelva a intentarlo.", clave: Any = None) -> T:
        """Run a read-decide-save ``intento`` again when another writer saved the aggregate first.

        The one retry of every service. Commands about one ``clave`` (an aggregate's id, e.g. an
        acompañante's agenda) run one at a time in this process, so they do not race each other; a
        command without one that lost a race retries one at a time with the others that lost. What
        still races (another replica) is retried after a random, growing pause (at most 50 ms) for up
        to ``REINTENTAR_DURANTE`` seconds before ``Conflict(conflicto)``."""
        limite = time.monotonic() + REINTENTAR_DURANTE
        vez = 0
        while True:
            candado = self._candados[hash(clave) % len(self._candados)] if clave is not None else (
                self._perdedores if vez else nullcontext())
            with candado:
                try:
                    return intento()
                except (IntegrityError, Desactualizado):
                    if time.monotonic() > limite:
                        raise Conflict(conflicto) from None
            vez += 1
            time.sleep(random.uniform(0, min(0.05, 0.001 * 2 ** vez)))  # noqa: S311 - jitter, not a secret

    def obtener(self, aggregate_id: UUID, no_existe: DomainError) -> Any:
        """The aggregate, or ``no_existe`` raised (a NotFound, or a rule it breaks) when there is none."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise no_existe from None

    def modificar(self, leer: Callable[[], Any], cambio: Callable[[Any], bool], conflicto: str = "Otro cambio se "
                  "registró a la vez; vuelva a intentarlo.") -> bool:
        """Read an aggregate, apply ``cambio`` (True when it recorded something) and save it;
        all again when another writer saved the aggregate first."""
        def intento() -> bool:
            agregado = leer()
            nuevo = cambio(agregado)
            if nuevo:
                self.save(agregado)
            return nuevo
        return self.reintentar(intento, conflicto)

    def existe(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
            return True
        except AggregateNotFoundError:
            return False

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for nombre, tipo in self.valores.items():
            transcoder.register(ValorTranscoding(tipo, nombre))

    def _notify(self, recordings: list[Recording]) -> None:
        # The events just saved, by notification id, for the relay (``recien_guardado``); then wake it so they
        # go out without waiting for its next poll.
        with self._recientes_candado:
            for r in recordings:
                self._recientes[r.notification.id] = r.domain_event
        for callback in self.on_saved:
            callback()

    def recien_guardado(self, notification: Any) -> Any:
        """The domain event a notification holds: the one this process saved, when it is still remembered
        (what decoding the stored event gives back, without decoding it), else decoded from the store."""
        with self._recientes_candado:
            evento = self._recientes.pop(notification.id, None)
        return evento if evento is not None else self.mapper.to_domain_event(notification)

    def check_store(self) -> int:
        """Touch the store (readiness probe); returns the last notification id."""
        return self.recorder.max_notification_id() or 0


@contextmanager
def _esquema_propio(settings: ServiceSettings) -> Iterator[None]:
    """eventsourcing creates its tables, not the service's schema: create that first. Replicas starting
    together on a new database would race creating both ("tuple concurrently updated"): on PostgreSQL the
    whole creation runs under an advisory lock per schema, released when this connection closes."""
    if not settings.is_postgres:
        yield
        return
    schema = settings.postgres_schema or settings.servicio
    with psycopg.connect(
        host=settings.postgres_host, port=settings.postgres_port, user=settings.postgres_user,
        password=settings.postgres_password or None, dbname=settings.postgres_dbname, autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"acompana-esquema:{schema}",))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        yield
