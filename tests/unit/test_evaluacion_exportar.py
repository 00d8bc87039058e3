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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from matplotlib import image
from openpyxl import load_workbook

from services.evaluacion import comandos as cmd
from services.evaluacion import columnas, exportar
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from services.evaluacion.metas import competencias
from shared.settings import SQLITE
from shared.telemetry import Actor
from tests.support.identidad import ajustes_de_autenticacion
from tests.support.identidad import cliente as cliente_firmado
from tests.support import xlsx
from tests.support.evaluacion import Bombeo, niveles_iniciales, observacion, plan

PNG = b"\x89PNG\r\n\x1a\n"
NOTA = "Lo registrado hasta el 31/12/2020 23:59:59 (hora de Lima)"
FILAS = [
    {"ugel": "UGEL-EL-COLLAO", "competencia": "C2", "docentes": 3, "porcentaje": 66.7,
     "evidencias": ["obs-1", "obs-2"], "sustento": "Participa; pregunta", "vacio": None},
    {"ugel": "UGEL-CANCHIS", "competencia": "C7", "docentes": 1, "extra": {"k": 1}},
]


def leer_csv(texto: str) -> tuple[str, list[list[str]]]:
    """The first line (what the table is and the moment it describes, without its '# ') and the rows, as a
    spreadsheet in Spanish splits them."""
    assert texto.startswith("\ufeff"), "sin BOM, Excel lee mal las tildes"
    primera, cuerpo = texto[1:].split("\n", 1)
    assert primera.startswith("# "), primera
    return primera[2:], list(csv.reader(io.StringIO(cuerpo), delimiter=";"))


def es_svg(datos: bytes) -> ET.Element:
    raiz = ET.fromstring(datos)
    assert raiz.tag.endswith("svg"), raiz.tag
    return raiz


def es_png(datos: bytes) -> tuple[int, ...]:
    assert datos.startswith(PNG)
    return image.imread(io.BytesIO(datos), format="png").shape


# --- CSV and XLSX -----------------------------------------------------------------------------------

PORTADA = columnas.portada("Resultados de la etapa 1 (convocatoria 2020-2022)", datetime(2020, 12, 31, 23, 59, 59,
                           tzinfo=UTC), NOTA, Actor("esp-1", "especialista_ugel", ugel="UGEL-EL-COLLAO"),
                           {"convocatoria": "2020-2022", "etapa": 1, "por": "ugel", "dre": None},
                           datetime(2021, 1, 4, 12, tzinfo=UTC))


def test_csv_con_bom_punto_y_coma_portada_y_encabezados_en_palabras():
    primera, filas = leer_csv(exportar.csv_de(columnas.tabla("resultados", FILAS, "ugel"), PORTADA))
    assert primera == f"Resultados de la etapa 1 (convocatoria 2020-2022). {NOTA}"
    # the declared columns in words, then whatever a row has that the report does not declare, by its name
    assert filas[0][:6] == ["Convocatoria", "Etapa", "DRE", "UGEL", "Competencia", "Docentes (n.º)"]
    assert filas[0][-6:] == ["Alcanzaron el nivel esperado (%)", "porcentaje", "evidencias", "sustento", "vacio",
                             "extra"]
    # lists are joined, a ';' inside a value is quoted, missing and empty values are empty
    fila = dict(zip(filas[0], filas[1]))
    assert (fila["UGEL"], fila["Docentes (n.º)"], fila["evidencias"], fila["sustento"], fila["vacio"]) == (
        "UGEL-EL-COLLAO", "3", "obs-1, obs-2", "Participa; pregunta", "")
    assert dict(zip(filas[0], filas[2]))["extra"] == "k: 1"
    assert len(filas) == 3


def test_csv_sin_filas_muestra_sus_encabezados_y_que_esta_vacio():
    cuerpo = exportar.csv_de(columnas.tabla("calidad", [], "ugel")).removeprefix("\ufeff")
    filas = list(csv.reader(io.StringIO(cuerpo), delimiter=";"))
    assert filas[0][:3] == ["Acompañante (identificador)", "DRE", "UGEL"]
    assert filas[1][0] == "Sin datos para este corte." and len(filas) == 2


def test_xlsx_portada_y_una_hoja_por_seccion():
    largo = "una sección que el catálogo no conoce y de nombre largo"
    libro = load_workbook(io.BytesIO(exportar.xlsx_de(PORTADA, [columnas.tabla("resultados", FILAS, "ugel"),
                                                                 columnas.tabla(largo, FILAS[1:], "ugel")])))
    # Then the cover comes first and each section is a sheet (named within Excel's 31 characters)
    assert libro.sheetnames == ["portada", "resultados", largo[:31]]
    resultados = [list(f) for f in libro["resultados"].iter_rows(values_only=True)]
    fila = dict(zip(resultados[0], resultados[1]))
    # numbers stay numbers, lists are joined, what a row lacks is empty
    assert (fila["Docentes (n.º)"], fila["porcentaje"], fila["evidencias"], fila["vacio"]) == (3, 66.7, "obs-1, obs-2",
                                                                                              None)
    # a section the catalogue does not know keeps its fields' names
    assert [list(f) for f in libro[largo[:31]].iter_rows(values_only=True)] == [
        ["ugel", "competencia", "docentes", "extra"], ["UGEL-CANCHIS", "C7", 1, "k: 1"]]
    portada = {f[0]: f[1] for f in libro["portada"].iter_rows(values_only=True) if f[0]}
    assert portada["Describe la situación al"] == datetime(2020, 12, 31, 18, 59, 59)
    assert portada["Alcance"] == NOTA


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
        evaluacion.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(docente, ACOMPANANTE, date(2020, 4, 15),
                                               niveles_iniciales(competencias(tipo), "I", str(obs.observacion_id))))
        evaluacion.cerrar_etapa(cmd.CerrarEtapa(docente, ACOMPANANTE, 2020, date(2020, 12, 10),
                                dict.fromkeys(competencias(tipo), "II" if tipo != "eib" else "I")))
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
    # the JSON keeps its fields' names: the words are for the spreadsheets
    assert list(filas[0])[:4] == ["convocatoria", "etapa", "dre", "ugel"]
    # CSV: one sheet, with its cover first (the moment it describes)
    assert respuesta_csv.status_code == 200 and respuesta_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="resultados-etapa-1-ugel-resultados.csv"' in respuesta_csv.headers["content-disposition"]
    primera, tabla = leer_csv(respuesta_csv.content.decode("utf-8"))
    assert primera == f"Resultados de la etapa 1 (convocatoria 2020-2022). {como_json['nota']}"
    assert "01/01/2030 23:59:59" in primera
    columnas_ = columnas.tabla("resultados", filas, "ugel").todas()
    assert tabla[0] == [c.encabezado for c in columnas_] and tabla[0][:4] == ["Convocatoria", "Etapa", "DRE", "UGEL"]
    assert tabla[1:] == [["" if f[c.clave] is None else str(f[c.clave]) for c in columnas_] for f in filas]
    # XLSX: the cover, then the same rows with their types
    assert respuesta_xlsx.status_code == 200
    libro = load_workbook(io.BytesIO(respuesta_xlsx.content))
    assert libro.sheetnames == ["portada", "resultados"]
    assert [list(f) for f in libro["resultados"].iter_rows(values_only=True)] == [
        tabla[0], *[[f[c.clave] for c in columnas_] for f in filas]]
    portada = {f[0]: f[1] for f in libro["portada"].iter_rows(values_only=True) if f[0]}
    assert (portada["Reporte"], portada["Convocatoria"], portada["Etapa"], portada["Agrupado por"]) == (
        "Resultados de la etapa 1 (convocatoria 2020-2022)", "2020-2022", 1, "UGEL")


async def test_la_matriz_de_seguimiento_en_excel_se_lee_como_la_lee_una_persona(servicio):
    # Given El Collao's docentes with their plans of 2020, and no coach evaluated nor survey answered yet
    async with cliente(servicio) as http:
        # When the UGEL's specialist downloads the year's seguimiento workbook as of a date after the year
        respuesta = await http.get("/v1/seguimiento", headers=ESPECIALISTA, params={
            "anio": 2020, "ugel": "UGEL-EL-COLLAO", "por": "ie", "al": "2030-01-01", "formato": "xlsx"})
        como_json = (await http.get("/v1/seguimiento", headers=ESPECIALISTA, params={
            "anio": 2020, "ugel": "UGEL-EL-COLLAO", "por": "ie", "al": "2030-01-01"})).json()
    assert respuesta.status_code == 200, respuesta.text
    # Then a reader that is not openpyxl (the workbook's XML) finds the cover first, then the three tables
    hojas = xlsx.leer(respuesta.content)
    assert list(hojas) == ["portada", "cumplimiento", "calidad", "satisfacción"]
    # the cover says what it is, the moment it describes (a date), who produced it and when
    portada = {f[0].valor: f[1] for f in hojas["portada"] if len(f) > 1 and f[0] and f[1]}
    assert portada["Reporte"].valor == "Matriz de seguimiento 2020"
    al = portada["Describe la situación al"]
    assert al.tipo == "fecha" and al.valor == datetime(2030, 1, 1, 23, 59, 59)
    assert portada["Elaborado por"].valor == "Especialista de UGEL (UGEL-EL-COLLAO), usuario esp-1"
    assert portada["Generado el"].tipo == "fecha" and portada["Generado el"].valor.year >= 2026
    assert (portada["Año"].valor, portada["Agrupado por"].valor, portada["UGEL"].valor) == (2020, "IE", "UGEL-EL-COLLAO")
    # and the fulfilment's headers are words with their units, never field names
    cumplimiento = hojas["cumplimiento"]
    encabezados = [c.valor for c in cumplimiento[0]]
    assert {"Visitas planificadas (n.º)", "Días de visita planificados (días)", "Código modular de la IE",
            "Visitas: cumplimiento de lo planificado (%)"} <= set(encabezados)
    assert not [e for e in encabezados if "_" in e], encabezados
    # its numbers are numbers (one row per school of the UGEL with a plan)
    filas = cumplimiento[1:]
    assert len(filas) == len(como_json["cumplimiento"]) == 1
    fila = dict(zip(encabezados, filas[0]))
    assert (fila["Docentes (n.º)"].tipo, fila["Docentes (n.º)"].valor) == ("numero", 2)
    assert fila["Visitas planificadas (n.º)"].tipo == "numero" and fila["Visitas planificadas (n.º)"].valor > 0
    assert fila["Anexo"].tipo == "numero"
    # and the empty tables still show their headers, and say they are empty
    for nombre, primera in (("calidad", "Acompañante (identificador)"), ("satisfacción", "DRE")):
        hoja = xlsx.valores(hojas[nombre])
        assert hoja[0][0] == primera and len(hoja[0]) > 4, (nombre, hoja)
        assert hoja[1:] == [["Sin datos para este corte."]], (nombre, hoja)
    assert "Satisfechos (%)" in xlsx.valores(hojas["satisfacción"])[0]
    # and openpyxl, the other reader, agrees
    libro = load_workbook(io.BytesIO(respuesta.content))
    assert libro.sheetnames == list(hojas)
    assert [c.value for c in libro["cumplimiento"][1]] == encabezados
    assert libro["portada"]["B4"].is_date


async def test_cada_reporte_en_excel_lleva_encabezados_en_palabras(servicio):
    reportes = {"/v1/resultados-etapa": {"etapa": 1, "por": "docente"}, "/v1/evaluacion": {"anio": 2020, "por": "ie"},
                "/v1/seguimiento": {"anio": 2020, "por": "docente"},
                "/v1/informes-trimestrales/UGEL-EL-COLLAO": {"anio": 2020, "trimestre": 2}}
    async with cliente(servicio) as http:
        for ruta, consulta in reportes.items():
            r = await http.get(ruta, params={**consulta, "formato": "xlsx", "al": "2030-01-01"})
            assert r.status_code == 200, (ruta, r.text)
            hojas = xlsx.leer(r.content)
            assert list(hojas)[0] == "portada", ruta
            for nombre, filas in list(hojas.items())[1:]:
                encabezados = [c.valor for c in filas[0] if c]
                # every column in words: no field name, nothing a row has that the sheet does not declare
                assert encabezados and not [e for e in encabezados if "_" in e or e.islower()], (ruta, nombre,
                                                                                                  encabezados)


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
    portada = columnas.portada("Reporte\x03", datetime(2021, 12, 31, tzinfo=UTC), "al\x02", Actor(), {},
                               datetime(2022, 1, 1, tzinfo=UTC))
    libro = load_workbook(io.BytesIO(exportar.xlsx_de(portada, [columnas.tabla("filas", [{"ugel": "UGEL\x01-PUNO",
                                                                                            "n": 3}], "ugel")])))
    assert [list(f) for f in libro["filas"].iter_rows(values_only=True)] == [["ugel", "n"], ["UGEL-PUNO", 3]]
    portada_leida = {f[0]: f[1] for f in libro["portada"].iter_rows(values_only=True) if f[0]}
    assert (portada_leida["Reporte"], portada_leida["Alcance"]) == ("Reporte", "al")
