"""Acceptance 6 (issue 17): axe-core finds no WCAG 2.2 AA violation on any page of the coach or the docente,
their offline and error states included; the visit form can be completed with the keyboard alone; nothing
scrolls sideways on a 320 px wide screen. Every page is also saved as a phone-size screenshot for review."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.web.conftest import ESCRITORIO, LIMA, Sistema, capturar, ingresar
from tests.web.offline_apoyo import (
    esperar,
    esperar_estados,
    items_de_la_cola,
    paquete,
    registrar_observacion,
    registrar_realizacion,
    sin_desborde_lateral,
    urls_de_visita_nueva,
)

pytestmark = pytest.mark.timeout(400)
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
AXE = Axe()


def violaciones(page: Page) -> list[str]:
    resultado = AXE.run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in resultado.response["violations"]
    ]


def revisar(page: Page, nombre: str) -> list[str]:
    """axe on the page as it is now, its screenshot, and its width at 320 px: the problems found."""
    page.wait_for_selector("html[data-listo]", state="attached")
    problemas = [f"{nombre}: {v}" for v in violaciones(page)]
    capturar(page, f"o-{nombre}")
    tamano = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    desborde = sin_desborde_lateral(page)
    if desborde:
        problemas.append(f"{nombre}: se desplaza {desborde} px hacia el costado a 320 px")
    page.set_viewport_size(tamano)  # type: ignore[arg-type]
    return problemas


def test_las_paginas_del_acompanante_cumplen_wcag_22_aa_tambien_sin_conexion_y_con_errores(
    telefono: Any, sistema: Sistema
) -> None:
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante", 1)
    docente = next(u for u in paquete(page)["urls"] if u.count("/") == 2 and u.startswith("/docentes/"))
    # Given a visit with an observation the service rejected (an error state of the outbox)
    page.goto(sistema.web + urls_de_visita_nueva(page)[5])
    visita_id = registrar_realizacion(page)
    esperar(lambda: any(i["estado"] == "registrado" for i in items_de_la_cola(page)), que="visita", page=page)
    registrar_observacion(page, evidencia="")
    problemas: list[str] = []
    # When every page of the coach is checked
    paginas = {
        "hoy": "/hoy",
        "cartera": "/cartera",
        "reuniones": "/reuniones",
        "preparar": "/preparar",
        "almacenamiento": "/almacenamiento",
        "docente": docente,
        "visita-nueva": f"{docente}/visita",
        "evaluacion": f"{docente}/evaluacion",
        "visita-registrada": f"/visitas/{visita_id}/registrar?docente={docente.rsplit('/', 1)[1]}",
        "calendario": "/calendario",
        "no-existe": f"/docentes/{uuid.uuid4()}",
    }
    for nombre, url in paginas.items():
        page.goto(sistema.web + url)
        problemas += revisar(page, nombre)
    page.goto(sistema.web + "/pendientes")
    esperar_estados(page, lambda e: ("observacion", "rechazado") in e, que="rechazo en /pendientes")
    problemas += revisar(page, "pendientes-con-rechazo")
    # the offline states: the browser without network, and a page that was never saved on the phone
    page.context.set_offline(True)
    esperar(lambda: "Sin conexión" in page.inner_text("#estado-red"), que="aviso sin conexión", page=page)
    problemas += revisar(page, "pendientes-sin-conexion")
    page.context.set_offline(False)
    page.goto(sistema.web + "/pendientes?sin_copia=%2Fcartera")
    page.wait_for_selector("#lista-pendientes .aviso")
    problemas += revisar(page, "pagina-no-guardada")
    # the plain HTML form's rejection page (what a browser without JavaScript gets)
    page.goto(sistema.web + f"{docente}/visita")
    page.wait_for_selector("html[data-listo]", state="attached")
    form = page.locator("form[action='/registrar/observacion']")
    form.evaluate("f => f.removeAttribute('data-cola')")
    form.locator("select[name^=nivel_]").first.select_option(index=1)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/registrar/observacion")
    assert "evidencia" in page.inner_text("main")
    problemas += revisar(page, "rechazo-sin-javascript")
    # Then axe finds nothing and nothing scrolls sideways
    assert problemas == []


def test_las_paginas_del_docente_cumplen_wcag_22_aa(telefono: Any, sistema: Sistema) -> None:
    page = telefono.new_page()
    ingresar(page, sistema, "docente")
    problemas: list[str] = []
    for nombre in ("mi-plan", "mi-progreso", "mis-compromisos", "mi-historia", "encuesta"):
        page.goto(f"{sistema.web}/{nombre}")
        problemas += revisar(page, nombre)
    assert problemas == []


def tab_hasta(page: Page, selector: str, maximo: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus (it must be reachable by keyboard)."""
    for _ in range(maximo):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} no se alcanza con el teclado")


def test_la_visita_se_registra_solo_con_el_teclado(telefono: Any, sistema: Sistema) -> None:
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante", 1)
    page.goto(sistema.web + urls_de_visita_nueva(page)[6])
    page.wait_for_selector("html[data-listo]", state="attached")
    # Given the visit page, used only with the keyboard: the skip link first
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#contenido"
    # When he records the visit, its observation with evidence, and a commitment (dates whose day and month
    # are equal: the date field's order follows the browser's language, not the page's)
    tab_hasta(page, "form[data-cola=visita_realizada] input[name=fecha_inicio]")
    page.keyboard.type("07072020")
    tab_hasta(page, "form[data-cola=visita_realizada] input[name=fecha_fin]")
    page.keyboard.type("07072020")
    tab_hasta(page, "form[data-cola=visita_realizada] button[type=submit]")
    page.keyboard.press("Enter")
    tab_hasta(page, "form[data-cola=observacion] select[name^=nivel_]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_hasta(page, "form[data-cola=observacion] textarea[name^=evidencia_]")
    page.keyboard.type("Los estudiantes explican su estrategia a sus compañeros.")
    tab_hasta(page, "form[data-cola=observacion] button[type=submit]")
    page.keyboard.press("Enter")
    tab_hasta(page, "form[data-cola=compromiso] textarea[name=descripcion]")
    page.keyboard.type("Preguntar por qué en cada respuesta")
    tab_hasta(page, "form[data-cola=compromiso] input[name=fecha_limite]")
    page.keyboard.type("12122020")
    tab_hasta(page, "form[data-cola=compromiso] input[name=verificacion]")
    page.keyboard.type("Observación en la próxima visita")
    page.keyboard.press("Enter")
    # Then the three are registered
    esperar(
        lambda: (
            sorted((i["tipo"], i["estado"]) for i in items_de_la_cola(page))
            == [
                ("compromiso", "registrado"),
                ("observacion", "registrado"),
                ("visita_realizada", "registrado"),
            ]
        ),
        que="los tres registrados",
        page=page,
        timeout=60,
    )


def test_los_escritorios_del_directivo_y_del_especialista_ugel_cumplen_wcag_22_aa(
    navegador: Any, sistema: Sistema
) -> None:
    problemas: list[str] = []
    for rol, paginas in (
        ("directivo", {"mi-ie": "/mi-ie", "mi-ie-2024": "/mi-ie?anio=2024"}),
        (
            "especialista_ugel",
            {
                "ugel-cumplimiento": "/ugel/cumplimiento",
                "ugel-cumplimiento-ie": "/ugel/cumplimiento?nivel=ie&fecha=2020-12-31",
                "ugel-cumplimiento-docente": "/ugel/cumplimiento?nivel=docente&ie=0236885-0&fecha=2020-12-31",
                "ugel-carteras": "/ugel/carteras",
                "ugel-cobertura": "/ugel/cobertura?fecha=2020-12-31",
                "ugel-compromisos": "/ugel/compromisos",
                "ugel-resultados": "/ugel/resultados",
                "ugel-matrices": "/ugel/matrices",
                "ugel-desempeno": "/ugel/desempeno",
                "ugel-informe": "/ugel/informe?trimestre=2",
            },
        ),
        (
            "especialista_dre",
            {
                "dre-cumplimiento": "/region/cumplimiento",
                "dre-cumplimiento-ie": "/region/cumplimiento?nivel=ie&ugel=UGEL-EL-COLLAO&fecha=2020-12-31",
                "dre-resultados": "/region/resultados",
                "dre-informes": "/region/informes",
                "dre-informe": "/region/informes/UGEL-EL-COLLAO?anio=2020&trimestre=4",
                "dre-matrices": "/region/matrices",
                "dre-normas": "/region/normas",
            },
        ),
        (
            "minedu",
            {
                "minedu-cumplimiento": "/region/cumplimiento",
                "minedu-cumplimiento-dre": "/region/cumplimiento?nivel=dre&fecha=2020-12-31",
                "minedu-resultados": "/region/resultados",
                "minedu-matrices": "/region/matrices",
                "minedu-normas": "/region/normas",
            },
        ),
    ):
        contexto = navegador.new_context(viewport=ESCRITORIO, **LIMA)
        page = contexto.new_page()
        ingresar(page, sistema, rol)
        for nombre, url in paginas.items():
            page.goto(sistema.web + url)
            problemas += revisar(page, nombre)
        contexto.close()
    assert problemas == []



def seguir(page: Page, enlace: str) -> None:
    """Follow the first link matching ``enlace`` and wait for the page it opens."""
    with page.expect_navigation():
        page.locator(enlace).first.click()


def test_los_escritorios_del_auditor_y_del_administrador_cumplen_wcag_22_aa(
    navegador: Any, sistema: Sistema
) -> None:
    problemas: list[str] = []
    contexto = navegador.new_context(viewport=ESCRITORIO, **LIMA)
    page = contexto.new_page()
    ingresar(page, sistema, "auditor")
    # the auditor's pages, reached as he reaches them: an acompañante, a docente, the reason, the history
    page.goto(sistema.web + "/auditoria")
    problemas += revisar(page, "auditoria")
    seguir(page, "table a[href^='/auditoria/acompanantes/']")
    problemas += revisar(page, "auditoria-cartera")
    seguir(page, "table a[href^='/auditoria/docentes/']")
    problemas += revisar(page, "auditoria-motivo")
    historia = page.url
    page.goto(historia + "?motivo=no")
    problemas += revisar(page, "auditoria-motivo-corto")
    page.goto(historia + "?motivo=Revisi%C3%B3n+de+accesibilidad")
    problemas += revisar(page, "auditoria-historia")
    page.goto(sistema.web + "/auditoria/cadenas")
    with page.expect_navigation():
        page.get_by_role("button", name="Verificar ahora los cuatro servicios").click()
    problemas += revisar(page, "auditoria-cadenas")
    contexto.close()
    contexto = navegador.new_context(viewport=ESCRITORIO, **LIMA)
    page = contexto.new_page()
    ingresar(page, sistema, "administrador")
    for nombre in ("padron", "focalizacion", "mensajes", "proyecciones"):
        page.goto(f"{sistema.web}/administracion/{nombre}")
        problemas += revisar(page, f"administracion-{nombre}")
    page.goto(sistema.web + "/administracion/focalizacion")
    seguir(page, "table a[href*='/ies/']")
    problemas += revisar(page, "administracion-decision")
    contexto.close()
    assert problemas == []
