"""A batch's unit of work on a read model's tables (``shared.unidad``), on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import (JSON, Boolean, Column, Date, Engine, Float, Integer, MetaData, String, Table,
                        create_engine, delete, func, select, update)

from shared.unidad import UnidadDeTrabajo

FILA = {"clave": "a", "anio": 2024, "activo": True, "fecha": date(2024, 3, 1), "horas": 1.5,
        "datos": {"pasos": [{"en": "2024-03-01"}], "nota": "ñandú"}}


@pytest.fixture(params=["sqlite", "postgres"])
def mundo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Table]]:
    """An empty table with a column of each kind the read models keep, on each store."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'vistas.db'}")
    else:
        pg = request.getfixturevalue("postgres")
        engine = create_engine(f"postgresql+psycopg://{pg.user}@{pg.host}:{pg.port}/{pg.dbname}")
    tabla = Table(
        f"fila_{uuid.uuid4().hex[:8]}", MetaData(),
        Column("clave", String(10), primary_key=True), Column("anio", Integer, primary_key=True),
        Column("activo", Boolean, nullable=False), Column("fecha", Date), Column("horas", Float),
        Column("datos", JSON, nullable=False),
    )
    tabla.metadata.create_all(engine)
    yield engine, tabla
    tabla.metadata.drop_all(engine)
    engine.dispose()


def filas(engine: Engine, tabla: Table) -> list[dict]:
    with engine.connect() as conn:
        return [dict(f._mapping) for f in conn.execute(select(tabla).order_by(tabla.c.clave, tabla.c.anio))]


def test_a_key_the_batch_wrote_is_read_from_memory_and_written_at_its_end(
        mundo: tuple[Engine, Table]) -> None:
    engine, tabla = mundo
    with engine.begin() as conn:
        u = UnidadDeTrabajo(conn)
        # Given a row inserted in the batch
        u.insertar(tabla, FILA)
        # When the batch reads it and changes it
        leida = u.leer(tabla, "a", 2024)
        u.cambiar(tabla, "a", 2024, activo=False, datos={**leida["datos"], "nota": "otra"})
        # Then it was answered from memory: nothing reached the database yet
        assert leida == FILA
        assert conn.execute(select(func.count()).select_from(tabla)).scalar() == 0
        u.vaciar()
        u.cerrar()
    # and the batch's end wrote its last state
    assert filas(engine, tabla) == [{**FILA, "activo": False, "datos": {**FILA["datos"], "nota": "otra"}}]


def test_sqlite_and_postgresql_give_the_same_rows(mundo: tuple[Engine, Table]) -> None:
    engine, tabla = mundo
    with engine.begin() as conn:
        u = UnidadDeTrabajo(conn)
        u.poner(tabla, FILA)
        u.poner(tabla, {**FILA, "clave": "b", "fecha": None, "horas": None})
        u.insertar(tabla, {**FILA, "clave": "c", "activo": False})
        u.borrar(tabla, "b", 2024)
        u.vaciar()
        u.cerrar()
    with engine.begin() as conn:  # a new batch reads them from the database, converted as SQLAlchemy would
        u = UnidadDeTrabajo(conn)
        u.precargar(tabla, [("a", 2024), ("b", 2024)])
        leidas = [u.leer(tabla, "a", 2024), u.leer(tabla, "b", 2024), u.leer(tabla, "c", 2024)]
        u.cerrar()
    esperadas = [FILA, None, {**FILA, "clave": "c", "activo": False}]
    assert leidas == esperadas
    assert filas(engine, tabla) == [FILA, {**FILA, "clave": "c", "activo": False}]


def test_insert_if_absent_leaves_the_row_already_there(mundo: tuple[Engine, Table]) -> None:
    engine, tabla = mundo
    with engine.begin() as conn:
        conn.execute(tabla.insert().values(FILA))
    with engine.begin() as conn:
        u = UnidadDeTrabajo(conn)
        u.insertar(tabla, {**FILA, "anio": 2024, "horas": 9.0})  # not read first: the database decides
        assert u.leer(tabla, "a", 2024)["horas"] == 1.5
        u.insertar(tabla, {**FILA, "anio": 2025, "horas": 9.0})
        u.vaciar()
        u.cerrar()
    assert [f["horas"] for f in filas(engine, tabla)] == [1.5, 9.0]


def test_a_statement_of_its_own_sees_what_the_batch_kept_and_is_seen_after(
        mundo: tuple[Engine, Table]) -> None:
    engine, tabla = mundo
    with engine.begin() as conn:
        u = UnidadDeTrabajo(conn)
        u.poner(tabla, FILA)
        u.poner(tabla, {**FILA, "anio": 2025})
        # an UPDATE by a condition other than the key
        u.execute(update(tabla).where(tabla.c.anio >= 2025).values(horas=3.0))
        # a query by other columns sees the batch's rows
        activas = select(func.count()).select_from(tabla).where(tabla.c.activo.is_(True))
        assert u.execute(activas).scalar() == 2
        # and the batch reads what the statement changed, not what it remembered
        assert u.leer(tabla, "a", 2025)["horas"] == 3.0
        u.execute(delete(tabla).where(tabla.c.anio == 2024))
        assert u.leer(tabla, "a", 2024) is None
        u.vaciar()
        u.cerrar()
    assert [(f["anio"], f["horas"]) for f in filas(engine, tabla)] == [(2025, 3.0)]


def test_a_batch_that_fails_writes_nothing(mundo: tuple[Engine, Table]) -> None:
    engine, tabla = mundo
    with pytest.raises(RuntimeError), engine.begin() as conn:
        u = UnidadDeTrabajo(conn)
        u.poner(tabla, FILA)
        u.vaciar()  # written in the transaction...
        u.poner(tabla, {**FILA, "clave": "b"})
        raise RuntimeError("a handler fails later in the batch")
    assert filas(engine, tabla) == []


def test_a_query_sees_the_batch_and_is_asked_again_once_the_batch_writes_its_table(
        mundo: tuple[Engine, Table]) -> None:
    engine, tabla = mundo
    horas_de = (select(tabla.c.clave, tabla.c.fecha, tabla.c.datos).where(tabla.c.horas > 1.0)
                .order_by(tabla.c.clave))
    with engine.begin() as conn:
        u = UnidadDeTrabajo(conn)
        u.insertar(tabla, FILA)
        # a query by another column than the key: the row the batch kept, its columns converted
        assert u.consultar(horas_de) == [("a", date(2024, 3, 1), FILA["datos"])]
        # asked again while nothing is written: the same answer, from memory
        conn.execute(update(tabla).values(horas=0.5))  # (behind the batch's back: not seen)
        assert u.consultar(horas_de) == [("a", date(2024, 3, 1), FILA["datos"])]
        # once the batch writes the table, asked again
        u.insertar(tabla, {**FILA, "clave": "b"})
        assert u.consultar(horas_de) == [("b", date(2024, 3, 1), FILA["datos"])]
        u.cerrar()


def test_the_collector_waits_while_a_batch_is_open_and_is_back_after_it(mundo: tuple[Engine, Table]) -> None:
    engine, tabla = mundo
    assert gc.isenabled()
    # Given a batch that fails halfway
    with pytest.raises(RuntimeError), engine.begin() as conn, UnidadDeTrabajo(conn) as u:
        u.poner(tabla, FILA)
        # Then while it is open the cyclic collector waits
        assert not gc.isenabled()
        raise RuntimeError("a handler fails")
    # and once it is closed, even by the failure, the collector is back and nothing was written
    assert gc.isenabled()
    assert filas(engine, tabla) == []
    # Given the collector off before the batch (the caller's own choice)
    gc.disable()
    try:
        with engine.begin() as conn, UnidadDeTrabajo(conn) as u:
            u.poner(tabla, FILA)
            u.vaciar()
        # Then the batch leaves it off
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert [f["clave"] for f in filas(engine, tabla)] == ["a"]
