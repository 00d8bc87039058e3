"""Issue 18, acceptance 3 and 4: the auditor reads a docente's history giving his reason, filters it, prints
it, and the docente sees the read; the administrador imports a padrón with bad rows and reads why each was
rejected, runs a call's targeting and opens an excluded school's decision with its failed criterion.
Also the failed messages (inspect, re-drive) and a projection rebuild followed to its end. Every page at
desktop size in var/capturas for review (acceptance 8)."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nats
import pytest
from pypdf import PdfReader

from tests.integration.test_bus_cuentas import visita_falsa
from tests.web.conftest import ESCRITORIO, LIMA, Sistema, capturar, filas, ingresar
from tests.web.test_docente import UUID

pytestmark = pytest.mark.timeout(400)
MOTIVO = "Revisión del expediente por queja 2026-118"


@pytest.fixture
def escritorio(navegador: Any) -> Iterator[Any]:
    """A page in a fresh desktop-sized browser context (no cookies) for each call."""
    contextos: list[Any] = []

    def pagina() -> Any:
        contextos.append(navegador.new_context(viewport=ESCRITORIO, **LIMA, accept_downloads=True))
        return contextos[-1].new_page()
    yield pagina
    for contexto in contextos:
        contexto.close()


def sin_ids(page: Any) -> str:
    texto = page.locator("main").inner_text()
    assert page.locator("main h1").count() == 1
    assert not UUID.search(texto), f"{page.url} muestra un identificador: {UUID.search(texto).group()}"
    assert "{" not in texto, f"{page.url} muestra un volcado de datos"
    return texto


def ugeles_de_la_auditoria(page: Any, sistema: Sistema, segundos: float = 30.0) -> set[str]:
    """The UGEL column of the auditor's caseloads, read again until the demo's UGEL is in it (the demo system
    is shared: other tests add their own data, and the caseloads arrive when the demo's assignment ran)."""
    limite = time.monotonic() + segundos
    while True:
        ugeles = {f[1] for f in filas(page, "main table")}
        if "UGEL El Collao" in ugeles or time.monotonic() > limite:
            return ugeles
        time.sleep(1)
        page.goto(sistema.web + "/auditoria")


def resumen_de_la_cola(page: Any) -> str:
    """The outbox's summary in the header, once the page's script has counted what is left to send."""
    page.wait_for_selector("html[data-no-enviados]", state="attached")
    resumen = page.locator("#estado-red .resumen")
    return resumen.inner_text() if resumen.count() else ""


def test_el_auditor_lee_la_historia_con_su_motivo_y_el_docente_ve_la_lectura(sistema: Sistema,
                                                                              escritorio: Any) -> None:
    # Given a docente of the demo and his acompañante, as the docente himself reads them
    page = escritorio()
    docente = ingresar(page, sistema, "docente")
    acompanante = re.search(r"Su acompañante es (.+?)\.", page.locator("main").inner_text()).group(1)
    assert resumen_de_la_cola(page) == "Todo lo pendiente se envió."  # his pages can queue offline
    page = escritorio()
    # When the auditor logs in, he lands on his desk, whose pages queue nothing: no outbox banner
    ingresar(page, sistema, "auditor")
    assert page.url == sistema.web + "/auditoria", page.url
    assert resumen_de_la_cola(page) == ""
    # And reads each caseload's UGEL by the name the padrón gives it, never by its code
    assert "UGEL El Collao" in ugeles_de_la_auditoria(page, sistema), page.locator("main").inner_text()
    assert "UGEL-EL-COLLAO" not in page.locator("main").inner_text()
    # And finds the docente through his acompañante's caseload
    sin_ids(page)
    capturar(page, "auditor-buscar")
    page.get_by_role("link", name=acompanante).click()
    sin_ids(page)
    capturar(page, "auditor-cartera")
    page.get_by_role("link", name=docente).click()
    # Then the history is not shown before he says why he reads it
    assert "¿Por qué consulta esta historia?" in sin_ids(page)
    assert page.locator("ol.historia").count() == 0
    capturar(page, "auditor-motivo")
    sin_motivo = page.url
    page.goto(sin_motivo + "?motivo=no")
    assert "al menos 5 caracteres" in page.get_by_role("alert").inner_text()
    page.goto(sin_motivo)
    page.get_by_label("¿Por qué consulta esta historia?").fill(MOTIVO)
    page.get_by_role("button", name="Leer la historia").click()
    # And the timeline speaks in sentences, with the school, the author and the service
    texto = sin_ids(page)
    hechos = page.locator("ol.historia > li")
    total = hechos.count()
    assert total > 3
    assert "Visita realizada en la I" in texto and "Lo registró " in texto and "Servicio: Agenda." in texto
    assert acompanante in texto
    capturar(page, "auditor-historia")
    # When he filters it to the agenda's facts: only those are left
    page.get_by_label("Servicio").select_option("agenda")
    with page.expect_navigation():
        page.get_by_role("button", name="Aplicar los filtros").click()
    filtrados = page.locator("ol.historia > li")
    assert 0 < filtrados.count() < total
    assert all("Servicio: Agenda." in t for t in filtrados.all_inner_texts())
    # and to one kind of fact: only visits
    page.get_by_label("Servicio").select_option("")
    page.get_by_label("Clase de hecho").select_option("VisitaRealizada")
    with page.expect_navigation():
        page.get_by_role("button", name="Aplicar los filtros").click()
    visitas = page.locator("ol.historia > li").all_inner_texts()
    assert visitas and all(t.startswith("Visita realizada") for t in visitas), visitas
    # and as it was known at a date before anything was recorded: nothing
    page.get_by_label("Como se conocía al").fill("2020-01-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Aplicar los filtros").click()
    assert page.locator("ol.historia > li").all_inner_texts() == ["No hay hechos con estos filtros."]
    assert "01/01/2020" in page.locator("main").inner_text()
    page.get_by_label("Como se conocía al").fill("")
    page.get_by_label("Clase de hecho").select_option("")
    # and to a date range before anything happened: nothing
    page.get_by_label("Hasta").fill("2000-01-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Aplicar los filtros").click()
    assert page.locator("ol.historia > li").all_inner_texts() == ["No hay hechos con estos filtros."]
    with page.expect_navigation():
        page.get_by_role("link", name="Quitar los filtros").click()
    # (each of the auditor's reads of focalizacion is one more fact)
    assert page.locator("ol.historia > li").count() >= total
    # And the PDF of the history holds the same facts
    with page.expect_download() as descarga:
        page.get_by_role("link", name="Descargar esta historia en PDF").click()
    pdf = PdfReader(io.BytesIO(Path(descarga.value.path()).read_bytes()))
    texto_pdf = " ".join(p.extract_text() for p in pdf.pages)
    # in sentences with the names the auditor sees, never a fact's technical name or an id
    assert "lo visitó en" in texto_pdf and "Agenda, hecho n.º" in texto_pdf, texto_pdf[:500]
    assert acompanante.split()[0] in texto_pdf, texto_pdf[:800]
    assert "VisitaRealizada" not in texto_pdf and not UUID.search(texto_pdf), texto_pdf[:500]
    # And the chains of hashes of the four services verify
    page.goto(sistema.web + "/auditoria/cadenas")
    page.get_by_role("button", name="Verificar ahora los cuatro servicios").click()
    resultado = page.get_by_role("table", name="Resultado de la verificación")
    for servicio in ("Focalización", "Agenda", "Evidencias", "Evaluación"):
        assert "Íntegra" in resultado.get_by_role("row", name=re.compile(servicio)).inner_text(), servicio
    sin_ids(page)
    capturar(page, "auditor-cadenas")
    # When the docente logs in again, he reads who read his history, and why
    page = escritorio()
    ingresar(page, sistema, "docente")
    for ruta in ("/auditoria", "/auditoria/cadenas", "/administracion/padron", "/administracion/mensajes"):
        assert page.goto(sistema.web + ruta).status == 403, ruta
    page.goto(sistema.web + "/mi-historia")
    accesos = page.get_by_role("region", name="Quién leyó mis datos").inner_text()
    assert "Un auditor leyó su historia el" in accesos and MOTIVO in accesos
    # And the auditor's read of his personal data in focalizacion as what it was, without a reason it lacks
    assert "Un auditor consultó sus datos personales en Focalización el" in accesos, accesos
    assert accesos.count("Motivo:") == accesos.count("leyó su historia"), accesos


def test_el_administrador_importa_el_padron_y_ve_por_que_una_escuela_quedo_fuera(sistema: Sistema,
                                                                                 escritorio: Any,
                                                                                 tmp_path: Path) -> None:
    page = escritorio()
    ingresar(page, sistema, "administrador")
    # (he lands on his desk's first page, which shows no outbox banner)
    assert page.url == sistema.web + "/administracion/padron", page.url
    assert resumen_de_la_cola(page) == ""
    # Given a docentes file with one good row and two bad ones
    demo = Path(__file__).parents[2] / "deploy" / "local" / "demo" / "docentes-el-collao.csv"
    valida = demo.read_text().splitlines()[:2]
    archivo = tmp_path / "docentes.csv"
    archivo.write_text("\n".join([*valida, "123,Sin Dni,Valido,0236885,0,inicial,X1,Nombrado",
                                  "41234567,Escuela Inexistente,Ana,9999999,0,inicial,X2,Nombrado"]) + "\n")
    # When he imports it
    page.goto(sistema.web + "/administracion/padron")
    sin_ids(page)
    page.get_by_label("Qué contiene el archivo").select_option("docentes")
    page.get_by_label("Archivo CSV").set_input_files(str(archivo))
    page.get_by_role("button", name="Importar").click()
    # Then he reads how many rows were taken and each rejected line with its reason
    assert "3 filas leídas: 1 válidas" in page.locator("main [role=status]").inner_text()
    tabla = page.get_by_role("table", name="Filas rechazadas, con su línea y su motivo")
    filas = tabla.locator("tbody tr")
    assert filas.count() == 2
    assert filas.nth(0).locator("th").inner_text() == "3" and "DNI" in filas.nth(0).inner_text().upper()
    assert filas.nth(1).locator("th").inner_text() == "4"
    sin_ids(page)
    capturar(page, "administrador-padron")
    # When he runs the targeting of the demo's call
    page.goto(sistema.web + "/administracion/focalizacion")
    page.get_by_role("button", name=re.compile("Ejecutar la focalización")).first.click()
    assert "Focalización ejecutada:" in page.locator("main [role=status]").inner_text()
    excluidas = page.get_by_role("table", name=re.compile("IIEE excluidas")).locator("tbody a")
    assert excluidas.count() > 0
    capturar(page, "administrador-focalizacion")
    escuela = excluidas.first.inner_text()
    with page.expect_navigation():
        excluidas.first.click()
    # Then the school's page says why it was left out, criterion by criterion
    texto = sin_ids(page)
    assert page.get_by_role("heading", level=1).inner_text() == escuela
    assert "quedó fuera" in texto and "no se cumple" in page.locator("ul.motivos").inner_text()
    assert "no cumple" in page.get_by_role("table", name="Criterios evaluados").inner_text()
    capturar(page, "administrador-decision")
    # and a focalized school's page says it was taken in, with the criteria it met
    page.get_by_role("link", name="Volver a la focalización").click()
    page.get_by_role("link", name="Ver las IIEE focalizadas").click()
    with page.expect_navigation():
        page.get_by_role("table", name=re.compile("IIEE focalizadas")).locator("tbody a").first.click()
    assert "quedó focalizada" in sin_ids(page)
    assert "cumple" in page.get_by_role("table", name="Criterios evaluados").inner_text()
    # When he rebuilds the docentes' history projection, he follows it until it is done
    page.goto(sistema.web + "/administracion/proyecciones")
    page.get_by_role("button", name="Reconstruir Historia de los docentes").click()
    assert "La reconstrucción empezó" in page.locator("main [role=status]").inner_text()
    fila = page.get_by_role("row", name=re.compile("Historia de los docentes"))
    limite = time.monotonic() + 120
    while "terminada" not in fila.inner_text():
        assert "fallida" not in fila.inner_text() and time.monotonic() < limite, fila.inner_text()
        time.sleep(0.25)
        with page.expect_navigation():
            page.get_by_role("link", name="Actualizar el avance").click()
    capturar(page, "administrador-reconstruccion")
    # And the operation pages load
    for nombre in ("mensajes", "proyecciones"):
        ruta = f"/administracion/{nombre}"
        assert page.goto(sistema.web + ruta).status == 200
        sin_ids(page)
        capturar(page, f"administrador-{nombre}")


def test_el_administrador_ve_un_mensaje_fallido_y_lo_procesa_de_nuevo(sistema: Sistema,
                                                                      escritorio: Any) -> None:
    # Given a fact published with agenda's account outside its relay, with no chain link: evidencias parks it
    args = list(sistema.proceso.args)  # type: ignore[arg-type]
    puerto = args[args.index("--nats-port") + 1]
    falsa = visita_falsa(900_001, 0, "ninguna")

    async def publicar() -> int:
        nc = await nats.connect(f"nats://agenda:agenda-desarrollo@127.0.0.1:{puerto}")
        try:
            return (await nc.jetstream().publish(falsa.nats_subject, falsa.payload(), headers=falsa.headers())).seq
        finally:
            await nc.close()

    async def retirar(secuencia: int) -> None:  # the session's later tests see the stream the services wrote
        nc = await nats.connect(f"nats://127.0.0.1:{puerto}", user="streams", password="streams-desarrollo")
        try:
            await nc.jetstream().delete_msg("ACOMPANA", secuencia)
        finally:
            await nc.close()
    with ThreadPoolExecutor(1) as hilo:  # its own event loop, beside the browser's
        secuencia = hilo.submit(asyncio.run, publicar()).result(30)
    try:
        _mensaje_fallido_procesado_de_nuevo(sistema, escritorio)
    finally:
        with ThreadPoolExecutor(1) as hilo:
            hilo.submit(asyncio.run, retirar(secuencia)).result(30)


def _mensaje_fallido_procesado_de_nuevo(sistema: Sistema, escritorio: Any) -> None:
    page = escritorio()
    ingresar(page, sistema, "administrador")
    # When the administrador opens the failed messages, he reads it with its reason
    tabla = page.get_by_role("table", name="Evidencias")
    limite = time.monotonic() + 60
    while True:
        page.goto(sistema.web + "/administracion/mensajes")
        if tabla.get_by_role("button").count() or time.monotonic() > limite:
            break
        time.sleep(0.25)
    fila = tabla.locator("tbody tr").filter(has_text="no lleva su eslabón").first
    assert "VisitaRealizada (de Agenda)" in fila.inner_text()
    sin_ids(page)
    capturar(page, "administrador-mensajes-fallidos")
    # And processing it again fails again for the same reason, which the page says; it stays listed
    with page.expect_navigation():
        fila.get_by_role("button").click()
    aviso = page.locator("main [role=status]").inner_text()
    assert "volvió a fallar" in aviso and "cadena" in aviso, aviso
    assert page.get_by_role("table", name="Evidencias").locator("tbody tr").filter(
        has_text="no lleva su eslabón").count() >= 1


def test_el_padron_se_sube_con_su_barra_de_avance(sistema: Sistema, escritorio: Any) -> None:
    # Given the administrador on the padrón page, with the demo's docentes file (already registered)
    page = escritorio()
    ingresar(page, sistema, "administrador")
    page.goto(sistema.web + "/administracion/padron")
    page.wait_for_selector("html[data-listo]", state="attached")
    demo = Path(__file__).parents[2] / "deploy" / "local" / "demo" / "docentes-el-collao.csv"
    filas = len(demo.read_text().splitlines()) - 1
    # every text the progress line shows, as the page's script writes it
    page.evaluate("""() => {
        window.avances = [];
        const texto = document.getElementById('padron-avance-texto');
        new MutationObserver(() => window.avances.push(texto.textContent)).observe(
            texto, {childList: true, characterData: true, subtree: true});
    }""")
    # When he imports it
    page.get_by_label("Qué contiene el archivo").select_option("docentes")
    page.get_by_label("Archivo CSV").set_input_files(str(demo))
    page.get_by_role("button", name="Importar").click()
    # Then the bar showed the rows registered out of the file's, and the report replaced it without a reload
    informe = page.locator("main [role=status]")
    assert f"{filas} filas leídas: {filas} válidas" in informe.inner_text()
    avances = page.evaluate("window.avances")
    assert avances[-1] == f"Filas registradas: {filas} de {filas}.", avances
    assert "Archivo enviado; revisando sus filas…" in avances, avances
    assert page.evaluate("window.avances !== undefined"), "la página se recargó en vez de mostrar el avance"
    assert page.locator("#padron-avance").is_hidden()
    sin_ids(page)

    # When the file is one the service cannot read, the reason is next to the file field
    page.get_by_label("Archivo CSV").set_input_files(files=[{"name": "vacio.csv", "mimeType": "text/csv",
                                                              "buffer": b"CEN_EDU;NIVEL\nIE;Primaria\n"}])
    page.get_by_role("button", name="Importar").click()
    campo = page.get_by_label("Archivo CSV")
    error = page.locator("#archivo-error")
    assert "No se importó vacio.csv" in error.inner_text() and "COD_MOD" in error.inner_text()
    assert campo.get_attribute("aria-describedby") == "archivo-error"
    assert campo.get_attribute("aria-invalid") == "true"


def test_el_administrador_abre_una_convocatoria_y_ve_junto_al_campo_por_que_no_se_pudo(
        sistema: Sistema, escritorio: Any) -> None:
    page = escritorio()
    ingresar(page, sistema, "administrador")
    page.goto(sistema.web + "/administracion/focalizacion")
    # When the last year is not a year, the reason is next to it (checked before asking the service)
    page.get_by_label("Código").fill("2030-2032")
    page.get_by_label("Primer año escolar").fill("2030")
    page.get_by_label("Último año escolar").fill("dos mil")
    page.get_by_role("button", name="Abrir la convocatoria").click()
    assert page.locator("#nueva-anio_fin").get_attribute("aria-invalid") == "true"
    assert "cuatro cifras" in page.locator("#nueva-anio_fin-error").inner_text()
    # When the call would span four school years, the service's rule shows next to the last year, kept as typed
    page.get_by_label("Último año escolar").fill("2033")
    page.get_by_role("button", name="Abrir la convocatoria").click()
    assert "de una a tres etapas" in page.locator("#nueva-anio_fin-error").inner_text()
    assert page.get_by_label("Código").input_value() == "2030-2032"
    assert "2030-2032" not in page.get_by_role("table", name="Convocatorias").inner_text()
    # When no rule set is in force in its first year, that reason is next to the first year
    page.get_by_label("Último año escolar").fill("2032")
    page.get_by_role("button", name="Abrir la convocatoria").click()
    assert "vigentes en 2030" in page.locator("#nueva-anio_inicio-error").inner_text()
    # When it is right, the call is open and listed with its rules
    page.get_by_label("Código").fill("2021-2022")
    page.get_by_label("Primer año escolar").fill("2021")
    page.get_by_label("Último año escolar").fill("2022")
    page.get_by_role("button", name="Abrir la convocatoria").click()
    assert page.locator("main [role=status]").inner_text() == "Convocatoria 2021-2022 abierta."
    fila = page.get_by_role("table", name="Convocatorias").locator("tr", has_text="2021-2022")
    assert "2021 a 2022" in fila.inner_text() and "NT-026" in fila.inner_text()
    sin_ids(page)


def test_el_administrador_publica_una_version_nacional_de_un_protocolo(sistema: Sistema, escritorio: Any) -> None:
    page = escritorio()
    ingresar(page, sistema, "administrador")
    page.get_by_role("link", name="Protocolos y reglas").click()
    page.wait_for_url("**/region/normas")
    sin_ids(page)
    # he publishes national versions of protocols and rules; instruments and metas are not his
    assert page.get_by_role("heading", name="Publicar una versión nacional de un protocolo").count() == 1
    assert page.get_by_role("heading", name="Publicar una versión nacional de las reglas de focalización").count() == 1
    assert page.locator("#form-instrumento, #form-metas").count() == 0
    # When the period ends before it begins, agenda's reason shows in the form, what he wrote kept
    formulario = page.locator("#form-protocolo")
    formulario.get_by_label("Código").fill("NT-026-2031")
    formulario.get_by_label("Nombre").fill("Acompañamiento 2031 (nacional)")
    formulario.get_by_label("Vigente desde").fill("2031-12-31")
    formulario.get_by_label("Vigente hasta").fill("2031-03-01")
    formulario.get_by_role("button", name="Publicar la versión").click()
    assert page.locator("#form-protocolo .error").count() >= 1
    assert page.locator("#form-protocolo").get_by_label("Código").input_value() == "NT-026-2031"
    # When the period is right, it is listed as national
    formulario = page.locator("#form-protocolo")
    formulario.get_by_label("Vigente desde").fill("2031-03-01")
    formulario.get_by_label("Vigente hasta").fill("2031-12-31")
    formulario.get_by_role("button", name="Publicar la versión").click()
    page.wait_for_url(re.compile(r"/region/normas\?hecho="))
    fila = page.locator("#protocolos tr", has_text="Acompañamiento 2031 (nacional)")
    assert "nacional" in fila.inner_text(), fila.inner_text()
    capturar(page, "administrador-protocolos")
