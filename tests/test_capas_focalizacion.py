"""focalizacion's layers contract (pyproject.toml) breaks on each import that climbs a layer."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sysconfig.get_path("scripts")) / "lint-imports"
CONTRATO = "focalizacion-capas"  # its id in pyproject.toml


def test_el_contrato_de_capas_de_focalizacion_se_cumple():
    resultado = subprocess.run([str(LINT), "--contract", CONTRATO], cwd=ROOT, capture_output=True, text=True)
    assert resultado.returncode == 0, resultado.stdout + resultado.stderr
    assert "1 kept, 0 broken" in resultado.stdout, resultado.stdout


def test_el_contrato_de_capas_de_focalizacion_detecta_cada_violacion(tmp_path):
    """Given a copy of the tree where the projections call the application back, the application imports a
    route module, one route module imports another and the domain reads a table, when import-linter runs,
    then the contract breaks and names each of those imports."""
    for carpeta in ("services", "shared"):
        shutil.copytree(ROOT / carpeta, tmp_path / carpeta, ignore=shutil.ignore_patterns("__pycache__", "datos"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    violaciones = {
        "services/focalizacion/projections.py": "from services.focalizacion import application",
        "services/focalizacion/application.py": "from services.focalizacion import api_padron",
        "services/focalizacion/api_carteras.py": "from services.focalizacion import api",
        "services/focalizacion/domainmodel.py": "from services.focalizacion import tablas",
    }
    for archivo, linea in violaciones.items():
        with (tmp_path / archivo).open("a") as f:
            f.write(f"\n{linea}\n")
    resultado = subprocess.run([str(LINT), "--no-cache", "--contract", CONTRATO], cwd=tmp_path,
                               capture_output=True, text=True)
    salida = " ".join(resultado.stdout.split())
    assert resultado.returncode == 1, salida
    assert "0 kept, 1 broken" in salida, salida
    for importa in ("services.focalizacion.projections -> services.focalizacion.application",
                    "services.focalizacion.application -> services.focalizacion.api_padron",
                    "services.focalizacion.api_carteras -> services.focalizacion.api",
                    "services.focalizacion.domainmodel -> services.focalizacion.tablas"):
        assert importa in salida, (importa, salida)
