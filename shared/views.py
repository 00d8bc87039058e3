"""A service's read-model database (SQLite file or PostgreSQL schema), and the read models kept from its own log.

Every read model keeps its rows in generations (``shared.generaciones``): the active one under its tables'
base names, a rebuild's beside it under ``<base>_g<N>`` until the switch renames them. What keeps a read model
from applying an event twice is its generation's own progress record, written in the same transaction as
the rows: a ``StreamView`` (``shared.stream_views``) records each applied event's id in its generation's inbox,
an ``OwnLogProjection`` (below) its position in the service's log in its generation's ``posicion``.
Batches of writes (one transaction per store) are ``shared.transacciones``; an ``OwnLogProjection`` applies each
batch of its log through a unit of work (``shared.unidad``: rows by key, written at the batch's end).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.utils import resolve_topic

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    TextClause,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)

from shared.generaciones import Generaciones, control_table, copia, sufijo
from shared.settings import ServiceSettings
from shared.transacciones import transaccion
from shared.unidad import UnidadDeTrabajo


class ViewStore:
    """The engine and tables of one service's read models."""

    def __init__(self, settings: ServiceSettings, metadata: MetaData) -> None:
        self.metadata = metadata
        self.schema = settings.views_schema
        self.engine: Engine = create_engine(settings.views_url(), pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            # Every table of the service lives in its own schema.
            schema = self.schema
            event.listen(
                self.engine, "connect",
                lambda conn, _: _set_search_path(conn, schema),
            )
        self._sentencias: dict[tuple[Table, tuple[str, ...], bool], TextClause] = {}

    def create_all(self) -> None:
        with self.engine.begin() as conn:
            if self.schema:  # PostgreSQL: replicas starting together create the schema and tables one at a time
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:clave))"),
                             {"clave": f"acompana-esquema:{self.schema}"})
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            self.metadata.create_all(conn)
            if "inbox" not in self.metadata.tables and inspect(conn).has_table("inbox", schema=self.schema):
                # the never-written inbox older versions created in every read database
                if conn.execute(text('SELECT count(*) FROM "inbox"')).scalar_one() == 0:
                    conn.execute(text('DROP TABLE "inbox"'))

    @contextmanager
    def transaccion(self) -> Iterator[Connection]:
        """A transaction on the read models: the open batch's (``lote()``), or one of its own, committed at
        the end of the block."""
        with transaccion(self, self.engine) as conn:
            yield conn

    def insert_on_conflict(self, tabla: Table, claves: tuple[str, ...], actualizar: bool) -> TextClause:
        """INSERT of every column of ``tabla`` ON CONFLICT (``claves``) DO NOTHING, or DO UPDATE of every
        other column, built once per (table, keys, update) as text with typed parameters: SQLAlchemy does
        not cache the compiled dialect INSERT ... ON CONFLICT, and compiling it again for every row cost
        more than the write (the syntax is the same in SQLite and PostgreSQL)."""
        clave = (tabla, claves, actualizar)
        sentencia = self._sentencias.get(clave)
        if sentencia is None:
            columnas = [c.name for c in tabla.columns]
            cambio = ", ".join(f'"{c}" = excluded."{c}"' for c in columnas if c not in claves)
            sentencia = text(
                f'INSERT INTO "{tabla.name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columnas)}) '
                f'VALUES ({", ".join(f":{c}" for c in columnas)}) '
                f'ON CONFLICT ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in claves)}) '
                + (f"DO UPDATE SET {cambio}" if actualizar and cambio else "DO NOTHING")
            ).bindparams(*(bindparam(c.name, type_=c.type) for c in tabla.columns))
            self._sentencias[clave] = sentencia
        return sentencia

    def olvidar_sentencias(self, tablas: Iterable[Table]) -> None:
        """Drop the statements built for ``tablas`` (dropped tables, e.g. an old generation)."""
        fuera = set(tablas)
        self._sentencias = {k: v for k, v in self._sentencias.items() if k[0] not in fuera}

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _set_search_path(dbapi_conn, schema: str | None) -> None:  # noqa: ANN001
    if schema:
        cursor = dbapi_conn.cursor()
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_conn.commit()


@lru_cache(maxsize=4096)
def instante(t: datetime) -> str:
    """A recorded time as fixed-width UTC text: sorts and compares the same in SQLite and PostgreSQL. Remembered:
    every view that reads a fact formats its time, and the facts of a batch often share one."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _normal(valor: Any) -> Any:
    """A value as SQLite and PostgreSQL give it the same (a naive time is UTC; a float to 9 decimals)."""
    if isinstance(valor, datetime):
        return instante(valor if valor.tzinfo else valor.replace(tzinfo=UTC))
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, float):
        return round(valor, 9)
    return valor


def digest_tablas(conn: Connection, tablas: Iterable[tuple[str, Table]]) -> str:
    """A digest of the rows of ``tablas`` (name, table), each table's rows in primary-key order, values
    normalised (``_normal``): the same rows give the same digest in SQLite and PostgreSQL."""
    digest = hashlib.sha256()
    for nombre, tabla in sorted(tablas, key=lambda t: t[0]):
        digest.update(nombre.encode())
        for fila in conn.execute(select(tabla).order_by(*tabla.primary_key.columns)):
            digest.update(json.dumps([_normal(v) for v in fila], default=str).encode())
    return digest.hexdigest()


class Tablas(dict):
    """A read model's tables, by their base name (``tablas.valoraciones``)."""

    def __getattr__(self, name: str) -> Table:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def position_table(metadata: MetaData) -> Table:
    """An own-log projection's progress record, one per generation (``posicion``, ``posicion_g<N>``): one row,
    the last notification that generation applied (keyed by the projection, as when one table held every
    projection's row: a store kept then is generation 1 as it is)."""
    return Table(
        "posicion",
        metadata,
        Column("proyeccion", String(40), primary_key=True),
        Column("notificacion", Integer, nullable=False),
    )


class OwnLogProjection:
    """A read model kept from the service's own event store.

    It reads the store's notification log in order and writes the rows and its position in one
    transaction, so it can stop anywhere and resume. Queries call ``ponerse_al_dia()`` first
    (read-your-writes). Subclasses fill ``handlers`` (stored event class -> method) and name their ``tablas``
    (the base tables, where the active generation lives); a handler writes only the tables it is given
    (``handler(u, t, evento, notificacion_id)``, ``t``: the generation's ``Tablas``), through its batch's unit
    of work ``u`` (``shared.unidad``: rows by key, or ``u.execute`` for any other statement); ``lecturas``
    names the rows by key each event class's handler reads, read for the whole batch at once.
    ``reconstruir()`` builds a new generation from the log while the active one answers, and switches to it.
    """

    nombre: str
    tablas: tuple[Table, ...]

    def __init__(self, settings: ServiceSettings, app: Application, metadata: MetaData, lote: int = 2000) -> None:
        self.app = app
        self.store = ViewStore(settings, metadata)
        self.posiciones = metadata.tables["posicion"] if "posicion" in metadata.tables else position_table(metadata)
        control = metadata.tables["generaciones"] if "generaciones" in metadata.tables else control_table(metadata)
        self.store.create_all()
        self.generaciones = Generaciones(self.store, control)
        self.generaciones.asegurar(self.nombre)  # a store kept before generations: generation 1, as it is
        self.generaciones.descartar_anteriores(self.nombre, [t.name for t in self._bases()])
        self.lote = lote
        self.handlers: dict[type, Callable[[UnidadDeTrabajo, Tablas, Any, int], None]] = {}
        # what a handler reads by key, (table, primary key)s by event class, read for a whole batch at once;
        # in stages: a stage's functions may read (``u.leer``) what the stages before it read
        self.lecturas: list[dict[type, Callable[[UnidadDeTrabajo, Tablas, Any],
                                                Iterable[tuple[Table, tuple[Any, ...]]]]]] = []
        self._lock = threading.Lock()
        self._copias: dict[int, Tablas] = {}
        self._atiende: dict[str, bool] = {}  # a stored event's topic -> whether a handler applies it

    def close(self) -> None:
        self.store.dispose()

    def _bases(self) -> list[Table]:
        return [*self.tablas, self.posiciones]

    def tablas_de(self, generacion: int | None = None) -> Tablas:
        """A generation's tables by base name, its ``posicion`` included: the base tables for the active one
        (None), ``<base>_g<N>`` for one being built."""
        if generacion is None or generacion == self.generaciones.activa(self.nombre):
            return Tablas({t.name: t for t in self._bases()})
        if generacion not in self._copias:
            metadata = MetaData()
            self._copias[generacion] = Tablas({t.name: copia(t, metadata, generacion) for t in self._bases()})
        return self._copias[generacion]

    def posicion(self, t: Tablas | None = None, conn: Connection | None = None) -> int:
        """The last notification applied to a generation (the active one's by default)."""
        p = (t or self.tablas_de()).posicion
        consulta = select(p.c.notificacion).where(p.c.proyeccion == self.nombre)
        if conn is not None:
            return conn.execute(consulta).scalar() or 0
        with self.store.engine.connect() as propia:
            return propia.execute(consulta).scalar() or 0

    def ponerse_al_dia(self) -> int:
        """Apply every stored event not yet projected; returns how many."""
        t = Tablas({tabla.name: tabla for tabla in self._bases()})
        with self._lock:
            aplicadas = 0
            while True:
                inicio = self.posicion(t)
                notificaciones = self.app.recorder.select_notifications(inicio, self.lote, inclusive_of_start=False)
                if not notificaciones:
                    return aplicadas
                with self.store.engine.begin() as conn:
                    if self._turno(conn) != inicio:
                        continue  # another replica of the service applied them meanwhile: read again
                    self._aplicar(conn, t, notificaciones)
                aplicadas += len(notificaciones)

    def _aplicar(self, conn: Connection, t: Tablas, notificaciones: list[Any]) -> None:
        """Apply ``notificaciones`` to generation ``t`` through one unit of work (``shared.unidad``), written
        at the end with the new position, in ``conn``'s transaction."""
        with UnidadDeTrabajo(conn) as u:
            a_evento, handlers, lecturas = self.app.mapper.to_domain_event, self.handlers, self.lecturas
            atiende = self._atiende
            eventos = [(n.id, a_evento(n)) for n in notificaciones
                       if atiende.get(n.topic) or (n.topic not in atiende and self._atendido(n.topic))]
            self.antes_del_lote([e for _, e in eventos])
            for etapa in lecturas:  # each stage may read by key what the stages before it read
                por_tabla: dict[Table, set[tuple[Any, ...]]] = {}
                for _, evento in eventos:
                    if (lectura := etapa.get(type(evento))) is not None:
                        for tabla, clave in lectura(u, t, evento):
                            por_tabla.setdefault(tabla, set()).add(clave)
                for tabla, claves in por_tabla.items():
                    u.precargar(tabla, claves)
            for n_id, evento in eventos:
                if (handler := handlers.get(type(evento))) is not None:
                    handler(u, t, evento, n_id)
            u.vaciar()
            del eventos  # before the collector is back (``shared.recoleccion``)
        self._mover(conn, t.posicion, notificaciones[-1].id)

    def _atendido(self, topico: str) -> bool:
        """Whether a handler applies the events stored under ``topico`` (those of no handler are not decoded)."""
        self._atiende[topico] = resolve_topic(topico) in self.handlers
        return self._atiende[topico]

    def _siguientes(self, conn: Connection, t: Tablas) -> int:
        """Apply the next batch of the log to generation ``t`` in ``conn``; returns how many events."""
        notificaciones = self.app.recorder.select_notifications(self.posicion(t, conn), self.lote,
                                                                inclusive_of_start=False)
        if notificaciones:
            self._aplicar(conn, t, notificaciones)
        return len(notificaciones)

    def _turno(self, conn: Connection) -> int:
        """Take this projection's turn among the service's replicas until the transaction ends, and read
        its position then: replicas sharing the store apply each event once, one batch at a time."""
        p = self.posiciones
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"{self.store.schema}.{self.nombre}"))))
        else:  # SQLite: the first write of a transaction takes the database's write lock
            conn.execute(update(p).where(p.c.proyeccion == self.nombre).values(notificacion=p.c.notificacion))
        return conn.execute(select(p.c.notificacion).where(p.c.proyeccion == self.nombre)).scalar() or 0

    def reconstruir(self, progreso: Callable[[int, int], None] | None = None) -> int:
        """Build a new generation from the whole log while the active one keeps answering (and being kept up
        to date), batch by batch; then, with the live catch-up of every replica out, bring it to the end of
        the log and switch to it in that same transaction; drop the old one. ``progreso(hechos, total)``
        after every batch (those of the switch's catch-up from within its transaction). Returns how many events
        the new generation applied."""
        bases = [t.name for t in self._bases()]
        nueva = self.generaciones.reservar(self.nombre, bases)
        t = self.tablas_de(nueva)  # (none of its tables exists: it is numbered above every one that does)
        next(iter(t.values())).metadata.create_all(self.store.engine)
        hechos = [0]

        def avisar() -> None:
            if progreso is not None:
                progreso(hechos[0], max(hechos[0], self.app.recorder.max_notification_id() or 0))

        def al_dia(conn: Connection) -> None:  # in the switch's transaction, every replica's catch-up waiting
            hechos[0] = inicio  # (the switch may be tried again: what an attempt applied was rolled back)
            self._turno(conn)
            while n := self._siguientes(conn, t):
                hechos[0] += n
                avisar()

        try:
            while True:
                with self._recordando(), self.store.engine.begin() as conn:
                    n = self._siguientes(conn, t)
                hechos[0] += n
                if n:
                    avisar()  # outside the batch's transaction and lock: it may query the read model
                if n < self.lote:
                    break  # what remains: in the switch's transaction
            inicio = hechos[0]
            with self._recordando():
                anterior = self.generaciones.cambiar(self.nombre, nueva, bases, antes=al_dia)
        except BaseException:
            self.generaciones.borrar(x.name for x in t.values())
            raise
        finally:
            self._copias.pop(nueva, None)
        self.generaciones.borrar(sufijo(b, anterior) for b in bases)
        self.store.olvidar_sentencias(t.values())
        return hechos[0]

    @contextmanager
    def _recordando(self) -> Iterator[None]:
        """A rebuild's batch, taking turns with the live catch-up of this process: what a subclass remembers
        between events (``olvidar``) is forgotten before and after it, so neither generation reads the other's."""
        with self._lock:
            self.olvidar()
            try:
                yield
            finally:
                self.olvidar()

    def antes_del_lote(self, eventos: list[Any]) -> None:
        """What a subclass's handlers of ``eventos`` (a batch) read from elsewhere than their tables, read at
        once before them (e.g. the key store's keys)."""

    def olvidar(self) -> None:
        """Drop whatever a subclass remembers between events (before and after each batch of a rebuild)."""

    def checksum(self, generacion: int | None = None) -> str:
        """A digest of every table of ``tablas`` in a generation (the active one by default; its position
        aside), in primary-key order: a rebuild gives the one the live projection gave
        (``shared.stream_views.StreamView.checksum`` digests alike)."""
        t = self.tablas_de(generacion)
        with self.store.engine.connect() as conn:
            return digest_tablas(conn, [(base.name, t[base.name]) for base in self.tablas])

    def filas(self, consulta: Any) -> list[Any]:
        self.ponerse_al_dia()
        with self.store.engine.connect() as conn:
            return list(conn.execute(consulta))

    def _mover(self, conn: Connection, p: Table, a: int) -> None:
        hecho = conn.execute(update(p).where(p.c.proyeccion == self.nombre).values(notificacion=a))
        if hecho.rowcount == 0:
            conn.execute(p.insert().values(proyeccion=self.nombre, notificacion=a))

    def escribir(self, conn: Connection | UnidadDeTrabajo, tabla: Table, fila: dict[str, Any], *claves: str,
                 actualizar: bool = True) -> None:
        """Insert ``fila`` (every column of ``tabla``); on a conflict on ``claves``, replace its other columns
        (``actualizar``) or leave the row there. In a handler's unit of work (``conn``) when ``claves`` are
        the table's primary key; else one cached statement per (table, keys, update)."""
        if isinstance(conn, UnidadDeTrabajo):
            if conn.por_clave(tabla, claves):
                (conn.poner if actualizar else conn.insertar)(tabla, fila)
                return
            conn = conn.directo(tabla)
        conn.execute(self.store.insert_on_conflict(tabla, claves, actualizar), fila)
