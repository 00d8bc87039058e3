"""Acceptance 1 (issue 18): the especialista of UGEL El Collao, on an office desktop, opens fulfilment, drills
from the UGEL to a school, to an acompañante, to a docente, and back; filters "solo atrasados"; downloads the
XLSX and opens it with a second reader (openpyxl); reassigns a docente and sees the caseloads change."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl

from tests.web.conftest import Sistema, capturar, filas, ingresar
from tests.web.offline_apoyo import esperar
from tests.web.test_accesibilidad import revisar

ESCUELA = "IEI N°246 Mi Segundo Hogar"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def test_el_especialista_recorre_el_cumplimiento_descarga_el_excel_y_reasigna_un_docente(
        sistema: Sistema, escritorio: Any, navegador: Any) -> None:
    # Given the especialista of the UGEL logged in, on the fulfilment page at the year's end
    page = escritorio.new_page()
    ingresar(page, sistema, "especialista_ugel")
    page.goto(sistema.web + "/")
    page.get_by_role("link", name="Cumplimiento").click()
    page.wait_for_url("**/ugel/cumplimiento")
    page.fill("#fecha", "2020-12-31")
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url(re.compile(r"fecha=2020-12-31"))
    assert page.get_by_role("heading", level=1).inner_text() == "Cumplimiento del protocolo al 31/12/2020"
    [ugel] = filas(page, "#cumplimiento")
    assert ugel[0] == "UGEL El Collao" and int(ugel[1]) > 100  # its name in the padrón, not UGEL-EL-COLLAO
    problemas = revisar(page, "ugel-cumplimiento")
    capturar(page, "escritorio-ugel-cumplimiento")

    # When he drills down: UGEL → its schools → IEI N°246 → its acompañante → his docentes
    page.get_by_role("link", name="UGEL El Collao").click()
    page.wait_for_url(re.compile(r"nivel=ie"))
    escuelas = filas(page, "#cumplimiento")
    assert len(escuelas) > 10 and any(f[0] == ESCUELA for f in escuelas)
    capturar(page, "escritorio-ugel-cumplimiento-ie")
    page.get_by_role("link", name=ESCUELA).click()
    page.wait_for_url(re.compile(r"nivel=acompanante"))
    [acompanante] = filas(page, "#cumplimiento")
    assert acompanante[1] == "11"
    page.get_by_role("link", name=acompanante[0]).click()
    page.wait_for_url(re.compile(r"nivel=docente"))
    docentes = filas(page, "#cumplimiento")
    assert len(docentes) == 11
    assert all(re.fullmatch(r"\d+ de 6", f[3]) for f in docentes), docentes  # visits done of those planned
    assert not UUID.search(page.inner_text("main"))
    migas = page.get_by_role("navigation", name="Nivel del cumplimiento").inner_text()
    assert "UGEL El Collao" in migas and "UGEL-EL-COLLAO" not in migas and ESCUELA in migas and acompanante[0] in migas
    capturar(page, "escritorio-ugel-cumplimiento-docente")

    # And back, a level at a time
    page.get_by_role("link", name="Volver al nivel anterior").click()
    page.wait_for_url(re.compile(r"nivel=acompanante"))
    assert filas(page, "#cumplimiento")[0][0] == acompanante[0]
    page.get_by_role("link", name="UGEL El Collao").click()  # the breadcrumb: the schools of the UGEL
    page.wait_for_url(re.compile(r"nivel=ie"))
    assert len(filas(page, "#cumplimiento")) == len(escuelas)

    # When he keeps only the late ones, at mid-year
    page.fill("#fecha", "2020-06-30")
    page.check("#solo_atrasados")
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url(re.compile(r"solo_atrasados=true"))
    atrasadas = filas(page, "#cumplimiento")
    assert atrasadas and all(int(f[2]) > 0 for f in atrasadas), atrasadas
    assert "solo los atrasados" in page.locator("#cumplimiento caption").inner_text()
    problemas += revisar(page, "ugel-cumplimiento-atrasados")

    # And downloads this table in CSV, and the year's seguimiento workbook in XLSX, opened by a second reader
    with page.expect_download() as csv:
        page.get_by_role("link", name="Descargar este nivel en CSV").click()
    with open(csv.value.path(), encoding="utf-8-sig") as f:
        lineas = f.read().strip().splitlines()
    assert len(lineas) == len(escuelas) + 1
    assert all('"UGEL El Collao"' in x for x in lineas[1:]) and "UGEL-EL-COLLAO" not in "".join(lineas), lineas[:2]
    with page.expect_download() as descarga:
        page.get_by_role("link", name="Descargar la matriz de seguimiento del año en Excel (XLSX)").click()
    assert re.fullmatch(r"seguimiento-2020-\d{4}-\d\d-\d\d\.xlsx", descarga.value.suggested_filename)
    with open(descarga.value.path(), "rb") as f:
        libro = openpyxl.load_workbook(io.BytesIO(f.read()), read_only=True)
    assert "cumplimiento" in libro.sheetnames, libro.sheetnames
    hoja = list(libro["cumplimiento"].iter_rows(values_only=True))
    assert len(hoja) > 10 and any("UGEL El Collao" in [str(v) for v in fila] for fila in hoja), hoja[:3]
    assert not any("UGEL-EL-COLLAO" in [str(v) for v in fila] for fila in hoja), hoja[:3]  # its name, not code

    # When he reassigns a docente from a full caseload of initial schools to the one with room
    lista = navegador.new_page()
    lista.goto(sistema.web + "/entrar")
    en_uso = set(lista.locator("button[name=indice]").filter(has_text="acompanante").locator("strong").all_inner_texts())
    lista.close()
    page.get_by_role("link", name="Carteras").click()
    page.wait_for_url("**/ugel/carteras")
    carteras = {f[0]: f for f in filas(page, "#carteras")}
    destino = next(n for n, f in carteras.items() if f[1] == "polidocente inicial" and f[4] == "con cupo")
    origen = next(n for n, f in carteras.items() if f[1] == "polidocente inicial" and f[4] == "completa"
                  and n not in en_uso)
    antes = int(carteras[origen][2]), int(carteras[destino][2])
    problemas += revisar(page, "ugel-carteras")
    capturar(page, "escritorio-ugel-carteras")
    opcion = page.locator("#docente option").filter(has_text=f"hoy con {origen})").first
    docente = opcion.inner_text().split(" (")[0]
    page.select_option("#docente", value=opcion.get_attribute("value"))
    page.select_option("#acompanante", label=next(
        o for o in page.locator("#acompanante option").all_inner_texts() if o.startswith(destino + " (")))
    page.fill("#motivo", "Equilibrar las carteras de inicial")
    page.get_by_role("button", name="Reasignar").click()
    page.wait_for_url(re.compile(r"/ugel/carteras\?hecho="))

    # Then the caseloads change: one docente less in one, one more in the other
    def cambiadas() -> bool:
        page.reload()
        ahora = {f[0]: f for f in filas(page, "#carteras")}
        return (int(ahora[origen][2]), int(ahora[destino][2])) == (antes[0] - 1, antes[1] + 1)

    esperar(cambiadas, 60, 0.25, "las carteras cambian", page)
    assert page.locator("#docente option").filter(has_text=f"{docente} (").first.inner_text().endswith(
        f"hoy con {destino})")
    assert problemas == []


def test_el_especialista_registra_una_excepcion_a_la_ratio_y_ve_el_motivo_de_un_retiro_rechazado(
        sistema: Sistema, escritorio: Any, navegador: Any) -> None:
    page = escritorio.new_page()
    ingresar(page, sistema, "especialista_ugel")
    lista = navegador.new_page()
    lista.goto(sistema.web + "/entrar")
    en_uso = set(lista.locator("button[name=indice]").filter(has_text="acompanante").locator("strong").all_inner_texts())
    lista.close()
    page.goto(sistema.web + "/ugel/carteras")
    carteras = {f[0]: f for f in filas(page, "#carteras")}
    nombre = next(n for n, f in sorted(carteras.items()) if n not in en_uso and " de " in f[3])
    limite = int(carteras[nombre][3].split(" de ")[1])
    opcion = next(o for o in page.locator("#excepcion-acompanante option").all_inner_texts()
                  if o.startswith(nombre + " ("))

    # When the justification is too short, the service's reason shows next to that field, nothing recorded
    page.select_option("#excepcion-acompanante", label=opcion)
    page.fill("#excepcion-limite", str(limite + 2))
    page.fill("#excepcion-justificacion", "corto")
    page.get_by_role("button", name="Registrar la excepción").click()
    campo = page.locator("#excepcion-justificacion")
    assert campo.get_attribute("aria-invalid") == "true"
    assert page.locator("#excepcion-justificacion-error").inner_text().strip() != ""
    assert {f[0]: f for f in filas(page, "#carteras")}[nombre][3] == carteras[nombre][3]

    # When he gives the new limit with its reason, the caseload's ratio shows it
    page.select_option("#excepcion-acompanante", label=opcion)
    page.fill("#excepcion-limite", str(limite + 2))
    page.fill("#excepcion-justificacion", "Escuelas unidocentes alejadas, sin otro acompañante del tipo")
    page.get_by_role("button", name="Registrar la excepción").click()
    page.wait_for_url(re.compile(r"/ugel/carteras\?hecho="))

    def con_limite_nuevo() -> bool:
        page.reload()
        return {f[0]: f for f in filas(page, "#carteras")}[nombre][3].endswith(f" de {limite + 2}")

    esperar(con_limite_nuevo, 60, 0.25, "la ratio muestra el nuevo límite", page)

    # When a retirement has no reason, the reason to give shows next to its field and no one is retired
    page.select_option("#retiro-acompanante", label=opcion)
    page.get_by_role("button", name="Retirar").click()
    assert page.locator("#retiro-motivo").get_attribute("aria-invalid") == "true"
    assert page.locator("#retiro-motivo-error").inner_text().strip() != ""
    assert nombre in {f[0] for f in filas(page, "#carteras")}
    assert not UUID.search(page.locator("main").inner_text())
    capturar(page, "escritorio-ugel-carteras-excepcion")
