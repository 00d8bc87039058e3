"""``python -m services.focalizacion.rebuild``: focalizacion's read model rebuilt from its own
events into a new generation while the service answers (``shared.reconstruccion``)."""

from __future__ import annotations

import sys

from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from shared.reconstruccion import Modelos, main


def abrir(settings: FocalizacionSettings) -> Modelos:
    app = Focalizacion(settings)
    return Modelos(app.proyecciones, app.close)


if __name__ == "__main__":
    ajustes = FocalizacionSettings()
    sys.exit(main("focalizacion", lambda: abrir(ajustes), ajustes.nats_url))
