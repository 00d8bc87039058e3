"""The formats people take evaluacion's reports in: CSV and XLSX read back with the libraries a
spreadsheet user's tools rely on, charts as valid PNG and SVG; and the same over HTTP, from an app
built by the composition root whose projections were filled through ``Bombeo`` (no NATS, no lifespan).
"""

from __future__ import annotations

import csv
import io
import uuid
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from matplotlib import image
from openpyxl import load_workbook

from services.evaluacion import exportar
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from services.evaluacion.metas import competencias
from shared.settings import SQLITE
from tests.support.identidad import ajustes_de_autenticacion
from tests.support.identidad import cliente as cliente_firmado
from tests.support.evaluacion import Bombeo, niveles_iniciales, observacion, plan

PNG = b"\x89PNG\r\n\x1a\n"
NOTA = "Lo registrado hasta el 31/12/2020 23:59:59 (hora de Lima)"
FILAS = [
    {"ugel": "UGEL-EL-COLLAO", "competencia": "C2", "docentes": 3, "porcentaje": 66.7,
     "evidencias": ["obs-1", "obs-2"], "sustento": "Participa; pregunta", "vacio": None},
    {"ugel": "UGEL-CANCHIS", "competencia": "C7", "docentes": 1, "extra": {"k": 1}},
]


def leer_csv(texto: str) -> tuple[str, list[list[str]]]:
    """The note line (without its '# ') and the rows, as a spreadsheet in Spanish would split them."""
    assert texto.startswith("\ufeff"), "sin BOM, Excel lee mal las tildes"
    lineas = texto[1:].split("\n", 1)
    nota = lineas[0][2:] if lineas[0].startswith("# ") else ""
    cuerpo = lineas[1] if nota else texto[1:]
    return nota, list(csv.reader(io.StringIO(cuerpo), delimiter=";"))


def es_svg(datos: bytes) -> ET.Element:
    raiz = ET.fromstring(datos)
    assert raiz.tag.endswith("svg"), raiz.tag
    return raiz


def es_png(datos: bytes) -> tuple[int, ...]:
    assert datos.startswith(PNG)
    return image.imread(io.BytesIO(datos), format="png").shape


# --- CSV and XLSX -----------------------------------------------------------------------------------


def test_csv_con_bom_punto_y_coma_y_la_nota_del_corte():
    nota, filas = leer_csv(exportar.csv_de(FILAS, NOTA))
    assert nota == NOTA
    # the header is every column any row has, in the order they first appear
    assert filas[0] == ["ugel", "competencia", "docentes", "porcentaje", "evidencias", "sustento", "vacio", "extra"]
    # lists are joined, a ';' inside a value is quoted, missing and empty values are empty
    assert filas[1] == ["UGEL-EL-COLLAO", "C2", "3", "66.7", "obs-1, obs-2", "Participa; pregunta", "", ""]
    assert filas[2] == ["UGEL-CANCHIS", "C7", "1", "", "", "", "", "{'k': 1}"]
    assert len(filas) == 3


def test_csv_sin_nota_ni_filas():
    assert leer_csv(exportar.csv_de(FILAS[1:])) == ("", [["ugel", "competencia", "docentes", "extra"],
                                                         ["UGEL-CANCHIS", "C7", "1", "{'k': 1}"]])
    nota, filas = leer_csv(exportar.csv_de([], NOTA))
    assert nota == NOTA and [f for f in filas if f] == []


def test_xlsx_una_hoja_por_seccion_y_la_del_corte():
    largo = "satisfaccion de docentes y acompanantes por semestre"
    libro = load_workbook(io.BytesIO(exportar.xlsx_de({"resultados": FILAS, largo: FILAS[1:]},
                                                      {"al": "2020-12-31T23:59:59-05:00", "nota": NOTA})))
    # Then each section is a sheet (named within Excel's 31 characters) and the cut has its own
    assert libro.sheetnames == ["resultados", largo[:31], "corte"]
    resultados = [list(f) for f in libro["resultados"].iter_rows(values_only=True)]
    assert resultados[0] == [
        "ugel", "competencia", "docentes", "porcentaje", "evidencias", "sustento", "vacio", "extra"]
    # numbers stay numbers, lists are joined, what a row lacks is empty
    assert resultados[1] == ["UGEL-EL-COLLAO", "C2", 3, 66.7, "obs-1, obs-2", "Participa; pregunta", None, None]
    assert resultados[2] == ["UGEL-CANCHIS", "C7", 1, None, None, None, None, "{'k': 1}"]
    assert [list(f) for f in libro[largo[:31]].iter_rows(values_only=True)] == [
        ["ugel", "competencia", "docentes", "extra"], ["UGEL-CANCHIS", "C7", 1, "{'k': 1}"]]
    assert [list(f) for f in libro["corte"].iter_rows(values_only=True)] == [
        ["al", "2020-12-31T23:59:59-05:00"], ["nota", NOTA]]


# --- charts -------------------------------------------------------------------------------------------


def progreso(etapas: int = 2) -> dict[str, Any]:
    def etapa(e: int, logrado: str | None) -> dict[str, Any]:
        return {"etapa": e, "anio": 2019 + e, "esperado": "II", "logrado": logrado}
    return {"convocatoria": "2020-2022", "nota": NOTA, "competencias": [
        {"competencia": comp, "inicial": {"nivel": "I"} if comp != "C7" else None,
         "etapas": [etapa(e, "III" if e == 1 else None) for e in range(1, etapas + 1)]}
        for comp in competencias("multigrado")]}


def resultados(*etapas: int) -> dict[int, list[dict[str, Any]]]:
    fila = {"con_cierre": 4, "I": 1, "II": 1, "III": 1, "IV": 1, "porcentaje_alcanzaron": 50.0}
    sin_cierre = {"con_cierre": 0, "I": 0, "II": 0, "III": 0, "IV": 0, "porcentaje_alcanzaron": None}
    return {e: [{"competencia": "C2", **fila}, {"competencia": "C7", **sin_cierre}] for e in etapas}


def test_grafico_de_progreso_en_png_y_svg():
    # Given a docente's progress with an etapa not closed and a competency without initial level
    alto, ancho, canales = es_png(exportar.grafico_progreso(progreso(), "png"))
    assert alto > 100 and ancho > alto and canales in (3, 4)
    es_svg(exportar.grafico_progreso(progreso(etapas=3), "svg"))


def test_grafico_de_resultados_en_png_y_svg():
    una = es_png(exportar.grafico_resultados(resultados(1), "Resultados", NOTA, "png"))
    tres = es_png(exportar.grafico_resultados(resultados(1, 2, 3), "Resultados", NOTA, "png"))
    assert tres[1] > 2 * una[1]  # one panel per etapa, side by side
    es_svg(exportar.grafico_resultados(resultados(1), "Resultados", NOTA, "svg"))
    # a territory with no closes yet still gets a (blank) chart rather than an error
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No artists with labels found", UserWarning)
        es_png(exportar.grafico_resultados({}, "Resultados", NOTA, "png"))


# --- over HTTP -----------------------------------------------------------------------------------------

DOCENTES = [(str(uuid.uuid5(uuid.NAMESPACE_URL, f"http/{i}")), tipo, ugel) for i, (tipo, ugel) in enumerate(
    [("multigrado", "UGEL-EL-COLLAO"), ("polidocente_primaria", "UGEL-EL-COLLAO"), ("eib", "UGEL-CANCHIS")])]
ACOMPANANTE = str(uuid.uuid5(uuid.NAMESPACE_URL, "http/acompanante"))
ESPECIALISTA = {"X-Usuario": "esp-1", "X-Rol": "especialista_ugel", "X-Ugel": "UGEL-EL-COLLAO"}
COACH = {"X-Usuario": ACOMPANANTE, "X-Rol": "acompanante"}


@pytest.fixture(scope="module")
def servicio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """evaluacion's app, its projections filled with three docentes' etapa 1 (two in El Collao)."""
    carpeta: Path = tmp_path_factory.mktemp("evaluacion-http")
    app = create_app(EvaluacionSettings(persistence_module=SQLITE, data_dir=carpeta, **ajustes_de_autenticacion()))
    evaluacion, bombeo = app.state.evaluacion, Bombeo(app.state.evaluacion, app.state.proyecciones)
    for docente, tipo, ugel in DOCENTES:
        dre = "DRE-CUSCO" if ugel == "UGEL-CANCHIS" else "DRE-PUNO"
        bombeo.recibir(plan(docente, ACOMPANANTE, 2020, tipo_ie=tipo, dre=dre, ugel=ugel))
        obs = observacion(docente, ACOMPANANTE, date(2020, 4, 10), dre=dre, ugel=ugel)
        bombeo.recibir(obs)
        evaluacion.registrar_situacion_inicial(docente, ACOMPANANTE, date(2020, 4, 15),
                                               niveles_iniciales(competencias(tipo), "I", str(obs.observacion_id)))
        evaluacion.cerrar_etapa(docente, ACOMPANANTE, 2020, date(2020, 12, 10),
                                dict.fromkeys(competencias(tipo), "II" if tipo != "eib" else "I"))
    bombeo.propios()
    yield app
    app.state.proyecciones.close()
    evaluacion.close()


def cliente(app: Any) -> httpx.AsyncClient:
    return cliente_firmado(app, "http://evaluacion")


async def test_resultados_de_etapa_en_csv_y_xlsx_dicen_lo_mismo_que_en_json(servicio):
    async with cliente(servicio) as http:
        consulta = {"etapa": 1, "por": "ugel", "al": "2030-01-01"}
        como_json = (await http.get("/v1/resultados-etapa", params=consulta)).json()
        respuesta_csv = await http.get("/v1/resultados-etapa", params={**consulta, "formato": "csv"})
        respuesta_xlsx = await http.get("/v1/resultados-etapa", params={**consulta, "formato": "xlsx"})
    filas = como_json["resultados"]
    assert {(f["ugel"], f["competencia"]): (f["docentes"], f["II"]) for f in filas if f["competencia"] == "C2"} == {
        ("UGEL-CANCHIS", "C2"): (1, 0), ("UGEL-EL-COLLAO", "C2"): (2, 2)}
    # CSV: one sheet, with the moment it describes first
    assert respuesta_csv.status_code == 200 and respuesta_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="resultados-etapa-1-ugel-resultados.csv"' in respuesta_csv.headers["content-disposition"]
    nota, tabla = leer_csv(respuesta_csv.content.decode("utf-8"))
    assert nota == como_json["nota"] and "01/01/2030 23:59:59" in nota
    assert tabla[0] == list(filas[0])
    assert tabla[1:] == [["" if x is None else str(x) for x in f.values()] for f in filas]
    # XLSX: the same rows with their types, and the cut with the report's parameters
    assert respuesta_xlsx.status_code == 200
    libro = load_workbook(io.BytesIO(respuesta_xlsx.content))
    assert libro.sheetnames == ["resultados", "corte"]
    assert [list(f) for f in libro["resultados"].iter_rows(values_only=True)] == [
        list(filas[0]), *[list(f.values()) for f in filas]]
    assert dict(libro["corte"].iter_rows(values_only=True)) == {
        "convocatoria": "2020-2022", "etapa": "1", "por": "ugel", "al": como_json["al"], "nota": como_json["nota"]}


async def test_graficos_de_progreso_y_de_resultados(servicio):
    docente = DOCENTES[0][0]
    async with cliente(servicio) as http:
        png = await http.get(f"/v1/docentes/{docente}/progreso.png", headers=ESPECIALISTA)
        svg = await http.get(f"/v1/docentes/{docente}/progreso.svg", headers=ESPECIALISTA)
        ugel = await http.get("/v1/resultados-etapa.png", params={"ugel": "UGEL-EL-COLLAO"})
        # a docente's progress is personal data: another docente may not see it
        ajeno = await http.get(f"/v1/docentes/{docente}/progreso.png",
                               headers={"X-Usuario": DOCENTES[1][0], "X-Rol": "docente"})
        desconocido = await http.get(f"/v1/docentes/{uuid.uuid4()}/progreso.svg", headers=ESPECIALISTA)
    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    es_png(png.content)
    assert (svg.status_code, svg.headers["content-type"]) == (200, "image/svg+xml")
    es_svg(svg.content)
    assert (ugel.status_code, ugel.headers["content-type"]) == (200, "image/png")
    es_png(ugel.content)
    # answered as if it did not exist: the caller learns nothing of it
    assert ajeno.status_code == 404 and ajeno.json() == desconocido.json()
    assert desconocido.status_code == 404


async def test_un_cuerpo_no_valido_responde_422_con_el_campo_y_el_motivo(servicio):
    docente = DOCENTES[0][0]
    cuerpo = {"valoracion_id": str(uuid.uuid4()), "acompanante_id": ACOMPANANTE, "fecha": "2020-06-01",
              "competencia": "C4", "nivel": "V", "evidencias": [str(uuid.uuid4())], "color": "rojo"}
    async with cliente(servicio) as http:
        mal = await http.post(f"/v1/docentes/{docente}/valoraciones", json=cuerpo, headers=COACH)
        # a well-formed body that breaks a rule is a 422 too, with the rule in words
        regla = await http.post(f"/v1/docentes/{docente}/valoraciones", headers=COACH,
                                json={k: x for k, x in cuerpo.items() if k != "color"} | {"nivel": "III"})
    assert mal.status_code == 422
    cuerpo_error = mal.json()
    assert cuerpo_error["codigo"] == "solicitud_invalida"
    assert {e["campo"]: e["motivo"] for e in cuerpo_error["errores"]} == {
        "body.nivel": "debe ser uno de: 'I', 'II', 'III' o 'IV'", "body.color": "no es un campo permitido"}
    # an evidence evaluacion has not received (yet) is waited for, never refused: 409 en_espera, in words
    assert regla.status_code == 409
    assert regla.json()["codigo"] == "en_espera" and "no consta para este docente" in regla.json()["mensaje"]


def test_un_texto_guardado_con_caracteres_de_control_se_exporta_sin_ellos():
    # a stored text (a UGEL code, a comment) may hold characters a spreadsheet cell cannot
    libro = load_workbook(io.BytesIO(exportar.xlsx_de({"filas": [{"ugel": "UGEL\x01-PUNO", "n": 3}]},
                                                      {"al": "2021-12-31\x02"})))
    assert [list(f) for f in libro["filas"].iter_rows(values_only=True)] == [["ugel", "n"], ["UGEL-PUNO", 3]]
    assert list(libro["corte"].iter_rows(values_only=True)) == [("al", "2021-12-31")]
