"""No service imports another service's code; shared/ imports no service."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["focalizacion", "agenda", "evidencias", "evaluacion"]
MODULES = ["domainmodel", "application", "api", "messaging", "config", "main"]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_ningun_servicio_importa_otro_servicio():
    offences = []
    for servicio in SERVICES:
        for path in (ROOT / "services" / servicio).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != servicio:
                    offences.append(f"{path.relative_to(ROOT)} importa {module}")
    assert offences == []


def test_shared_no_importa_servicios():
    offences = [
        f"{path.relative_to(ROOT)} importa {module}"
        for path in (ROOT / "shared").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] == "services"
    ]
    assert offences == []


def test_la_comprobacion_detecta_una_violacion(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from services.agenda.domainmodel import Visita\nimport services.evaluacion.api\n")
    assert imported_modules(bad) == {"services.agenda.domainmodel", "services.evaluacion.api"}


LINT = Path(sysconfig.get_path("scripts")) / "lint-imports"


def test_import_linter_respeta_los_contratos():
    result = subprocess.run([str(LINT)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


def test_import_linter_detecta_los_circulos(tmp_path):
    """A copy of the tree with the circles that were removed put back: each contract that forbids one breaks."""
    for carpeta in ("services", "shared"):
        shutil.copytree(ROOT / carpeta, tmp_path / carpeta, ignore=shutil.ignore_patterns("__pycache__", "datos"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    circulos = {"services/evidencias/acceso.py": "from services.evidencias.application import Evidencias",
                "services/evidencias/projections.py": "from services.evidencias import application",
                "shared/outbox.py": "from shared.cadena import verificar_enlaces\nfrom shared.replay import replay"}
    for archivo, linea in circulos.items():
        with (tmp_path / archivo).open("a") as f:
            f.write(f"\n{linea}\n")
    result = subprocess.run([str(LINT), "--no-cache"], cwd=tmp_path, capture_output=True, text=True)
    salida = " ".join(result.stdout.split())
    assert result.returncode == 1, salida
    assert re.search(r"Contracts: \d+ kept, 3 broken", salida), salida
    for importa in ("services.evidencias.acceso -> services.evidencias.application",
                    "services.evidencias.projections -> services.evidencias.application",
                    "shared.outbox -> shared.cadena", "shared.outbox -> shared.replay"):
        assert importa in salida, (importa, salida)


def test_cada_servicio_tiene_los_mismos_modulos():
    for servicio in SERVICES:
        carpeta = ROOT / "services" / servicio
        # a module, or a package of them (evaluacion's api: one module per use case)
        present = {p.stem for p in carpeta.glob("*.py")} | {p.parent.name for p in carpeta.glob("*/__init__.py")}
        assert set(MODULES) <= present, f"{servicio} no tiene {set(MODULES) - present}"
