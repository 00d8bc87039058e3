"""``python -m services.agenda.rebuild [--modelo agenda|territorios]``: agenda's read models rebuilt from its
events (the one kept from its own log, and its view of the DRE and UGEL names the stream carries) into new
generations while the service answers (``shared.reconstruccion``)."""

from __future__ import annotations

import sys

from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from shared.reconstruccion import Modelos, main
from shared.territorios import Territorios


def abrir(settings: AgendaSettings) -> Modelos:
    agenda = Agenda(settings)
    territorios = Territorios.abrir(settings)

    def cerrar() -> None:
        territorios.close()
        agenda.close()

    return Modelos(agenda.proyecciones, cerrar, [territorios])


if __name__ == "__main__":
    ajustes = AgendaSettings()
    sys.exit(main("agenda", lambda: abrir(ajustes), ajustes.nats_url, gracia=ajustes.reconstruccion_gracia_segundos))
