"""evaluacion's layers contract and its route modules' independence (pyproject.toml) break on each import that
climbs a layer or joins two use cases."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sysconfig.get_path("scripts")) / "lint-imports"
CONTRATOS = ["--contract", "evaluacion-capas", "--contract", "evaluacion-rutas"]  # their ids in pyproject.toml


def test_los_contratos_de_evaluacion_se_cumplen():
    resultado = subprocess.run([str(LINT), *CONTRATOS], cwd=ROOT, capture_output=True, text=True)
    assert resultado.returncode == 0, resultado.stdout + resultado.stderr
    assert "2 kept, 0 broken" in resultado.stdout, resultado.stdout


def test_los_contratos_de_evaluacion_detectan_cada_violacion(tmp_path):
    """Given a copy of the tree where the projections call the application back, the application imports a
    route module, the domain reads a projection and one use case's routes import another's, when import-linter
    runs, then both contracts break and name each of those imports."""
    for carpeta in ("services", "shared"):
        shutil.copytree(ROOT / carpeta, tmp_path / carpeta, ignore=shutil.ignore_patterns("__pycache__", "datos"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    violaciones = {
        "services/evaluacion/projections.py": "from services.evaluacion import application",
        "services/evaluacion/application.py": "from services.evaluacion.api import formativa",
        "services/evaluacion/domainmodel.py": "from services.evaluacion import projections",
        "services/evaluacion/api/informes.py": "from services.evaluacion.api import progreso",
    }
    for archivo, linea in violaciones.items():
        with (tmp_path / archivo).open("a") as f:
            f.write(f"\n{linea}\n")
    resultado = subprocess.run([str(LINT), "--no-cache", *CONTRATOS], cwd=tmp_path, capture_output=True, text=True)
    salida = " ".join(resultado.stdout.split())
    assert resultado.returncode == 1, salida
    assert "0 kept, 2 broken" in salida, salida
    for importa in ("services.evaluacion.projections -> services.evaluacion.application",
                    "services.evaluacion.application -> services.evaluacion.api.formativa",
                    "services.evaluacion.domainmodel -> services.evaluacion.projections",
                    "services.evaluacion.api.informes -> services.evaluacion.api.progreso"):
        assert importa in salida, (importa, salida)
