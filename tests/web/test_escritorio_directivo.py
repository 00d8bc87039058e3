"""Acceptance 2 (issue 18): the directivo of IEI N°246, on an office desktop, sees his 11 docentes and their
plans, schedules an RTC, records it held and reads its acta back, prints the school's plan, and never sees
the external coach's formative evidence (the page says why)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.web.conftest import Sistema, capturar, ingresar
from tests.web.offline_apoyo import esperar
from tests.web.test_accesibilidad import revisar

ESCUELA = "IEI N°246 Mi Segundo Hogar"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
PLANTILLA_2024 = Path(__file__).resolve().parents[2] / "services" / "agenda" / "datos" / "protocolo-interno-iei246-2024.json"


def publicar_plantilla_2025(sistema: Sistema) -> None:
    """The UGEL publishes the school's own template for 2025 (the 2024 one, in force a year later)."""
    plantilla = json.loads(PLANTILLA_2024.read_text())
    plantilla.update(version=2, vigencia_desde="2025-01-01", vigencia_hasta="2025-12-31",
                     nombre=plantilla["nombre"].replace("2024", "2025"))
    token = sistema.token("esp-ugel-el-collao", "especialista_ugel", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")
    pedido = urllib.request.Request(sistema.servicios["agenda"] + "/v1/instituciones/0236885-0/protocolos",
                                    json.dumps(plantilla).encode(), method="POST",
                                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(pedido, timeout=30) as r:
        assert r.status in (200, 201)


def visita_externa(sistema: Sistema) -> str:
    """A visit the external coach made to a docente of IEI N°246 in 2020 (read as the UGEL)."""
    token = sistema.token("esp-ugel-el-collao", "especialista_ugel", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")
    filas = sistema.api("agenda", "/cumplimiento?anio=2020&nivel=docente&ie=0236885-0&ugel=UGEL-EL-COLLAO&fecha=2020-12-31",
                        token)["filas"]  # type: ignore[index]
    acompanante = next(f["acompanante_id"] for f in filas if f["modalidad"] == "externa")
    agenda = sistema.api("agenda", f"/acompanantes/{acompanante}/agenda?anio=2020", token)
    return next(a["actividad_id"] for a in agenda if a["tipo"] == "visita" and a["estado"] == "realizada"
                and a["ie"] == "0236885-0")  # type: ignore[index,union-attr]


def enviado(page: Page, boton: str) -> str:
    """Click a form's button: back on the page with 'hecho', or the service's reason fails the test."""
    page.get_by_role("button", name=boton).click()
    page.wait_for_load_state()
    assert "hecho=" in page.url, page.inner_text("main")
    return page.inner_text("main")


def recargar_hasta(page: Page, condicion: Any, que: str) -> Any:
    def otra_vez() -> Any:
        try:
            page.reload()
        except PlaywrightError:  # a form's own navigation still on its way: let it land, then look
            page.wait_for_load_state()
        return condicion()
    return esperar(otra_vez, 60, 0.25, que, page)


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
    # (and what she observed in June, by desempeño with its evidence)
    page.locator("#t-visitas ~ ul li").first.get_by_role("link", name="Lo que observó").click()
    page.wait_for_url(re.compile(r"/mi-ie/visitas/"))
    observada = page.inner_text("main")
    assert "niños participan en la asamblea de inicio" in observada and "Organización del aula por sectores" in observada
    assert page.get_by_role("table", name="Nivel de cada desempeño observado, con su evidencia").locator(
        "tbody tr").count() == 2
    assert not UUID.search(observada)
    problemas += revisar(page, "directivo-visita")
    capturar(page, "escritorio-directivo-visita")
    # (a visit of the external coach to one of her docentes: the page says why she does not see it)
    ajena = visita_externa(sistema)
    page.goto(f"{sistema.web}/mi-ie/visitas/{ajena}")
    assert page.get_by_role("heading", level=1).inner_text() == "Esta visita no es suya"
    assert "no la ve quien evalúa al docente para su carrera" in page.inner_text("main")
    problemas += revisar(page, "directivo-visita-externa")
    capturar(page, "escritorio-directivo-visita-externa")
    page.goto(sistema.web + "/mi-ie?anio=2024")
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

    # When, the school's 2025 template published, she elaborates next year's plan, approves it with its RD and
    # socializes it with her docentes
    publicar_plantilla_2025(sistema)
    page.fill("#plan-anio", "2025")
    page.fill("#plan-turno", "mañana")
    page.fill("#plan-director", "Doly Ramos Aruquipa")
    assert "Año 2025: elaborado, por aprobar." in enviado(page, "Elaborar el plan")
    page.get_by_label("Resolución directoral").fill("RD N° 003-2025-IEI246")
    page.get_by_label("Fecha de la resolución").fill("2025-04-10")
    assert "Aprobado con RD N° 003-2025-IEI246 el 10/04/2025." in enviado(page, "Aprobar el plan")
    page.get_by_label("Fecha de la socialización").fill("2025-04-21")
    page.get_by_label("Cómo se socializó").fill("Reunión de docentes")
    # Then the plan reads as in execution
    assert "Año 2025: socializado con los docentes, en ejecución. Aprobado con RD N° 003-2025-IEI246 el 10/04/2025. " \
           "Socializado el 21/04/2025." in enviado(page, "Registrar la socialización")
    problemas += revisar(page, "directivo-plan-2025")
    capturar(page, "escritorio-directivo-plan-2025")
    assert problemas == []
