"""Authentication: only a token signed by the issuer's published keys, for Acompaña, in force and with an
allowed algorithm lets a request through; everything else is 401 with the reason, and nothing runs."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from tests.conftest import serving
from tests.support.identidad import emisor


def cabecera(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def agenda(make_settings):
    async with serving(agenda_app(make_settings(AgendaSettings))) as client:
        yield client


async def rechazado(agenda: httpx.AsyncClient, headers: dict[str, str], motivo: str) -> None:
    r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=headers)
    assert r.status_code == 401, r.text
    assert r.json()["codigo"] == "no_autenticado" and motivo in r.json()["mensaje"], r.json()
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


async def test_un_token_valido_pasa_y_sin_token_no(agenda):
    assert (await agenda.get("/v1/planes", params={"anio": 2021},
                             headers=cabecera(emisor().token("u-1", "especialista_ugel", ugel="UGEL-EL-COLLAO")))).status_code == 200
    await rechazado(agenda, {"Authorization": ""}, "Falta el token")
    await rechazado(agenda, {"Authorization": "Basic dXNlcjpjbGF2ZQ=="}, "Falta el token")
    # and the probes, the metrics and the catalog answer without one
    for ruta in ("/healthz", "/metrics", "/openapi.json", "/v1/catalogo/asyncapi.json"):
        assert (await agenda.get(ruta, headers={"Authorization": ""})).status_code == 200, ruta


async def test_tokens_vencidos_ajenos_o_mal_firmados_se_rechazan(agenda):
    e = emisor()
    await rechazado(agenda, cabecera(e.token("u-1", "minedu", segundos=-120)), "venció")
    await rechazado(agenda, cabecera(e.token("u-1", "minedu", audiencia="otro-sistema")), "audiencia")
    await rechazado(agenda, cabecera(e.token("u-1", "minedu", emisor="https://otro-proveedor")), "proveedor de identidad")
    await rechazado(agenda, cabecera(e.token("u-1", "rey")), "Rol desconocido")
    # alg: none (unsigned), and HS256 keyed with the public key (algorithm confusion)
    ahora = int(time.time())
    reclamos = {"iss": e.url, "aud": "acompana", "sub": "u-1", "rol": "minedu", "iat": ahora, "exp": ahora + 600}
    await rechazado(agenda, cabecera(jwt.encode(reclamos, None, algorithm="none")), "Algoritmo de firma no admitido")
    publica = e.jwks()["keys"][0]
    confuso = jwt.encode(reclamos, "clave-publica-usada-como-secreto", algorithm="HS256",
                         headers={"kid": publica["kid"]})
    await rechazado(agenda, cabecera(confuso), "Algoritmo de firma no admitido")
    # a key the issuer does not publish, and a valid token with its signature altered
    ajena = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await rechazado(agenda, cabecera(jwt.encode(reclamos, ajena, algorithm="RS256", headers={"kid": "ajena"})),
                    "clave que el emisor no publica")
    bueno = e.token("u-1", "minedu")
    cabeza, cuerpo, firma = bueno.split(".")
    await rechazado(agenda, cabecera(f"{cabeza}.{cuerpo}.{firma[:-4]}AAAA"), "firma")
    await rechazado(agenda, cabecera("esto-no-es-un-jwt"), "no es un JWT")


async def test_la_clave_rotada_se_toma_del_jwks_sin_reiniciar(agenda):
    e = emisor()
    antes = e.token("u-1", "minedu")
    assert (await agenda.get("/v1/planes", params={"anio": 2021}, headers=cabecera(antes))).status_code == 200
    e.rotar()  # the provider signs with a new key from now on, and still publishes the previous one
    time.sleep(0.6)  # the services' cooldown between JWKS reads, in the tests
    despues = e.token("u-2", "minedu")
    assert jwt.get_unverified_header(despues)["kid"] != jwt.get_unverified_header(antes)["kid"]
    for token in (despues, antes):
        assert (await agenda.get("/v1/planes", params={"anio": 2021}, headers=cabecera(token))).status_code == 200


async def test_cada_comando_guarda_el_usuario_y_el_rol_del_token(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        r = await agenda.put("/v1/instituciones/0236885/0/directivo", json={
            "directivo_id": "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55", "cargo": "director"},
            headers=cabecera(emisor().token("especialista-17", "especialista_ugel", ugel="UGEL-EL-COLLAO")))
        assert r.status_code == 200, r.text
        store = app.state.runtime.app
        ultimo = store.mapper.to_domain_event(store.recorder.select_notifications(
            store.recorder.max_notification_id() - 1, 1)[0])
    assert (ultimo.metadata["usuario"], ultimo.metadata["rol"]) == ("especialista-17", "especialista_ugel")
