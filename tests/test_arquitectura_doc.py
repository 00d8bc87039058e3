"""docs/arquitectura.md stays true: every file it names exists, and every ``archivo.py::Nombre`` it points
to (a function, a class, a method, a module-level name) is defined in that file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIA = ROOT / "docs" / "arquitectura.md"
# a repository path in backquotes: services/agenda/api.py, deploy/nats/permisos.conf, docs/asyncapi.json...
RUTA = re.compile(r"`((?:services|shared|tests|docs|deploy)/[\w./-]*\w|pyproject\.toml)(?:::([\w.]+))?`")


def referencias(texto: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in RUTA.finditer(texto)]


def definidos(modulo: Path) -> set[str]:
    """Every name the module defines anywhere: functions, classes, methods, nested functions, assignments."""
    nombres: set[str] = set()
    for nodo in ast.walk(ast.parse(modulo.read_text(encoding="utf-8"), filename=str(modulo))):
        if isinstance(nodo, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            nombres.add(nodo.name)
        elif isinstance(nodo, ast.Assign | ast.AnnAssign):
            objetivos = nodo.targets if isinstance(nodo, ast.Assign) else [nodo.target]
            nombres.update(t.id for t in objetivos if isinstance(t, ast.Name))
    return nombres


def errores(texto: str, raiz: Path) -> list[str]:
    encontrados = []
    for ruta, nombre in referencias(texto):
        archivo = raiz / ruta
        if not archivo.exists():
            encontrados.append(f"{ruta}: no existe")
        elif nombre:
            faltan = [parte for parte in nombre.split(".") if parte not in definidos(archivo)]
            if faltan:
                encontrados.append(f"{ruta}::{nombre}: {', '.join(faltan)} no está definido en el archivo")
    return encontrados


def test_la_guia_nombra_solo_archivos_y_nombres_que_existen():
    texto = GUIA.read_text(encoding="utf-8")
    refs = referencias(texto)
    assert len({r for r, _ in refs}) >= 30 and sum(1 for _, n in refs if n) >= 30, "la guía casi no cita el código"
    assert errores(texto, ROOT) == []


def test_la_comprobacion_nota_un_archivo_o_un_nombre_que_no_existe():
    texto = ("`services/agenda/api/realizacion.py::post_visita_realizada` `services/agenda/no_existe.py` "
             "`services/agenda/application.py::Agenda.no_existe` `deploy/docker/Dockerfile`")
    assert errores(texto, ROOT) == [
        "services/agenda/no_existe.py: no existe",
        "services/agenda/application.py::Agenda.no_existe: no_existe no está definido en el archivo",
    ]


def test_el_readme_enlaza_la_guia():
    assert "(docs/arquitectura.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
