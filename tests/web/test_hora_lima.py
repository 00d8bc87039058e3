"""Times and "today" are Lima's, whatever the server's clock; a valuation names its competency."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.web import frases, i18n
from tests.web.conftest import LIMA


def test_la_hora_de_actualizacion_se_lee_en_hora_de_lima() -> None:
    # Given an instant the services keep in UTC: 05:01 on the 7th is 00:01 in Lima
    instante = "2026-12-07T05:01:00+00:00"
    # Then the page says Lima's hour and day
    assert i18n.fecha_hora(instante) == "07/12/2026 00:01"
    assert i18n.fecha_hora(datetime(2026, 12, 7, 5, 1)) == "07/12/2026 00:01"  # no zone: UTC, as stored


def test_hoy_es_la_fecha_de_lima_aunque_en_utc_ya_sea_manana() -> None:
    # Given 03:00 UTC on the 7th: still the evening of the 6th in Lima
    assert i18n.hoy(datetime(2026, 12, 7, 3, 0, tzinfo=UTC)).isoformat() == "2026-12-06"
    assert i18n.hoy(datetime(2026, 12, 7, 6, 0, tzinfo=UTC)).isoformat() == "2026-12-07"


def test_las_paginas_no_toman_la_fecha_del_servidor() -> None:
    # the coach's pages say "hoy" with Lima's date: no call to the server's date.today()
    fuente = ast.parse((Path(i18n.__file__).parent / "paginas.py").read_text())
    llamadas = [ast.unparse(n.func) for n in ast.walk(fuente) if isinstance(n, ast.Call)]
    assert "date.today" not in llamadas
    assert "i18n.hoy" in llamadas


def test_la_valoracion_nombra_la_competencia() -> None:
    texto = frases.hecho({"evento": "NivelCompetenciaValorado", "registrado_en": "2020-10-06",
                          "contenido": {"competencia": "C4", "nivel": "III"}}, {}, {})
    assert texto.startswith("Se valoró su competencia «C4: Conduce el proceso de enseñanza»: nivel III.")


def test_el_navegador_de_las_pruebas_lee_las_fechas_como_en_el_peru(navegador: Any) -> None:
    # Given the tests' browser as a person in Lima has it, and a date field
    contexto = navegador.new_context(**LIMA)
    page = contexto.new_page()
    page.set_content('<input type="date" id="fecha" value="2020-12-31">')
    # When a test types a date there: it types ISO, as the field keeps it whatever the language
    page.fill("#fecha", "2020-06-30")
    assert page.input_value("#fecha") == "2020-06-30"
    # Then dates and hours are Lima's, and the browser's own language, which draws the field (30/06/2020 rather
    # than 06/30/2020, as the screenshots show it), is Spanish
    assert page.evaluate("new Date(2020, 11, 31).toLocaleDateString()") == "31/12/2020"
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/Lima"
    propio = navegador.new_context()  # no locale of its own: the browser's
    idioma = propio.new_page().evaluate("navigator.language")
    propio.close()
    contexto.close()
    assert idioma.startswith("es"), f"{idioma}: chromium without its Spanish (Debian's chromium-l10n)"
