"""evaluacion's fixture store (tests/fixtures/generar_almacen.py, written before a docente's record and a read of
his history were typed) reads typed: the record a docente's aggregate rebuilds holds values, and a recorded read
of his history has its query as a ``ConsultaHistoria``; ``/accesos`` lists the reads as it did. A quarterly
report holds its sending, acknowledgement and measures as values and the route shows them as it did; a survey and
an acompañante's performance are values too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.evaluacion import domainmodel as dm
from services.evaluacion import encuestas as enc
from services.evaluacion import informe_trimestral as it
from services.evaluacion.api.informes import tramite
from services.evaluacion.comandos import RegistrarConsulta
from services.evaluacion.valores import (Cierre, ConsultaHistoria, Desempeno, Envio, Evidencia, MedidaEnCurso,
                                         PlanEnCurso, Recepcion, RespuestaEncuesta, SituacionInicial, Valoracion)
from shared.telemetry import Actor, current_actor
from tests.support.almacenes import copia_abierta, eventos


@pytest.fixture
def evaluacion(tmp_path: Path) -> Iterator[Any]:
    with copia_abierta("evaluacion", tmp_path) as app:
        yield app


def test_el_registro_de_un_docente_se_rearma_con_valores(evaluacion):
    valorado, = eventos(evaluacion, dm.Docente.NivelCompetenciaValorado)
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
    consultada, = eventos(evaluacion, dm.AccesosHistoria.HistoriaConsultada)
    assert consultada.consulta == ConsultaHistoria(desde=date(2020, 1, 1))
    docente = evaluacion.repository.get(consultada.originator_id).docente_id
    acceso, = evaluacion.accesos(docente)
    assert (acceso["motivo"], acceso["consulta"]["desde"]) == ("Seguimiento de la UGEL", "2020-01-01")


def test_una_lectura_nueva_guarda_su_consulta_tipada(evaluacion):
    consultada, = eventos(evaluacion, dm.AccesosHistoria.HistoriaConsultada)
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
    nueva = eventos(evaluacion, dm.AccesosHistoria.HistoriaConsultada)[-1]
    assert (nueva.consulta.desde, nueva.consulta.tipo) == (date(2021, 3, 1), ["VisitaRealizada"])
    assert evaluacion.accesos(docente)[-1]["consulta"] == consulta


def test_el_informe_trimestral_antiguo_se_rearma_con_valores_y_su_tramite_se_muestra_igual(evaluacion):
    # Given the report the fixture store sent, acknowledged, with a measure followed up twice (version 1 events)
    enviado, = eventos(evaluacion, it.InformeTrimestral.Enviado)
    # When its aggregate is rebuilt
    informe = evaluacion.repository.get(enviado.originator_id)
    # Then what happened to it is values
    assert isinstance(informe.envio, Envio) and isinstance(informe.recepcion, Recepcion)
    medida, = informe.medidas.values()
    assert isinstance(medida, MedidaEnCurso) and medida.estado == "cumplida"
    assert [s.estado for s in medida.seguimientos] == ["en_ejecucion", "cumplida"]
    assert medida.seguimientos[0].seguimiento_id and medida.seguimientos[1].seguimiento_id is None
    # and the route's sections read them, dates as ISO text as before
    tramitado = tramite(informe)
    envio, = tramitado["envio"]
    assert (envio["estado"], envio["enviado_el"], envio["recibido_el"]) == ("recibido", "2021-12-20", "2021-12-20")
    fila, = tramitado["medidas"]
    assert (fila["plazo"], fila["dispuesta_el"], fila["seguimientos"], fila["ultimo_avance"], fila["ie"]) == (
        "2022-01-31", "2021-12-21", 2, "Todas reprogramadas", None)


def test_una_encuesta_y_un_desempeno_antiguos_se_rearman_como_valores(evaluacion):
    respondidas = eventos(evaluacion, enc.Encuesta.Respondida)
    encuestas = [evaluacion.repository.get(e.originator_id).encuesta for e in respondidas]
    assert all(isinstance(e, RespuestaEncuesta) for e in encuestas)
    assert {e.encuestado for e in encuestas} == {"docente", "acompanante"}
    evaluado, = eventos(evaluacion, enc.DesempenoAcompanante.Evaluado)
    desempeno = evaluacion.repository.get(evaluado.originator_id).evaluacion
    assert isinstance(desempeno, Desempeno)
    assert (desempeno.fecha.isoformat(), desempeno.criterios, desempeno.nivel) == ("2020-04-01", {"planifica": "III"},
                                                                                    "II")
