"""Exposure (issue 21, item 7): security headers on every answer, no CORS unless configured, the API's
description only where the setting allows it (development by default) and the metrics behind a token."""

from __future__ import annotations

import pytest

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from tests.conftest import serving

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])  # headers do not depend on the store

ESPECIALISTA = {"X-Usuario": "esp-01", "X-Rol": "especialista_ugel", "X-Ugel": "UGEL-EL-COLLAO"}


def con_cabeceras_de_seguridad(r, hsts: bool = False) -> None:  # noqa: ANN001
    h = r.headers
    assert h["x-content-type-options"] == "nosniff", (r.url, dict(h))
    assert h["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY"
    assert ("strict-transport-security" in h) is hsts
    if hsts:
        assert h["strict-transport-security"].startswith("max-age=31536000")


async def test_cada_respuesta_lleva_las_cabeceras_de_seguridad_y_no_hay_cors(make_settings):
    async with serving(agenda_app(make_settings(AgendaSettings))) as agenda:
        # Given a service in development (its defaults): documented, no HSTS, no CORS
        respuestas = [
            await agenda.get("/v1/planes", params={"anio": 2021}, headers=ESPECIALISTA),  # 200
            await agenda.get("/v1/planes", headers={"Authorization": "Bearer x"}),  # 401
            await agenda.get("/v1/no-existe"),  # 404
            await agenda.get("/healthz"),
            await agenda.get("/openapi.json"),
        ]
        assert [r.status_code for r in respuestas] == [200, 401, 404, 200, 200]
        for r in respuestas:
            con_cabeceras_de_seguridad(r)
            assert "access-control-allow-origin" not in r.headers
        assert respuestas[0].headers["content-security-policy"].startswith("default-src 'none'")
        docs = await agenda.get("/docs")
        assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
        con_cabeceras_de_seguridad(docs)
        # and a browser from another origin gets no CORS permission
        r = await agenda.options("/v1/planes", headers={"Origin": "https://otro.example",
                                                        "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in r.headers


async def test_en_produccion_sin_documentacion_metricas_con_token_hsts_y_cors_declarado(make_settings):
    # Given the settings of a deployment behind TLS: no documentation, metrics token, HSTS, one origin
    settings = make_settings(AgendaSettings, documentacion=False, metricas_token="token-de-monitoreo",
                             hsts_segundos=31536000, cors_origenes=["https://acompana.minedu.gob.pe"])
    assert AgendaSettings(entorno="produccion").documentacion_publica is False  # the default outside development
    assert AgendaSettings(entorno="desarrollo").documentacion_publica is True
    async with serving(agenda_app(settings)) as agenda:
        # Then /docs and /openapi.json do not exist
        for ruta in ("/docs", "/openapi.json", "/redoc"):
            r = await agenda.get(ruta)
            assert r.status_code == 404, ruta
            con_cabeceras_de_seguridad(r, hsts=True)
        # and /metrics answers only with the monitoring token (a user's token is not it)
        assert (await agenda.get("/metrics", headers={"Authorization": ""})).status_code == 401
        assert (await agenda.get("/metrics", headers=ESPECIALISTA)).status_code == 401
        r = await agenda.get("/metrics", headers={"Authorization": "Bearer token-de-monitoreo"})
        assert r.status_code == 200 and "acompana_outbox_pendientes" in r.text
        # and only the configured origin may call from a browser
        r = await agenda.options("/v1/planes", headers={"Origin": "https://acompana.minedu.gob.pe",
                                                        "Access-Control-Request-Method": "GET"})
        assert r.headers["access-control-allow-origin"] == "https://acompana.minedu.gob.pe"
        r = await agenda.options("/v1/planes", headers={"Origin": "https://otro.example",
                                                        "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in r.headers


async def test_cors_admite_solo_los_metodos_que_las_rutas_del_servicio_responden(make_settings):
    # Given agenda (which has a PUT route: a school's directivo) and focalizacion (GET and POST only), each
    # open to one origin
    origen = "https://acompana.minedu.gob.pe"
    agenda = agenda_app(make_settings(AgendaSettings, cors_origenes=[origen]))
    focalizacion = focalizacion_app(make_settings(FocalizacionSettings, cors_origenes=[origen]))
    async with serving(agenda) as a, serving(focalizacion) as f:
        async def permite(servicio, ruta: str, metodo: str) -> bool:  # noqa: ANN001
            r = await servicio.options(ruta, headers={"Origin": origen,
                                                      "Access-Control-Request-Method": metodo})
            return r.status_code == 200 and metodo in r.headers.get("access-control-allow-methods", "")
        # Then a browser at that origin may use the methods each service's routes answer, and no other
        assert await permite(a, "/v1/instituciones/0236885/0/directivo", "PUT")
        assert await permite(a, "/v1/planes", "GET") and await permite(f, "/v1/docentes", "POST")
        assert not await permite(f, "/v1/docentes", "PUT")
        assert not await permite(a, "/v1/planes", "DELETE") and not await permite(a, "/v1/planes", "PATCH")
