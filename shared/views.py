"""A service's read-model database (SQLite file or PostgreSQL schema), and batches on it.

What keeps a read model from applying an event twice is its own progress record, written in the
same transaction as the rows: a ``StreamView`` (``shared.stream_views``) records each applied event's
id in its generation's inbox, an ``OwnLogProjection`` (below) its position in the service's log.

``lote()`` opens a batch in the calling thread: every ``ViewStore.transaccion()`` (or ``transaccion`` on
another store's engine, as the chain ledger's) inside it shares one transaction per store, committed when
the block ends and rolled back when it raises. The live consumers (``shared.consumer``) apply a fetched
batch of messages so, and acknowledge them after the commit. A read model may keep its writes for the
end of the batch (``diferir``) and run them there grouped by statement, in the same transaction, before
it commits.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.application import Application

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
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from shared.settings import ServiceSettings


class _Lote:
    """The transactions a batch opened (one per store) and what it read once for all its messages."""

    def __init__(self) -> None:
        self.abiertas: dict[int, tuple[Connection, Any]] = {}  # id(store) -> (connection, transaction)
        self.memoria: dict[Any, Any] = {}
        self.diferidas: dict[Any, Any] = {}  # writes kept for the end of the batch (``diferir``)

    def cerrar(self, confirmar: bool) -> None:
        if confirmar and self.diferidas:
            try:
                for diferida in self.diferidas.values():  # in the order they were opened
                    diferida.vaciar()
            except BaseException:
                self.cerrar(confirmar=False)
                raise
        self.diferidas = {}
        abiertas, self.abiertas = list(self.abiertas.values()), {}
        try:
            for conn, transaccion in abiertas:
                if confirmar:
                    transaccion.commit()  # a failure rolls back the ones not committed yet (below)
                else:
                    transaccion.rollback()
        finally:
            for conn, transaccion in abiertas:
                if transaccion.is_active:
                    transaccion.rollback()
                conn.close()


_hilo = threading.local()


@contextmanager
def lote() -> Iterator[bool]:
    """Within the block, this thread's read-model writes share one transaction per store, committed at its
    end (rolled back if it raises). Yields True; a nested ``lote()`` joins the outer one (yields False)."""
    if getattr(_hilo, "lote", None) is not None:
        yield False
        return
    actual = _hilo.lote = _Lote()
    try:
        yield True
    except BaseException:
        actual.cerrar(confirmar=False)
        raise
    else:
        actual.cerrar(confirmar=True)
    finally:
        _hilo.lote = None


def hay_lote() -> bool:
    """Whether a batch is open in this thread."""
    return getattr(_hilo, "lote", None) is not None


def en_lote() -> bool:
    """Whether the batch open in this thread has opened a transaction on some store."""
    actual = getattr(_hilo, "lote", None)
    return actual is not None and bool(actual.abiertas)


def una_vez_por_lote(clave: Any, calcular: Callable[[], Any]) -> Any:
    """``calcular()``, read once per batch open in this thread (each time, outside a batch)."""
    actual = getattr(_hilo, "lote", None)
    if actual is None:
        return calcular()
    if clave not in actual.memoria:
        actual.memoria[clave] = calcular()
    return actual.memoria[clave]


def diferir(clave: Any, crear: Callable[[], Any]) -> Any | None:
    """The batch's deferred writes under ``clave``: ``crear()`` the first time in the batch open in this
    thread, and its ``vaciar()`` run (in its transaction) before the batch commits; None outside a batch."""
    actual = getattr(_hilo, "lote", None)
    if actual is None:
        return None
    if clave not in actual.diferidas:
        actual.diferidas[clave] = crear()
    return actual.diferidas[clave]


@contextmanager
def transaccion(store: object, engine: Engine) -> Iterator[Connection]:
    """A transaction on ``engine`` for ``store``: the open batch's (one per store, committed when the batch
    ends), or one of its own, committed at the end of the block."""
    actual = getattr(_hilo, "lote", None)
    if actual is None:
        with engine.begin() as conn:
            yield conn
        return
    abierta = actual.abiertas.get(id(store))
    if abierta is None:
        conn = engine.connect()
        abierta = actual.abiertas[id(store)] = (conn, conn.begin())
    yield abierta[0]


# a text statement -> by dialect: its SQL as the driver takes it, and the conversions of its typed parameters
_Directa = tuple[str, list[tuple[str, Callable[[Any], Any]]]]
_directas: weakref.WeakKeyDictionary[TextClause, dict[str, _Directa]] = weakref.WeakKeyDictionary()


def ejecutar_varias(conn: Connection, sentencia: Any, filas: list[dict[str, Any]]) -> None:
    """``conn.execute(sentencia, filas)``: a statement run once for many rows (an executemany). A text
    statement goes to the driver as compiled once per dialect, each row's values passed through its typed
    parameters' conversions (a date on SQLite): SQLAlchemy would build every row's parameters again, about a
    third of what a batch of a view's rows costs on SQLite."""
    if not filas:
        return
    if not isinstance(sentencia, TextClause):
        conn.execute(sentencia, filas)
        return
    dialecto = conn.dialect
    por_dialecto = _directas.get(sentencia)
    if por_dialecto is None:
        por_dialecto = _directas[sentencia] = {}
    directa = por_dialecto.get(dialecto.name)
    if directa is None:  # named parameters, so each row's dict goes to the driver as it is
        compilador = type(dialecto)(paramstyle="named") if dialecto.positional else dialecto
        compilada = sentencia.compile(dialect=compilador)
        conversiones = [(nombre, proceso) for nombre, bind in compilada.binds.items()
                        if (proceso := bind.type.dialect_impl(dialecto).bind_processor(dialecto)) is not None]
        directa = por_dialecto[dialecto.name] = (compilada.string, conversiones)
    sql, conversiones = directa
    if conversiones:
        filas = [{**fila, **{nombre: proceso(fila[nombre]) for nombre, proceso in conversiones}}
                 for fila in filas]
    conn.exec_driver_sql(sql, filas)


class ViewStore:
    """The engine and tables of one service's read models."""

    def __init__(self, settings: ServiceSettings, metadata: MetaData) -> None:
        self.metadata = metadata
        self.schema = settings.views_schema
        self.engine: Engine = create_engine(settings.views_url(), pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self._insert = sqlite.insert
        else:
            self._insert = postgresql.insert
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

    def insert(self, table: Table):  # noqa: ANN201 - the dialect's INSERT with ON CONFLICT
        return self._insert(table)

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


def instante(t: datetime) -> str:
    """A recorded time as fixed-width UTC text: sorts and compares the same in SQLite and PostgreSQL."""
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
    return Table(
        "posicion",
        metadata,
        Column("proyeccion", String(40), primary_key=True),
        Column("notificacion", Integer, nullable=False),
    )


class OwnLogProjection:
    """A read model kept from the service's own event store.

    It reads the store's notification log in order and writes the rows and its position in
    one transaction, so it can stop anywhere and resume, and ``reconstruir()`` gives the same
    tables from zero. Queries call ``ponerse_al_dia()`` first (read-your-writes).
    Subclasses fill ``handlers`` (stored event class -> method) and name their ``tablas``.
    """

    nombre: str
    tablas: tuple[Table, ...]

    def __init__(self, settings: ServiceSettings, app: Application, metadata: MetaData, lote: int = 2000) -> None:
        self.app = app
        self.store = ViewStore(settings, metadata)
        self.posiciones = metadata.tables["posicion"] if "posicion" in metadata.tables else position_table(metadata)
        self.store.create_all()
        self.lote = lote
        self.handlers: dict[type, Callable[[Connection, Tablas, Any, int], None]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.store.dispose()

    def posicion(self) -> int:
        p = self.posiciones
        with self.store.engine.connect() as conn:
            return conn.execute(select(p.c.notificacion).where(p.c.proyeccion == self.nombre)).scalar() or 0

    def ponerse_al_dia(self) -> int:
        """Apply every stored event not yet projected; returns how many."""
        with self._lock:
            aplicadas = 0
            while True:
                inicio = self.posicion()
                notificaciones = self.app.recorder.select_notifications(inicio, self.lote, inclusive_of_start=False)
                if not notificaciones:
                    return aplicadas
                t = Tablas({tabla.name: tabla for tabla in self.tablas})
                with self.store.engine.begin() as conn:
                    if self._turno(conn) != inicio:
                        continue  # another replica of the service applied them meanwhile: read again
                    for n in notificaciones:
                        evento = self.app.mapper.to_domain_event(n)
                        handler = self.handlers.get(type(evento))
                        if handler:
                            handler(conn, t, evento, n.id)
                    self._mover(conn, notificaciones[-1].id)
                aplicadas += len(notificaciones)

    def _turno(self, conn: Connection) -> int:
        """Take this projection's turn among the service's replicas until the transaction ends, and read
        its position then: replicas sharing the store apply each event once, one batch at a time."""
        p = self.posiciones
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"{self.store.schema}.{self.nombre}"))))
        else:  # SQLite: the first write of a transaction takes the database's write lock
            conn.execute(update(p).where(p.c.proyeccion == self.nombre).values(notificacion=p.c.notificacion))
        return conn.execute(select(p.c.notificacion).where(p.c.proyeccion == self.nombre)).scalar() or 0

    def reconstruir(self) -> int:
        """Empty the tables and project every stored event again."""
        with self._lock:
            with self.store.engine.begin() as conn:
                for tabla in (*self.tablas, self.posiciones):
                    conn.execute(delete(tabla))
            self.olvidar()
        return self.ponerse_al_dia()

    def olvidar(self) -> None:
        """Drop whatever a subclass remembers between events (called by ``reconstruir``)."""

    def checksum(self) -> str:
        """A digest of every table of ``tablas`` (its position aside), in primary-key order: a rebuild gives
        the one the live projection gave (``shared.stream_views.StreamView.checksum`` digests alike)."""
        with self.store.engine.connect() as conn:
            return digest_tablas(conn, [(t.name, t) for t in self.tablas])

    def filas(self, consulta: Any) -> list[Any]:
        self.ponerse_al_dia()
        with self.store.engine.connect() as conn:
            return list(conn.execute(consulta))

    def _mover(self, conn: Connection, a: int) -> None:
        p = self.posiciones
        hecho = conn.execute(update(p).where(p.c.proyeccion == self.nombre).values(notificacion=a))
        if hecho.rowcount == 0:
            conn.execute(p.insert().values(proyeccion=self.nombre, notificacion=a))

    def upsert(self, conn: Connection, tabla: Table, valores: dict[str, Any], *claves: str) -> None:
        """Insert the row (``valores``: every column) or, on a conflict on ``claves``, replace its other columns."""
        conn.execute(self.store.insert_on_conflict(tabla, claves, actualizar=True), valores)

    def escribir(self, conn: Connection, tabla: Table, fila: dict[str, Any], *claves: str,
                 actualizar: bool = True) -> None:
        """Insert ``fila`` (every column of ``tabla``); on a conflict on ``claves``, replace its other columns
        (``actualizar``) or leave the row there. One cached statement per (table, keys, update)."""
        conn.execute(self.store.insert_on_conflict(tabla, claves, actualizar), fila)
