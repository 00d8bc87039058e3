"""evaluacion's fixture store (tests/fixtures/generar_almacen.py, written before a docente's record and a read of
his history were typed) reads typed: the record a docente's aggregate rebuilds holds values, and a recorded read
of his history has its query as a ``ConsultaHistoria``; ``/accesos`` lists the reads as it did."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.evaluacion import domainmodel as dm
from services.evaluacion.comandos import RegistrarConsulta
from services.evaluacion.valores import Cierre, ConsultaHistoria, Evidencia, PlanEnCurso, SituacionInicial, Valoracion
from shared.telemetry import Actor, current_actor
from tests.fixtures.generar_almacen import ALMACENES, abrir


@pytest.fixture
def evaluacion(tmp_path: Path) -> Iterator[Any]:
    shutil.copy(ALMACENES / "evaluacion.sqlite", tmp_path / "evaluacion.sqlite")
    app = abrir("evaluacion", tmp_path)
    try:
        yield app
    finally:
        app.close()


def _eventos(app: Any, clase: type) -> list[Any]:
    return [e for e in (app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(0, 100_000))
            if isinstance(e, clase)]


def test_el_registro_de_un_docente_se_rearma_con_valores(evaluacion):
    valorado, = _eventos(evaluacion, dm.Docente.NivelCompetenciaValorado)
    docente = evaluacion.repository.get(valorado.originator_id)
    assert docente.planes and all(isinstance(p, PlanEnCurso) for p in docente.planes.values())
    assert all(isinstance(e, Evidencia) for e in docente.evidencias.values())
    inicial, = docente.iniciales.values()
    assert isinstance(inicial, SituacionInicial) and inicial.contexto.convocatoria in docente.iniciales
    valoracion, = docente.valoraciones.values()
    assert valoracion == Valoracion(valorado.contexto, "C4", "II", valorado.evidencias, "Planifica con su grupo.")
    cierres, = docente.cierres.values()
    assert [type(c) for c in cierres] == [Cierre, Cierre] and set(cierres[-1].niveles.values()) == {"III"}


def test_una_lectura_antigua_de_la_historia_se_lee_tipada_y_se_lista_igual(evaluacion):
    consultada, = _eventos(evaluacion, dm.AccesosHistoria.HistoriaConsultada)
    assert consultada.consulta == ConsultaHistoria(desde=date(2020, 1, 1))
    docente = evaluacion.repository.get(consultada.originator_id).docente_id
    acceso, = evaluacion.accesos(docente)
    assert (acceso["motivo"], acceso["consulta"]["desde"]) == ("Seguimiento de la UGEL", "2020-01-01")


def test_una_lectura_nueva_guarda_su_consulta_tipada(evaluacion):
    consultada, = _eventos(evaluacion, dm.AccesosHistoria.HistoriaConsultada)
    docente = evaluacion.repository.get(consultada.originator_id).docente_id
    # the query as the route records it: dates as ISO text, every filter named
    consulta = {"desde": "2021-03-01", "hasta": None, "etapa": 2, "tipo": ["VisitaRealizada"], "servicio": None,
                "al": "2021-12-31T23:59:59+00:00", "pagina": 1, "formato": "json"}
    token = current_actor.set(Actor(usuario="auditor-1", rol="auditor"))
    try:
        assert evaluacion.registrar_consulta(RegistrarConsulta(docente, "Auditoría anual", consulta))
    finally:
        current_actor.reset(token)
    guardado = evaluacion.recorder.select_notifications(0, 100_000)[-1].state.decode()
    assert '"_type_":"evaluacion.ConsultaHistoria"' in guardado and '"class_version":2' in guardado
    nueva = _eventos(evaluacion, dm.AccesosHistoria.HistoriaConsultada)[-1]
    assert (nueva.consulta.desde, nueva.consulta.tipo) == (date(2021, 3, 1), ["VisitaRealizada"])
    assert evaluacion.accesos(docente)[-1]["consulta"] == consulta
