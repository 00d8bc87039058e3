"""Issue 18, the especialista UGEL's follow-up pages, on an office desktop: coverage (days since each
docente's last visit, visits concentrated on docentes and schools), commitments, results per stage (a chart
with its table and CSV), the seguimiento and evaluación matrices, the acompañantes' performance, and the
quarterly report: sent to the DRE, acknowledged by it, and a corrective measure with its follow-up — a
rejected form shows the service's reason next to its field."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page

from tests.web.conftest import Sistema, capturar, filas, ingresar
from tests.web.offline_apoyo import esperar
from tests.web.test_accesibilidad import revisar

pytestmark = pytest.mark.timeout(600)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
ESCUELA = "IEI N°246 Mi Segundo Hogar"
PLAZO = date.today() + timedelta(days=60)  # a measure's deadline is still ahead


@pytest.fixture
def page(escritorio: Any, sistema: Sistema) -> Page:
    pagina = escritorio.new_page()
    ingresar(pagina, sistema, "especialista_ugel")
    return pagina


def abrir(page: Page, sistema: Sistema, enlace: str, url: str) -> None:
    """Open a page from the UGEL's menu, and check it names people and schools, never ids."""
    page.goto(sistema.web + "/ugel/cumplimiento")
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name=enlace, exact=True).click()
    page.wait_for_url(f"**{url}")
    page.wait_for_selector("html[data-listo]", state="attached")
    assert not UUID.search(page.inner_text("main")), page.inner_text("main")[:2000]


def recargado(page: Page, selector: str) -> str:
    """The page again, and the text of ``selector`` ("" while the page shows a passing refusal instead: a fact
    still on its way between services)."""
    page.reload()
    return page.inner_text(selector) if page.locator(selector).count() else ""


def descargar(page: Page, enlace: str) -> tuple[str, bytes]:
    with page.expect_download() as descarga:
        page.get_by_role("link", name=enlace, exact=True).click()
    with open(descarga.value.path(), "rb") as f:
        return descarga.value.suggested_filename, f.read()


def test_cobertura_compromisos_resultados_matrices_y_desempeno_con_nombres(page: Page,
                                                                          sistema: Sistema) -> None:
    problemas: list[str] = []
    # Coverage at the year's end: the docentes never visited first, then the longest without a visit
    abrir(page, sistema, "Cobertura", "/ugel/cobertura")
    page.fill("#fecha", "2020-12-31")
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url(re.compile(r"fecha=2020-12-31"))
    docentes = filas(page, "#cobertura")
    assert len(docentes) > 100
    assert docentes[0][4] == "sin visitas" and docentes[0][3] == "0"
    visitados = [f for f in docentes if f[3] != "0"]
    # (the demo's visits, and those other tests of the session record: a date, and days up to the cut-off)
    assert visitados and all(re.fullmatch(r"\d\d/\d\d/20\d\d", f[4]) and int(f[5]) >= 0 for f in visitados)
    assert [int(f[5]) for f in visitados] == sorted((int(f[5]) for f in visitados), reverse=True)
    assert {f[6] for f in visitados} == {"por encima del promedio"}
    resumen = page.inner_text("#resumen-cobertura")
    escuelas = filas(page, "#escuelas")
    # (the demo's 36 visits and those other tests of the session record: each counted once, at its school)
    assert f"Visitas realizadas en la UGEL: {sum(int(e[2]) for e in escuelas)}." in resumen
    assert sum(int(e[2]) for e in escuelas) >= 36
    assert f"Docentes aún sin visita: {len(docentes) - len(visitados)}." in resumen
    assert int(escuelas[0][2]) >= int(escuelas[1][2]) and ESCUELA in [e[0] for e in escuelas[:2]]
    assert not UUID.search(page.inner_text("main"))
    problemas += revisar(page, "ugel-cobertura")
    capturar(page, "escritorio-ugel-cobertura")
    nombre, csv = descargar(page, "Descargar esta tabla en CSV")
    assert nombre == "cobertura-2020-12-31.csv"
    lineas = csv.decode("utf-8-sig").strip().splitlines()
    assert len(lineas) == len(docentes) + 1
    assert lineas[0].startswith("Docente,Institución educativa,Acompañante")

    # Commitments: the demo's sixteen verified (and those other tests of the session record), with the docente's,
    # school's and acompañante's names; overdue and pending ones likewise, or "Ninguno."
    abrir(page, sistema, "Compromisos", "/ugel/compromisos")
    verificados = filas(page, "#compromisos-verificado")
    assert len(verificados) >= 18
    assert all(f[1] and f[2] and f[3].startswith("«") for f in verificados), verificados
    assert f"Verificados: {len(verificados)}." in page.inner_text("#resumen-compromisos")
    otros = [f for t in ("#compromisos-vencido", "#compromisos-abierto") for f in filas(page, t) if f != ["Ninguno."]]
    assert all(f[1] and f[2] and re.fullmatch(r"\d\d/\d\d/20\d\d", f[-1]) for f in otros), otros
    problemas += revisar(page, "ugel-compromisos")
    capturar(page, "escritorio-ugel-compromisos")
    _nombre, csv = descargar(page, "Descargar todos los compromisos en CSV")
    assert len(csv.decode("utf-8-sig").strip().splitlines()) == 1 + len(verificados) + len(otros)

    # Results per stage: the chart drawn by evaluacion, and beside it its data table and CSV
    abrir(page, sistema, "Resultados por etapa", "/ugel/resultados")
    imagen = page.locator("#grafico-resultados img")
    esperar(lambda: imagen.evaluate("i => i.complete && i.naturalWidth > 0"), que="el gráfico se dibuja",
            page=page)
    etapa1 = {f[0]: f for f in filas(page, "#resultados-1")}
    # (the demo's sixteen closes of etapa 1 and those other tests of the session record): the levels add up to
    # the closes, and no more reached the expected level than closed
    c4 = [int(x) for x in etapa1["C4: Conduce el proceso de enseñanza"][2:8]]
    assert c4[0] >= 18 and sum(c4[1:5]) == c4[0] and c4[5] <= c4[0], etapa1
    assert page.locator("#resultados-1 caption").inner_text().startswith("Etapa 1:")
    problemas += revisar(page, "ugel-resultados")
    capturar(page, "escritorio-ugel-resultados")
    _nombre, csv = descargar(page, "Descargar los datos de la etapa 1 en CSV")
    lineas = csv.decode("utf-8-sig").splitlines()
    assert len([x for x in lineas if '"UGEL El Collao"' in x]) == len(etapa1), lineas[:2]  # the UGEL by name
    assert not any("UGEL-EL-COLLAO" in x for x in lineas), lineas[:2]

    # The matrices: fulfilment per school by name, and the seguimiento workbook read by a second reader
    abrir(page, sistema, "Matrices", "/ugel/matrices")
    cumplimiento = filas(page, "#matriz-cumplimiento")
    assert any(f[0] == ESCUELA and f[1] == "11" for f in cumplimiento), cumplimiento
    assert len(filas(page, "#matriz-practica")) == 5
    problemas += revisar(page, "ugel-matrices")
    capturar(page, "escritorio-ugel-matrices")
    nombre, xlsx = descargar(page, "Descargar la matriz de seguimiento en Excel (XLSX)")
    assert re.fullmatch(r"seguimiento-2020-\d{4}-\d\d-\d\d\.xlsx", nombre)
    libro = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    assert "cumplimiento" in libro.sheetnames

    # The acompañantes' performance: the specialist records one at the start and sees it in the table
    abrir(page, sistema, "Desempeño de los acompañantes", "/ugel/desempeno")
    problemas += revisar(page, "ugel-desempeno")
    acompanante = page.locator("#acompanante_id option").first.inner_text()
    page.select_option("#momento", "inicio")
    page.fill("#fecha", "2020-03-16")
    page.fill("#evaluador", "UGEL El Collao")
    with page.expect_navigation():  # no criterion evaluated: refused, on the same address
        page.get_by_role("button", name="Registrar la evaluación").click()
    assert page.locator("#criterios-error").is_visible() and page.inner_text("#criterios-error").strip()
    assert page.input_value("#fecha") == "2020-03-16" and page.input_value("#evaluador") == "UGEL El Collao"
    page.select_option("#criterio_visitas", "III")
    page.select_option("#criterio_gia", "II")
    page.select_option("#nivel", "III")
    page.fill("#evaluador", "UGEL El Collao")
    page.get_by_role("button", name="Registrar la evaluación").click()
    page.wait_for_url(re.compile(r"/ugel/desempeno\?hecho="))

    def evaluado() -> bool:
        page.reload()
        return any(f[0] == acompanante and f[1] == "III" for f in filas(page, "#desempeno"))

    esperar(evaluado, 60, 0.25, "el desempeño registrado aparece", page)
    capturar(page, "escritorio-ugel-desempeno")
    assert problemas == []


def acusar_recibo(sistema: Sistema, anio: int, trimestre: int) -> None:
    """The DRE's specialist acknowledges the report (his own desk is another page)."""
    token = sistema.token("esp-dre-puno", "especialista_dre", dre="DRE-PUNO")
    pedido = urllib.request.Request(
        sistema.servicios["evaluacion"] + "/v1/informes-trimestrales/UGEL-EL-COLLAO/recepcion",
        json.dumps({"anio": anio, "trimestre": trimestre, "observaciones": "Recibido conforme."}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(pedido, timeout=30) as r:
        assert r.status == 201


def test_el_informe_trimestral_se_envia_se_recibe_y_lleva_medidas_correctivas(page: Page,
                                                                              sistema: Sistema) -> None:
    # Given the report of the second quarter, not sent yet
    abrir(page, sistema, "Informe trimestral", "/ugel/informe")
    page.select_option("#trimestre", "2")
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url(re.compile(r"trimestre=2"))
    assert page.inner_text("#estado-envio") == "Estado: no enviado."
    assert filas(page, "#informe-resumen") == [["21", "121", "36", "18"]]
    assert any(f[0] == ESCUELA for f in filas(page, "#informe-cumplimiento"))
    problemas = revisar(page, "ugel-informe")
    capturar(page, "escritorio-ugel-informe")

    # When he sends it to the DRE
    page.fill("#observaciones", "Avance del segundo trimestre.")
    page.get_by_role("button", name="Enviar el informe a la DRE").click()
    page.wait_for_url(re.compile(r"hecho=1"))
    esperar(lambda: "enviado" in recargado(page, "#estado-envio"), 60, 0.25, "enviado", page)
    assert page.inner_text("#estado-envio") == "Estado: enviado a la DRE."
    assert "Enviado por usted" in page.inner_text("section[aria-labelledby=t-tramite]")

    # And disposes a corrective measure with too short a description: the reason shows next to the field
    page.select_option("#objeto", label=ESCUELA)
    page.fill("#descripcion", "Visitar")
    page.fill("#plazo", PLAZO.isoformat())
    page.get_by_role("button", name="Disponer la medida").click()
    page.wait_for_url("**/ugel/informe/medidas")
    error = page.locator("#medida-descripcion-error")
    assert error.is_visible() and error.inner_text().strip()
    assert page.get_attribute("#descripcion", "aria-invalid") == "true"
    assert page.get_attribute("#descripcion", "aria-describedby") == "medida-descripcion-error"
    assert page.input_value("#descripcion") == "Visitar" and page.input_value("#plazo") == PLAZO.isoformat()
    problemas += revisar(page, "ugel-informe-rechazo")
    capturar(page, "escritorio-ugel-informe-rechazo")
    page.fill("#descripcion", "Reprogramar las visitas atrasadas de la IE antes del plazo.")
    page.get_by_role("button", name="Disponer la medida").click()
    page.wait_for_url(re.compile(r"/ugel/informe\?trimestre=2&hecho=1"))

    # Then it is listed with the school's name, and its follow-up changes its state
    def medida() -> list[list[str]]:
        page.reload()
        return [f for f in filas(page, "#medidas") if f[0] == ESCUELA]

    [fila] = esperar(medida, 60, 0.25, "la medida aparece", page)
    assert fila[1].startswith("Reprogramar las visitas")
    assert fila[2] == f"{PLAZO:%d/%m/%Y}" and fila[3] == "dispuesta"
    page.fill("#avance-1", "Dos visitas reprogramadas; faltan tres.")
    page.get_by_role("button", name="Registrar el seguimiento").click()
    page.wait_for_url(re.compile(r"hecho=1"))
    esperar(lambda: (medida() or [[""] * 5])[0][3] == "en ejecución", 60, 0.25, "en ejecución", page)

    # And once the DRE acknowledges it, he sees it received
    acusar_recibo(sistema, 2020, 2)
    esperar(lambda: "recibido" in recargado(page, "#estado-envio"), 60, 0.25, "recibido", page)
    assert "Recibido por la DRE Puno" in page.inner_text("section[aria-labelledby=t-tramite]")  # by its name
    assert not UUID.search(page.inner_text("main"))
    problemas += revisar(page, "ugel-informe-recibido")
    capturar(page, "escritorio-ugel-informe-recibido")
    _nombre, xlsx = descargar(page, "Descargar el informe en Excel (XLSX)")
    assert "medidas" in openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).sheetnames
    assert problemas == []
