"""The outbox against the real system: a lost answer, a replayed queue and two tabs record once (issue 17,
acceptance 3); a rejected item keeps the service's reason until it is corrected (acceptance 4); logging out
with pending items warns, and a confirmed logout leaves nothing of the app in the browser (acceptance 5)."""

from __future__ import annotations

import time
import urllib.error
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, Route

from tests.web.conftest import Sistema, ingresar
from tests.web.offline_apoyo import (
    esperar,
    esperar_estados,
    esperar_guardado,
    items_de_la_cola,
    preparar_sin_conexion,
    registrar_compromiso,
    registrar_observacion,
    registrar_realizacion,
    temas_en_el_stream,
    url_de_nats,
    urls_de_visita_nueva,
)

pytestmark = pytest.mark.timeout(300)
TODOS_ENVIADOS = {"registrado", "ya_registrado"}


@pytest.fixture
def acompanante(telefono: Any, sistema: Sistema) -> Page:
    """A coach logged in on a phone (the second demo coach: the online tests use the first)."""
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante", 1)
    return page


def lo_registrado(sistema: Sistema, page: Page, visita_id: str) -> dict[str, Any]:
    """What the services hold of one visit: agenda's history of it and evidencias' record."""
    usuario = page.evaluate("document.body.dataset.usuario")
    token = sistema.token(usuario, "acompanante", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")
    actividad: Any = sistema.api("agenda", f"/actividades/{visita_id}", token)
    visita: Any = None
    limite = time.monotonic() + 30
    while visita is None:  # evidencias learns of the visit from agenda's fact, a moment later
        try:
            visita = sistema.api("evidencias", f"/visitas/{visita_id}", token)
        except urllib.error.HTTPError as exc:
            if exc.code != 404 or time.monotonic() > limite:
                raise
            time.sleep(0.2)
    return {
        "realizada": [h["evento"] for h in actividad["historial"]].count("realizada"),
        "observaciones": {k: len(v) for k, v in visita["observaciones"].items()},
        "compromisos": sorted(c["compromiso_id"] for c in visita["compromisos_asumidos"]),
    }


def hechos_publicados(sistema: Sistema, *ids: str) -> dict[str, Counter[str]]:
    """Per id, how many facts of each kind the stream holds that name it."""
    temas = temas_en_el_stream(url_de_nats(sistema.datos), list(ids))
    return {i: Counter(t.split(".")[2] for t in ts) for i, ts in temas.items()}


def sincronizar_y_esperar(page: Page, sistema: Sistema) -> list[tuple[str, str]]:
    page.goto(sistema.web + "/pendientes")
    page.click("main [data-sincronizar]")
    return esperar_estados(page, lambda e: {s for _, s in e} <= TODOS_ENVIADOS, que="todo enviado")


def test_una_respuesta_perdida_termina_en_ya_registrado_con_un_solo_registro(
    acompanante: Page, sistema: Sistema
) -> None:
    page = acompanante
    # Given a coach on a new visit, and a network that loses the server's first answer after it was applied
    page.goto(sistema.web + urls_de_visita_nueva(page)[0])
    aplicadas: list[int] = []

    def perder_la_respuesta(route: Route) -> None:
        aplicadas.append(route.fetch().status)  # the server applies it ...
        route.abort("connectionreset")  # ... and its answer never reaches the phone

    page.route("**/cola/visita_realizada", perder_la_respuesta)
    # When he records that the visit happened
    visita_id = registrar_realizacion(page)
    esperar(lambda: aplicadas, que="el servidor recibió la visita", page=page)
    esperar(
        lambda: [i for i in items_de_la_cola(page) if i["estado"] == "pendiente"],
        que="sigue pendiente",
        page=page,
    )
    page.unroute("**/cola/visita_realizada")
    # and the phone sends it again
    estados = sincronizar_y_esperar(page, sistema)
    # Then the retry ends "ya registrado", and agenda and the stream hold the visit once
    assert aplicadas == [200]
    assert estados == [("visita_realizada", "ya_registrado")]
    assert lo_registrado(sistema, page, visita_id)["realizada"] == 1
    assert hechos_publicados(sistema, visita_id)[visita_id]["VisitaRealizada"] == 1


def test_la_cola_entera_reenviada_tres_veces_no_registra_nada_nuevo(
    acompanante: Page, sistema: Sistema
) -> None:
    page = acompanante
    # Given a visit with its observation and a commitment, sent and registered
    page.goto(sistema.web + urls_de_visita_nueva(page)[1])
    visita_id = registrar_realizacion(page)
    observacion_id = registrar_observacion(page)
    compromiso_id = registrar_compromiso(page)
    # (an answer cut by leaving the page is sent again, and ends "registrado" all the same: all are sent)
    assert [t for t, _ in sincronizar_y_esperar(page, sistema)] == [
        "compromiso",
        "observacion",
        "visita_realizada",
    ]
    antes = lo_registrado(sistema, page, visita_id)
    publicados = hechos_publicados(sistema, visita_id, observacion_id, compromiso_id)
    assert antes == {"realizada": 1, "observaciones": {observacion_id: 1}, "compromisos": [compromiso_id]}
    # When the whole queue is sent again, three times
    for _ in range(3):
        page.evaluate("""() => Acompana.todosLosItems().then(l => Promise.all(l.map(i =>
            Acompana.guardarItem(Object.assign(i, {estado: 'pendiente', proximo: 0})))))""")
        estados = sincronizar_y_esperar(page, sistema)
        # Then every item answers "ya registrado" and nothing new is recorded or published
        assert estados == [
            ("compromiso", "ya_registrado"),
            ("observacion", "ya_registrado"),
            ("visita_realizada", "ya_registrado"),
        ]
    assert lo_registrado(sistema, page, visita_id) == antes
    assert hechos_publicados(sistema, visita_id, observacion_id, compromiso_id) == publicados


def test_dos_pestanas_que_sincronizan_a_la_vez_envian_una_sola_vez(
    acompanante: Page, sistema: Sistema
) -> None:
    page = acompanante
    # Given a visit saved on the phone while the server could not be reached, and a second tab open
    page.goto(sistema.web + urls_de_visita_nueva(page)[2])
    page.route("**/cola/**", lambda route: route.abort("connectionrefused"))
    visita_id = registrar_realizacion(page)
    esperar(
        lambda: [i for i in items_de_la_cola(page) if i["estado"] == "pendiente"], que="pendiente", page=page
    )
    enviados: list[str] = []
    page.context.on(
        "requestfinished",
        lambda r: enviados.append(r.url) if "/cola/" in r.url and r.method == "POST" else None,
    )

    def lento(route: Route) -> None:  # a slow network: both tabs are surely flushing at the same time
        page.wait_for_timeout(800)
        route.continue_()

    page.context.route("**/cola/**", lento)
    page.unroute("**/cola/**")
    otra = page.context.new_page()
    otra.goto(sistema.web + "/pendientes")  # a page load flushes too
    # When both tabs sync at once
    for pestana in (page, otra):
        pestana.evaluate("() => { window.sincronizado = Acompana.sincronizar(true); }")
    for pestana in (page, otra):
        pestana.evaluate("() => window.sincronizado")
    # Then the item was sent once, and recorded once
    assert len(enviados) == 1, enviados
    assert [i["estado"] for i in items_de_la_cola(otra)] == ["registrado"]
    page.context.unroute_all(behavior="ignoreErrors")
    assert lo_registrado(sistema, page, visita_id)["realizada"] == 1


def test_un_rechazo_muestra_el_motivo_y_queda_hasta_corregirlo(acompanante: Page, sistema: Sistema) -> None:
    page = acompanante
    # Given a registered visit
    page.goto(sistema.web + urls_de_visita_nueva(page)[3])
    visita_id = registrar_realizacion(page)
    esperar(
        lambda: [i for i in items_de_la_cola(page) if i["estado"] == "registrado"], que="visita", page=page
    )
    # When its observation goes without the evidence for the level it marks
    registrar_observacion(page, evidencia="")
    # Then the item shows as rejected with the service's reason, and stays after a reload and a sync
    page.goto(sistema.web + "/pendientes")
    esperar_estados(page, lambda e: ("observacion", "rechazado") in e, que="observación rechazada")
    page.reload()
    page.click("main [data-sincronizar]")
    page.wait_for_timeout(1500)
    fila = page.locator(".item-cola[data-tipo=observacion]")
    assert fila.get_attribute("data-estado") == "rechazado"
    assert "Cada nivel necesita la evidencia que lo sustenta." in fila.inner_text()
    # When he corrects it: the form comes back filled, the field marked, and he adds the evidence
    fila.get_by_role("button", name="Corregir").click()
    page.wait_for_url("**/visita*")
    campo = page.locator("form[data-cola=observacion] textarea[aria-invalid=true]")
    assert campo.evaluate("e => e === document.activeElement")
    campo.fill("Pide a los estudiantes que expliquen cómo resolvieron el problema.")
    page.locator("form[data-cola=observacion] button[type=submit]").click()
    esperar_guardado(page, "observacion")  # on the phone before leaving the page
    # Then the corrected observation is registered and the rejected one is gone
    page.goto(sistema.web + "/pendientes")
    estados = esperar_estados(page, lambda e: ("observacion", "registrado") in e, que="corregida")
    assert sorted(estados) == [("observacion", "registrado"), ("visita_realizada", "registrado")]
    assert len(lo_registrado(sistema, page, visita_id)["observaciones"]) == 1


def test_salir_con_pendientes_advierte_y_al_confirmar_no_deja_nada_en_el_navegador(
    acompanante: Page, sistema: Sistema
) -> None:
    page = acompanante
    # Given a coach who prepared his week and has an item the server has not received
    preparar_sin_conexion(page, sistema.web)
    page.goto(sistema.web + urls_de_visita_nueva(page)[4])
    page.route("**/cola/**", lambda route: route.abort("connectionrefused"))
    registrar_realizacion(page)
    avisos: list[str] = []

    def responder(aceptar: bool) -> Any:
        def handler(dialog: Dialog) -> None:
            avisos.append(dialog.message)
            dialog.accept() if aceptar else dialog.dismiss()

        return handler

    # When he logs out but cancels at the warning
    page.once("dialog", responder(False))
    page.click("header [data-salir] button")
    esperar(lambda: avisos, que="la advertencia", page=page)
    # Then he stays, and the item is still there
    assert "Tiene registros sin enviar" in avisos[0]
    assert esperar(
        lambda: [i["estado"] for i in items_de_la_cola(page)] == ["pendiente"], que="pendiente", page=page
    )
    assert page.evaluate("document.body.dataset.usuario")
    # When he logs out and confirms
    page.once("dialog", responder(True))
    page.click("header [data-salir] button")
    page.wait_for_url("**/adios")
    # Then no cache, no IndexedDB data and no service worker of the app remain
    assert page.evaluate("caches.keys()") == []
    assert [d["name"] for d in page.evaluate("indexedDB.databases()")] == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0


def test_la_visita_y_su_retroalimentacion_con_el_mismo_id_se_guardan_las_dos(
    acompanante: Page, sistema: Sistema
) -> None:
    page = acompanante
    # Given the server out of reach: the visit and its feedback wait on the phone (both carry the visit's id)
    page.goto(sistema.web + urls_de_visita_nueva(page)[-1])
    page.route("**/cola/**", lambda route: route.abort("connectionrefused"))
    visita_id = registrar_realizacion(page)
    form = page.locator("form[data-cola=retroalimentacion]")
    assert form.locator("input[name=id]").input_value() == visita_id
    form.locator("textarea[name=dialogo_reflexivo]").fill("Conversamos sobre las preguntas abiertas.")
    form.locator("button[type=submit]").click()
    esperar_guardado(page, "retroalimentacion")
    # Then both are kept, neither replaces the other
    assert sorted(i["tipo"] for i in items_de_la_cola(page)) == ["retroalimentacion", "visita_realizada"]
    # and once the server answers, the visit is registered and its feedback is still on the phone (sent, or
    # waiting for the visit to reach evidencias)
    page.unroute("**/cola/**")
    page.goto(sistema.web + "/pendientes")
    page.click("main [data-sincronizar]")
    estados = esperar_estados(
        page, lambda e: ("visita_realizada", "registrado") in e, que="visita registrada"
    )
    assert sorted(t for t, _ in estados) == ["retroalimentacion", "visita_realizada"]
