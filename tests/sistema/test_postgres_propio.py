"""The harness's own PostgreSQL cluster (Debian's PostgreSQL 15, never the shared one): killed with SIGKILL
while a transaction is open, it starts again on the same data with what was committed and without the
transaction it cut."""

from __future__ import annotations

import pytest

from tests.sistema.postgres import PostgresPropio, disponible


@pytest.mark.timeout(180)
def test_postgres_matado_a_mitad_de_una_transaccion_conserva_lo_confirmado():
    assert disponible(), "faltan los binarios de PostgreSQL 15 de Debian (apt-get install postgresql-15)"
    pg = PostgresPropio()
    try:
        pg.iniciar()
        assert pg.puerto != 5432
        with pg.conectar() as conn:
            conn.execute("CREATE TABLE hecho (id int PRIMARY KEY)")
            conn.execute("INSERT INTO hecho VALUES (1)")
        abierta = pg.conectar()
        abierta.autocommit = False
        abierta.execute("INSERT INTO hecho VALUES (2)")  # written, not committed
        assert pg.en_transaccion() == 1

        # When every process of the cluster gets SIGKILL at once and it starts again
        muertos = pg.matar()
        pg.arrancar()

        # Then the committed row is there and the cut transaction left nothing
        assert len(muertos) > 1
        with pg.conectar() as conn:
            assert [f[0] for f in conn.execute("SELECT id FROM hecho ORDER BY id")] == [1]
    finally:
        pg.borrar()
