"""agenda's fixture store, written by the code before its events were typed (tests/fixtures/
generar_almacen_agenda.py), loads with today's code: every stored event reads, every aggregate rebuilds, the
relay publishes what it published then and the read models are built as they were."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.agenda.messaging import Publicador
from tests.fixtures import generar_almacen_agenda as gaa
from tests.fixtures.generar_almacen import ALMACENES, publicaciones


def esperado(nombre: str) -> Any:
    return json.loads((ALMACENES / nombre).read_text("utf-8"))


@pytest.fixture
def agenda(tmp_path: Path) -> Iterator[Any]:
    """The fixture store and its key store, copied: loading them writes read models and caches next to them."""
    for nombre in ("agenda.sqlite", "agenda-claves.sqlite"):
        shutil.copy(ALMACENES / nombre, tmp_path / nombre)
    app = gaa.abrir(tmp_path)
    try:
        yield app
    finally:
        app.close()


def _eventos(app: Any) -> list[Any]:
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(0, 100_000)]


def test_agenda_cada_evento_guardado_se_lee_y_cada_agregado_se_reconstruye(agenda):
    guardados = list(agenda.recorder.select_notifications(0, 100_000))
    eventos = _eventos(agenda)
    assert len({n.topic for n in guardados}) == len({type(e) for e in eventos}) == 26  # every kind agenda stores
    for originador in {e.originator_id for e in eventos}:
        agregado = agenda.repository.get(originador)
        assert agregado.version == max(e.originator_version for e in eventos if e.originator_id == originador)


def test_agenda_publica_lo_mismo_que_publicaba_el_codigo_que_los_escribio(agenda):
    assert publicaciones(agenda, Publicador(agenda)) == esperado("agenda-publicado.json")


def test_agenda_arma_sus_modelos_de_lectura_desde_los_eventos_antiguos(agenda):
    agenda.proyecciones.reconstruir()
    assert gaa.vistas(agenda) == esperado("agenda-vistas.json")
    # and a realized visit's free text reads as it was written (the key store came with the events)
    assert agenda.proyecciones.actividad(gaa.ident("visita"))["datos"]["observaciones"] == "Buen manejo del aula"
