"""An offline device re-sends, after a docente's personal data were cancelled (Ley 29733), what it had
already recorded about him: still "already recorded", not refused; anything new about him is refused.

The cancellation erases his key, so the free text of a re-sent record can no longer be encrypted to be
compared with the stored one (docs/datos-personales.md). The record is recognised by its id and by all it
says besides that text; what is stored answers and nothing is recorded. A new record with free text
about him, or the same id with other content, is refused (422) with the reason, in Spanish.

evidencias runs on SQLite and on PostgreSQL (``mundo`` and ``aula`` of test_evidencias_reglas); agenda's
realized visit in the world of tests/unit/test_agenda_reglas.py, on both stores too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from services.agenda.application import Agenda
from services.agenda.comandos import RealizarActividad
from services.agenda.config import AgendaSettings
from services.agenda.domainmodel import AgendaInvalida
from services.evidencias import domainmodel as dm
from services.evidencias.application import CANCELADOS
from shared.cifrado import MARCA
from tests.integration.test_evidencias_reglas import (  # noqa: F401  (fixtures: mundo, aula)
    aula,
    compromiso,
    compromiso_de,
    correccion_de,
    ficha,
    mundo,
    necesidad_de,
    niveles,
    nuevo_id,
    observacion_de,
    retro,
    retroalimentacion_de,
    verificacion_de,
)
from tests.unit.test_agenda_reglas import Mundo as MundoAgenda
from tests.unit.test_agenda_reglas import asignacion

Invalida = dm.EvidenciaInvalida


@pytest.fixture
def agenda(make_settings, closing) -> Iterator[MundoAgenda]:
    """agenda with a coach who holds one docente in 2020."""
    app = closing(Agenda(make_settings(AgendaSettings)))
    app.publicar_protocolos_incluidos()
    m = MundoAgenda(app, nuevo_id(), [nuevo_id()], nuevo_id())
    assert app.generar_plan(asignacion(m.docentes[0], m.acompanante), etapa=1)
    return m


def test_lo_que_dejo_la_visita_reenviado_tras_la_cancelacion_ya_consta(mundo, aula):  # noqa: F811
    d, a, v = aula["docente"], aula["acompanante"], aula["visita"]
    app_ = mundo.app
    # Given what his coach recorded of a visit: an observation and its correction, feedback, a commitment
    # verified at a later visit and a training need
    obs = mundo.observar(v, a, ficha(D1="II", D3="I"))
    correccion = {"niveles": niveles(D1="III", D3="I"), "fortalezas": ["Trato cordial"]}
    assert app_.corregir_observacion(correccion_de(v, obs, a, correccion, "Error de digitación"))
    assert app_.brindar_retroalimentacion(retroalimentacion_de(v, a, retro("D1")))
    cid = nuevo_id()
    assert app_.asumir_compromiso(compromiso_de(cid, v, a, compromiso("D1", "2021-06-30")))
    segunda = mundo.visita(d, a, "2021-06-07")
    assert app_.verificar_compromiso(verificacion_de(cid, segunda, a, "cumplido", "Formula preguntas abiertas"))
    nid = nuevo_id()
    necesidad = {"descripcion": "Evaluación formativa con rúbricas", "competencia": "C5", "visita_id": v}
    assert app_.registrar_necesidad(necesidad_de(d, nid, a, necesidad))
    # When his personal data are cancelled (his key erased) before the coach's device reconnects
    assert app_.cancelar_datos_personales(d, nuevo_id())
    antes = mundo.registrados()
    # Then each request sent again is "already recorded" (False: HTTP 200), not refused, and records nothing
    assert app_.registrar_observacion(observacion_de(v, obs, a, ficha(D1="II", D3="I"))) is False
    assert app_.corregir_observacion(correccion_de(v, obs, a, correccion, "Error de digitación")) is False
    assert app_.brindar_retroalimentacion(retroalimentacion_de(v, a, retro("D1"))) is False
    assert app_.asumir_compromiso(compromiso_de(cid, v, a, compromiso("D1", "2021-06-30"))) is False
    assert app_.verificar_compromiso(verificacion_de(cid, segunda, a, "cumplido", "Formula preguntas abiertas")) is False
    assert app_.registrar_necesidad(necesidad_de(d, nid, a, necesidad)) is False
    assert mundo.registrados() == antes
    # and what is stored still reads the mark where his text was
    [original, corregida] = app_.proyecciones.visita(v)["observaciones"][obs]
    assert (original["niveles"]["D1"]["evidencia"], corregida["fortalezas"]) == (MARCA, [MARCA])


def test_algo_nuevo_sobre_el_docente_cancelado_se_rechaza_con_su_motivo(mundo, aula):  # noqa: F811
    d, a, v = aula["docente"], aula["acompanante"], aula["visita"]
    app_ = mundo.app
    # Given an observation, a commitment and a need recorded, then his personal data cancelled
    obs = mundo.observar(v, a, ficha(D1="II", D3="I"))
    cid = nuevo_id()
    assert app_.asumir_compromiso(compromiso_de(cid, v, a, compromiso("D1", "2021-06-30")))
    nid = nuevo_id()
    necesidad = {"descripcion": "Evaluación formativa con rúbricas", "competencia": "C5", "visita_id": v}
    assert app_.registrar_necesidad(necesidad_de(d, nid, a, necesidad))
    segunda = mundo.visita(d, a, "2021-06-07")
    assert app_.cancelar_datos_personales(d, nuevo_id())
    # When anything new with free text about him arrives, Then it is refused with the reason, recording nothing
    nuevos = {
        "una observación nueva": lambda: app_.registrar_observacion(observacion_de(segunda, nuevo_id(), a, ficha(D1="II"))),
        "una corrección nueva": lambda: app_.corregir_observacion(correccion_de(v, obs, a, {"niveles": niveles(D1="IV")},
                                                                    "Revisé mis notas")),
        "una retroalimentación": lambda: app_.brindar_retroalimentacion(retroalimentacion_de(v, a, retro("D1"))),
        "un compromiso nuevo": lambda: app_.asumir_compromiso(compromiso_de(nuevo_id(), v, a, compromiso("D3", "2021-06-30"))),
        "su verificación": lambda: app_.verificar_compromiso(verificacion_de(cid, segunda, a, "cumplido", "Lo hizo")),
        "una necesidad nueva": lambda: app_.registrar_necesidad(necesidad_de(d, nuevo_id(), a, necesidad)),
        # the same id with other content is not the record sent again
        "la observación con otro nivel": lambda: app_.registrar_observacion(observacion_de(v, obs, a, ficha(D1="IV", D3="I"))),
        "el compromiso con otra fecha": lambda: app_.asumir_compromiso(compromiso_de(cid, v, a, compromiso("D1", "2021-07-15"))),
        "la necesidad de otra competencia": lambda: app_.registrar_necesidad(necesidad_de(
            d, nid, a, {**necesidad, "competencia": "C4"})),
    }
    for que, accion in nuevos.items():
        antes = mundo.registrados()
        try:
            accion()
        except Invalida as rechazo:
            assert str(rechazo) == CANCELADOS, (que, str(rechazo))
        else:
            pytest.fail(f"{que}: se aceptó")
        assert mundo.registrados() == antes, que


def test_la_visita_realizada_reenviada_tras_la_cancelacion_ya_consta(agenda):
    docente = agenda.docentes[0]
    visita = nuevo_id()
    entrada = agenda.visita(docente, "2020-06-10", "2020-06-11", acciones=["observacion", "asesoria"],
                            observaciones="Conversamos sobre cómo involucrar a todo el grupo.")
    # Given a visit realized with observaciones about the docente
    assert agenda.app.realizar(RealizarActividad(agenda.acompanante, visita, "visita", entrada)).nuevo
    # When his personal data are cancelled before the coach's device re-sends it
    assert agenda.app.cancelar_datos_personales(docente, nuevo_id())
    antes = agenda.registrado()
    # Then the re-sent visit is "already recorded" (HTTP 200) and records nothing
    reenvio = replace(entrada, acciones=("asesoria", "observacion"))
    assert agenda.app.realizar(RealizarActividad(agenda.acompanante, visita, "visita", reenvio)).nuevo is False
    assert agenda.registrado() == antes
    assert agenda.app.proyecciones.actividad(visita)["datos"]["observaciones"] == MARCA
    # while a new visit with observaciones about him, or the same id with other dates, is refused with the reason
    for otra_id, otra in ((nuevo_id(), agenda.visita(docente, "2020-06-17", acciones=["observacion", "asesoria"],
                                                     observaciones="Otra frase sobre él")),
                          (visita, replace(entrada, fecha_fin=date(2020, 6, 10)))):
        agenda.rechaza(lambda i=otra_id, e=otra: agenda.app.realizar(RealizarActividad(agenda.acompanante, i, "visita", e)),
                       "se cancelaron a su pedido (Ley 29733)", AgendaInvalida)
    # and a new one without observaciones is recorded
    assert agenda.app.realizar(RealizarActividad(agenda.acompanante, nuevo_id(), "visita",
                               agenda.visita(docente, "2020-06-17", acciones=["observacion", "asesoria"]))).nuevo
