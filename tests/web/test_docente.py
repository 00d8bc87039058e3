"""The docente's own pages, every page at phone size for review (acceptance 8), the subscribable
calendar, and what a page shows when a service refuses (404 "no existe", 403 "no tiene permiso")."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid
from typing import Any

from tests.web.conftest import Sistema, capturar, ingresar

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def abrir(page: Any, sistema: Sistema, ruta: str) -> str:
    """Open a page, check it is a page for people (a heading, no id in its text) and answer its text."""
    respuesta = page.goto(sistema.web + ruta)
    assert respuesta.status == 200, (ruta, respuesta.status)
    texto = page.locator("main").inner_text()
    assert page.locator("main h1").count() == 1, ruta
    assert not UUID.search(texto), f"{ruta} muestra un identificador: {UUID.search(texto).group()}"
    assert "{" not in texto and "'" not in texto.replace("’", ""), f"{ruta} muestra un volcado de datos"
    return texto


def test_el_docente_lee_su_plan_su_progreso_sus_compromisos_y_su_historia(sistema: Sistema, telefono: Any) -> None:
    # Given a docente of the demo logged in on his phone
    page = telefono.new_page()
    nombre = ingresar(page, sistema, "docente")
    assert page.url.endswith("/mi-plan")
    # Then each of his pages speaks of him by name, with tables that say what they hold
    plan = abrir(page, sistema, "/mi-plan")
    assert nombre in plan and "Su acompañante es" in plan
    assert page.get_by_role("table", name=re.compile("Lo planificado y lo realizado en 2020")).is_visible()
    capturar(page, "docente-mi-plan")
    abrir(page, sistema, "/mi-progreso")
    assert page.get_by_role("row", name=re.compile("C4: Conduce el proceso de enseñanza")).is_visible()
    capturar(page, "docente-mi-progreso")
    compromisos = abrir(page, sistema, "/mis-compromisos")
    assert "Fecha límite" in compromisos
    capturar(page, "docente-mis-compromisos")
    historia = abrir(page, sistema, "/mi-historia")
    assert "Visita realizada en la" in historia and "Quién leyó mis datos" in historia
    capturar(page, "docente-mi-historia-completa")
    abrir(page, sistema, "/encuesta")
    capturar(page, "docente-encuesta")
    # And his answer to the survey is registered once, whoever sends it again
    for pregunta in ("pertinencia", "calidad_formacion", "calidad_recursos", "utilidad_recursos"):
        page.check(f"#{pregunta}-4")
    with page.expect_response(lambda r: r.url.endswith("/cola/encuesta")) as enviada:
        page.get_by_role("button", name="Enviar mi respuesta").click()
    assert enviada.value.json()["estado"] == "registrado"
    # And the coach's pages are not his
    assert page.goto(sistema.web + "/cartera").status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "No tiene permiso"
    # nor the coach's commands: the service that owns one refuses it, and he reads why
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    ajeno = page.request.post(sistema.web + "/cola/necesidad", headers={"X-CSRF-Token": csrf}, data={
        "id": str(uuid.uuid4()), "datos": {"docente_id": str(uuid.uuid4()), "descripcion": "Una necesidad."}})
    assert (ajeno.status, ajeno.json()) == (403, {"estado": "rechazado", "motivo": "No tiene permiso"})


def test_cada_pagina_del_acompanante_en_el_telefono(sistema: Sistema, telefono: Any) -> None:
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante")
    for ruta in ("/hoy", "/cartera", "/reuniones", "/preparar", "/pendientes", "/almacenamiento", "/calendario"):
        abrir(page, sistema, ruta)
        capturar(page, "acompanante" + ruta.replace("/", "-"))
    page.goto(sistema.web + "/cartera")
    page.locator("table a[href^='/docentes/']").first.click()
    page.wait_for_url(re.compile(r"/docentes/[0-9a-f-]{36}$"))
    docente = page.url.rsplit("/", 1)[1]
    for ruta, captura in ((f"/docentes/{docente}", "ficha-docente"), (f"/docentes/{docente}/visita", "registrar-visita"),
                          (f"/docentes/{docente}/evaluacion", "evaluacion-formativa")):
        texto = abrir(page, sistema, ruta)
        assert "actualizado el" in texto.lower(), ruta
        capturar(page, f"acompanante-{captura}")
    # A docente who does not exist (or is not his) is "no existe", never an error dump
    assert page.goto(f"{sistema.web}/docentes/{uuid.uuid4()}").status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "No existe"
    capturar(page, "acompanante-no-existe")


def test_la_agenda_se_suscribe_con_una_direccion_secreta_y_revocable(sistema: Sistema, telefono: Any) -> None:
    # Given the coach creates his calendar address in the app
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante")
    page.goto(sistema.web + "/calendario")
    page.get_by_role("button", name="Crear mi dirección de suscripción").click()
    direccion = page.locator("#direccion").input_value()
    assert re.fullmatch(re.escape(sistema.web) + r"/calendario/[A-Za-z0-9_-]{40,}\.ics", direccion)
    # When a calendar app reads it, with no session at all
    with urllib.request.urlopen(direccion, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/calendar")
        ics = r.read().decode()
    # Then it holds his activities with school and docente names, no ids
    assert "BEGIN:VEVENT" in ics and "IE" in ics
    resumenes = [linea for linea in ics.splitlines() if linea.startswith("SUMMARY")]
    assert resumenes and all("Visita" in s or "GIA" in s or "RTC" in s or "Taller" in s for s in resumenes)
    assert not UUID.search(" ".join(resumenes))
    # And once revoked the address answers nothing
    page.get_by_role("button", name="Dejar de compartir mi agenda").click()
    try:
        urllib.request.urlopen(direccion, timeout=30)
        raise AssertionError("la dirección revocada sigue respondiendo")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404


def test_la_cola_exige_el_token_csrf_y_la_sesion(sistema: Sistema, telefono: Any) -> None:
    page = telefono.new_page()
    sin_sesion = page.request.post(sistema.web + "/cola/observacion", data={"id": str(uuid.uuid4()), "datos": {}})
    assert sin_sesion.status == 401 and sin_sesion.json() == {"estado": "requiere_sesion"}
    ingresar(page, sistema, "acompanante")
    sin_csrf = page.request.post(sistema.web + "/cola/observacion", data={"id": str(uuid.uuid4()), "datos": {}})
    assert sin_csrf.status == 403 and sin_csrf.json()["estado"] == "rechazado"
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    incompleto = page.request.post(sistema.web + "/cola/observacion", headers={"X-CSRF-Token": csrf},
                                   data={"id": str(uuid.uuid4()), "datos": {"visita_id": str(uuid.uuid4())}})
    assert incompleto.status == 422
    assert incompleto.json() == {"estado": "rechazado", "campo": "nivel_D1",
                                 "motivo": "Marque el nivel de al menos un desempeño, con su evidencia."}
    # An id that goes into a service's address is checked first: a form cannot make up a path
    camino = page.request.post(sistema.web + "/cola/retroalimentacion", headers={"X-CSRF-Token": csrf}, data={
        "id": str(uuid.uuid4()), "datos": {"visita_id": f"{uuid.uuid4()}/../../docentes", "dialogo_reflexivo": "Conversamos."}})
    assert camino.status == 422 and camino.json()["campo"] == "visita_id", camino.json()
    # A command sent twice with the same device id is registered once; a rule of the norm answers its reason
    page.goto(sistema.web + "/cartera")
    docente = page.locator("table th a[href^='/docentes/']").nth(1).get_attribute("href").rsplit("/", 1)[1]
    visita = {"id": str(uuid.uuid4()), "datos": {"docente_id": docente, "fecha_inicio": "2020-11-09",
                                                  "fecha_fin": "2020-11-09", "acciones": ["observacion", "asesoria"]}}
    estados = [page.request.post(sistema.web + "/cola/visita_realizada", headers={"X-CSRF-Token": csrf}, data=visita)
               for _ in range(2)]
    assert [(r.status, r.json()["estado"]) for r in estados] == [(200, "registrado"), (200, "ya_registrado")], \
        estados[0].json()
    sin_asesoria = {"id": str(uuid.uuid4()), "datos": {**visita["datos"], "fecha_inicio": "2020-11-11",
                                                        "fecha_fin": "2020-11-11", "acciones": ["observacion"]}}
    rechazo = page.request.post(sistema.web + "/cola/visita_realizada", headers={"X-CSRF-Token": csrf},
                                data=sin_asesoria)
    assert rechazo.status == 422 and rechazo.json()["estado"] == "rechazado"
    assert "NT-026 §5.2.6 a" in rechazo.json()["motivo"]
    ajeno = page.request.post(sistema.web + "/cola/observacion", headers={"X-CSRF-Token": csrf}, data={
        "id": str(uuid.uuid4()), "datos": {"visita_id": str(uuid.uuid4()), "nivel_D1": "II", "evidencia_D1": "x" * 5}})
    # a visit evidencias does not know yet: "en espera" once the service marks it so (codigo en_espera);
    # until then its 422 reason says so and the item is shown rejected with it (services/web/comandos.py)
    assert (ajeno.status, ajeno.json()["estado"]) in ((409, "en_espera"), (422, "rechazado"))
    assert ajeno.status == 409 or "no consta como realizada" in ajeno.json()["motivo"]
    sesion = page.request.get(sistema.web + "/sesion").json()
    assert sesion["activa"] is True and sesion["expira"]
    # the service worker's Background Sync has no page: /sesion gives it the same token as the page's meta
    assert sesion["csrf"] == csrf


def test_salir_exige_el_token_del_formulario(sistema: Sistema, telefono: Any) -> None:
    # Given an acompañante logged in
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante")
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    # When a post to /salir comes without his form's token (another site's form)
    ajeno = page.request.post(sistema.web + "/salir", form={"csrf": "otro-token"}, max_redirects=0)
    # Then nothing changes: no logout, nothing of the site cleared, off to the start page
    assert (ajeno.status, ajeno.headers["location"]) == (303, "/")
    assert "clear-site-data" not in ajeno.headers
    assert page.request.get(sistema.web + "/sesion").json()["activa"] is True
    # When his own form posts it
    propio = page.request.post(sistema.web + "/salir", form={"csrf": csrf}, max_redirects=0)
    # Then the session ends and the browser is told to clear the site's data
    assert (propio.status, propio.headers["location"]) == (303, "/adios")
    assert propio.headers["clear-site-data"] == '"cache", "storage"'
    assert page.request.get(sistema.web + "/sesion").json()["activa"] is False


def test_un_retorno_de_ingreso_abierto_en_otro_navegador_no_inicia_sesion(
        sistema: Sistema, telefono: Any, navegador: Any) -> None:
    # Given someone who logs in as himself but keeps the issuer's callback (code and state) unopened
    otro = telefono.new_page()
    retornos: list[str] = []

    def guardar_retorno(route: Any) -> None:  # the issuer's answer to the login form: a redirect, kept unopened
        if route.request.method != "POST":
            return route.continue_()
        respuesta = route.fetch(max_redirects=0)
        retornos.append(respuesta.headers["location"])
        return route.fulfill(status=200, body="retenido")

    otro.route("**/authorize*", guardar_retorno)
    otro.goto(sistema.web + "/entrar")
    otro.locator("button[name=indice]").filter(has_text="acompanante").first.click()
    otro.wait_for_function("document.body.innerText.includes('retenido')")
    assert retornos, "el emisor no devolvió el retorno"
    # When that callback is opened in a victim's browser (login CSRF)
    ajeno = navegador.new_context()
    victima = ajeno.new_page()
    respuesta = victima.goto(retornos[0])
    # Then no session starts there
    assert respuesta.status == 400
    assert victima.get_by_role("heading", level=1).inner_text() == "No se pudo ingresar"
    assert victima.request.get(sistema.web + "/sesion").json()["activa"] is False
    ajeno.close()
    # while the browser that began the login completes it
    otro.goto(retornos[0])
    assert otro.url.endswith("/hoy")


def test_cada_respuesta_lleva_las_cabeceras_de_seguridad_de_los_servicios(sistema: Sistema, telefono: Any) -> None:
    # Given the start page, a page that does not exist and a static file
    for ruta in ("/", "/no-existe", "/static/app.js"):
        cabeceras = telefono.request.get(sistema.web + ruta).headers
        # Then each carries the services' security headers with the pages' own policy
        assert cabeceras["x-content-type-options"] == "nosniff", ruta
        assert cabeceras["x-frame-options"] == "DENY", ruta
        assert cabeceras["cross-origin-opener-policy"] == "same-origin", ruta
        assert "frame-ancestors 'none'" in cabeceras["content-security-policy"], ruta
        assert f"form-action 'self' {sistema.emisor}" in cabeceras["content-security-policy"], ruta
        assert "strict-transport-security" not in cabeceras, ruta  # local HTTP: WEB_HSTS_SEGUNDOS is 0
