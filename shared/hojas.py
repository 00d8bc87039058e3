"""Cells of the spreadsheets the services export (CSV and XLSX), neutralised against formula injection.

A spreadsheet takes a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or a
carriage return, the same) for a formula: a school's name, a code or a free text written that way would
run when a specialist opens the file (OWASP, "CSV Injection"). Such text is written with a leading
apostrophe, so it is read as text; numbers, dates and booleans are left as they are, so they stay numbers.
Every export writes its cells through ``celda``, and its CSV through ``escritor_csv``: every text between
quotes (a carriage return inside a cell would otherwise end the row for a spreadsheet, and what follows it
would start a cell of its own), numbers bare.
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def celda(valor: Any) -> Any:
    """The value as a spreadsheet must receive it: text that would start a formula gets a leading ``'``."""
    if isinstance(valor, str) and valor.startswith(FORMULA):
        return "'" + valor
    return valor


def escritor_csv(salida: TextIO, columnas: list[str], **opciones: Any) -> csv.DictWriter:
    """A CSV writer as spreadsheets in Spanish read it (``;``), each text quoted, its header written."""
    escritor = csv.DictWriter(salida, fieldnames=columnas, delimiter=";", lineterminator="\n",
                              quoting=csv.QUOTE_NONNUMERIC, **opciones)
    escritor.writerow({k: celda(k) for k in columnas})
    return escritor
