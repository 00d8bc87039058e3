"""A batch's unit of work on a read model's tables (``shared.views.OwnLogProjection`` applies each batch of
its log through one).

Handlers read and write rows by primary key through it: a row read once, or written, in the batch is answered
from memory (a key the batch itself wrote included), each key keeps only its last state, and at the end of the
batch (``vaciar``) every table's rows go in one executemany per statement kind (upsert, insert if absent,
delete), on the transaction's own connection, before the progress record is written in that same transaction:
a batch that fails writes nothing. The statements are compiled once per table and dialect and run on the
driver's cursor, each value passed through its column's conversions (JSON, dates, booleans) both ways, as
SQLAlchemy would: SQLite and PostgreSQL give the same rows.

Any other statement (``execute``: a query by other columns, an UPDATE or DELETE by a condition) first writes
what the batch kept for the tables it names, and one that writes forgets what the batch remembers of them.

While a unit of work is open (``with UnidadDeTrabajo(conn) as u``) the cyclic garbage collector waits, as for
every batch (``shared.recoleccion.sin_recolector``): what the batch remembers is dropped before it is back.
"""

from __future__ import annotations

import weakref
from operator import itemgetter
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, Table, TextClause, bindparam, text
from sqlalchemy.sql.util import find_tables

from shared.recoleccion import pausar, reanudar

Fila = dict[str, Any]
# a compiled statement: its SQL as the driver takes it, and what turns a row (a dict) into its parameters
_Sentencia = tuple[str, Callable[[Fila], Any]]


def _compilar(sentencia: Any, dialecto: Any) -> _Sentencia:
    """A statement's SQL as the driver takes it, and the function that gives the driver a row's parameters
    (each passed through its typed parameter's conversion): a tuple in the statement's order for a positional
    driver (SQLite's: an executemany of tuples costs a fourth of one of dicts), a dict for a named one."""
    compilada = sentencia.compile(dialect=dialecto)
    conversiones = {nombre: proceso for nombre, bind in compilada.binds.items()
                    if (proceso := bind.type.dialect_impl(dialecto).bind_processor(dialecto)) is not None}
    fijos = {n: v for n, v in compilada.params.items() if v is not None}  # a literal's value, in a query

    if dialecto.positional:
        orden = [(n, conversiones.get(n)) for n in compilada.positiontup]

        def parametros(fila: Fila) -> Any:
            return tuple([p(fila[n]) if p else fila[n] for n, p in orden])
    else:
        lista = list(conversiones.items())

        def parametros(fila: Fila) -> Any:
            valores = dict(fila)
            for n, p in lista:
                valores[n] = p(valores[n])
            return valores

    if not fijos:
        return compilada.string, parametros
    return compilada.string, lambda fila: parametros({**fijos, **fila})


class _Sql:
    """One table's statements by primary key, compiled for one dialect."""

    def __init__(self, tabla: Table, dialecto: Any) -> None:
        def q(nombre: str) -> str:
            return f'"{nombre}"'

        columnas = list(tabla.columns)
        self.columnas = [c.name for c in columnas]
        self.clave = [c.name for c in tabla.primary_key.columns]
        self.claves = (tuple(self.clave), frozenset(self.clave))
        nombre, donde = q(tabla.name), " AND ".join(f"{q(k)} = :{k}" for k in self.clave)
        tipos = {c.name: c.type for c in columnas}

        def sentencia(sql: str, nombres: list[str]) -> _Sentencia:
            return _compilar(text(sql).bindparams(*(bindparam(n, type_=tipos[n]) for n in nombres)), dialecto)

        todas = ", ".join(map(q, self.columnas))
        self.leer = sentencia(f"SELECT {todas} FROM {nombre} WHERE {donde}", self.clave)
        self.borrar = sentencia(f"DELETE FROM {nombre} WHERE {donde}", self.clave)
        insertar = (f"INSERT INTO {nombre} ({todas}) "
                    f"VALUES ({', '.join(f':{c}' for c in self.columnas)}) "
                    f"ON CONFLICT ({', '.join(map(q, self.clave))}) ")
        cambio = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in self.columnas if c not in self.clave)
        self.insertar = sentencia(insertar + "DO NOTHING", self.columnas)
        self.poner = sentencia(insertar + (f"DO UPDATE SET {cambio}" if cambio else "DO NOTHING"),
                               self.columnas)
        if len(self.clave) == 1:
            unica = self.clave[0]
            self.clave_de: Callable[[Fila], tuple[Any, ...]] = lambda fila: (fila[unica],)
        else:
            self.clave_de = itemgetter(*self.clave)
        self.seleccion = f"SELECT {todas} FROM {nombre} WHERE "
        self.llave = ", ".join(map(q, self.clave))
        self.marca = "?" if dialecto.paramstyle == "qmark" else "%s"
        self.a_driver = [(i, proceso) for i, c in enumerate(tabla.primary_key.columns)
                         if (proceso := c.type.dialect_impl(dialecto).bind_processor(dialecto)) is not None]
        self.a_python = [(c.name, proceso) for c in columnas
                         if (proceso := _a_python(c.type, dialecto)) is not None]


def _a_python(tipo: Any, dialecto: Any) -> Callable[[Any], Any] | None:
    """A column's conversion of what the driver gives (None: as it comes). PostgreSQL's numbers convert by the
    type the server reports, which a statement compiled ahead does not know: psycopg gives a float or an int
    as SQLAlchemy would (the tables here have no Numeric columns)."""
    try:
        return tipo.dialect_impl(dialecto).result_processor(dialecto, None)
    except TypeError:
        return None


_POR_CONSULTA = 500  # keys per query of ``precargar`` (SQLite takes up to 32,766 parameters)
_compiladas: weakref.WeakKeyDictionary[Table, dict[str, _Sql]] = weakref.WeakKeyDictionary()


def _sql(tabla: Table, dialecto: Any) -> _Sql:
    por_dialecto = _compiladas.get(tabla)
    if por_dialecto is None:
        por_dialecto = _compiladas[tabla] = {}
    sql = por_dialecto.get(dialecto.name)
    if sql is None:
        sql = por_dialecto[dialecto.name] = _Sql(tabla, dialecto)
    return sql


class _Tabla:
    """What the batch knows of one table: rows by key (None: known to be absent), the keys inserted if absent
    whose row in the database was not read (``tentativas``), and each changed key's last statement kind."""

    __slots__ = ("sql", "filas", "tentativas", "cambios")

    def __init__(self, sql: _Sql) -> None:
        self.sql = sql
        self.filas: dict[tuple[Any, ...], Fila | None] = {}
        self.tentativas: set[tuple[Any, ...]] = set()
        self.cambios: dict[tuple[Any, ...], str] = {}  # key -> "poner" | "insertar" | "borrar"


_tablas_de: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
# a query -> by dialect: its statement compiled and its columns' conversions
_consultas: weakref.WeakKeyDictionary[Any, dict[str, tuple[_Sentencia, list[Any]]]] = \
    weakref.WeakKeyDictionary()


def _tablas(sentencia: Any) -> list[Table]:
    tablas = _tablas_de.get(sentencia)
    if tablas is None:
        todas = find_tables(sentencia, include_crud=True, include_joins=True)
        tablas = _tablas_de[sentencia] = [t for t in todas if isinstance(t, Table)]
    return tablas


class UnidadDeTrabajo:
    """The rows one batch reads and writes by key, on ``conn`` (the batch's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._dialecto = conn.dialect
        self._cursor: Any = None
        self._tablas: dict[Table, _Tabla] = {}
        self.tocadas: set[Table] = set()  # every table the batch read or wrote by key
        self._consultas: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}  # ``consultar``'s answers
        self._consultadas: set[Table] = set()  # the tables they read

    def __enter__(self) -> UnidadDeTrabajo:
        pausar()
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.cerrar()
        finally:
            self._tablas, self._consultas = {}, {}  # what the batch remembers: dropped before the collector is back
            reanudar()

    def _de(self, tabla: Table) -> _Tabla:
        estado = self._tablas.get(tabla)
        if estado is None:
            estado = self._tablas[tabla] = _Tabla(_sql(tabla, self._dialecto))
            self.tocadas.add(tabla)
        return estado

    def _driver(self) -> Any:
        if self._cursor is None:
            self._cursor = self.conn.connection.dbapi_connection.cursor()
        return self._cursor

    def por_clave(self, tabla: Table, columnas: tuple[str, ...]) -> bool:
        """Whether ``columnas`` are ``tabla``'s primary key (in any order)."""
        en_orden, conjunto = self._de(tabla).sql.claves
        return columnas == en_orden or frozenset(columnas) == conjunto

    def leer(self, tabla: Table, *clave: Any) -> Fila | None:
        """The row of ``tabla`` with primary key ``clave`` (in the order of its key columns), or None."""
        estado = self._de(tabla)
        if clave in estado.filas and clave not in estado.tentativas:
            return estado.filas[clave]
        sql, parametros = estado.sql.leer
        cursor = self._driver()
        cursor.execute(sql, parametros(dict(zip(estado.sql.clave, clave))))
        crudo = cursor.fetchone()
        fila = None
        if crudo is not None:
            fila = dict(zip(estado.sql.columnas, crudo))
            for nombre, proceso in estado.sql.a_python:
                fila[nombre] = proceso(fila[nombre])
        if clave in estado.tentativas:  # inserted if absent in this batch: the database's row stays, if any
            estado.tentativas.discard(clave)
            if fila is None:
                return estado.filas[clave]
            del estado.cambios[clave]
        estado.filas[clave] = fila
        return fila

    def precargar(self, tabla: Table, claves: Iterable[tuple[Any, ...]]) -> None:
        """Read at once the rows of ``tabla`` with these primary keys (those the batch knows nothing of yet):
        a batch's handlers then find them (or that they are not there) in memory."""
        estado = self._de(tabla)
        sql, filas = estado.sql, estado.filas
        faltan = [c for c in set(claves) if c not in filas]
        ancho = len(sql.clave)
        cursor = self._driver()
        for i in range(0, len(faltan), _POR_CONSULTA):
            parte = faltan[i:i + _POR_CONSULTA]
            if ancho == 1:
                donde = f"{sql.llave} IN ({', '.join([sql.marca] * len(parte))})"
            else:
                tupla = f"({', '.join([sql.marca] * ancho)})"
                donde = f"({sql.llave}) IN (VALUES {', '.join([tupla] * len(parte))})"
            valores = [v for clave in parte for v in self._al_driver(sql, clave)]
            cursor.execute(sql.seleccion + donde, valores)
            for c in parte:
                filas[c] = None
            for crudo in cursor.fetchall():
                fila = dict(zip(sql.columnas, crudo))
                for nombre, proceso in sql.a_python:
                    fila[nombre] = proceso(fila[nombre])
                filas[estado.sql.clave_de(fila)] = fila

    @staticmethod
    def _al_driver(sql: _Sql, clave: tuple[Any, ...]) -> tuple[Any, ...]:
        if not sql.a_driver:
            return clave
        valores = list(clave)
        for i, proceso in sql.a_driver:
            valores[i] = proceso(valores[i])
        return tuple(valores)

    def insertar(self, tabla: Table, fila: Fila) -> None:
        """Insert ``fila`` (every column of ``tabla``) unless a row with its key is there (then nothing)."""
        if self._consultadas:
            self._escrita(tabla)
        estado = self._de(tabla)
        clave = estado.sql.clave_de(fila)
        if clave in estado.filas:
            if estado.filas[clave] is None:
                estado.filas[clave], estado.cambios[clave] = fila, "poner"
            return
        estado.filas[clave], estado.cambios[clave] = fila, "insertar"
        estado.tentativas.add(clave)

    def _escrita(self, tabla: Table) -> None:
        """``tabla`` changes: the answers of ``consultar`` that read it are forgotten (all of them)."""
        if tabla in self._consultadas:
            self._consultas.clear()
            self._consultadas.clear()

    def poner(self, tabla: Table, fila: Fila) -> None:
        """``fila`` (every column of ``tabla``) is the row of its key, whether one was there or not."""
        if self._consultadas:
            self._escrita(tabla)
        estado = self._de(tabla)
        clave = estado.sql.clave_de(fila)
        estado.filas[clave], estado.cambios[clave] = fila, "poner"
        estado.tentativas.discard(clave)

    def cambiar(self, tabla: Table, *clave: Any, **valores: Any) -> Fila | None:
        """Set ``valores`` in the row with key ``clave``, if there is one; returns it as it is now."""
        fila = self.leer(tabla, *clave)
        if fila is None:
            return None
        fila = {**fila, **valores}
        self.poner(tabla, fila)
        return fila

    def borrar(self, tabla: Table, *clave: Any) -> None:
        """Delete the row with key ``clave``, if there is one."""
        self._escrita(tabla)
        estado = self._de(tabla)
        estado.filas[clave], estado.cambios[clave] = None, "borrar"
        estado.tentativas.discard(clave)

    def execute(self, sentencia: Any, parametros: Any = None) -> Any:
        """``conn.execute``, once what the batch kept for the tables the statement names is written; a
        statement that writes also makes the batch forget what it remembers of them (of every table, for a
        text statement)."""
        if isinstance(sentencia, TextClause):
            tablas, escribe = list(self._tablas | dict.fromkeys(self._consultadas)), True
        else:
            tablas, escribe = _tablas(sentencia), sentencia.is_dml
        self.directo(*tablas, escribe=escribe)
        return self.conn.execute(sentencia, parametros)

    def consultar(self, sentencia: Any, parametros: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows (tuples) of a query by other columns than the key, run on the driver's cursor once what
        the batch kept for its tables is written, each column converted as SQLAlchemy would. The same query
        with the same parameters is answered from memory until the batch writes one of the tables it reads."""
        parametros = parametros or {}
        clave = (sentencia, *sorted(parametros.items()))
        filas = self._consultas.get(clave)
        if filas is not None:
            return filas
        tablas = _tablas(sentencia)
        self.directo(*tablas, escribe=False)
        por_dialecto = _consultas.get(sentencia)
        if por_dialecto is None:
            por_dialecto = _consultas[sentencia] = {}
        compilada = por_dialecto.get(self._dialecto.name)
        if compilada is None:
            compilada = por_dialecto[self._dialecto.name] = (
                _compilar(sentencia, self._dialecto),
                [_a_python(c.type, self._dialecto) for c in sentencia.selected_columns])
        (sql, a_driver), a_python = compilada
        cursor = self._driver()
        cursor.execute(sql, a_driver(parametros))
        filas = [tuple([p(v) if p else v for v, p in zip(crudo, a_python)]) for crudo in cursor.fetchall()]
        self._consultas[clave] = filas
        self._consultadas.update(tablas)
        return filas

    def directo(self, *tablas: Table, escribe: bool = True) -> Connection:
        """The connection, to run a statement of one's own on ``tablas``: what the batch kept for them is
        written first; if the statement ``escribe``, the batch forgets what it remembers of them."""
        for tabla in tablas:
            if escribe:
                self._escrita(tabla)
            estado = self._tablas.get(tabla)
            if estado is not None:
                self._vaciar(estado)
                if escribe:
                    del self._tablas[tabla]
        return self.conn

    def vaciar(self) -> None:
        """Write what the batch kept, one executemany per table and statement kind (in the order the tables
        were first touched); what it read stays remembered (the database has it now)."""
        for estado in self._tablas.values():
            self._vaciar(estado)

    def _vaciar(self, estado: _Tabla) -> None:
        if not estado.cambios:
            return
        sql = estado.sql
        por_tipo: dict[str, list[Fila]] = {"borrar": [], "insertar": [], "poner": []}
        for clave, tipo in estado.cambios.items():
            por_tipo[tipo].append(dict(zip(sql.clave, clave)) if tipo == "borrar" else estado.filas[clave])
        cursor = self._driver()
        for tipo, filas in por_tipo.items():
            if filas:
                sentencia, parametros = getattr(sql, tipo)
                cursor.executemany(sentencia, [parametros(fila) for fila in filas])
        estado.cambios.clear()
        for clave in estado.tentativas:  # the database holds ours or the one there before: read it if asked
            del estado.filas[clave]
        estado.tentativas.clear()

    def cerrar(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
