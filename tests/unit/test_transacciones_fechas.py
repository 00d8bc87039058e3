"""``ejecutar_varias`` writes a date on SQLite as SQLAlchemy does (its conversion of a date is ``date.isoformat``
where that gives the same text), and leaves the caller's rows as they were."""

from datetime import date, datetime

from sqlalchemy import Column, Date, Integer, MetaData, Table, bindparam, create_engine, insert, text

from shared.transacciones import _conversion, ejecutar_varias

FECHAS = [date(2025, 3, 3), date(999, 1, 9), date(1, 1, 1), date(9999, 12, 31), None]


def test_la_conversion_de_una_fecha_da_el_texto_de_sqlalchemy() -> None:
    motor = create_engine("sqlite://")
    tipo = Date().dialect_impl(motor.dialect)
    proceso = tipo.bind_processor(motor.dialect)
    rapida = _conversion(tipo, proceso)
    assert rapida is not proceso
    for valor in [*FECHAS, datetime(2024, 1, 2, 3, 4)]:
        assert rapida(valor) == proceso(valor)


def test_ejecutar_varias_guarda_las_fechas_como_sqlalchemy_y_no_cambia_las_filas() -> None:
    # Given two tables alike
    motor = create_engine("sqlite://")
    metadata = MetaData()
    propia, ajena = (Table(nombre, metadata, Column("id", Integer, primary_key=True), Column("fecha", Date))
                     for nombre in ("propia", "ajena"))
    metadata.create_all(motor)
    filas = [{"id": i, "fecha": f} for i, f in enumerate(FECHAS)]
    copia = [dict(f) for f in filas]
    with motor.begin() as conn:
        # When ejecutar_varias fills one (a text statement, its parameters typed) and SQLAlchemy's insert the other
        ejecutar_varias(conn, text("INSERT INTO propia (id, fecha) VALUES (:id, :fecha)").bindparams(
            bindparam("id", type_=Integer), bindparam("fecha", type_=Date)), filas)
        conn.execute(insert(ajena), filas)
        propias = conn.exec_driver_sql("SELECT id, fecha FROM propia ORDER BY id").all()
        ajenas = conn.exec_driver_sql("SELECT id, fecha FROM ajena ORDER BY id").all()
    # Then both hold the same text, and the rows handed in are unchanged
    assert propias == ajenas
    assert [f for _, f in propias] == ["2025-03-03", "0999-01-09", "0001-01-01", "9999-12-31", None]
    assert filas == copia
