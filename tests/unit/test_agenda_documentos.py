"""The printable documents of a school's plan (services/agenda/documentos.py), without a server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]


def test_agenda_arranca_sin_importar_matplotlib():
    # Given a fresh interpreter, When agenda's composition root is imported (as the service starts)
    codigo = "import sys, services.agenda.main; print('matplotlib' in sys.modules)"
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ, capture_output=True, text=True, check=True)
    # Then matplotlib (only its font is used, when a PDF is drawn) is not loaded
    assert salida.stdout.strip() == "False", salida.stderr
