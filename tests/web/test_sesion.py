"""Login and session on the server, against the local issuer over HTTP: the code grant needs its PKCE
verifier, the ID token is verified, an expired access token is refreshed on the server, and a revoked
session is over at once."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from services.web.config import WebSettings
from services.web.oidc import IngresoFallido, Proveedor
from services.web.sesiones import Sesiones, huella
from shared.emisor import EmisorLocal

USUARIO = {"usuario": "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55", "rol": "acompanante", "nombre": "Rosa Mamani",
           "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}


def correr(corrutina: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on its own loop in another thread: the browser tests' playwright holds this thread's."""
    with ThreadPoolExecutor(1) as hilo:
        return hilo.submit(asyncio.run, corrutina).result()


@pytest.fixture
def proveedor() -> Proveedor:
    emisor = EmisorLocal("http://127.0.0.1:0")
    servidor = emisor.servir("127.0.0.1", 0)
    emisor.url = f"http://127.0.0.1:{servidor.server_address[1]}"
    web = "http://127.0.0.1:8000"
    emisor.registrar_cliente("acompana-web", "secreto-de-prueba", [f"{web}/entrar/retorno"],
                             cuenta={"usuario": "web-calendario", "rol": "sistema"})
    emisor.usuarios = [USUARIO]
    yield Proveedor(WebSettings(oidc_emisor=emisor.url, oidc_secreto="secreto-de-prueba", url_publica=web))
    servidor.shutdown()


async def elegir_usuario(url: str) -> dict[str, str]:
    """What the browser does on the issuer's login page: submit its form choosing the first user."""
    async with httpx.AsyncClient() as http:
        pagina = (await http.get(url)).text
        assert "Rosa Mamani" in pagina
        campos = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', pagina))
        destino = url.split("/authorize")[0] + "/authorize"
        r = await http.post(destino, data={**{k: v.replace("&amp;", "&") for k, v in campos.items()}, "indice": "0"})
    assert r.status_code == 302
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["location"]).query))


async def _caso_el_codigo_se_canjea_solo_con_su_verificador_pkce(proveedor: Proveedor) -> None:
    url, estado, verificador, nonce = await proveedor.url_de_ingreso()
    assert "code_challenge_method=S256" in url and "code_challenge=" in url
    retorno = await elegir_usuario(url)
    assert retorno["state"] == estado
    with pytest.raises(IngresoFallido):
        await proveedor.canjear(retorno["code"], "otro-verificador-" + "x" * 40, nonce)
    url, estado, verificador, nonce = await proveedor.url_de_ingreso()
    retorno = await elegir_usuario(url)
    claims, tokens = await proveedor.canjear(retorno["code"], verificador, nonce)
    assert (claims["sub"], claims["rol"], claims["ugel"], claims["name"]) == (
        USUARIO["usuario"], "acompanante", "UGEL-EL-COLLAO", "Rosa Mamani")
    with pytest.raises(IngresoFallido):  # a code is used once
        await proveedor.canjear(retorno["code"], verificador, nonce)
    assert tokens["refresh_token"] and tokens["expires_at"] > time.time()


async def _caso_un_token_vencido_se_renueva_en_el_servidor_y_la_sesion_revocada_termina(proveedor: Proveedor,
                                                                                         tmp_path) -> None:
    url, _estado, verificador, nonce = await proveedor.url_de_ingreso()
    retorno = await elegir_usuario(url)
    claims, tokens = await proveedor.canjear(retorno["code"], verificador, nonce)
    sesiones = Sesiones(f"sqlite:///{tmp_path / 'web.sqlite'}", dias=14)
    cookie = sesiones.crear(claims, tokens)
    # the cookie is not what the table holds
    with sesiones.engine.connect() as conn:
        guardados = [f[0] for f in conn.exec_driver_sql("SELECT id_hash FROM web_sesion")]
    assert guardados == [huella(cookie)] and cookie not in guardados
    sesion = sesiones.leer(cookie)
    assert sesion is not None and sesion.expira > time.time() + 13.9 * 86400

    # Given days offline: the access token expired
    vencidos = {**sesion.tokens, "expires_at": time.time() - 10}
    # When the coach comes back, the server refreshes it with the refresh token
    nuevos = await proveedor.vigente(vencidos)
    assert nuevos is not None and nuevos["access_token"] != tokens["access_token"]
    assert nuevos["expires_at"] > time.time() + 600
    assert await proveedor.vigente(vencidos) is None, "un token de refresco se usa una vez"

    # And logging out revokes the session on the server
    sesiones.revocar(cookie)
    assert sesiones.leer(cookie) is None
    otra = sesiones.crear(claims, tokens)
    assert sesiones.revocar_de(claims["sub"]) == 1 and sesiones.leer(otra) is None
    sesiones.close()


async def _caso_la_web_obtiene_su_propio_token_para_el_calendario(proveedor: Proveedor) -> None:
    token = await proveedor.token_propio()
    assert token == await proveedor.token_propio()  # cached while in force
    import jwt

    assert jwt.decode(token, options={"verify_signature": False})["rol"] == "sistema"


def test_el_codigo_se_canjea_solo_con_su_verificador_pkce(proveedor: Proveedor) -> None:
    correr(_caso_el_codigo_se_canjea_solo_con_su_verificador_pkce(proveedor))


def test_un_token_vencido_se_renueva_en_el_servidor_y_la_sesion_revocada_termina(proveedor: Proveedor,
                                                                                 tmp_path) -> None:
    correr(_caso_un_token_vencido_se_renueva_en_el_servidor_y_la_sesion_revocada_termina(proveedor, tmp_path))


def test_la_web_obtiene_su_propio_token_para_el_calendario(proveedor: Proveedor) -> None:
    correr(_caso_la_web_obtiene_su_propio_token_para_el_calendario(proveedor))
