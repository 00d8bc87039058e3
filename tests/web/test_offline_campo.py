"""The coach in the field, against the whole system (issue 17): a visit recorded with every server stopped
reaches the services once (acceptance 2); an item "en espera" goes through by itself once what it waits for
arrives (acceptance 4); a session that ended while offline keeps the items as "requiere iniciar sesión" and
they are sent after logging in (acceptance 5).

"Stopped" is SIGSTOP on the launcher and every process under it (the local issuer lives in the launcher): they
answer nothing, as with no signal in the field, and SIGCONT brings them back with their state."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Sistema, ingresar
from tests.web.offline_apoyo import (
    abrir_perfil,
    detener,
    esperar,
    esperar_estados,
    expirar_sesiones,
    foto_12_megapixeles,
    items_de_la_cola,
    preparar_sin_conexion,
    procesos_del_sistema,
    reanudar,
    registrar_compromiso,
    registrar_foto,
    registrar_observacion,
    registrar_realizacion,
    temas_en_el_stream,
    url_de_nats,
    urls_de_visita_nueva,
)

pytestmark = pytest.mark.timeout(400)
ENVIADOS = {"registrado", "ya_registrado"}


def adelantar(page: Any) -> None:
    """Ten seconds more on the page's clock (installed with ``clock.install``): the page's periodic sync
    (every 10 s) and a retry's wait come due now rather than in real seconds; what they send is up to the
    page."""
    page.clock.fast_forward(10_000)


def lo_registrado(sistema: Sistema, usuario: str, visita_id: str) -> dict[str, Any]:
    token = sistema.token(usuario, "acompanante", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")
    actividad: Any = sistema.api("agenda", f"/actividades/{visita_id}", token)
    visita: Any = sistema.api("evidencias", f"/visitas/{visita_id}", token)
    return {
        "realizada": [h["evento"] for h in actividad["historial"]].count("realizada"),
        "observaciones": {k: len(v) for k, v in visita["observaciones"].items()},
        "compromisos": [c["compromiso_id"] for c in visita["compromisos_asumidos"]],
        "adjuntos": len(visita["adjuntos"]),
    }


def test_una_visita_registrada_sin_senal_llega_una_sola_vez(
    navegador: Any, sistema: Sistema, tmp_path: Path
) -> None:
    foto = foto_12_megapixeles(tmp_path / "foto.jpg")
    contexto = abrir_perfil(navegador, tmp_path / "perfil")
    page = contexto.new_page()
    ingresar(page, sistema, "acompanante", 2)
    usuario = page.evaluate("document.body.dataset.usuario")
    # Given a coach who prepared his week with signal
    preparar_sin_conexion(page, sistema.web)
    visita = urls_de_visita_nueva(page)[0]
    servidores = procesos_del_sistema(sistema.proceso.pid)
    # When every server stops
    detener(servidores)
    try:
        # and he records a visit with its observation, a commitment and a photo
        page.goto(sistema.web + visita)
        assert "Actualizado el" in page.inner_text("main")
        visita_id = registrar_realizacion(page)
        observacion_id = registrar_observacion(page)
        compromiso_id = registrar_compromiso(page)
        registrar_foto(page, foto)
        # and closes the browser and opens it again
        contexto.close()
        contexto = abrir_perfil(navegador, tmp_path / "perfil")
        contexto.clock.install()  # the page's own clock, to let its time pass sooner (``adelantar``)
        page = contexto.new_page()
        # Then the pages open from the phone, and every item is "pendiente"
        page.goto(sistema.web + "/pendientes")
        estados = esperar_estados(page, lambda e: len(e) == 4, que="cuatro registros en el teléfono")
        assert sorted(estados) == [
            ("adjunto", "pendiente"),
            ("compromiso", "pendiente"),
            ("observacion", "pendiente"),
            ("visita_realizada", "pendiente"),
        ]
        page.goto(sistema.web + visita)
        assert "Actualizado el" in page.inner_text("main")
        # and the saved copy of the page gives a new observation its own id (not the first one's again)
        nueva = page.locator("form[data-cola=observacion] input[name=id]").input_value()
        assert nueva and nueva != observacion_id
        fotos = [i for i in items_de_la_cola(page) if i["tipo"] == "adjunto"]
        assert fotos[0]["tamano"] <= 300 * 1024, fotos  # a 12-megapixel photo, compressed on the phone
    finally:
        reanudar(servidores)
    # When the servers are back
    page.goto(sistema.web + "/pendientes")
    # Then every item ends "registrado" (the page's time passing, as in ``adelantar``), and the services and
    # the stream hold exactly one of each
    esperar_estados(
        page,
        lambda e: adelantar(page) or (len(e) == 4 and {s for _, s in e} == {"registrado"}),
        timeout=120,
        que="todo registrado",
    )
    assert lo_registrado(sistema, usuario, visita_id) == {
        "realizada": 1,
        "observaciones": {observacion_id: 1},
        "compromisos": [compromiso_id],
        "adjuntos": 1,
    }
    temas = temas_en_el_stream(
        url_de_nats(sistema.datos), [visita_id, observacion_id, compromiso_id, fotos[0]["sha256"]]
    )
    assert Counter(t.split(".")[2] for t in temas[visita_id])["VisitaRealizada"] == 1
    assert [t.split(".")[2] for t in temas[observacion_id]] == ["ObservacionRegistrada"]
    assert [t.split(".")[2] for t in temas[compromiso_id]] == ["CompromisoAsumido"]
    assert len(temas[fotos[0]["sha256"]]) <= 1  # the photo's fact, if its content is published at all, once
    contexto.close()


def test_lo_que_espera_a_la_visita_se_envia_solo_cuando_la_visita_llega(
    telefono: Any, sistema: Sistema
) -> None:
    telefono.clock.install()  # the page's own clock, to let its time pass sooner (``adelantar``)
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante", 2)
    page.goto(sistema.web + urls_de_visita_nueva(page)[1])
    nats = procesos_del_sistema(sistema.proceso.pid, "nats-server")
    # Given the bus stopped: agenda records the visit but its fact cannot reach evidencias
    detener(nats)
    try:
        registrar_realizacion(page)
        esperar(
            lambda: [i for i in items_de_la_cola(page) if i["estado"] == "registrado"],
            que="visita",
            page=page,
        )
        # When the observation of that visit is sent
        registrar_observacion(page)
        # Then it waits: "en espera", with the service's reason
        espera = esperar(
            lambda: [i for i in items_de_la_cola(page) if i["estado"] == "en_espera"],
            que="observación en espera",
            page=page,
        )
        assert espera[0]["tipo"] == "observacion" and espera[0]["motivo"]
    finally:
        reanudar(nats)
    # When the visit's fact arrives, the observation goes through by itself (nobody presses anything: the
    # page's time passes, ten seconds at each look, and with it its periodic sync and each retry's wait end)
    esperar(
        lambda: adelantar(page)
        or sorted(i["estado"] for i in items_de_la_cola(page)) == ["registrado", "registrado"],
        timeout=120,
        que="la observación registrada sola",
        page=page,
    )


def test_una_sesion_vencida_sin_senal_guarda_lo_registrado_hasta_volver_a_ingresar(
    telefono: Any, sistema: Sistema
) -> None:
    page = telefono.new_page()
    ingresar(page, sistema, "acompanante", 2)
    usuario = page.evaluate("document.body.dataset.usuario")
    preparar_sin_conexion(page, sistema.web)
    visita = urls_de_visita_nueva(page)[2]
    servidores = procesos_del_sistema(sistema.proceso.pid)
    # Given a visit recorded with no signal, while his session ends on the server
    detener(servidores)
    try:
        page.goto(sistema.web + visita)
        registrar_realizacion(page)
        expirar_sesiones(sistema.datos, usuario)
    finally:
        reanudar(servidores)
    # When the signal comes back, with the visit's page still open
    # Then the item is kept, "requiere iniciar sesión"
    esperar(
        lambda: [i["estado"] for i in items_de_la_cola(page)] == ["requiere_sesion"],
        timeout=60,
        que="requiere iniciar sesión",
        page=page,
    )
    assert page.locator(".cola-estados li[data-estado=requiere_sesion]").is_visible()
    # When he logs in again, it is sent
    ingresar(page, sistema, "acompanante", 2)
    esperar(
        lambda: [i["estado"] for i in items_de_la_cola(page)] == ["registrado"],
        timeout=60,
        que="registrado tras ingresar",
        page=page,
    )
