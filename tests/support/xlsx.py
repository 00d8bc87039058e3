"""A second reader of XLSX workbooks, independent of openpyxl: the zip's XML read as a spreadsheet reads it
(ECMA-376 Part 1, SpreadsheetML). Each cell comes back with its kind as a spreadsheet sees it: a text, a
number, a boolean, or a date (a number whose style's format is a date's)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
FECHAS_INCORPORADAS = set(range(14, 23)) | {45, 46, 47}  # built-in number formats that are dates (§18.8.30)
EPOCA = datetime(1899, 12, 30)


@dataclass(frozen=True)
class Celda:
    referencia: str
    tipo: str  # "texto", "numero", "logico" or "fecha"
    valor: Any


def _texto(nodo: ET.Element) -> str:
    return "".join(t.text or "" for t in nodo.iter(f"{{{NS['m']}}}t"))


def _columna(referencia: str) -> int:
    letras = re.match(r"[A-Z]+", referencia).group()  # type: ignore[union-attr]
    numero = 0
    for letra in letras:
        numero = numero * 26 + ord(letra) - 64
    return numero - 1


def leer(contenido: bytes) -> dict[str, list[list[Celda | None]]]:
    """Every sheet, in the workbook's order, as rows of cells (None where a row has no cell)."""
    with zipfile.ZipFile(BytesIO(contenido)) as z:
        libro = ET.fromstring(z.read("xl/workbook.xml"))
        relaciones = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        compartidos = ([_texto(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml"))]
                       if "xl/sharedStrings.xml" in z.namelist() else [])
        estilos = ET.fromstring(z.read("xl/styles.xml"))
        formatos = {int(f.get("numFmtId")): f.get("formatCode") for f in estilos.iterfind("m:numFmts/m:numFmt", NS)}
        es_fecha = []
        for xf in estilos.iterfind("m:cellXfs/m:xf", NS):
            id_ = int(xf.get("numFmtId", "0"))
            codigo = formatos.get(id_, "").lower()
            es_fecha.append(id_ in FECHAS_INCORPORADAS or ("d" in codigo and "y" in codigo))
        hojas: dict[str, list[list[Celda | None]]] = {}
        for hoja in libro.iterfind("m:sheets/m:sheet", NS):
            destino = relaciones[hoja.get(f"{{{NS['r']}}}id")].lstrip("/")
            xml = ET.fromstring(z.read(destino if destino.startswith("xl/") else "xl/" + destino))
            filas = []
            for fila in xml.iterfind("m:sheetData/m:row", NS):
                celdas: list[Celda | None] = []
                for c in fila.iterfind("m:c", NS):
                    celda = _celda(c, compartidos, es_fecha)
                    if celda is None:
                        continue
                    indice = _columna(celda.referencia)
                    celdas += [None] * (indice + 1 - len(celdas))
                    celdas[indice] = celda
                filas.append(celdas)
            hojas[hoja.get("name")] = filas
        return hojas


def _celda(c: ET.Element, compartidos: list[str], es_fecha: list[bool]) -> Celda | None:
    ref, tipo, v = c.get("r"), c.get("t", "n"), c.find("m:v", NS)
    if tipo == "inlineStr":
        return Celda(ref, "texto", _texto(c.find("m:is", NS)))
    if v is None:
        return None
    if tipo == "s":
        return Celda(ref, "texto", compartidos[int(v.text)])
    if tipo == "str":
        return Celda(ref, "texto", v.text or "")
    if tipo == "b":
        return Celda(ref, "logico", v.text == "1")
    numero = float(v.text)
    if es_fecha[int(c.get("s", "0"))]:
        return Celda(ref, "fecha", EPOCA + timedelta(seconds=round(numero * 86400)))  # to the second
    return Celda(ref, "numero", int(numero) if numero.is_integer() else numero)


def valores(filas: list[list[Celda | None]]) -> list[list[Any]]:
    return [[c.valor if c else None for c in fila] for fila in filas]
