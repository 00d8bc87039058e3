"""Acceptance 1 (issue 17): an acompañante on a phone logs in, prepares a visit, records it with its
observation, a commitment and a photo; the docente then reads it in his own history, and the UGEL's
fulfilment counts it (read through the API as the especialista)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from tests.web.conftest import Sistema, capturar, ingresar

UGEL = {"dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}


def esperar(condicion: Callable[[], Any], que: str, timeout: float = 30.0) -> Any:
    limite = time.monotonic() + timeout
    valor = None
    while time.monotonic() < limite:
        valor = condicion()
        if valor:
            return valor
        time.sleep(0.1)
    raise AssertionError(f"no se cumplió en {timeout:.0f} s: {que} (último valor: {valor!r})")


def foto_jpeg() -> bytes:
    imagen = Image.new("RGB", (640, 480), (40, 120, 60))
    salida = io.BytesIO()
    imagen.save(salida, "JPEG", quality=80)
    return salida.getvalue()


def realizadas(sistema: Sistema, docente_id: str) -> int:
    token = sistema.token("esp-ugel-el-collao", "especialista_ugel", **UGEL)
    filas = sistema.api("agenda", "/cumplimiento?anio=2020&nivel=docente&fecha=2020-12-31&ugel=UGEL-EL-COLLAO",
                        token)["filas"]
    return next(f["visitas_realizado"] for f in filas if f["docente_id"] == docente_id)


def test_una_visita_registrada_en_el_telefono_llega_a_la_historia_del_docente_y_al_cumplimiento(
        sistema: Sistema, telefono: Any, navegador: Any) -> None:
    # Given the acompañante logged in on his phone, and one of his docentes among the demo users
    page = telefono.new_page()
    coach = ingresar(page, sistema, "acompanante")
    assert page.url.endswith("/hoy")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hoy")
    lista = navegador.new_page()
    lista.goto(sistema.web + "/entrar")
    docente = lista.locator("button[name=indice]").filter(has_text="docente").first.locator("strong").inner_text()
    lista.close()

    # When he prepares the visit: the docente's file from his caseload, with names and last levels
    page.goto(sistema.web + "/cartera")
    page.get_by_role("link", name=docente, exact=True).click()
    page.wait_for_url(re.compile(r"/docentes/[0-9a-f-]{36}$"))
    docente_id = page.url.rsplit("/", 1)[1]
    assert page.get_by_role("heading", level=1).inner_text() == docente
    assert page.get_by_role("table", name="Último nivel de cada desempeño en la ficha de observación").is_visible()
    antes = realizadas(sistema, docente_id)

    # And records it: realización, observación por desempeño, a commitment and a photo
    page.get_by_role("link", name="Registrar una visita").click()
    page.wait_for_url(re.compile(r"/docentes/.*/visita$"))
    visita_id = page.locator("#paso-1 input[name=id]").input_value()
    page.fill("#fecha_inicio", "2020-10-05")
    page.fill("#fecha_fin", "2020-10-05")  # one day: what every polidocente year still admits (NT-026 §5.6)
    page.get_by_role("button", name="Registrar la realización").click()
    sistema_token = sistema.token("esp-ugel-el-collao", "especialista_ugel", **UGEL)
    esperar(lambda: _visita(sistema, visita_id, sistema_token), "evidencias conoce la visita realizada")

    page.select_option("#nivel_D1", "II")
    page.fill("#evidencia_D1", "Participan 8 de 22 estudiantes; los demás copian de la pizarra.")
    page.fill("#fortalezas", "Trato cordial con los estudiantes")
    page.get_by_role("button", name="Registrar la observación").click()
    esperar(lambda: (_visita(sistema, visita_id, sistema_token) or {}).get("observaciones"), "la observación")

    page.fill("#descripcion", "Preguntar a los estudiantes que no participan")
    page.select_option("#item", "D1")
    page.fill("#fecha_limite", "2020-11-30")
    page.fill("#verificacion", "Observación en la próxima visita")
    page.get_by_role("button", name="Registrar el compromiso").click()
    esperar(lambda: (_visita(sistema, visita_id, sistema_token) or {}).get("compromisos_asumidos"), "el compromiso")

    page.set_input_files("#foto", files=[{"name": "sesion.jpg", "mimeType": "image/jpeg", "buffer": foto_jpeg()}])
    page.get_by_role("button", name="Subir la foto").click()
    esperar(lambda: (_visita(sistema, visita_id, sistema_token) or {}).get("adjuntos"), "la foto", timeout=45)
    page.goto(f"{sistema.web}/visitas/{visita_id}/registrar?docente={docente_id}")
    assert page.get_by_text("Visita realizada del 05/10/2020 al 05/10/2020.").is_visible()
    assert page.get_by_text("1 foto registrada.").is_visible()
    capturar(page, "acompanante-visita-registrada")

    # Then the docente reads it in his own history, with the school, the coach's name and the dates
    telefono.clear_cookies()
    docente_page = telefono.new_page()
    assert ingresar(docente_page, sistema, "docente") == docente
    docente_page.goto(sistema.web + "/mi-historia")
    historia = docente_page.locator("ol.historia").inner_text()
    assert f"por {coach} el 05/10/2020" in historia, historia
    # (what he committed to is read from evidencias, encrypted with his key: the stream, whence the history
    # comes, carries no free text about him since CompromisoAsumido v2)
    assert "Asumió un compromiso" in historia
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", historia), "la historia muestra un identificador"
    capturar(docente_page, "docente-mi-historia")

    # And the UGEL's fulfilment counts the visit, read through the API as the especialista
    assert esperar(lambda: realizadas(sistema, docente_id) == antes + 1, "el cumplimiento cuenta la visita")


def _visita(sistema: Sistema, visita_id: str, token: str) -> dict[str, Any] | None:
    import urllib.error

    try:
        return sistema.api("evidencias", f"/visitas/{visita_id}", token)  # type: ignore[return-value]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
