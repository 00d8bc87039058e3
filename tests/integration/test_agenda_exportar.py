"""agenda's fulfilment exported as a specialist takes it: the CSV narrowed by the same filters as the page
(an acompañante, only the late ones) and the XLSX workbook with its cover, both read back by a second reader
(the ``csv`` module; the workbook's XML read without openpyxl, ``tests.support.xlsx``)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime

import pytest
from openpyxl import load_workbook

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from tests.conftest import serving
from tests.support import xlsx
from tests.support.world import asignar

SQLITE = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)  # the files, not the store, are tested
ESPECIALISTA = {"X-Usuario": "esp-1", "X-Rol": "especialista_ugel", "X-Ugel": "UGEL-EL-COLLAO", "X-Dre": "DRE-PUNO"}
DOCENTE = "Docente (identificador)"


def leer_csv(texto: str) -> list[dict[str, str]]:
    assert texto.startswith("\ufeff"), "sin BOM, Excel lee mal las tildes"
    return list(csv.DictReader(io.StringIO(texto.removeprefix("\ufeff")), delimiter=";"))


@SQLITE
async def test_el_cumplimiento_en_csv_y_en_excel_con_los_filtros_de_la_pagina(make_settings):
    # Given two docentes of El Collao, each with his own acompañante
    app = agenda_app(make_settings(AgendaSettings))
    uno, otro = str(uuid.uuid4()), str(uuid.uuid4())
    acompanante = asignar(app.state.agenda, uno)
    asignar(app.state.agenda, otro)
    async with serving(app) as http:
        # When the specialist exports one acompañante's docentes at the year's end
        suyo = await http.get("/v1/cumplimiento.csv", headers=ESPECIALISTA, params={
            "anio": 2021, "nivel": "docente", "fecha": "2021-12-31", "acompanante_id": acompanante})
        # and only the late ones, before the school year starts (nobody is late yet) and at its end
        al_inicio = await http.get("/v1/cumplimiento.csv", headers=ESPECIALISTA, params={
            "anio": 2021, "nivel": "docente", "fecha": "2021-03-01", "solo_atrasados": "true"})
        al_final = await http.get("/v1/cumplimiento.csv", headers=ESPECIALISTA, params={
            "anio": 2021, "nivel": "docente", "fecha": "2021-12-31", "solo_atrasados": "true"})
        # and the workbook of the UGEL's schools, only the late ones
        libro = await http.get("/v1/cumplimiento.xlsx", headers=ESPECIALISTA, params={
            "anio": 2021, "nivel": "ie", "fecha": "2021-12-31", "solo_atrasados": "true"})
        vacio = await http.get("/v1/cumplimiento.xlsx", headers=ESPECIALISTA, params={
            "anio": 2021, "nivel": "ie", "fecha": "2021-03-01", "solo_atrasados": "true"})
    for r in (suyo, al_inicio, al_final, libro, vacio):
        assert r.status_code == 200, r.text
    # Then the acompañante's CSV holds only his docente, under headers in words
    filas = leer_csv(suyo.text)
    assert [f[DOCENTE] for f in filas] == [uno]
    assert filas[0]["Visitas planificadas (n.º)"].isdigit() and filas[0]["Fecha de corte"] == "2021-12-31"
    assert filas[0]["Atrasado"] == "Sí" and "Visitas" in filas[0]["Componentes atrasados"]
    # and with nobody late, the CSV still has its header, and says it is empty
    assert [list(f.values())[0] for f in leer_csv(al_inicio.text)] == ["Sin datos para este corte."]
    assert {f[DOCENTE] for f in leer_csv(al_final.text)} == {uno, otro}
    # and the workbook, read without openpyxl, opens with its cover: what, as of which date, by whom
    assert libro.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="cumplimiento-2021-ie-2021-12-31.xlsx"' in libro.headers["content-disposition"]
    hojas = xlsx.leer(libro.content)
    assert list(hojas) == ["portada", "cumplimiento"]
    portada = {f[0].valor: f[1] for f in hojas["portada"] if len(f) > 1 and f[0] and f[1]}
    assert portada["Reporte"].valor == "Cumplimiento del protocolo 2021"
    assert (portada["Describe la situación al"].tipo, portada["Describe la situación al"].valor) == (
        "fecha", datetime(2021, 12, 31))
    assert portada["Elaborado por"].valor == "Especialista de UGEL (UGEL-EL-COLLAO), usuario esp-1"
    assert (portada["Nivel"].valor, portada["Solo los atrasados"].valor) == ("IE", "Sí")
    # and its table: a school, its numbers as numbers and the cut-off date as a date
    tabla = hojas["cumplimiento"]
    encabezados = [c.valor for c in tabla[0]]
    assert encabezados[:3] == ["DRE", "UGEL", "IE (código modular-anexo)"]
    assert not [e for e in encabezados if "_" in e], encabezados
    [fila] = [dict(zip(encabezados, f)) for f in tabla[1:]]
    assert (fila["Docentes (n.º)"].tipo, fila["Docentes (n.º)"].valor) == ("numero", 2)
    assert (fila["Docentes atrasados (n.º)"].tipo, fila["Docentes atrasados (n.º)"].valor) == ("numero", 2)
    assert (fila["Fecha de corte"].tipo, fila["Fecha de corte"].valor) == ("fecha", datetime(2021, 12, 31))
    # and a workbook with nobody late shows the table's header and says it is empty; openpyxl reads the same
    vacia = load_workbook(io.BytesIO(vacio.content))["cumplimiento"]
    assert [c.value for c in vacia[1]][:3] == ["DRE", "UGEL", "IE (código modular-anexo)"]
    assert vacia["A2"].value == "Sin datos para este corte." and vacia.max_row == 2
