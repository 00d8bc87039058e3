"""The spreadsheets the services export (CSV and XLSX): written for the people who open them in Excel.

One mechanism for every export. A table declares its columns (``Columna``: the Spanish header, its unit
and its type) and carries its rows; a workbook (``libro``) opens with a cover sheet (``Portada``: what the
report is, the moment it describes, who produced it and when) and then one sheet per table. Every table
shows its header even without rows, with a line saying it is empty (``VACIA``); numbers are written as
numbers and dates as dates (with a number format, so a spreadsheet sorts and sums them); a row's field the
table does not declare is kept at the end, under its field name, rather than lost.

A spreadsheet takes a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or a
carriage return, the same) for a formula: a school's name, a code or a free text written that way would
run when a specialist opens the file (OWASP, "CSV Injection"). Such text is written with a leading
apostrophe, so it is read as text; numbers, dates and booleans are left as they are, so they stay numbers.
Every cell goes through ``celda``, and every CSV through ``escritor_csv``: every text between quotes (a
carriage return inside a cell would otherwise end the row for a spreadsheet, and what follows it would
start a cell of its own), numbers bare; ``;``-separated and with a BOM, as spreadsheets in Spanish expect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from shared.telemetry import Actor

FORMULA = ("=", "+", "-", "@", "\t", "\r")
VACIA = "Sin datos para este corte."
LIMA = ZoneInfo("America/Lima")
Tipo = Literal["texto", "numero", "fecha"]
FORMATO_FECHA = "DD/MM/YYYY"
FORMATO_FECHA_HORA = "DD/MM/YYYY HH:MM:SS"
SI_NO = {True: "Sí", False: "No"}


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


@dataclass(frozen=True)
class Columna:
    """A column as a person reads it: ``titulo`` in Spanish words, its ``unidad`` (``n.º``, ``días``, ``%``)
    and its ``tipo``, which decides how its cells are written."""

    clave: str
    titulo: str
    unidad: str = ""
    tipo: Tipo = "texto"
    textos: Mapping[str, str] = field(default_factory=dict, hash=False)  # a code's words (``en_ejecucion``)

    @property
    def encabezado(self) -> str:
        return f"{self.titulo} ({self.unidad})" if self.unidad else self.titulo


@dataclass(frozen=True)
class Tabla:
    """One sheet: its name (31 characters at most, Excel's limit), what it holds, its columns and rows."""

    nombre: str
    columnas: Sequence[Columna]
    filas: Sequence[Mapping[str, Any]]
    descripcion: str = ""

    def todas(self) -> list[Columna]:
        """The declared columns, then any field a row has that they do not name (kept under its name)."""
        declaradas = {c.clave for c in self.columnas}
        extra: dict[str, None] = {}
        for fila in self.filas:
            extra.update(dict.fromkeys(k for k in fila if k not in declaradas))
        return [*self.columnas, *(Columna(k, k) for k in extra)]


@dataclass(frozen=True)
class Portada:
    """The cover sheet: what the report is, the moment it describes (``al``: a date, or the moment up to
    which records count), who produced it and when, and the report's parameters in words."""

    titulo: str
    al: date | datetime
    autor: str
    generado: datetime
    nota: str = ""
    parametros: Sequence[tuple[str, Any]] = field(default_factory=tuple)

    def lineas(self) -> list[tuple[str, Any]]:
        return [("Reporte", self.titulo), ("Describe la situación al", _local(self.al)),
                *([("Alcance", self.nota)] if self.nota else []), *self.parametros,
                ("Elaborado por", self.autor), ("Generado el", _local(self.generado))]


ROLES = {"acompanante": "Acompañante", "directivo": "Directivo", "docente": "Docente",
         "especialista_ugel": "Especialista de UGEL", "especialista_dre": "Especialista de DRE",
         "minedu": "Especialista del MINEDU", "auditor": "Auditor", "administrador": "Administrador",
         "sistema": "Proceso del sistema"}


def autor(actor: Actor) -> str:
    """Who asked for a report, as his token says it: role, territory and user."""
    donde = f"IE {actor.ie}" if actor.ie else actor.ugel or actor.dre
    return f"{ROLES.get(actor.rol, actor.rol)}{f' ({donde})' if donde else ''}, usuario {actor.usuario}"


def _local(momento: date | datetime) -> date | datetime:
    """A moment as Lima reads it, without a zone (a spreadsheet cell holds none) and to the second (the end
    of a day, 23:59:59.999999, would otherwise show as the next day's midnight)."""
    if isinstance(momento, datetime):
        local = momento.astimezone(LIMA) if momento.tzinfo is not None else momento
        return local.replace(tzinfo=None, microsecond=0)
    return momento


def _texto(valor: Any) -> Any:
    if isinstance(valor, bool):
        return SI_NO[valor]
    if isinstance(valor, (list, tuple, set)):
        return ", ".join(str(x) for x in valor)
    if isinstance(valor, dict):
        return ", ".join(f"{k}: {v}" for k, v in valor.items())
    if valor is None or isinstance(valor, (str, int, float, date)):
        return valor
    return str(valor)  # an identifier, a decimal...: as its text (a cell holds no other type)


def _valor(valor: Any, tipo: Tipo, textos: Mapping[str, str] | None = None) -> Any:
    """The cell's value for its column's type: a number, a date (from its ISO text too) or a text (a code
    in its words)."""
    if valor is None or valor == "":
        return None
    if textos and isinstance(valor, str):
        return textos.get(valor, valor)
    if textos and isinstance(valor, list):
        return ", ".join(textos.get(str(x), str(x)) for x in valor)
    if tipo == "numero" and isinstance(valor, (int, float)) and not isinstance(valor, bool):
        return valor
    if tipo == "fecha":
        if isinstance(valor, str):
            try:
                valor = datetime.fromisoformat(valor) if "T" in valor or " " in valor else date.fromisoformat(valor)
            except ValueError:
                return _texto(valor)
        if isinstance(valor, (date, datetime)):
            return _local(valor)
    return _texto(valor)


def _en_hoja(valor: Any) -> Any:
    """A stored text may hold control characters a spreadsheet cannot: they are left out of the cell
    (before it is neutralised, so what is left cannot start a formula either)."""
    return celda(ILLEGAL_CHARACTERS_RE.sub("", valor) if isinstance(valor, str) else valor)


def _escribir(hoja: Any, fila: int, columna: int, valor: Any) -> Any:
    c = hoja.cell(row=fila, column=columna, value=_en_hoja(valor))
    if isinstance(valor, datetime):
        c.number_format = FORMATO_FECHA_HORA
    elif isinstance(valor, date):
        c.number_format = FORMATO_FECHA
    return c


def _portada(hoja: Any, portada: Portada, tablas: Sequence[Tabla]) -> None:
    hoja.cell(row=1, column=1, value=_en_hoja(portada.titulo)).font = Font(bold=True, size=14)
    fila = 3
    for clave, valor in portada.lineas():
        hoja.cell(row=fila, column=1, value=_en_hoja(clave)).font = Font(bold=True)
        _escribir(hoja, fila, 2, _valor(valor, "fecha") if isinstance(valor, (date, datetime)) else _texto(valor))
        fila += 1
    fila += 1
    hoja.cell(row=fila, column=1, value="Hojas").font = Font(bold=True)
    for tabla in tablas:
        fila += 1
        hoja.cell(row=fila, column=1, value=_en_hoja(tabla.nombre[:31]))
        hoja.cell(row=fila, column=2, value=_en_hoja(
            f"{tabla.descripcion} ({len(tabla.filas)} filas)" if tabla.filas else f"{tabla.descripcion} {VACIA}"
            .strip()))
    hoja.column_dimensions["A"].width = 28
    hoja.column_dimensions["B"].width = 90
    for fila_celdas in hoja.iter_rows(min_col=2, max_col=2):
        for c in fila_celdas:
            c.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _tabla(hoja: Any, tabla: Tabla) -> None:
    columnas = tabla.todas()
    for j, col in enumerate(columnas, start=1):
        c = hoja.cell(row=1, column=j, value=_en_hoja(col.encabezado))
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        hoja.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(col.encabezado) // 2 + 4))
    hoja.freeze_panes = "A2"
    if not tabla.filas:
        hoja.cell(row=2, column=1, value=VACIA).font = Font(italic=True)
        return
    for i, fila in enumerate(tabla.filas, start=2):
        for j, col in enumerate(columnas, start=1):
            _escribir(hoja, i, j, _valor(fila.get(col.clave), col.tipo, col.textos))
    hoja.auto_filter.ref = f"A1:{get_column_letter(len(columnas))}{len(tabla.filas) + 1}"


def libro(portada: Portada, tablas: Sequence[Tabla]) -> bytes:
    """An XLSX workbook: the cover sheet first, then one sheet per table."""
    xlsx = Workbook()
    primera = xlsx.active
    primera.title = "portada"
    _portada(primera, portada, tablas)
    for tabla in tablas:
        _tabla(xlsx.create_sheet(tabla.nombre[:31]), tabla)
    salida = io.BytesIO()
    xlsx.save(salida)
    return salida.getvalue()


def texto_csv(tabla: Tabla, portada: Portada | None = None) -> str:
    """One table as CSV: a first ``# `` line saying what it is and the moment it describes (when given), the
    Spanish header, then the rows (dates as ``AAAA-MM-DD``, numbers bare) or the line saying it is empty.
    The rest of the cover (who, when) is the workbook's: a CSV stays one table, each row a row of it."""
    salida = io.StringIO()
    salida.write("\ufeff")
    if portada is not None:
        al = _local(portada.al)
        cuando = portada.nota or f"Al {al:%d/%m/%Y}."
        salida.write(" ".join(f"# {portada.titulo}. {cuando}".split()) + "\n")
    columnas = tabla.todas()
    escritor = escritor_csv(salida, [c.encabezado for c in columnas])
    if not tabla.filas:
        escritor.writerow({columnas[0].encabezado: VACIA} if columnas else {})
    for fila in tabla.filas:
        escritor.writerow({c.encabezado: _csv(fila.get(c.clave), c) for c in columnas})
    return salida.getvalue()


def _csv(valor: Any, columna: Columna) -> Any:
    valor = _valor(valor, columna.tipo, columna.textos)
    if isinstance(valor, datetime):
        return valor.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(valor, date):
        return valor.isoformat()
    return "" if valor is None else celda(valor)
