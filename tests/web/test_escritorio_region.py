"""Issue 18, the DRE's and the MINEDU's desks, on an office desktop: the especialista of DRE Puno drills from
his DRE to a UGEL, a school, an acompañante and his docentes and back, reads the results per etapa (the chart
with its table), acknowledges a UGEL's quarterly report and publishes a regional protocol; the MINEDU goes
national → DRE → UGEL, reads the year's matrices and publishes an instrument and metas. Another territory's id
in the URL answers "no existe"; links the role may not follow are not on its pages; axe-core finds nothing on
each main page."""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
from typing import Any

import openpyxl

from tests.web.conftest import Sistema, capturar, filas, ingresar
from tests.web.test_accesibilidad import revisar

ESCUELA = "IEI N°246 Mi Segundo Hogar"
UGEL, DRE = "UGEL-EL-COLLAO", "DRE-PUNO"
# what a person reads of them: the names the demo padrón gives them (D_DREUGEL, D_REGION), never the codes
UGEL_NOMBRE, DRE_NOMBRE = "UGEL El Collao", "DRE Puno"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
TRIMESTRE = 3  # of 2020: ended long ago, so the UGEL may send it


def enviar(sistema: Sistema, servicio: str, ruta: str, token: str, cuerpo: dict[str, Any]) -> int:
    pedido = urllib.request.Request(
        sistema.servicios[servicio] + "/v1" + ruta, json.dumps(cuerpo).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(pedido, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_el_especialista_de_la_dre_recorre_su_region_lee_resultados_y_acusa_recibo_de_un_informe(
        sistema: Sistema, escritorio: Any) -> None:
    # Given the UGEL El Collao sent its report of the third quarter to its DRE (through its own API)
    token = sistema.token("esp-ugel-el-collao", "especialista_ugel", dre=DRE, ugel=UGEL)
    envio = {"anio": 2020, "trimestre": TRIMESTRE, "observaciones": "Visitas de setiembre reprogramadas."}
    assert enviar(sistema, "evaluacion", f"/informes-trimestrales/{UGEL}/envio", token, envio) in (200, 201)
    # And the especialista of the DRE logged in, who lands on fulfilment of his DRE
    page = escritorio.new_page()
    ingresar(page, sistema, "especialista_dre")
    page.goto(sistema.web + "/")
    page.wait_for_url("**/region/cumplimiento")
    page.fill("#fecha", "2020-12-31")
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url(re.compile(r"fecha=2020-12-31"))
    [dre] = filas(page, "#cumplimiento")
    assert dre[0] == DRE_NOMBRE and int(dre[1]) > 100
    problemas = revisar(page, "dre-cumplimiento")
    capturar(page, "escritorio-dre-cumplimiento")

    # When he drills down: DRE → its UGELs → UGEL El Collao → its schools → IEI N°246 → its acompañante → his
    # docentes
    page.get_by_role("link", name=DRE_NOMBRE, exact=True).click()
    page.wait_for_url(re.compile(r"nivel=ugel"))
    [ugel] = filas(page, "#cumplimiento")
    assert ugel[0] == UGEL_NOMBRE and ugel[1] == dre[1]
    page.get_by_role("link", name=UGEL_NOMBRE, exact=True).click()
    page.wait_for_url(re.compile(r"nivel=ie"))
    escuelas = filas(page, "#cumplimiento")
    assert len(escuelas) > 10 and any(f[0] == ESCUELA for f in escuelas)
    capturar(page, "escritorio-dre-cumplimiento-ie")
    page.get_by_role("link", name=ESCUELA).click()
    page.wait_for_url(re.compile(r"nivel=acompanante"))
    [acompanante] = filas(page, "#cumplimiento")
    assert acompanante[1] == "11" and not UUID.search(acompanante[0])
    page.get_by_role("link", name=acompanante[0]).click()
    page.wait_for_url(re.compile(r"nivel=docente"))
    docentes = filas(page, "#cumplimiento")
    assert len(docentes) == 11 and all(re.fullmatch(r"\d+ de 6", f[3]) for f in docentes), docentes
    assert not UUID.search(page.inner_text("main"))
    migas = page.get_by_role("navigation", name="Nivel del cumplimiento").inner_text()
    assert all(x in migas for x in (DRE_NOMBRE, UGEL_NOMBRE, ESCUELA, acompanante[0]))
    assert UGEL not in page.inner_text("main") and DRE not in page.inner_text("main")
    problemas += revisar(page, "dre-cumplimiento-docente")
    capturar(page, "escritorio-dre-cumplimiento-docente")

    # And back, a level at a time, and to his UGEL's schools through the breadcrumb
    page.get_by_role("link", name="Volver al nivel anterior").click()
    page.wait_for_url(re.compile(r"nivel=acompanante"))
    assert filas(page, "#cumplimiento")[0][0] == acompanante[0]
    page.get_by_role("navigation", name="Nivel del cumplimiento").get_by_role("link", name=UGEL_NOMBRE).click()
    page.wait_for_url(re.compile(r"nivel=ie"))
    assert len(filas(page, "#cumplimiento")) == len(escuelas)
    page.check("#solo_atrasados")
    page.fill("#fecha", "2020-06-30")
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url(re.compile(r"solo_atrasados=true"))
    assert all(int(f[2]) > 0 for f in filas(page, "#cumplimiento"))
    csv_, xlsx_ = (page.get_by_role("link", name=n).bounding_box() for n in (
        "Descargar este nivel en CSV", "Descargar la matriz de seguimiento del año en Excel (XLSX)"))
    assert page.locator("ul.descargas > li").count() == 2  # two actions apart, not one run-on line of links
    assert xlsx_["x"] >= csv_["x"] + csv_["width"] + 16 or xlsx_["y"] >= csv_["y"] + csv_["height"], (csv_, xlsx_)
    with page.expect_download() as csv:
        page.get_by_role("link", name="Descargar este nivel en CSV").click()
    with open(csv.value.path(), encoding="utf-8-sig") as f:
        lineas = f.read().strip().splitlines()
    assert len(lineas) == len(escuelas) + 1
    assert all(f'"{DRE_NOMBRE}";"{UGEL_NOMBRE}"' in x for x in lineas[1:]), lineas[:2]  # by name, not code
    assert UGEL not in "".join(lineas) and DRE not in "".join(lineas), lineas[:2]
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Descargar la matriz de seguimiento del año en Excel (XLSX)").click()
    with open(xlsx.value.path(), "rb") as f:  # opened by a second reader
        libro = openpyxl.load_workbook(io.BytesIO(f.read()), read_only=True)
    celdas = {str(v) for hoja in libro.worksheets[1:] for fila in hoja.iter_rows(values_only=True) for v in fila}
    assert UGEL_NOMBRE in celdas and UGEL not in celdas  # the workbook's UGEL column, by name

    # Then a school of another UGEL, or another DRE, named in the URL "no existe" for him
    for url in ("/region/cumplimiento?nivel=ie&ugel=UGEL-CANCHIS&fecha=2020-12-31",
                "/region/cumplimiento?nivel=ugel&dre=DRE-CUSCO",
                f"/region/cumplimiento?nivel=acompanante&ugel={UGEL}&ie=0999999-0",
                "/region/informes/UGEL-CANCHIS?anio=2020&trimestre=3"):
        respuesta = page.goto(sistema.web + url)
        assert respuesta.status == 404, url
        assert page.get_by_role("heading", level=1).inner_text() == "No existe", url

    # When he reads the results per etapa: the chart, with its table and a CSV link beside it
    page.goto(sistema.web + "/region/cumplimiento")
    page.get_by_role("link", name="Resultados por etapa").click()
    page.wait_for_url("**/region/resultados")
    grafico = page.locator("#grafico-resultados img")
    assert grafico.evaluate("i => i.complete && i.naturalWidth > 0")
    datos = filas(page, "#datos-grafico")
    assert len(datos) >= 5 and datos[0][0] == "1" and sum(int(f[3]) + int(f[4]) + int(f[5]) + int(f[6])
                                                            for f in datos) > 0, datos
    assert "en CSV" in page.locator(".descargas a").first.inner_text()
    assert [f[0] for f in filas(page, "#desglose")][:1] == [UGEL_NOMBRE]
    problemas += revisar(page, "dre-resultados")
    capturar(page, "escritorio-dre-resultados")

    # And the UGELs' quarterly reports: El Collao's third quarter was sent, waiting for his acknowledgement
    page.get_by_role("link", name="Informes trimestrales").click()
    page.wait_for_url("**/region/informes")
    page.select_option("#trimestre", str(TRIMESTRE))
    page.get_by_role("button", name="Ver", exact=True).click()
    page.wait_for_url(re.compile(rf"trimestre={TRIMESTRE}"))
    [informe] = filas(page, "#informes")
    assert informe[:2] == [UGEL_NOMBRE, "enviado, por acusar recibo"]
    problemas += revisar(page, "dre-informes")
    capturar(page, "escritorio-dre-informes")
    page.get_by_role("link", name=UGEL_NOMBRE).click()
    page.wait_for_url(re.compile(rf"/region/informes/{UGEL}\?"))
    assert UGEL_NOMBRE in page.get_by_role("heading", level=1).inner_text()
    assert "Visitas de setiembre reprogramadas." in page.inner_text("main")
    problemas += revisar(page, "dre-informe")
    page.fill("#observaciones", "Conforme; reprogramar antes de noviembre.")
    page.get_by_role("button", name="Acusar recibo").click()
    page.wait_for_url(re.compile(r"hecho=1"))

    # Then its state changes to received, with his observations, here and in the list
    assert page.locator("#estado-informe").inner_text() == "Estado: recibido."
    assert page.locator("#observaciones-dre").inner_text() == "Conforme; reprogramar antes de noviembre."
    assert page.get_by_role("button", name="Acusar recibo").count() == 0
    capturar(page, "escritorio-dre-informe-recibido")
    page.get_by_role("link", name="Volver a los informes del trimestre").click()
    assert filas(page, "#informes")[0][:2] == [UGEL_NOMBRE, "recibido"]

    # And his other pages: the year's matrices and the region's protocols, instruments and metas
    for nombre, enlace in (("dre-matrices", "Matrices del año"),
                           ("dre-normas", "Protocolos, instrumentos y metas")):
        page.get_by_role("link", name=enlace).click()
        page.wait_for_load_state()
        assert page.locator("table caption").count() >= 2
        if nombre == "dre-matrices":  # its UGELs and its DRE by name
            assert filas(page, "#matriz-cumplimiento")[0][0] == UGEL_NOMBRE
            assert DRE_NOMBRE in page.get_by_role("heading", level=1).inner_text()
            assert UGEL not in page.inner_text("main")
        problemas += revisar(page, nombre)
        capturar(page, f"escritorio-{nombre}")

    # When he publishes a regional version of the national protocol, first with its period backwards
    formulario = page.locator("#form-protocolo")
    formulario.locator("#protocolo-nombre").fill("Protocolo regional de Puno 2031-2032")
    formulario.locator("#protocolo-version").fill("1")
    formulario.locator("#protocolo-vigencia_desde").fill("2032-12-31")
    formulario.locator("#protocolo-vigencia_hasta").fill("2031-01-01")
    formulario.get_by_role("button", name="Publicar la versión").click()
    page.wait_for_load_state()
    # Then the page says why, in the form, keeping what he wrote
    assert "vigencia termina antes de empezar" in page.locator("#form-protocolo [role=alert]").inner_text()
    assert page.locator("#protocolo-nombre").input_value() == "Protocolo regional de Puno 2031-2032"
    problemas += revisar(page, "dre-normas-rechazo")
    # And with the period right it is published, for his DRE
    page.locator("#protocolo-vigencia_desde").fill("2031-01-01")
    page.locator("#protocolo-vigencia_hasta").fill("2032-12-31")
    page.locator("#form-protocolo").get_by_role("button", name="Publicar la versión").click()
    page.wait_for_url(re.compile(r"/region/normas\?hecho=1"))
    publicados = {f[0]: f for f in filas(page, "#protocolos")}
    assert publicados["Protocolo regional de Puno 2031-2032"][3] == DRE_NOMBRE  # its ámbito, DRE:DRE-PUNO
    # And the rules of focalización of his region's own programme, from the national ones
    page.fill("#reglas-nombre", "Focalización regional de Puno 2031-2032")
    page.fill("#reglas-vigente_desde", "2031")
    page.fill("#reglas-vigente_hasta", "2032")
    page.locator("#form-reglas").get_by_role("button", name="Publicar la versión").click()
    page.wait_for_url(re.compile(r"/region/normas\?hecho=1"))
    reglas = {f[0]: f for f in filas(page, "#reglas")}
    assert reglas["Focalización regional de Puno 2031-2032"][2:4] == [DRE_NOMBRE, "de 2031 a 2032"]
    assert problemas == []


def test_el_minedu_va_de_lo_nacional_a_la_dre_y_a_la_ugel_y_lee_las_matrices(
        sistema: Sistema, escritorio: Any) -> None:
    # Given the MINEDU's especialista, on the national fulfilment at the year's end
    page = escritorio.new_page()
    ingresar(page, sistema, "minedu")
    page.goto(sistema.web + "/")
    page.wait_for_url("**/region/cumplimiento")
    page.goto(sistema.web + "/region/cumplimiento?fecha=2020-12-31")
    [nacional] = filas(page, "#cumplimiento")
    assert nacional[0] == "Todo el país" and int(nacional[1]) > 100
    problemas = revisar(page, "minedu-cumplimiento")
    capturar(page, "escritorio-minedu-cumplimiento")
    # And the filter reads on one line: "Solo atrasados" beside its box, the box level with the date's field
    casilla, etiqueta, fecha = (page.locator(s).bounding_box() for s in (
        "#solo_atrasados", "label[for=solo_atrasados]", "#fecha"))
    medio = casilla["y"] + casilla["height"] / 2
    assert casilla["x"] + casilla["width"] <= etiqueta["x"], (casilla, etiqueta)
    assert etiqueta["y"] <= medio <= etiqueta["y"] + etiqueta["height"], (casilla, etiqueta)
    assert fecha["y"] <= medio <= fecha["y"] + fecha["height"], (casilla, fecha)
    # When he drills to the DREs, and to DRE Puno's UGELs
    page.get_by_role("link", name="Todo el país").click()
    page.wait_for_url(re.compile(r"nivel=dre"))
    assert [f[0] for f in filas(page, "#cumplimiento")] == [DRE_NOMBRE]
    page.get_by_role("link", name=DRE_NOMBRE).click()
    page.wait_for_url(re.compile(r"nivel=ugel"))
    [ugel] = filas(page, "#cumplimiento")
    assert ugel[0] == UGEL_NOMBRE and ugel[1] == nacional[1]
    # Then the UGEL's row leads nowhere further (his desk stops at the UGEL); the DRE's own pages are not his
    assert page.locator("#cumplimiento tbody a").count() == 0
    assert page.get_by_role("link", name="Informes trimestrales").count() == 0
    problemas += revisar(page, "minedu-cumplimiento-ugel")
    capturar(page, "escritorio-minedu-cumplimiento-ugel")
    page.get_by_role("link", name="Volver al nivel anterior").click()
    page.wait_for_url(re.compile(r"nivel=dre"))
    assert [f[0] for f in filas(page, "#cumplimiento")] == [DRE_NOMBRE]
    for url in ("/region/cumplimiento?nivel=ugel&dre=DRE-CUSCO", "/region/cumplimiento?nivel=ie&ugel=" + UGEL,
                "/region/informes"):
        respuesta = page.goto(sistema.web + url)
        assert respuesta.status in (403, 404), url
    # When he reads the year's matrices: each table with its caption, names and no ids
    page.goto(sistema.web + "/region/cumplimiento")
    page.get_by_role("link", name="Matrices del año").click()
    page.wait_for_url("**/region/matrices")
    captions = page.locator("table caption").all_inner_texts()
    assert len(captions) == 5 and "Cumplimiento de las estrategias del año" in captions
    assert filas(page, "#matriz-cumplimiento")[0][0] == DRE_NOMBRE  # "DRE Puno", not DRE-PUNO
    assert DRE not in page.inner_text("main")
    assert any("Desempeño" in c for c in page.locator("#matriz-practica thead th").all_inner_texts())
    assert not UUID.search(page.inner_text("main"))
    with page.expect_download() as descarga:
        page.get_by_role("link", name="Descargar la matriz de evaluación en Excel (XLSX)").click()
    assert descarga.value.suggested_filename.startswith("evaluacion-2020-")
    problemas += revisar(page, "minedu-matrices")
    capturar(page, "escritorio-minedu-matrices")
    for nombre, enlace in (("minedu-resultados", "Resultados por etapa"),
                           ("minedu-normas", "Instrumentos y metas")):
        page.get_by_role("link", name=enlace).click()
        page.wait_for_load_state()
        problemas += revisar(page, nombre)
        capturar(page, f"escritorio-{nombre}")
    assert page.locator("form[action='/region/protocolos']").count() == 0  # publishing protocols is not his

    # When he publishes an instrument of his own from the RTC checklist, and the metas of a later convocatoria
    page.select_option("#instrumento-base", value="LC-RTC@1")
    page.fill("#instrumento-codigo", "LC-RTC-MINEDU")
    page.fill("#instrumento-vigencia_desde", "2031-03-01")
    page.fill("#instrumento-fuente", "NT-026-01-MINEDU §5.2.7, revisada por el MINEDU")
    page.locator("#form-instrumento").get_by_role("button", name="Publicar la versión").click()
    page.wait_for_url(re.compile(r"/region/normas\?hecho=1"))
    assert any(f[0] == "Lista de cotejo de la reunión de trabajo colegiado (RTC)" and f[3] == "01/03/2031"
               for f in filas(page, "#instrumentos"))
    metas = page.locator("#form-metas")
    metas.locator("#metas-convocatoria").fill("2031-2033")
    page.select_option("#metas-tipo_ie", value="polidocente_primaria")
    metas.locator("[name=avance_2_C3]").fill("1")  # C3: one level up in etapa 2, and back down in etapa 3
    metas.get_by_role("button", name="Publicar las metas").click()
    page.wait_for_load_state()
    # Then evaluacion refuses metas that go down, and the page says it above the form
    assert "no pueden bajar" in page.locator("#form-metas [role=alert]").inner_text()
    page.locator("#form-metas [name=avance_3_C3]").fill("1")
    page.locator("#form-metas").get_by_role("button", name="Publicar las metas").click()
    page.wait_for_url(re.compile(r"/region/normas\?hecho=1"))
    assert page.get_by_role("status").filter(has_text="Registrado.").count() == 1
    # and he reads the metas in force of the year's convocatoria, per school type, etapa and competency
    multigrado = page.get_by_role("table", name=re.compile(r"^Metas de multigrado, versión \d"))
    assert multigrado.locator("tbody tr").count() == 15, multigrado.inner_text()
    assert problemas == []
