"""The SQL databases the chassis keeps beside the event store (the chain ledger, the key store): how each is
opened and how its tables are named in hand-written SQL.

Each database asks SQLite for the settings its data needs (``pragmas``): the ledger a write-ahead log, the key
store a rollback journal that overwrites erased keys. On PostgreSQL none applies.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite


def abrir(url: str, pragmas: Sequence[str], pre_ping: bool = True) -> Engine:
    """An engine on ``url``; on SQLite every connection runs ``pragmas`` (``"journal_mode=WAL"``...) first.
    ``pre_ping`` tests each connection taken from the pool with a round trip, so that one the server dropped is
    replaced before it fails a statement; a database whose every use is retried on failure goes without
    (``pre_ping=False``): SQLAlchemy invalidates the pool when a statement finds a connection lost, and the
    retry takes a new one."""
    engine = create_engine(url, pool_pre_ping=pre_ping)
    if engine.dialect.name == "sqlite":
        def al_conectar(dbapi_conn, _record) -> None:  # noqa: ANN001
            cursor = dbapi_conn.cursor()
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        event.listen(engine, "connect", al_conectar)
    return engine


def insert_de(engine: Engine):  # noqa: ANN201
    """The dialect's ``insert`` (with ``on_conflict_do_nothing``) for ``engine``."""
    return sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert


def nombre(t: Table) -> str:
    """``t``'s name quoted for hand-written SQL, with its schema when it has one."""
    return f'"{t.schema}"."{t.name}"' if t.schema else f'"{t.name}"'
