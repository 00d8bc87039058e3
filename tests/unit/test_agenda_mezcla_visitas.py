"""La mezcla de duraciones de las visitas en el año, por tipo de IE (NT-026 §5.6).

Lo que dice la norma (copiado de la NT-026-01-MINEDU, §5.6.1 c, §5.6.2 c, §5.6.3 c y sus tablas):

    EIB: "Cada docente acompañado recibe seis visitas en aula al año, con una duración de entre
    dos y tres días como mínimo." Tabla: "Total de días de visita al año 14 días".
    Unidocente / Multigrado: "Cada docente acompañado recibe seis visitas en aula al año, con una
    duración entre dos o tres días como mínimo." Tabla: "Días Total de visitas al año 14 días".
    Polidocente: "Inicial: Cada docente recibe seis visitas al año. Duración de visitas: dos
    visitas de tres días, dos visitas de dos días y dos visitas de un día." "Primaria: Cada
    docente recibe siete visitas al año. Duración de visitas: una visita de dos días y seis
    visitas de un día." "Secundaria: Cada docente recibe siete visitas al año. Duración de
    visitas: una visita de dos días y seis visitas de un día."

Dado un acompañante con un docente de cada tipo, cuando programa una secuencia de visitas que ya
no puede completar la mezcla de la tabla, la visita que la rompe se rechaza con su motivo (y no se
registra nada); la mezcla de la propia tabla se acepta entera.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from services.agenda import mezcla
from services.agenda.application import Agenda, Asignacion
from services.agenda.comandos import CancelarActividad, ProgramarActividad, VisitaPedida
from services.agenda.config import AgendaSettings
from services.agenda.domainmodel import AgendaInvalida
from shared.settings import SQLITE

RAIZ = Path(__file__).resolve().parents[2]
TIPOS = {  # tipo -> (tipo de IE, nivel, IE)
    "eib": ("eib", "primaria", "0500001"),
    "multigrado": ("multigrado", "primaria", "0500002"),
    "inicial": ("polidocente_inicial", "inicial", "0500003"),
    "primaria": ("polidocente_primaria", "primaria", "0500004"),
    "secundaria": ("polidocente_secundaria", "secundaria", "0500005"),
}
MEZCLA_DE_LA_TABLA = {
    "eib": [3, 3, 2, 2, 2, 2],
    "multigrado": [2, 2, 3, 2, 2, 3],
    "inicial": [3, 3, 2, 2, 1, 1],
    "primaria": [1, 1, 2, 1, 1, 1, 1],
    "secundaria": [2, 1, 1, 1, 1, 1, 1],
}
# (secuencia que rompe la mezcla: la última visita se rechaza, y lo que dice el motivo)
ROTURAS = {
    "eib": ([3, 3, 3], "6 visitas de 2 a 3 días (14 días en el año)"),
    "multigrado": ([2, 2, 2, 2, 2], "6 visitas de 2 a 3 días (14 días en el año)"),
    "inicial": ([3, 3, 3], "2 visitas de 3 días, 2 de 2 días y 2 de 1 día (12 días en el año)"),
    "primaria": ([2, 1, 2], "1 visita de 2 días y 6 de 1 día (8 días en el año)"),
    "secundaria": ([1, 1, 1, 1, 1, 1, 1], "1 visita de 2 días y 6 de 1 día (8 días en el año)"),
}


@pytest.fixture
def agenda(tmp_path):
    app = Agenda(AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path))
    app.publicar_protocolos_incluidos()
    yield app
    app.close()


def _docente(app: Agenda, acompanante: str, tipo: str) -> str:
    tipo_ie, nivel, ie = TIPOS[tipo]
    docente = str(uuid4())
    assert app.generar_plan(Asignacion(
        docente_id=docente, acompanante_id=acompanante, convocatoria="2020-2022", anio=2020, codigo_modular=ie,
        anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", tipo_ie=tipo_ie, nivel=nivel), etapa=1)
    return docente


def _visita(docente: str, semana: int, dias: int) -> VisitaPedida:
    """A visit of ``dias`` school days starting on the Monday of week ``semana`` from 1 June 2020."""
    lunes = date(2020, 6, 1) + timedelta(weeks=semana)
    return VisitaPedida(docente, lunes, lunes + timedelta(days=dias - 1))


@pytest.mark.parametrize("tipo", list(TIPOS))
def test_la_mezcla_de_la_tabla_se_acepta(agenda, tipo):
    # Dado un docente del tipo, sin visitas
    acompanante = str(uuid4())
    docente = _docente(agenda, acompanante, tipo)
    # Cuando se programan las visitas de la tabla, una por semana
    for semana, dias in enumerate(MEZCLA_DE_LA_TABLA[tipo]):
        # Entonces cada una se registra
        assert agenda.programar(ProgramarActividad(acompanante, str(uuid4()), "visita", _visita(docente, semana, dias))).nuevo


@pytest.mark.parametrize("tipo", list(TIPOS))
def test_la_visita_que_rompe_la_mezcla_se_rechaza_con_su_motivo(agenda, tipo):
    acompanante = str(uuid4())
    docente = _docente(agenda, acompanante, tipo)
    secuencia, mezcla = ROTURAS[tipo]
    # Dadas las visitas que todavía caben en la mezcla
    for semana, dias in enumerate(secuencia[:-1]):
        assert agenda.programar(ProgramarActividad(acompanante, str(uuid4()), "visita", _visita(docente, semana, dias))).nuevo
    # Cuando se programa la que ya no cabe
    antes = agenda.recorder.max_notification_id()
    with pytest.raises(AgendaInvalida) as error:
        agenda.programar(ProgramarActividad(acompanante, str(uuid4()), "visita", _visita(docente, len(secuencia), secuencia[-1])))
    # Entonces se rechaza nombrando la mezcla de su protocolo, y no se registra nada
    motivo = str(error.value)
    assert f"Con esta visita de {secuencia[-1]} días el año ya no cumple la mezcla de su protocolo (NT-026@1)" in motivo
    assert mezcla in motivo
    assert "Visitas ya registradas en esta agenda, en días: " + ", ".join(map(str, secuencia[:-1])) in motivo
    assert agenda.recorder.max_notification_id() == antes


def test_una_visita_de_mas_se_rechaza(agenda):
    # Dado un docente de primaria con sus siete visitas ya programadas
    acompanante = str(uuid4())
    docente = _docente(agenda, acompanante, "primaria")
    for semana, dias in enumerate(MEZCLA_DE_LA_TABLA["primaria"]):
        agenda.programar(ProgramarActividad(acompanante, str(uuid4()), "visita", _visita(docente, semana, dias)))
    # Cuando se programa una octava visita de un día, se rechaza por la mezcla
    with pytest.raises(AgendaInvalida, match="1 visita de 2 días y 6 de 1 día"):
        agenda.programar(ProgramarActividad(acompanante, str(uuid4()), "visita", _visita(docente, 10, 1)))


def test_una_visita_cancelada_deja_su_lugar(agenda):
    # Dado un docente de inicial con dos visitas de tres días, una de ellas cancelada
    acompanante = str(uuid4())
    docente = _docente(agenda, acompanante, "inicial")
    agenda.programar(ProgramarActividad(acompanante, str(uuid4()), "visita", _visita(docente, 0, 3)))
    cancelada = str(uuid4())
    agenda.programar(ProgramarActividad(acompanante, cancelada, "visita", _visita(docente, 1, 3)))
    agenda.cancelar(CancelarActividad(cancelada, "la IE suspendió clases"))
    # Cuando se programa otra de tres días, se acepta: solo hay dos de tres días vigentes
    assert agenda.programar(ProgramarActividad(acompanante, str(uuid4()), "visita", _visita(docente, 2, 3))).nuevo


def test_agenda_cita_los_numerales_de_la_norma_que_existen():
    # NT-026 §5.6 has no lettered items of its own: "c. Número de visitas" is in §5.6.1, §5.6.2 and §5.6.3
    citas = {ruta.name: re.findall(r"§5\.6 [a-f]\b", ruta.read_text(encoding="utf-8"))
             for ruta in (RAIZ / "services/agenda").glob("*.py")}
    assert {nombre: c for nombre, c in citas.items() if c} == {}
    # and the mix names the paragraphs that give each type's lengths
    doc = mezcla.__doc__ or ""
    assert all(p in doc for p in ("§5.6.1 c", "§5.6.2 c", "§5.6.3 c", "entre dos o tres días como mínimo"))
