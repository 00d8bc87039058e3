"""Registrar visita "saved as a draft step by step" (issue 17): what the coach has typed in a step stays on
the phone when he leaves the page or the phone closes it, comes back with the page, and is gone once that
step is queued."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import Sistema, ingresar
from tests.web.offline_apoyo import abrir_perfil, dia_libre, esperar_guardado

NOTAS = "Llegué a las 8:10; la directora nos recibió en el patio."
DIALOGO = "Conversamos sobre cómo recoger los saberes previos de los estudiantes."


def test_lo_escrito_en_un_paso_de_la_visita_vuelve_con_la_pagina_y_se_borra_al_guardarlo(
        sistema: Sistema, navegador: Any, tmp_path: Any) -> None:
    # Given the coach on a docente's visit page, in a browser whose data survives closing it
    contexto = abrir_perfil(navegador, tmp_path / "perfil")
    page = contexto.new_page()
    ingresar(page, sistema, "acompanante")
    page.goto(sistema.web + "/cartera")
    page.locator("table a[href$='/visita']").first.click()
    page.wait_for_url(re.compile(r"/docentes/[0-9a-f-]{36}/visita$"))
    visita = page.url
    page.wait_for_selector("html[data-listo]")

    # When he types in two steps and leaves the page without saving
    dia = dia_libre()
    page.fill("#fecha_inicio", dia)
    page.fill("#observaciones", NOTAS)
    page.uncheck("#accion-retro")
    page.fill("#dialogo_reflexivo", DIALOGO)
    page.goto(sistema.web + "/hoy")
    # Then coming back brings back what he typed, step by step
    page.goto(visita)
    page.wait_for_selector("html[data-listo]")
    assert page.input_value("#observaciones") == NOTAS
    assert page.input_value("#fecha_inicio") == dia
    assert not page.is_checked("#accion-retro") and page.is_checked("#accion-asesoria")
    assert page.input_value("#dialogo_reflexivo") == DIALOGO
    assert "Se recuperó lo que había escrito" in page.locator("#estado-red").inner_text()

    # When the phone closes the browser with text typed in a step, and he opens the page again
    page.fill("#evidencia_D1", "Participan 8 de 22 estudiantes.")
    contexto.close()
    contexto = abrir_perfil(navegador, tmp_path / "perfil")
    page = contexto.new_page()
    page.goto(visita)
    page.wait_for_selector("html[data-listo]")
    # Then that text is there too
    assert page.input_value("#evidencia_D1") == "Participan 8 de 22 estudiantes."
    assert page.input_value("#observaciones") == NOTAS

    # When he saves the realization (it goes to the outbox)
    page.fill("#fecha_fin", dia)
    page.get_by_role("button", name="Registrar la realización").click()
    esperar_guardado(page, "visita_realizada")
    # Then that step's draft is gone, and the steps not yet saved keep theirs
    page.goto(sistema.web + "/hoy")
    page.goto(visita)
    page.wait_for_selector("html[data-listo]")
    assert page.input_value("#observaciones") == ""
    assert page.is_checked("#accion-retro")
    assert page.input_value("#dialogo_reflexivo") == DIALOGO
    assert page.input_value("#evidencia_D1") == "Participan 8 de 22 estudiantes."
    borradores = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('acompana-borrador:'))")
    assert len(borradores) == 2 and all(k.endswith(("/retroalimentacion", "/observacion")) for k in borradores)

    # And logging out leaves no draft on the phone
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(re.compile(r"/adios$"))
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('acompana-')).length") == 0
    contexto.close()
