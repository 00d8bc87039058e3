"""The spreadsheets every export writes (``shared.hojas``), read back by two readers: openpyxl, and the
workbook's own XML read without it (``tests.support.xlsx``); the CSV by the ``csv`` module."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from shared.hojas import VACIA, Columna, Portada, Tabla, autor, libro, texto_csv
from shared.telemetry import Actor
from tests.support import xlsx

COLUMNAS = [Columna("ugel", "UGEL"), Columna("visitas_planificado", "Visitas planificadas", "n.º", "numero"),
            Columna("porcentaje", "Cumplimiento", "%", "numero"), Columna("fecha", "Fecha de la visita", tipo="fecha"),
            Columna("estado", "Estado", textos={"en_ejecucion": "En ejecución"}), Columna("atrasado", "Atrasado")]
FILAS = [{"ugel": "UGEL-EL-COLLAO", "visitas_planificado": 12, "porcentaje": 66.7, "fecha": "2020-06-30",
          "estado": "en_ejecucion", "atrasado": True, "suelta": "sin declarar"},
         {"ugel": "=HYPERLINK(\"http://atacante.example\")", "visitas_planificado": 0, "porcentaje": None,
          "fecha": date(2020, 7, 1), "estado": "otro", "atrasado": False}]
AL = datetime(2020, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)  # the end of a day, as a cut-off is
GENERADO = datetime(2021, 1, 4, 15, 30, tzinfo=UTC)
PORTADA = Portada("Cumplimiento del protocolo 2020", AL, "Especialista de UGEL (UGEL-EL-COLLAO), usuario esp-1",
                  GENERADO, "Lo registrado hasta el 31/12/2020.", [("Año", 2020)])


def test_un_libro_abre_con_su_portada_y_cada_tabla_tiene_encabezados_en_palabras_y_tipos():
    # Given a table with rows and one without
    contenido = libro(PORTADA, [Tabla("cumplimiento", COLUMNAS, FILAS, "Cumplimiento por UGEL"),
                                Tabla("calidad", COLUMNAS[:2], [], "Desempeño de los acompañantes")])
    # When it is read without openpyxl, as a spreadsheet reads the XML
    hojas = xlsx.leer(contenido)
    # Then the cover comes first: what, as of when (in Lima), by whom and when it was produced
    assert list(hojas) == ["portada", "cumplimiento", "calidad"]
    portada = {f[0].valor: f[1] for f in hojas["portada"] if len(f) > 1 and f[0] and f[1]}
    assert portada["Reporte"].valor == "Cumplimiento del protocolo 2020"
    # (to the second: the end of a day must not show as the next day's midnight)
    assert (portada["Describe la situación al"].tipo, portada["Describe la situación al"].valor) == (
        "fecha", datetime(2020, 12, 31, 18, 59, 59))
    assert portada["Elaborado por"].valor == "Especialista de UGEL (UGEL-EL-COLLAO), usuario esp-1"
    assert portada["Generado el"].tipo == "fecha" and portada["Año"].valor == 2020
    assert portada["calidad"].valor == "Desempeño de los acompañantes Sin datos para este corte."
    # and each table's header is the Spanish words with their unit; an undeclared field keeps its name, last
    tabla = hojas["cumplimiento"]
    assert xlsx.valores(tabla)[0] == ["UGEL", "Visitas planificadas (n.º)", "Cumplimiento (%)", "Fecha de la visita",
                                      "Estado", "Atrasado", "suelta"]
    # numbers are numbers, dates are dates, codes in words, yes/no in words; a formula is text
    assert [(c.tipo, c.valor) for c in tabla[1]] == [
        ("texto", "UGEL-EL-COLLAO"), ("numero", 12), ("numero", 66.7), ("fecha", datetime(2020, 6, 30)),
        ("texto", "En ejecución"), ("texto", "Sí"), ("texto", "sin declarar")]
    assert [c and (c.tipo, c.valor) for c in tabla[2]] == [
        ("texto", "'=HYPERLINK(\"http://atacante.example\")"), ("numero", 0), None, ("fecha", datetime(2020, 7, 1)),
        ("texto", "otro"), ("texto", "No")]
    # and the empty table shows its header and says it is empty
    assert xlsx.valores(hojas["calidad"]) == [["UGEL", "Visitas planificadas (n.º)"], [VACIA]]
    # and openpyxl reads the same
    hoja = load_workbook(io.BytesIO(contenido))["cumplimiento"]
    assert hoja["D2"].is_date and hoja["D2"].value == datetime(2020, 6, 30) and hoja["B2"].data_type == "n"
    assert hoja.freeze_panes == "A2"


def test_un_csv_dice_que_es_y_sin_filas_muestra_encabezados_y_que_esta_vacio():
    texto = texto_csv(Tabla("cumplimiento", COLUMNAS, FILAS), PORTADA)
    assert texto.startswith("\ufeff")
    primera, cuerpo = texto[1:].split("\n", 1)
    assert primera == "# Cumplimiento del protocolo 2020. Lo registrado hasta el 31/12/2020."
    filas = list(csv.reader(io.StringIO(cuerpo), delimiter=";"))
    assert filas[0] == ["UGEL", "Visitas planificadas (n.º)", "Cumplimiento (%)", "Fecha de la visita", "Estado",
                        "Atrasado", "suelta"]
    assert filas[1] == ["UGEL-EL-COLLAO", "12", "66.7", "2020-06-30", "En ejecución", "Sí", "sin declarar"]
    assert filas[2][0] == "'=HYPERLINK(\"http://atacante.example\")" and len(filas) == 3
    # Without rows nor cover: the header and the line that says so
    vacia = list(csv.reader(io.StringIO(texto_csv(Tabla("calidad", COLUMNAS[:2], [])).removeprefix("\ufeff")),
                            delimiter=";"))
    assert vacia == [["UGEL", "Visitas planificadas (n.º)"], [VACIA, ""]]


def test_quien_elaboro_el_reporte_en_palabras():
    assert autor(Actor("esp-1", "especialista_ugel", ugel="UGEL-EL-COLLAO")) == (
        "Especialista de UGEL (UGEL-EL-COLLAO), usuario esp-1")
    assert autor(Actor("dir-1", "directivo", ie="0236885-0")) == "Directivo (IE 0236885-0), usuario dir-1"
    assert autor(Actor("m-1", "minedu")) == "Especialista del MINEDU, usuario m-1"


def test_un_valor_que_una_celda_no_guarda_se_escribe_como_su_texto() -> None:
    import uuid
    from decimal import Decimal

    from shared.hojas import _texto
    identificador = uuid.uuid4()
    assert _texto(identificador) == str(identificador)
    assert _texto(Decimal("2.5")) == "2.5"
    assert _texto(7) == 7 and _texto("x") == "x" and _texto(None) is None
