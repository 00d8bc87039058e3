"""Stores written by earlier code keep working: focalizacion's and evaluacion's fixture stores
(``tests/fixtures/almacenes/``, recorded by ``tests/fixtures/generar_almacen.py`` before their events were
typed) load with today's code. Every stored event becomes a domain event (upcast to its current version),
every aggregate reconstructs, the relay publishes exactly what it published then (same contracts, subjects
and payloads), and the read models are built from them as before."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.evaluacion.messaging import SUSCRIPCIONES, Publicador
from services.evaluacion.projections import Proyecciones as ProyeccionesEvaluacion
from shared.contracts import Envelope
from tests.fixtures.generar_almacen import ALMACENES, CONV, PUBLICADORES, abrir, publicaciones


@pytest.fixture
def copia(tmp_path: Path) -> Path:
    """The fixture stores, copied: loading them writes read models and caches next to them."""
    destino = tmp_path / "almacenes"
    shutil.copytree(ALMACENES, destino)
    return destino


@pytest.fixture(params=sorted(PUBLICADORES))
def servicio(request: pytest.FixtureRequest, copia: Path) -> Iterator[tuple[str, Any]]:
    app = abrir(request.param, copia)
    try:
        yield request.param, app
    finally:
        app.close()


def esperado(nombre: str) -> Any:
    return json.loads((ALMACENES / nombre).read_text("utf-8"))


def test_cada_evento_guardado_se_lee_y_cada_agregado_se_reconstruye(servicio):
    nombre, app = servicio
    guardados = list(app.recorder.select_notifications(0, 100_000))
    assert len(guardados) > 25
    eventos = [app.mapper.to_domain_event(n) for n in guardados]
    assert {type(e).__qualname__ for e in eventos} >= {"Docente.Registrado"}
    for originador in {e.originator_id for e in eventos}:
        agregado = app.repository.get(originador)
        assert agregado.version == max(e.originator_version for e in eventos if e.originator_id == originador)


def test_se_publica_lo_mismo_que_publicaba_el_codigo_que_los_escribio(servicio):
    nombre, app = servicio
    assert publicaciones(app, PUBLICADORES[nombre](app)) == esperado(f"{nombre}-publicado.json")


def test_los_modelos_de_lectura_se_arman_desde_los_eventos_antiguos(copia: Path):
    focalizacion = abrir("focalizacion", copia)
    try:
        focalizacion.proyecciones.reconstruir()
        assert focalizacion.proyecciones.carteras(CONV) == esperado("focalizacion-carteras.json")
    finally:
        focalizacion.close()
    evaluacion = abrir("evaluacion", copia)
    proyecciones = ProyeccionesEvaluacion(evaluacion.settings)
    try:
        aplicados = 0
        for n in evaluacion.recorder.select_notifications(0, 100_000):
            evento = evaluacion.mapper.to_domain_event(n)
            p = Publicador(evaluacion)(evento)
            if p is not None and type(p.data) in SUSCRIPCIONES:  # what evaluacion's read side consumes of its own
                proyecciones.aplicar(Envelope.wrap(servicio="evaluacion", position=n.id, data=p.data, subject=p.subject,
                                                   time=evento.timestamp, dre=p.dre, ugel=p.ugel))
                aplicados += 1
        assert aplicados == 12
    finally:
        proyecciones.close()
        evaluacion.close()
