"""``python -m services.evidencias.rebuild``: evidencias's read model rebuilt from its own
events into a new generation while the service answers (``shared.reconstruccion``)."""

from __future__ import annotations

import sys

from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings
from shared.reconstruccion import Modelos, main


def abrir(settings: EvidenciasSettings) -> Modelos:
    app = Evidencias(settings)
    return Modelos(app.proyecciones, app.close)


if __name__ == "__main__":
    ajustes = EvidenciasSettings()
    sys.exit(main("evidencias", lambda: abrir(ajustes), ajustes.nats_url))
