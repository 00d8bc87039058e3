"""The committed fixture stores (``tests/fixtures/almacenes/``, written by the code before the events were typed),
opened from a copy, and their events read back."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.fixtures.generar_almacen import ALMACENES, abrir


@contextmanager
def copia_abierta(servicio: str, directorio: Path) -> Iterator[Any]:
    """The service's fixture store and its key store (if it has one), copied into ``directorio`` and opened by
    today's application: loading them writes read models next to them, never beside the committed files."""
    for nombre in (f"{servicio}.sqlite", f"{servicio}-claves.sqlite"):
        if (ALMACENES / nombre).exists():
            shutil.copy(ALMACENES / nombre, directorio / nombre)
    app = abrir(servicio, directorio)
    try:
        yield app
    finally:
        app.close()


def eventos(app: Any, clase: type) -> list[Any]:
    """Every stored event of ``clase``, in the order stored."""
    return [e for e in (app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(0, 100_000))
            if isinstance(e, clase)]
