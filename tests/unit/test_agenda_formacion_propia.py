"""La formación del propio acompañante cuenta en su cumplimiento.

NT-026 §5.2.8: "los acompañantes pedagógicos deben participar en talleres macro regionales, cursos
virtuales y recibir asesoría pedagógica a lo largo de cada año lectivo". Tablas de §5.6: "No. Talleres
para acompañantes 2", "Total de días de taller (Lugar) 16 días (Sede asignada por macro región)" (EIB)
y "12 días (Sede asignada por macro region)" (polidocente).
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from services.agenda.application import Agenda
from services.agenda.comandos import Asignacion, CompletarCursoPropio, Curso, RealizarActividad, TallerPedido
from services.agenda.config import AgendaSettings
from shared.eventstore import Conflict
from shared.settings import SQLITE


@pytest.fixture
def agenda(tmp_path):
    app = Agenda(AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path))
    app.publicar_protocolos_incluidos()
    yield app
    app.close()


def _asignar(app: Agenda, acompanante: str, tipo_ie: str, ie: str) -> str:
    docente = str(uuid4())
    assert app.generar_plan(Asignacion(
        docente_id=docente, acompanante_id=acompanante, convocatoria="2020-2022", anio=2020, codigo_modular=ie,
        anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", tipo_ie=tipo_ie, nivel="primaria"), etapa=1)
    return docente


def _fila(app: Agenda, acompanante: str, fecha: date) -> dict:
    [fila] = app.proyecciones.cumplimiento(2020, fecha, "acompanante", acompanante_id=acompanante)
    return fila


def test_sus_talleres_y_cursos_cuentan_en_su_cumplimiento(agenda):
    # Dado un acompañante con un docente polidocente (talleres de acompañantes: 2, 12 días) y uno EIB (2, 16 días)
    acompanante = str(uuid4())
    _asignar(agenda, acompanante, "polidocente_primaria", "0236885")
    _asignar(agenda, acompanante, "eib", "0500001")
    antes = _fila(agenda, acompanante, date(2020, 12, 31))
    assert (antes["talleres_propios_planificado"], antes["dias_taller_propios_planificado"]) == (2, 16)
    assert (antes["talleres_propios_realizado"], antes["talleres_propios_porcentaje"]) == (0, 0.0)
    # Cuando asiste 3 de los 4 días de un taller macro regional para acompañantes
    dias = (date(2020, 5, 11), date(2020, 5, 12), date(2020, 5, 13))
    assert agenda.realizar(RealizarActividad(acompanante, str(uuid4()), "taller", TallerPedido(
        date(2020, 5, 11), date(2020, 5, 14), sede="Sede macro región sur", destinatarios="acompanantes",
        asistencia={acompanante: dias}))).nuevo
    # y completa un curso virtual de su formación (reenviarlo no lo cuenta dos veces)
    curso = CompletarCursoPropio(acompanante, 2020, str(uuid4()),
                                 Curso("Retroalimentación formativa", 40.0, date(2020, 7, 20), "PerúEduca"))
    assert agenda.completar_curso_propio(curso)
    assert not agenda.completar_curso_propio(curso)
    # Entonces su fila de cumplimiento los cuenta, a la fecha
    despues = _fila(agenda, acompanante, date(2020, 12, 31))
    assert (despues["talleres_propios_realizado"], despues["dias_taller_propios_realizado"]) == (1, 3)
    assert despues["talleres_propios_porcentaje"] == 50.0
    assert (despues["cursos_propios_realizado"], despues["horas_cursos_propios"]) == (1, 40.0)
    # y al 30/06 todavía no cuenta el curso (completado el 20/07)
    junio = _fila(agenda, acompanante, date(2020, 6, 30))
    assert (junio["talleres_propios_realizado"], junio["cursos_propios_realizado"]) == (1, 0)
    # y lo de sus docentes no cambia: los talleres de acompañantes no son talleres de docentes
    assert despues["talleres_realizado"] == 0


def test_el_mismo_curso_con_otros_datos_es_un_conflicto(agenda):
    acompanante = str(uuid4())
    _asignar(agenda, acompanante, "eib", "0500001")
    registro = str(uuid4())
    agenda.completar_curso_propio(CompletarCursoPropio(acompanante, 2020, registro,
                                                       Curso("Curso A", 10.0, date(2020, 5, 1))))
    with pytest.raises(Conflict, match="ya fue registrado con otros datos"):
        agenda.completar_curso_propio(CompletarCursoPropio(acompanante, 2020, registro,
                                                           Curso("Curso B", 10.0, date(2020, 5, 1))))


def test_su_curso_se_publica_con_su_contrato(agenda):
    # Given an acompañante who completed a course of his own formation
    from services.agenda.messaging import Publicador
    from shared.contracts import CursoVirtualAcompananteCompletadoV1
    acompanante, registro = str(uuid4()), str(uuid4())
    _asignar(agenda, acompanante, "eib", "0500001")
    agenda.completar_curso_propio(CompletarCursoPropio(acompanante, 2020, registro,
                                                       Curso("Curso A", 12.5, date(2020, 5, 1), "PerúEduca")))
    # When its stored events are mapped to what is published (as the relay does)
    publicar = Publicador(agenda)
    publicados = [p for n in agenda.recorder.select_notifications(1, 1000)
                  if (p := publicar(agenda.mapper.to_domain_event(n))) is not None]
    # Then the course is published on his territory's subject with its contract
    [curso] = [p for p in publicados if isinstance(p.data, CursoVirtualAcompananteCompletadoV1)]
    assert (str(curso.data.acompanante_id), str(curso.data.registro_id), curso.data.horas) == (acompanante, registro, 12.5)
    assert (curso.subject, curso.dre, curso.ugel) == (f"acompanante/{acompanante}", "DRE-PUNO", "UGEL-EL-COLLAO")
