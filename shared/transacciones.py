"""Batches on the read models: one transaction per store for many messages, and a statement for many rows.

``lote()`` opens a batch in the calling thread: every ``ViewStore.transaccion()`` (or ``transaccion`` on
another store's engine, as the chain ledger's) inside it shares one transaction per store, committed when
the block ends and rolled back when it raises. The live consumers (``shared.consumer``) apply a fetched
batch of messages so, and acknowledge them after the commit. A read model may keep its writes for the
end of the batch (``diferir``) and run them there grouped by statement (``ejecutar_varias``), in the same
transaction, before it commits.
"""

from __future__ import annotations

import threading
import weakref
from datetime import date
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, TextClause
from sqlalchemy.dialects import sqlite


class _Lote:
    """The transactions a batch opened (one per store) and the writes it keeps for its end."""

    def __init__(self) -> None:
        self.abiertas: dict[int, tuple[Connection, Any]] = {}  # id(store) -> (connection, transaction)
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
    sql, conversiones = _directa(conn, sentencia)
    if conversiones:
        convertidas = []
        for fila in filas:  # a copy of each row: the caller's rows stay as they were
            fila = fila.copy()
            for nombre, proceso in conversiones:
                fila[nombre] = proceso(fila[nombre])
            convertidas.append(fila)
        filas = convertidas
    conn.exec_driver_sql(sql, filas)


def ejecutar(conn: Connection, sentencia: TextClause, parametros: dict[str, Any]) -> CursorResult[Any]:
    """``conn.execute(sentencia, parametros)`` for a text statement without typed parameters, handed to the driver
    as compiled once per dialect with the parameters' dict as it is: SQLAlchemy bound each of a statement's
    parameters by name on every run, several times the query itself for one over a batch's hundreds of keys."""
    sql, conversiones = _directa(conn, sentencia)
    assert not conversiones, "ejecutar: parámetros con tipo (use ejecutar_varias)"
    return conn.exec_driver_sql(sql, parametros)


def _directa(conn: Connection, sentencia: TextClause) -> _Directa:
    """``sentencia``'s SQL as ``conn``'s driver takes it (named parameters, so a row's dict goes as it is) and the
    conversions of its typed parameters, built once per dialect."""
    dialecto = conn.dialect
    por_dialecto = _directas.get(sentencia)
    if por_dialecto is None:
        por_dialecto = _directas[sentencia] = {}
    directa = por_dialecto.get(dialecto.name)
    if directa is None:
        compilador = type(dialecto)(paramstyle="named") if dialecto.positional else dialecto
        compilada = sentencia.compile(dialect=compilador)
        conversiones = [(nombre, _conversion(bind.type.dialect_impl(dialecto), proceso))
                        for nombre, bind in compilada.binds.items()
                        if (proceso := bind.type.dialect_impl(dialecto).bind_processor(dialecto)) is not None]
        directa = por_dialecto[dialecto.name] = (compilada.string, conversiones)
    return directa


def _conversion(tipo: Any, proceso: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``proceso``, a type's bind conversion; SQLite's of a date as ``date.isoformat`` when it gives the same text
    (SQLAlchemy's default storage format, ``%(year)04d-%(month)02d-%(day)02d``), the rest to ``proceso``: it
    built a dict to format each date, a tenth of a batch of the history's and the matrices' rows."""
    if not isinstance(tipo, sqlite.DATE) or tipo._storage_format != sqlite.DATE._storage_format:
        return proceso

    def fecha(valor: Any) -> Any:
        return valor.isoformat() if type(valor) is date else proceso(valor)
    return fecha
