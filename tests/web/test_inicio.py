"""After login each role lands on the first page of its desk; only a role without pages yet lands on /inicio,
which says what it can use meanwhile."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient

from services.web import vistas
from services.web.config import WebSettings
from services.web.ingreso import INICIO
from services.web.main import create_app
from shared.autorizacion import TODOS

SIN_PAGINAS = {"sistema"}


def test_cada_rol_con_escritorio_empieza_en_su_primera_pagina(tmp_path: Path) -> None:
    # Given the web application with every desk
    cliente = TestClient(create_app(WebSettings(data_dir=tmp_path)), follow_redirects=False)
    # Then each role with a desk starts on the desk's first page, a page the application serves
    escritorios = ("directivo", "especialista_ugel", "especialista_dre", "minedu", "auditor", "administrador")
    assert {rol: INICIO.get(rol) for rol in escritorios} == {
        "directivo": "/mi-ie", "especialista_ugel": "/ugel/cumplimiento", "especialista_dre": "/region/cumplimiento",
        "minedu": "/region/cumplimiento", "auditor": "/auditoria", "administrador": "/administracion/padron"}
    assert {rol for rol in TODOS if rol not in INICIO} == SIN_PAGINAS
    # (without a session each of them sends to the login: none is missing)
    assert {p: cliente.get(p).headers.get("location") for p in INICIO.values()} == {
        p: f"/entrar?destino={quote(p)}" for p in INICIO.values()}


def test_la_pagina_en_preparacion_dice_que_usar_mientras_tanto() -> None:
    # When a role without pages yet opens /inicio
    html = vistas.ENTORNO.get_template("inicio.html").render(sesion=None, csrf="", ruta="/inicio")
    # Then it reads that its pages are coming and which reports it can have meanwhile
    assert "en preparación" in html
    assert "Mientras tanto" in html and "cumplimiento de las estrategias" in html
    assert "resultados de cada etapa" in html
