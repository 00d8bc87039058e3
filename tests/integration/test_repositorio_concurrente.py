"""An acompañante's cached agenda read by many threads while others record on it (issue 19, the bug):
eventsourcing brings the cached aggregate up to date in place and copied it outside its lock, so a
reader could fail with ``RuntimeError: dictionary changed size during iteration``. Now every read
hands a whole copy, and every event recorded is in the copy read after it."""

from __future__ import annotations

import threading
import time
import uuid

from services.agenda import domainmodel as dm
from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from tests.support.world import asignar


def test_lecturas_y_escrituras_simultaneas_de_una_agenda_en_cache(make_settings, closing):
    app: Agenda = closing(Agenda(make_settings(AgendaSettings)))
    app.publicar_protocolos_incluidos()
    # Given an acompañante's agenda with a few hundred docentes, in the service's cache
    acompanante = str(uuid.uuid4())
    asignar(app, str(uuid.uuid4()), acompanante)
    agenda_id = dm.agenda_id(acompanante, 2021)
    agenda = app.repository.get(agenda_id)
    for _ in range(300):
        agenda.incorporar(docente_id=str(uuid.uuid4()), plan={"ie": "0236885-0", "componentes": list(range(20))})
    app.save(agenda)

    # When six threads read it while two record new docentes on it, for three seconds
    fallas: list[BaseException] = []
    incorporados: list[str] = []
    fin = time.monotonic() + 3

    def leer() -> None:
        while time.monotonic() < fin:
            try:
                app.repository.get(agenda_id)
            except BaseException as exc:  # noqa: BLE001 - every failure is what the test looks for
                fallas.append(exc)

    def escribir() -> None:
        while time.monotonic() < fin:
            def intento() -> None:
                nuevo = str(uuid.uuid4())
                agenda = app.repository.get(agenda_id)
                agenda.incorporar(docente_id=nuevo, plan={"ie": "0236885-0"})
                app.save(agenda)
                incorporados.append(nuevo)
            try:
                app.reintentar(intento)
            except BaseException as exc:  # noqa: BLE001
                fallas.append(exc)

    hilos = [threading.Thread(target=leer) for _ in range(6)] + [threading.Thread(target=escribir) for _ in range(2)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join()

    # Then no read or write failed, and the agenda read afterwards holds every docente recorded, once each
    assert fallas == []
    assert len(incorporados) > 5
    final = app.repository.get(agenda_id)
    assert set(incorporados) <= set(final.docentes)
    assert len(final.docentes) == 301 + len(incorporados)
