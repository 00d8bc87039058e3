"""Texts and formats for people: Babel message catalogs (``locale/<idioma>/LC_MESSAGES/messages.po``).

The source texts are Spanish (es_PE); Quechua (qu_PE) and Aymara catalogs go next to it. Aymara has no
CLDR locale: its screens use es_PE formats for dates and numbers. The .po is compiled in memory when
the process starts (no binary .mo in the repository). ``_`` marks a text in Python code; templates use
``{% trans %}`` / ``_()`` through Jinja2's i18n extension. Every user-visible string goes through the
catalog (tests/web/test_catalogo_mensajes.py checks it).
"""

from __future__ import annotations

import functools
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE = Path(__file__).parent / "locale"
FORMATOS = {"ay_PE": "es_PE"}  # no CLDR data for Aymara
IDIOMA = "es_PE"
LIMA = ZoneInfo("America/Lima")  # the hour people read on their clocks (the services keep UTC)


@functools.cache
def catalogo(idioma: str = IDIOMA) -> Translations:
    with open(LOCALE / idioma / "LC_MESSAGES" / "messages.po", "rb") as f:
        po = read_po(f, locale=FORMATOS.get(idioma, idioma))
    mo = io.BytesIO()
    write_mo(mo, po)
    mo.seek(0)
    return Translations(mo)


def _(texto: str) -> str:
    return catalogo().gettext(texto)


def fecha(valor: str | date | datetime | None, idioma: str = IDIOMA) -> str:
    """12/04/2021: the date as people in Peru write it."""
    if not valor:
        return ""
    if isinstance(valor, str):
        valor = datetime.fromisoformat(valor) if "T" in valor else date.fromisoformat(valor[:10])
    return format_date(valor, "dd/MM/yyyy", locale=FORMATOS.get(idioma, idioma))


def fecha_larga(valor: str | date | datetime | None, idioma: str = IDIOMA) -> str:
    """martes 12 de abril de 2021."""
    if not valor:
        return ""
    if isinstance(valor, str):
        valor = datetime.fromisoformat(valor) if "T" in valor else date.fromisoformat(valor[:10])
    return format_date(valor, "EEEE d 'de' MMMM 'de' y", locale=FORMATOS.get(idioma, idioma))


def fecha_hora(valor: str | datetime | None, idioma: str = IDIOMA) -> str:
    """07/12/2026 00:01: an instant at Lima's hour (a time without zone is taken as UTC, as the services keep it)."""
    if not valor:
        return ""
    if isinstance(valor, str):
        valor = datetime.fromisoformat(valor)
    if valor.tzinfo is None:
        valor = valor.replace(tzinfo=UTC)
    return format_datetime(valor, "dd/MM/yyyy HH:mm", tzinfo=LIMA, locale=FORMATOS.get(idioma, idioma))


def hoy(ahora: datetime | None = None) -> date:
    """Today's date in Peru (the server's clock may run on UTC, five hours ahead in the evening)."""
    return (ahora or datetime.now(UTC)).astimezone(LIMA).date()


def extraer() -> dict[str, list[tuple[str, int]]]:
    """Every text marked in the web application's templates and Python code: {msgid: [(file, line)]}."""
    from babel.messages.extract import extract_from_dir

    raiz = Path(__file__).parent
    metodos = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    opciones = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
    textos: dict[str, list[tuple[str, int]]] = {}
    for archivo, linea, mensaje, _comentarios, _contexto in extract_from_dir(
            raiz, metodos, options_map=opciones, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}):
        for m in mensaje if isinstance(mensaje, tuple) else (mensaje,):
            if m:
                textos.setdefault(m, []).append((archivo, linea))
    return textos


def actualizar(idioma: str = IDIOMA) -> int:
    """Write the catalog of ``idioma`` with every marked text: the source language (es_PE) translates each
    text to itself; another language keeps its translations and gets the new texts empty to translate."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    ruta = LOCALE / idioma / "LC_MESSAGES" / "messages.po"
    previo = {}
    if ruta.exists():
        with open(ruta, "rb") as f:
            previo = {m.id: m.string for m in read_po(f) if m.id}
    catalogo_nuevo = Catalog(locale=FORMATOS.get(idioma, idioma), project="Acompaña", charset="utf-8")
    for texto, lugares in sorted(extraer().items()):
        traduccion = texto if idioma == IDIOMA else previo.get(texto, "")
        catalogo_nuevo.add(texto, traduccion, locations=lugares)
    ruta.parent.mkdir(parents=True, exist_ok=True)
    with open(ruta, "wb") as f:
        write_po(f, catalogo_nuevo, width=100, omit_header=False, sort_output=True)
    return len(catalogo_nuevo)


if __name__ == "__main__":  # python -m services.web.i18n [idioma]: extract the texts into the catalog
    import sys

    print(f"{actualizar(*sys.argv[1:2])} textos en el catálogo")
