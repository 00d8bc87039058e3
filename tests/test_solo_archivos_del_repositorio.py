"""Everything a test or a benchmark reads lives in the repository: no string in ``tests/`` or ``bench/``
names a file of the development machine (an absolute path outside the kernel's ``/proc``) or climbs out of
the repository (``../shared`` and the like)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
FUERA = re.compile(r"^(/(work|home|root|Users|mnt|srv|data)/|~/|(\.\./)+)")  # /etc, /opt: paths inside containers


def _cadenas(archivo: Path) -> list[tuple[int, str]]:
    arbol = ast.parse(archivo.read_text("utf-8"), filename=str(archivo))
    return [(n.lineno, n.value) for n in ast.walk(arbol) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_ninguna_prueba_ni_medicion_lee_fuera_del_repositorio():
    # Given every Python file of the tests and the benchmarks
    archivos = sorted([*(RAIZ / "tests").rglob("*.py"), *(RAIZ / "bench").rglob("*.py")])
    assert len(archivos) > 20
    # When their string literals are searched for paths outside the repository
    fuera = [f"{a.relative_to(RAIZ)}:{linea}: {valor!r}" for a in archivos for linea, valor in _cadenas(a)
             if FUERA.match(valor) and a.name != Path(__file__).name]
    # Then there is none
    assert fuera == [], "\n".join(fuera)
