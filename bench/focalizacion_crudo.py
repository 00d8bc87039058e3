"""The raw limits that ``bench.focalizacion_nacional`` compares its phases with: the rows a command appended,
inserted again with one ``executemany`` in one transaction (SQLite or PostgreSQL), and the plain loop that only
reads, from each IE, the attributes the rule set and the engine use."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from bench._common import PG_HOST, PG_PORT, PG_USER, Store
from services.focalizacion.application import Focalizacion
from services.focalizacion.reglas import ConjuntoReglas

TABLA_CRUDA = "bench_crudo"
# What the engine reads of an IE besides the attributes its rules name (derivar, ranking, ratio, decision).
ATRIBUTOS_MOTOR = ("codigo_modular", "anexo", "nombre", "nivel", "dre", "ugel", "area", "caracteristica",
                   "docentes", "latitud", "longitud")


Fila = tuple[Any, int, str, bytes]


def filas_escritas(app: Focalizacion, desde: int, hasta: int) -> list[Fila]:
    """The stored events of notifications ``desde`` < id <= ``hasta`` (snapshots are not in the log)."""
    filas: list[Fila] = []
    while notificaciones := app.recorder.select_notifications(desde, 5000, stop=hasta,
                                                              inclusive_of_start=False):
        filas += [(n.originator_id, n.originator_version, n.topic, n.state) for n in notificaciones]
        desde = notificaciones[-1].id
    return filas


def crudo_sqlite(ruta: Path, filas: Sequence[Fila], *, copia_de: str | None,
                 pragmas: Sequence[str] = ()) -> float:
    """One executemany in one transaction into a fresh table of the SQLite file ``ruta``: a copy
    of table ``copia_de`` (its own CREATE statement), or a plain 4-column table."""
    con = sqlite3.connect(ruta, isolation_level=None)
    try:
        for pragma in pragmas:
            con.execute(pragma)
        con.execute(f"DROP TABLE IF EXISTS {TABLA_CRUDA}")
        if copia_de:
            ddl = con.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?",
                              (copia_de,)).fetchone()[0]
            con.execute(ddl.replace(copia_de, TABLA_CRUDA, 1))
        else:
            con.execute(f"CREATE TABLE {TABLA_CRUDA} (originator_id TEXT, originator_version INTEGER, "
                        f"topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        params = [(o.hex, v, t, s) for o, v, t, s in filas]
        t0 = time.perf_counter()
        con.execute("BEGIN")
        con.executemany(f"INSERT INTO {TABLA_CRUDA} VALUES (?,?,?,?)", params)
        con.execute("COMMIT")
        segundos = time.perf_counter() - t0
        if con.execute(f"SELECT count(*) FROM {TABLA_CRUDA}").fetchone()[0] != len(filas):
            raise AssertionError("el insert crudo no dejó todas las filas")
        con.execute(f"DROP TABLE {TABLA_CRUDA}")
        return segundos
    finally:
        con.close()


def crudo_postgres(st: Store, esquema: str, filas: Sequence[Fila]) -> float:
    """The same into a table shaped like eventsourcing's (uuid, bigint, text, bytea, bigserial)."""
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=st.dbname, autocommit=True) as conn:
        tabla = f'"{esquema}".{TABLA_CRUDA}'
        conn.execute(f"DROP TABLE IF EXISTS {tabla}")
        conn.execute(f"CREATE TABLE {tabla} (originator_id uuid NOT NULL, "
                     f"originator_version bigint NOT NULL, topic text, state bytea, "
                     f"notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
        conn.execute(f"CREATE UNIQUE INDEX {TABLA_CRUDA}_nid ON {tabla} (notification_id)")
        t0 = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {tabla} (originator_id, originator_version, topic, state) "
                            f"VALUES (%s, %s, %s, %s)", filas)
        segundos = time.perf_counter() - t0
        if conn.execute(f"SELECT count(*) FROM {tabla}").fetchone()[0] != len(filas):
            raise AssertionError("el insert crudo no dejó todas las filas")
        conn.execute(f"DROP TABLE {tabla}")
        return segundos


def atributos_leidos(reglas: ConjuntoReglas) -> list[str]:
    nombres: dict[str, None] = dict.fromkeys(ATRIBUTOS_MOTOR)
    for tipo in reglas.tipos:
        for c in (*tipo.aplica_si, *(c for r in tipo.ratio for c in r.condiciones)):
            nombres.update(dict.fromkeys(c.atributos()))
        for criterio in (*tipo.focalizacion, *tipo.priorizacion):
            nombres.update(dict.fromkeys(criterio.atributos()))
    return list(nombres)


def bucle_plano(ies: list[dict[str, Any]], atributos: list[str]) -> int:
    """The floor of any pass over the padrón: read each attribute of each IE once."""
    con_dato = 0
    for ie in ies:
        for a in atributos:
            if ie.get(a) is not None:
                con_dato += 1
    return con_dato
