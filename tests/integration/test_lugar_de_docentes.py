"""Where a docente lies, as the access policy asks it of every visit's record (``acceso.LugarDeDocentes``):
remembered until a plan is generated or moved, then read again, whichever replica recorded it."""

from __future__ import annotations

import uuid
from datetime import date

from services.agenda.acceso import LugarDeDocentes
from services.agenda.application import Agenda
from services.agenda.comandos import ProgramarActividad, VisitaPedida
from services.agenda.config import AgendaSettings
from tests.support.world import asignar


def _contando(lugares: LugarDeDocentes) -> list[str]:
    leidos: list[str] = []
    leer = lugares._planes

    def planes(docente_id: str, *args: int) -> list[dict]:
        leidos.append(docente_id)
        return leer(docente_id, *args)

    lugares._planes = planes  # type: ignore[method-assign]
    return leidos


def test_un_lugar_recordado_se_lee_de_nuevo_cuando_otra_replica_genera_o_mueve_un_plan(make_settings):
    settings = make_settings(AgendaSettings)
    agenda, otra = Agenda(settings), Agenda(settings)  # two replicas on one store
    try:
        agenda.publicar_protocolos_incluidos()
        a, b, docente, nuevo = (str(uuid.uuid4()) for _ in range(4))
        asignar(agenda, docente, a)
        lugares = LugarDeDocentes(agenda)
        leidos = _contando(lugares)

        # Given a docente's place read once, and one of a docente without a plan yet
        assert lugares.territorio(docente).acompanantes == frozenset({a})
        assert lugares.territorio(nuevo) is None
        # When other facts are recorded (a visit scheduled), they are answered from memory
        dia = date(2021, 5, 10)
        assert agenda.programar(ProgramarActividad(a, str(uuid.uuid4()), "visita", VisitaPedida(docente, dia, dia)))
        assert lugares.territorio(docente).acompanantes == frozenset({a})
        assert lugares.territorio(nuevo) is None
        assert leidos == [docente, nuevo]

        # When the other replica gives the new docente a plan and moves the first one to b
        asignar(otra, nuevo, b)
        assert otra.reasignar(docente, a, b, "cambio de cartera") == 1
        # Then both are read again, at once
        assert lugares.territorio(nuevo).acompanantes == frozenset({b})
        assert lugares.territorio(docente).acompanantes == frozenset({b})
        assert leidos == [docente, nuevo, nuevo, docente]
    finally:
        otra.close()
        agenda.close()
