"""What a partitioned rebuild says of its progress, and how a view's writes are grouped by statement."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import create_engine, text

from services.evaluacion.particiones import repartir
from services.evaluacion.particiones_control import resumen
from shared.stream_views import Filas


def test_cada_particion_y_el_total_dicen_cuanto_llevan_y_cuanto_les_falta():
    # Given two partitions started 10 s ago: one half way, the other done
    ahora = 1_000.0
    filas = [SimpleNamespace(tarea="partición 0", leidos=500, total=1_000, inicio=ahora - 10, terminada_en=None),
             SimpleNamespace(tarea="partición 1", leidos=1_000, total=1_000, inicio=ahora - 10,
                             terminada_en=datetime(2026, 1, 1, tzinfo=UTC))]
    # When the progress is summed up
    lineas = resumen(filas, ahora)
    # Then each partition and the total say what they read, of how much, and the time left at their pace
    assert lineas == ["partición 0: 500/1,000 (50%), 10 s, quedan ~10 s",
                      "partición 1: 1,000/1,000 (100%), 10 s, terminada",
                      "total: 1,500/2,000 (75%), 10 s, quedan ~3 s"]


def test_los_territorios_se_reparten_por_su_numero_de_mensajes():
    # Given the messages of each territory in the stream: one large, several small
    conteos = {"DRE-LIMA.UGEL-03": 900, "DRE-PUNO.UGEL-PUNO": 400, "DRE-PUNO.UGEL-AZANGARO": 300,
               "DRE-CUSCO.UGEL-CUSCO": 300, "DRE-PIURA.UGEL-PIURA": 200, "_._": 10}
    # When they are dealt out to three partitions
    reparto = repartir(conteos, 3)
    # Then every territory has one partition, the largest alone, the rest evened out beside it, the same every time
    assert set(reparto) == set(conteos) and set(reparto.values()) == {0, 1, 2}
    cargas = [sum(n for t, n in conteos.items() if reparto[t] == i) for i in range(3)]
    assert sorted(cargas) == [600, 610, 900]
    assert reparto == repartir(dict(reversed(list(conteos.items()))), 3)
    assert set(repartir(conteos, 8).values()) == set(range(6))  # more partitions than territories: some empty


def test_las_filas_de_un_lote_van_en_una_sentencia_por_tabla_en_su_orden():
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE a (k INTEGER PRIMARY KEY, v TEXT)"))
        conn.execute(text("CREATE TABLE b (k INTEGER PRIMARY KEY, v TEXT)"))
        insertar_a = "INSERT INTO a (k, v) VALUES (:k, :v) ON CONFLICT (k) DO NOTHING"
        filas = Filas()
        # When handlers write rows of two tables, interleaved, one at a time and several at once
        filas.execute(text(insertar_a), {"k": 1, "v": "primera"})
        filas.execute(text("INSERT INTO b (k, v) VALUES (:k, :v)"), [{"k": 1, "v": "x"}, {"k": 2, "v": "y"}])
        filas.execute(text(insertar_a), [{"k": 1, "v": "repetida"}, {"k": 2, "v": "segunda"}])
        filas.execute(text(insertar_a), [])
        # Then nothing is written until it is emptied, and then each table's rows go in, in the order they came
        assert conn.execute(text("SELECT count(*) FROM a")).scalar_one() == 0
        filas.vaciar(conn)
        assert conn.execute(text("SELECT k, v FROM a ORDER BY k")).all() == [(1, "primera"), (2, "segunda")]
        assert conn.execute(text("SELECT k, v FROM b ORDER BY k")).all() == [(1, "x"), (2, "y")]
        filas.vaciar(conn)  # emptied: nothing runs again
