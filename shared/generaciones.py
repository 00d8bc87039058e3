"""Generations of a read model: the one that answers under its tables' base names, another one built beside it.

Every read model of every service (an ``OwnLogProjection`` of ``shared.views``, a ``StreamView`` of
``shared.stream_views``) keeps its rows in *generations*. The active generation always lives under the
tables' base names (``plan``, ``seguimiento_planes``...), so every query reads the same names whatever
generation answers. A rebuild fills generation N in tables of their own, ``<base>_g<N>`` (``copia``), while
the active one keeps answering and being written; each generation carries its own progress record among
its tables (an own-log projection's position, a stream view's inbox), so its rows and its progress move
together.

The switch (``Generaciones.cambiar``) renames, in one transaction (DDL is transactional in SQLite and
PostgreSQL): each active table to ``<base>_g<old>``, each ``<base>_g<N>`` to its base name, and the control
row (``generaciones``: which generation answers, which one is being built). The old generation is dropped
afterwards (``borrar``). A query sees the old generation or the new one, never half of either.

On PostgreSQL the live writers of a read model take its generation lock shared (``compartir``) and the
switch takes it exclusively, so a switch waits for the batches in flight and never deadlocks with them; its
renames wait for a lock at most ``ESPERA_RENOMBRAR`` (a query holding a table the switch renamed another
of is never the one PostgreSQL aborts) and the switch is tried again. On SQLite the database's single
writer serializes them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (Column, Connection, DateTime, Integer, MetaData, String, Table, inspect, select, text,
                        update)
from sqlalchemy.exc import DBAPIError

from shared.recoleccion import congelar_arranque

if TYPE_CHECKING:
    from shared.views import ViewStore

log = logging.getLogger(__name__)

ESPERA_RENOMBRAR = "500ms"  # the longest a switch's rename waits for a table's lock before it starts again
REINTENTOS = 60
# deadlock, lock wait too long (PostgreSQL); SQLite answers "database is locked" past its busy timeout
_REINTENTABLES = {"40P01", "55P03"}


def control_table(metadata: MetaData) -> Table:
    """Which generation of each read model answers (``activa``) and which one is being built."""
    return Table(
        "generaciones",
        metadata,
        Column("proyeccion", String(60), primary_key=True),
        Column("activa", Integer, nullable=False),
        Column("construyendo", Integer, nullable=True),
        Column("cambiada_en", DateTime(timezone=True), nullable=False),
    )


def sufijo(nombre: str, generacion: int) -> str:
    """A table's (or an index's) name in a generation under construction."""
    return f"{nombre}_g{generacion}"


def copia(tabla: Table, metadata: MetaData, generacion: int) -> Table:
    """``tabla``'s definition as generation ``generacion``'s (``<base>_g<N>``); its explicitly named indexes and
    constraints get the generation's suffix too (names unique in the database; the ``index=True`` ones are
    named after the table already)."""
    nueva = tabla.to_metadata(metadata, name=sufijo(tabla.name, generacion))
    for parte in (*nueva.indexes, *nueva.constraints):
        if isinstance(parte.name, str) and not getattr(parte, "_column_flag", False):
            parte.name = sufijo(parte.name, generacion)
    return nueva


def _reintentable(exc: DBAPIError) -> bool:
    return (getattr(exc.orig, "sqlstate", None) in _REINTENTABLES
            or "database is locked" in str(exc.orig))


class Generaciones:
    """The generations of the read models of one store (its control table ``generaciones``)."""

    def __init__(self, store: ViewStore, control: Table) -> None:
        self.store = store
        self.control = control

    def asegurar(self, proyeccion: str, activa: int = 1) -> None:
        """The control row of ``proyeccion``, generation ``activa`` answering when there was none (a store kept
        before generations: its tables, under their base names, are that generation)."""
        with self.store.engine.begin() as conn:
            conn.execute(self.store.insert_on_conflict(self.control, ("proyeccion",), actualizar=False), {
                "proyeccion": proyeccion, "activa": activa, "construyendo": None, "cambiada_en": datetime.now(UTC)})

    def activa(self, proyeccion: str, conn: Connection | None = None) -> int:
        c = self.control
        consulta = select(c.c.activa).where(c.c.proyeccion == proyeccion)
        if conn is not None:
            return conn.execute(consulta).scalar_one()
        with self.store.engine.connect() as propia:
            return propia.execute(consulta).scalar_one()

    def estado(self, proyeccion: str) -> dict[str, Any]:
        c = self.control
        with self.store.engine.connect() as conn:
            fila = conn.execute(select(c).where(c.c.proyeccion == proyeccion)).one()
        return {"proyeccion": proyeccion, "activa": fila.activa, "construyendo": fila.construyendo,
                "cambiada_en": fila.cambiada_en}

    def guardadas(self, bases: Iterable[str]) -> set[int]:
        """The generations whose ``<base>_g<N>`` tables exist (built, being built, or left by a failed rebuild)."""
        patron = re.compile("|".join(f"{re.escape(b)}_g([0-9]+)" for b in bases))
        nombres = inspect(self.store.engine).get_table_names(schema=self.store.schema)
        return {int(next(g for g in m.groups() if g)) for n in nombres if (m := patron.fullmatch(n))}

    def descartar_anteriores(self, proyeccion: str, bases: Iterable[str],
                             guardadas: set[int] | None = None) -> list[int]:
        """Drop every generation numbered below the active one (a switch's old generation that a crash left
        before its drop): nothing reads one again, since a rebuild numbers its generation above every one
        whose tables exist. ``guardadas``: ``self.guardadas(bases)``, when the caller has it. Returns the
        generations dropped."""
        bases = list(bases)
        if guardadas is None:
            guardadas = self.guardadas(bases)
        anteriores = sorted(g for g in guardadas if g < self.activa(proyeccion))
        for generacion in anteriores:
            log.info("%s: se descarta la generación %s, que quedó de un cambio anterior", proyeccion, generacion)
            self.borrar(sufijo(b, generacion) for b in bases)
        return anteriores

    def reservar(self, proyeccion: str, bases: Iterable[str]) -> int:
        """The next generation of ``proyeccion``, marked as being built: above the active one and every one
        whose tables exist, so two rebuilds at once each get their own (older ones left by a crash are dropped
        first). A rebuild starts: what the process built to start leaves the collector's passes
        (``shared.recoleccion.congelar_arranque``)."""
        congelar_arranque()
        bases = list(bases)
        guardadas = self.guardadas(bases)  # (the store's tables listed once)
        guardadas -= set(self.descartar_anteriores(proyeccion, bases, guardadas))
        c = self.control
        with self.store.engine.begin() as conn:
            donde = c.c.proyeccion == proyeccion
            conn.execute(update(c).where(donde).values(cambiada_en=c.c.cambiada_en))  # the row's lock, until commit
            fila = conn.execute(select(c.c.activa, c.c.construyendo).where(donde)).one()
            nueva = max(fila.activa, fila.construyendo or 0, *guardadas) + 1
            conn.execute(update(c).where(donde).values(construyendo=nueva, cambiada_en=datetime.now(UTC)))
        return nueva

    def _clave(self, proyeccion: str) -> str:
        return f"acompana-generacion:{self.store.schema}.{proyeccion}"

    def compartir(self, conn: Connection, proyeccion: str) -> None:
        """Within ``conn``'s transaction, no switch of ``proyeccion`` (PostgreSQL: its generation lock, shared
        by its live writers; on SQLite the database's write lock does it)."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock_shared(hashtext(:clave))"),
                         {"clave": self._clave(proyeccion)})

    def _excluir(self, conn: Connection, proyeccion: str) -> None:
        """The switch's side of the lock: every live writer of ``proyeccion`` out until the transaction ends."""
        c = self.control
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:clave))"), {"clave": self._clave(proyeccion)})
        # the control row's lock (SQLite: the database's write lock, and the transaction begun before its DDL)
        conn.execute(update(c).where(c.c.proyeccion == proyeccion).values(cambiada_en=c.c.cambiada_en))

    def cambiar(self, proyeccion: str, nueva: int, bases: Iterable[str],
                antes: Callable[[Connection], None] | None = None) -> int:
        """Make generation ``nueva`` (tables ``<base>_g<nueva>``) the one that answers, in one transaction: every
        table of the active one renamed to ``<base>_g<activa>``, every one of ``nueva`` to its base name, the
        control row updated. ``antes(conn)`` runs first in that transaction, with the live writers out (an
        own-log projection catches the new generation up there). Returns the generation it replaced (drop it
        with ``borrar``), or ``nueva`` when it answered already. Started again on a deadlock or a lock wait."""
        bases = list(bases)
        for intento in range(REINTENTOS):
            try:
                with self.store.engine.begin() as conn:
                    self._excluir(conn, proyeccion)
                    activa = self.activa(proyeccion, conn)
                    if activa == nueva:
                        return nueva
                    if antes is not None:
                        antes(conn)
                    self._renombrar(conn, bases, activa, nueva, esperar=intento < REINTENTOS - 1)
                    c = self.control
                    conn.execute(update(c).where(c.c.proyeccion == proyeccion).values(
                        activa=nueva, cambiada_en=datetime.now(UTC)))
                    conn.execute(update(c).where(c.c.proyeccion == proyeccion, c.c.construyendo == nueva)
                                 .values(construyendo=None))
                return activa
            except DBAPIError as exc:
                if not _reintentable(exc) or intento == REINTENTOS - 1:
                    raise
                log.info("%s: el cambio a la generación %s espera (%s)", proyeccion, nueva, type(exc.orig).__name__)
                time.sleep(min(0.02 * 2 ** intento, 0.5))
        raise AssertionError("unreachable")

    def _renombrar(self, conn: Connection, bases: list[str], activa: int, nueva: int, esperar: bool) -> None:
        q = conn.dialect.identifier_preparer.quote
        if conn.dialect.name == "postgresql" and esperar:
            conn.execute(text(f"SET LOCAL lock_timeout = '{ESPERA_RENOMBRAR}'"))
        existentes = set(inspect(conn).get_table_names(schema=self.store.schema))
        for base in bases:
            apartada = sufijo(base, activa)
            if apartada in existentes:  # left by a failed switch of long ago: never one that answers
                conn.execute(text(f"DROP TABLE {q(apartada)}"))
            if base in existentes:
                conn.execute(text(f"ALTER TABLE {q(base)} RENAME TO {q(apartada)}"))
            conn.execute(text(f"ALTER TABLE {q(sufijo(base, nueva))} RENAME TO {q(base)}"))

    def a_nombres_base(self, proyeccion: str, bases: Iterable[str], testigo: str) -> bool:
        """A store kept when the active generation lived under ``<base>_g<N>``: its tables renamed to their base
        names, once (``testigo``: a base name that exists once done). Whether it renamed them."""
        bases = list(bases)
        if inspect(self.store.engine).has_table(testigo, schema=self.store.schema):
            return False  # (every start but the first: without waiting for the live writers)
        with self.store.engine.begin() as conn:
            self._excluir(conn, proyeccion)
            existentes = set(inspect(conn).get_table_names(schema=self.store.schema))
            activa = self.activa(proyeccion, conn)
            if testigo in existentes or sufijo(testigo, activa) not in existentes:
                return False
            q = conn.dialect.identifier_preparer.quote
            for base in bases:
                if sufijo(base, activa) in existentes:
                    conn.execute(text(f"ALTER TABLE {q(sufijo(base, activa))} RENAME TO {q(base)}"))
            return True

    def borrar(self, nombres: Iterable[str]) -> None:
        """Drop the tables ``nombres`` (an old generation's, or one a failed rebuild left), those that exist."""
        q = self.store.engine.dialect.identifier_preparer.quote
        with self.store.engine.begin() as conn:
            existentes = set(inspect(conn).get_table_names(schema=self.store.schema))
            for nombre in nombres:
                if nombre in existentes:
                    conn.execute(text(f"DROP TABLE {q(nombre)}"))
