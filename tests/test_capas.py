"""Each service's layers contracts (pyproject.toml) hold on the tree, and break on each import that climbs a
layer or joins two use cases: a copy of the tree with such imports added is checked by import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sysconfig.get_path("scripts")) / "lint-imports"


@dataclass(frozen=True)
class Capas:
    contratos: tuple[str, ...]  # their ids in pyproject.toml
    violaciones: dict[str, str]  # file → the import added to it
    rotas: tuple[str, ...]  # what import-linter must name


SERVICIOS = {
    "agenda": Capas(
        ("agenda-capas", "agenda-rutas"),
        {"services/agenda/projections.py": "from services.agenda import application",
         "services/agenda/application.py": "from services.agenda.api import realizacion",
         "services/agenda/domainmodel.py": "from services.agenda import projections",
         "services/agenda/api/lote.py": "from services.agenda.api import programacion"},
        ("services.agenda.projections -> services.agenda.application",
         "services.agenda.application -> services.agenda.api.realizacion",
         "services.agenda.domainmodel -> services.agenda.projections",
         "services.agenda.api.lote -> services.agenda.api.programacion")),
    "evidencias": Capas(
        ("evidencias-capas", "evidencias-rutas"),
        {"services/evidencias/projections.py": "from services.evidencias import application",
         "services/evidencias/acceso.py": "from services.evidencias.application import Evidencias",
         "services/evidencias/escritura/visitas.py": "from services.evidencias.api import registro",
         "services/evidencias/domainmodel.py": "from services.evidencias import tablas",
         "services/evidencias/api/lote.py": "from services.evidencias.api import visitas"},
        ("services.evidencias.projections -> services.evidencias.application",
         "services.evidencias.acceso -> services.evidencias.application",
         "services.evidencias.escritura.visitas -> services.evidencias.api.registro",
         "services.evidencias.domainmodel -> services.evidencias.tablas",
         "services.evidencias.api.lote -> services.evidencias.api.visitas")),
    "focalizacion": Capas(
        ("focalizacion-capas",),
        {"services/focalizacion/projections.py": "from services.focalizacion import application",
         "services/focalizacion/application.py": "from services.focalizacion import api_padron",
         "services/focalizacion/api_carteras.py": "from services.focalizacion import api",
         "services/focalizacion/domainmodel.py": "from services.focalizacion import tablas"},
        ("services.focalizacion.projections -> services.focalizacion.application",
         "services.focalizacion.application -> services.focalizacion.api_padron",
         "services.focalizacion.api_carteras -> services.focalizacion.api",
         "services.focalizacion.domainmodel -> services.focalizacion.tablas")),
    "evaluacion": Capas(
        ("evaluacion-capas", "evaluacion-rutas"),
        {"services/evaluacion/projections.py": "from services.evaluacion import application",
         "services/evaluacion/application.py": "from services.evaluacion.api import formativa",
         "services/evaluacion/domainmodel.py": "from services.evaluacion import projections",
         "services/evaluacion/api/informes.py": "from services.evaluacion.api import progreso"},
        ("services.evaluacion.projections -> services.evaluacion.application",
         "services.evaluacion.application -> services.evaluacion.api.formativa",
         "services.evaluacion.domainmodel -> services.evaluacion.projections",
         "services.evaluacion.api.informes -> services.evaluacion.api.progreso")),
}


def lint(capas: Capas, donde: Path) -> tuple[int, str]:
    argumentos = [a for c in capas.contratos for a in ("--contract", c)]
    r = subprocess.run([str(LINT), "--no-cache", *argumentos], cwd=donde, capture_output=True, text=True)
    return r.returncode, " ".join((r.stdout + r.stderr).split())


@pytest.mark.parametrize("servicio", sorted(SERVICIOS))
def test_los_contratos_de_capas_se_cumplen(servicio: str) -> None:
    capas = SERVICIOS[servicio]
    codigo, salida = lint(capas, ROOT)
    assert codigo == 0 and f"{len(capas.contratos)} kept, 0 broken" in salida, salida


@pytest.mark.parametrize("servicio", sorted(SERVICIOS))
def test_los_contratos_de_capas_detectan_cada_violacion(servicio: str, tmp_path: Path) -> None:
    capas = SERVICIOS[servicio]
    for carpeta in ("services", "shared"):
        shutil.copytree(ROOT / carpeta, tmp_path / carpeta, ignore=shutil.ignore_patterns("__pycache__", "datos"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for archivo, linea in capas.violaciones.items():
        with (tmp_path / archivo).open("a") as f:
            f.write(f"\n{linea}\n")
    codigo, salida = lint(capas, tmp_path)
    assert codigo == 1 and f"0 kept, {len(capas.contratos)} broken" in salida, salida
    for importa in capas.rotas:
        assert importa in salida, (importa, salida)
