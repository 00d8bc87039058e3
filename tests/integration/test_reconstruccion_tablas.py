"""agenda's, evidencias' and focalizacion's read models projected into a second set of their tables (as a
rebuild into a new generation will): every handler reads and writes only the tables it is given, leaves the
live ones as they were, and the copies hold the live rows. Here over the fixture stores (written by the code
before the events were typed: events of version 1 among them, e.g. assignment events without their
territory); ``test_reconstruccion_igual`` does the same after a history driven over HTTP, on SQLite and
PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.fixtures import generar_almacen_agenda as gaa
from tests.fixtures import generar_almacen_evidencias as gae
from tests.fixtures.generar_almacen import ALMACENES, abrir
from tests.support.tablas_copiadas import proyectada_en_copias

APERTURAS: dict[str, Callable[[Path], Any]] = {
    "agenda": gaa.abrir, "evidencias": gae.abrir, "focalizacion": lambda d: abrir("focalizacion", d)}


@pytest.mark.parametrize("servicio", sorted(APERTURAS))
def test_proyectada_en_otras_tablas_deja_las_vivas_y_da_sus_filas(servicio: str, tmp_path: Path) -> None:
    # Given the service's fixture store opened by today's code, its read model live
    for nombre in (f"{servicio}.sqlite", f"{servicio}-claves.sqlite"):
        if (ALMACENES / nombre).exists():
            shutil.copy(ALMACENES / nombre, tmp_path / nombre)
    app = APERTURAS[servicio](tmp_path)
    try:
        vista = app.proyecciones
        vista.ponerse_al_dia()
        with vista.store.engine.connect() as conn:
            llenas = [t.name for t in vista.tablas if conn.execute(select(t).limit(1)).first() is not None]
        assert len(llenas) >= 5, llenas
        # When every stored event is projected into copies of its tables, Then the live ones are untouched and
        # the copies hold their rows (asserted by proyectada_en_copias), as a rebuild in place gives them
        digest = proyectada_en_copias(vista)
        vista.reconstruir()
        assert vista.checksum() == digest
    finally:
        app.close()
