"""One acta page for the coach's GIA and RTC and for the directivo's RTC: the return address, the link back
and the offline outbox are the page's variables, not a copy of the template."""

from __future__ import annotations

import re
from typing import Any

from services.web import vistas


def acta(**datos: Any) -> str:
    actividad = {"actividad_id": "a1", "frase": "RTC realizada en la IEI N°246, el 05/10/2020."}
    lista = {"titulo": "Lista de cotejo", "items": [{"clave": "c1", "titulo": "Se revisaron los acuerdos"}]}
    return vistas.ENTORNO.get_template("acta.html").render(
        sesion=None, csrf="t", ruta="/", actividad=actividad, llamados=[], lista=lista, **{"acta": None, **datos})


def test_el_acta_del_acompanante_va_a_la_cola_y_vuelve_a_su_reunion() -> None:
    html = acta(volver="/reuniones/a1/acta", cola=True)
    assert re.search(r'<form method="post" action="/registrar/acta" data-cola="acta">', html)
    assert 'name="volver" value="/reuniones/a1/acta"' in html
    assert "Volver a mi IE" not in html


def test_el_acta_del_directivo_vuelve_a_su_ie_sin_cola() -> None:
    html = acta(volver="/mi-ie/reuniones/a1/acta", regreso={"href": "/mi-ie", "texto": "Volver a mi IE"})
    assert 'name="volver" value="/mi-ie/reuniones/a1/acta"' in html
    assert '<a href="/mi-ie">Volver a mi IE</a>' in html
    assert "data-cola" not in html


def test_el_acta_de_una_rtc_aun_no_realizada_pide_esperar() -> None:
    html = acta(volver="/mi-ie/reuniones/a1/acta", en_camino=True)
    assert "aún no consta como realizada" in html and "<form" not in html


def test_no_queda_una_copia_del_acta() -> None:
    assert not (vistas.TEMPLATES / "mi_ie_acta.html").exists()


def test_el_acta_registrada_dice_cada_respuesta_de_la_lista_sin_doble_puntuacion() -> None:
    registrada = {"registrada_en": "2026-12-07", "asistencia": [("Rosa Condori Quispe", "presente")],
                  "acuerdos": [], "nudos_criticos": [], "cotejo": [("La reunión fue liderada por el directivo.", "Sí")]}
    html = acta(volver="/reuniones/a1/acta", acta=registrada)
    assert "La reunión fue liderada por el directivo: Sí" in html and ".: Sí" not in html
