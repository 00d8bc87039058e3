"""Acceptance 9 (issue 17): no user-visible string of the web application outside the message catalog.

The texts are extracted from the templates and the Python code the way Babel does (``_``/``gettext``/
``ngettext``, ``{% trans %}``); the test fails on a marked text missing from the es_PE catalog, on text
written bare in a template (outside a translation call), and on a Spanish sentence in Python code that
is not marked (docstrings, log lines and the operator's settings descriptions excepted)."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from jinja2 import Environment

from services.web import i18n

WEB = Path(i18n.__file__).parent
LETRA = re.compile(r"[A-Za-zÁÉÍÓÚÑáéíóúñ]")
ATRIBUTOS_VISIBLES = {"alt", "title", "placeholder", "aria-label", "label", "aria-description"}
MARCA = "\x00"


def catalogo() -> set[str]:
    with open(i18n.LOCALE / "es_PE" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id and m.string}


class TextoSuelto(HTMLParser):
    """Text and visible attributes of a template with every Jinja2 expression and tag replaced by a mark."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sueltos: list[str] = []
        self._dentro: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._dentro.append(tag)
        for nombre, valor in attrs:
            if nombre in ATRIBUTOS_VISIBLES and valor and LETRA.search(valor.replace(MARCA, "")):
                self.sueltos.append(f'{nombre}="{valor}"')

    def handle_endtag(self, tag: str) -> None:
        if self._dentro and self._dentro[-1] == tag:
            self._dentro.pop()

    def handle_data(self, data: str) -> None:
        if not self._dentro and LETRA.search(data.replace(MARCA, "")):
            self.sueltos.append(data.strip())


def sin_expresiones(fuente: str) -> str:
    partes = []
    for _linea, tipo, valor in Environment(extensions=["jinja2.ext.i18n"]).lex(fuente):
        partes.append(valor if tipo == "data" else MARCA if tipo in ("variable_begin", "block_begin") else "")
    return "".join(partes)


def test_cada_texto_marcado_esta_en_el_catalogo() -> None:
    # Given every text marked for translation in the templates and the code
    marcados = i18n.extraer()
    # Then the es_PE catalog translates each one
    traducidos = catalogo()
    faltan = {t: lugares[0] for t, lugares in marcados.items() if t not in traducidos}
    assert len(marcados) > 100
    assert not faltan, f"textos fuera del catálogo (python -m services.web.i18n los agrega): {faltan}"


def test_ninguna_plantilla_escribe_texto_sin_traducir() -> None:
    sueltos = {}
    for plantilla in sorted((WEB / "templates").glob("*.html")):
        lector = TextoSuelto()
        lector.feed(sin_expresiones(plantilla.read_text()))
        if lector.sueltos:
            sueltos[plantilla.name] = lector.sueltos
    assert not sueltos, f"texto visible sin pasar por el catálogo: {sueltos}"


def test_el_detector_de_texto_suelto_lo_encuentra() -> None:
    lector = TextoSuelto()
    lector.feed(sin_expresiones('<p>{{ _("Bien") }}</p><p>Mal escrito</p><img alt="foto" src="x"><b>{{ x }}</b>'))
    assert lector.sueltos == ["Mal escrito", 'alt="foto"']


ORACION = re.compile(r"^[¿¡]?[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+[ ,:][^/=<>{}]*[a-záéíóúñ]")
NO_VISIBLES = {"description", "summary", "title"}  # settings and API documentation, for operators


def oraciones_sin_marcar(fuente: str) -> list[str]:
    arbol = ast.parse(fuente)
    excluidas: set[int] = set()
    for nodo in ast.walk(arbol):
        if isinstance(nodo, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and nodo.body \
                and isinstance(nodo.body[0], ast.Expr) and isinstance(nodo.body[0].value, ast.Constant):
            excluidas.add(id(nodo.body[0].value))
        if isinstance(nodo, ast.Call):
            funcion = nodo.func.attr if isinstance(nodo.func, ast.Attribute) else getattr(nodo.func, "id", "")
            marcada = funcion in ("_", "gettext", "ngettext")
            registro = isinstance(nodo.func, ast.Attribute) and getattr(nodo.func.value, "id", "") == "log"
            interna = funcion in ("IngresoFallido", "ServicioCaido", "ValueError", "RuntimeError")
            if marcada or registro or interna:
                excluidas.update(id(n) for n in ast.walk(nodo))
            for kw in nodo.keywords:
                if kw.arg in NO_VISIBLES:
                    excluidas.update(id(n) for n in ast.walk(kw.value))
    return [n.value for n in ast.walk(arbol) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in excluidas and ORACION.match(n.value)]


def test_el_codigo_no_muestra_oraciones_sin_marcar() -> None:
    sueltas = {}
    for modulo in sorted(WEB.glob("*.py")):
        encontradas = oraciones_sin_marcar(modulo.read_text())
        if encontradas:
            sueltas[modulo.name] = encontradas
    assert not sueltas, f"oraciones en el código que no pasan por el catálogo: {sueltas}"


def test_el_detector_de_oraciones_las_encuentra() -> None:
    assert oraciones_sin_marcar('x = "No existe la visita."\ny = _("Bien hecho.")\nlog.info("Algo interno pasó")') \
        == ["No existe la visita."]
