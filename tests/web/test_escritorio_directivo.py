"""Acceptance 2 (issue 18): the directivo of IEI N°246, on an office desktop, sees his 11 docentes and their
plans, schedules an RTC, records it held and reads its acta back, prints the school's plan, and never sees
the external coach's formative evidence (the page says why)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.web.conftest import Sistema, capturar, ingresar
from tests.web.offline_apoyo import esperar
from tests.web.test_accesibilidad import revisar

ESCRITORIO = {"width": 1366, "height": 900}
ESCUELA = "IEI N°246 Mi Segundo Hogar"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


@pytest.fixture
def escritorio(navegador: Any) -> Iterator[Any]:
    contexto = navegador.new_context(viewport=ESCRITORIO, locale="es-PE", accept_downloads=True)
    yield contexto
    contexto.close()


def recargar_hasta(page: Page, condicion: Any, que: str) -> Any:
    def otra_vez() -> Any:
        page.reload()
        return condicion()
    return esperar(otra_vez, 60, 1.0, que, page)


def test_el_directivo_ve_sus_docentes_lidera_una_rtc_y_no_ve_la_evidencia_formativa(
        sistema: Sistema, escritorio: Any) -> None:
    # Given the directora of IEI N°246 logged in
    page = escritorio.new_page()
    ingresar(page, sistema, "directivo")
    page.goto(sistema.web + "/")
    page.get_by_role("link", name="Mi IE").click()
    page.wait_for_url("**/mi-ie")

    # Then she sees her 11 docentes, each with his plans: the external one and the school's internal one
    assert page.get_by_role("heading", level=1).inner_text() == ESCUELA
    tabla = page.get_by_role("table", name=re.compile("Docentes, sus planes y su cumplimiento en 2020"))
    filas = tabla.locator("tbody tr")
    assert filas.count() == 11
    for i in range(11):
        celdas = filas.nth(i).inner_text()
        assert "2020: modalidad externa, a cargo de " in celdas and "2024: modalidad interna, a cargo de usted" in celdas
        assert re.search(r"\b\d+ de \d+\b", celdas), celdas  # fulfilment per component
    assert not UUID.search(page.inner_text("main")), "la página muestra un identificador"
    # And where the external coach's formative evidence would be, the page says why it is not shown
    assert "no la ve quien evalúa al docente para su carrera" in page.inner_text("#evidencia-formativa")
    # And the school's plan of monitoring, approved with its RD and socialized
    assert "Aprobado con RD N° 012-2024-IEI246 el 15/04/2024." in page.inner_text("main")
    problemas = revisar(page, "directivo-mi-ie")
    capturar(page, "escritorio-directivo-mi-ie")

    # When she schedules an RTC in the year of her plan, and records it held
    page.goto(sistema.web + "/mi-ie?anio=2024")
    assert page.locator("#t-visitas ~ ul li").count() == 33  # her visits in the internal modality
    page.fill("#rtc-fecha", "2024-11-27")
    page.fill("#rtc-tema", "Planificación de unidades")
    page.get_by_role("button", name="Programar la RTC").click()
    page.wait_for_url(re.compile(r"/mi-ie\?anio=2024&hecho=programar_rtc"))
    programada = f"RTC programada en la {ESCUELA}, el 27/11/2024, de 14:00 a 17:00."
    assert programada in page.inner_text("main")
    page.get_by_role("button", name="Registrar que se realizó").click()
    page.wait_for_url(re.compile(r"hecho=rtc_realizada"))
    assert f"RTC realizada en la {ESCUELA}, el 27/11/2024" in page.inner_text("main")

    # And writes its acta
    page.get_by_role("link", name="El acta").click()
    page.wait_for_url(re.compile(r"/mi-ie/reuniones/.*/acta$"))
    recargar_hasta(page, lambda: page.get_by_role("button", name="Registrar el acta").count(), "el formulario del acta")
    page.locator("select[name^=asistencia_]").nth(1).select_option("justificado")
    page.fill("#acta-acuerdos", "Cada docente comparte una sesión planificada")
    page.get_by_role("button", name="Registrar el acta").click()

    # Then she reads it back: attendance by name, the agreements
    acta = recargar_hasta(page, lambda: page.locator("#t-acta").count() and page.inner_text("main"), "el acta leída")
    assert "Cada docente comparte una sesión planificada" in acta
    assert acta.count(": presente") == 10 and acta.count(": ausencia justificada") == 1, acta
    assert not UUID.search(acta)
    problemas += revisar(page, "directivo-acta")
    capturar(page, "escritorio-directivo-acta")

    # And she prints the school's plan with her docentes' names
    page.goto(sistema.web + "/mi-ie?anio=2024")
    with page.expect_download() as descarga:
        page.get_by_role("button", name="El plan en PDF (2024)").click()
    with open(descarga.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    assert problemas == []
