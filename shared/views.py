"""A service's read-model database (SQLite file or PostgreSQL schema) and its inbox.

The inbox makes consumers idempotent: the id of every event a consumer has applied is
inserted in the same transaction as the event's effect, so a redelivered or out-of-order
duplicate finds its id already there and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from shared.settings import ServiceSettings


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumidor", String(100), primary_key=True),
        Column("evento_id", String(200), primary_key=True),
        Column("aplicado_en", DateTime(timezone=True), nullable=False),
    )


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
        tables = metadata.tables
        self.inbox = tables["inbox"] if "inbox" in tables else inbox_table(metadata)

    def create_all(self) -> None:
        with self.engine.begin() as conn:
            if self.schema:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
        self.metadata.create_all(self.engine)

    def insert(self, table: Table):  # noqa: ANN201 - the dialect's INSERT with ON CONFLICT
        return self._insert(table)

    def apply_once(self, consumidor: str, evento_id: str, effect: Callable[[Connection], None]) -> bool:
        """Apply ``effect`` unless this consumer already applied this event. Atomic."""
        with self.engine.begin() as conn:
            inserted = conn.execute(
                self.insert(self.inbox)
                .values(consumidor=consumidor, evento_id=evento_id, aplicado_en=datetime.now(UTC))
                .on_conflict_do_nothing()
            )
            if inserted.rowcount == 0:
                return False
            effect(conn)
            return True

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
