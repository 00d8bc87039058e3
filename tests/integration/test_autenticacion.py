"""Authentication: only a token signed by the issuer's published keys, for Acompaña, in force and with an
allowed algorithm lets a request through; everything else is 401 with the reason, and nothing runs."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from shared.autenticacion import TokenInvalido, Verificador
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


# --- edge cases of the token and of the provider's keys ---------------------------------------------


def firmado(reclamos: dict[str, object], **cabeceras: object) -> str:
    """A token signed with the issuer's current key (its private half, as the provider would)."""
    kid, clave = emisor()._claves[0]
    return jwt.encode(reclamos, clave, algorithm="RS256", headers={"kid": kid, **cabeceras})


def reclamos(**cambios: object) -> dict[str, object]:
    ahora = int(time.time())
    base = {"iss": emisor().url, "aud": "acompana", "sub": "u-1", "rol": "minedu", "iat": ahora, "exp": ahora + 600}
    return {k: v for k, v in {**base, **cambios}.items() if v is not None}


async def test_un_token_aun_no_vigente_o_sin_vencimiento_o_sin_sujeto_se_rechaza(agenda):
    # Given tokens signed by the issuer itself
    assert (await agenda.get("/v1/planes", params={"anio": 2021},
                             headers=cabecera(firmado(reclamos())))).status_code == 200
    # When one is valid only from ten minutes ahead (beyond the clock leeway) / Then it is not yet in force
    await rechazado(agenda, cabecera(firmado(reclamos(nbf=int(time.time()) + 600))), "aún no está vigente")
    # When one never expires, or names nobody / Then the missing claim is named
    await rechazado(agenda, cabecera(firmado(reclamos(exp=None))), "le falta el dato 'exp'")
    await rechazado(agenda, cabecera(firmado(reclamos(sub=None))), "le falta el dato 'sub'")
    # and a header that says nothing of its key, or something that is not a key id
    _, clave = emisor()._claves[0]
    await rechazado(agenda, cabecera(jwt.encode(reclamos(), clave, algorithm="RS256")), "kid")
    cabeza = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": ["a"]}).encode()).rstrip(b"=").decode()
    _, cuerpo, firma = firmado(reclamos()).split(".")
    await rechazado(agenda, cabecera(f"{cabeza}.{cuerpo}.{firma}"), "no es un JWT válido")


class Jwks:
    """A JWKS endpoint on a fixed port that can be stopped and started again, counting its reads."""

    def __init__(self, claves: Callable[[], dict[str, object]]) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.puerto = s.getsockname()[1]
        self.claves, self.lecturas, self._servidor = claves, 0, None
        self.demora = 0.0  # seconds each read takes to be answered

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.puerto}/jwks.json"

    def iniciar(self) -> None:
        jwks = self

        class Manejador(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                jwks.lecturas += 1
                time.sleep(jwks.demora)
                datos = json.dumps(jwks.claves()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(datos)))
                self.end_headers()
                self.wfile.write(datos)

        self._servidor = ThreadingHTTPServer(("127.0.0.1", self.puerto), Manejador)
        threading.Thread(target=self._servidor.serve_forever, daemon=True).start()

    def detener(self) -> None:
        self._servidor.shutdown()
        self._servidor.server_close()


async def esperar_estado(agenda: httpx.AsyncClient, token: str, estado: int, limite: float = 10.0) -> httpx.Response:
    fin = time.monotonic() + limite
    while True:
        r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=cabecera(token))
        if r.status_code == estado or time.monotonic() > fin:
            return r
        await asyncio.sleep(0.05)


async def test_sin_el_proveedor_de_identidad_al_arrancar_responde_503_y_se_recupera_solo(make_settings):
    # Given a service whose provider's JWKS does not answer yet
    jwks = Jwks(emisor().jwks)
    app = agenda_app(make_settings(AgendaSettings, auth_jwks_url=jwks.url, auth_enfriamiento_segundos=0.5))
    token = emisor().token("u-1", "minedu")
    async with serving(app) as agenda:
        # When a request arrives / Then it is 503 with when to retry, not a 401 nor a crash
        r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=cabecera(token))
        assert r.status_code == 503, r.text
        assert r.json()["codigo"] == "identidad_no_disponible" and "no responde" in r.json()["mensaje"]
        assert int(r.headers["Retry-After"]) >= 1
        # and a flood meanwhile does not hammer the provider: one attempt per cooldown
        inicio = time.monotonic()
        for _ in range(50):
            assert (await agenda.get("/v1/planes", params={"anio": 2021}, headers=cabecera(token))).status_code == 503
        assert (await agenda.get("/healthz")).status_code == 200
        # When the provider comes back / Then the same token is verified, without restarting
        jwks.iniciar()
        try:
            r = await esperar_estado(agenda, token, 200)
            assert r.status_code == 200, r.text
            assert jwks.lecturas <= 2 + (time.monotonic() - inicio) / 0.5
        finally:
            jwks.detener()


def test_si_el_proveedor_cae_despues_las_claves_leidas_siguen_y_los_kid_inventados_no_lo_inundan():
    # Given a verifier that read the provider's keys, trusting them for 0.2 s, re-reading at most every 0.5 s
    jwks = Jwks(emisor().jwks)
    jwks.iniciar()
    verificador = Verificador(emisor().url, "acompana", jwks.url, enfriamiento=0.5, vida=0.2)
    token = emisor().token("u-1", "minedu")
    assert verificador.actor(token).usuario == "u-1" and jwks.lecturas == 1
    # When a flood of tokens with made-up key ids arrives / Then each is refused and the JWKS is read at
    # most once per cooldown, not once each
    inicio = time.monotonic()
    ajena = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for n in range(300):
        falso = jwt.encode(reclamos(), ajena, algorithm="RS256", headers={"kid": f"inventado-{n}"})
        with pytest.raises(TokenInvalido, match="clave que el emisor no publica"):
            verificador.actor(falso)
    assert jwks.lecturas <= 2 + (time.monotonic() - inicio) / 0.5, jwks.lecturas
    # When the provider stops answering for longer than the keys' life / Then the keys read keep verifying
    jwks.detener()
    time.sleep(0.6)
    assert verificador.actor(token).usuario == "u-1"
    with pytest.raises(TokenInvalido, match="clave que el emisor no publica"):
        verificador.actor(jwt.encode(reclamos(), ajena, algorithm="RS256", headers={"kid": "otro"}))
    # When it comes back having rotated its key / Then the new key is read and verifies
    jwks.iniciar()
    try:
        kid_nuevo = emisor().rotar()
        nuevo = emisor().token("u-2", "minedu")
        assert jwt.get_unverified_header(nuevo)["kid"] == kid_nuevo
        fin = time.monotonic() + 5
        while True:
            try:
                assert verificador.actor(nuevo).usuario == "u-2"
                break
            except TokenInvalido:
                assert time.monotonic() < fin, "la clave nueva no se tomó"
                time.sleep(0.05)
    finally:
        jwks.detener()


async def test_las_cabeceras_jku_y_x5u_no_se_siguen(agenda):
    # Given an attacker who publishes his own key set and signs a token with his key
    ajena = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    publica = {**json.loads(RSAAlgorithm.to_jwk(ajena.public_key())), "kid": "del-atacante", "use": "sig"}
    atacante = Jwks(lambda: {"keys": [publica]})
    atacante.iniciar()
    try:
        # When his token points the service to his set (jku), to his certificate (x5u) or embeds the key (jwk),
        # with his kid or with the issuer's
        kid_del_emisor = emisor()._claves[0][0]
        for kid in ("del-atacante", kid_del_emisor):
            for cabeceras in ({"jku": atacante.url}, {"x5u": atacante.url}, {"jwk": publica}):
                token = jwt.encode(reclamos(), ajena, algorithm="RS256", headers={"kid": kid, **cabeceras})
                r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=cabecera(token))
                # Then it is refused, and the attacker's server is never asked
                assert r.status_code == 401, (cabeceras, r.text)
        assert atacante.lecturas == 0
    finally:
        atacante.detener()


def test_con_una_clave_conocida_nadie_espera_a_que_el_proveedor_responda():
    # Given a verifier that read the provider's keys, trusting them for 0.2 s, and a provider now slow (2 s)
    jwks = Jwks(emisor().jwks)
    jwks.iniciar()
    try:
        verificador = Verificador(emisor().url, "acompana", jwks.url, enfriamiento=0.5, vida=0.2)
        token = emisor().token("u-1", "minedu")
        assert verificador.actor(token).usuario == "u-1" and jwks.lecturas == 1
        jwks.demora = 2.0
        time.sleep(0.6)  # the keys' life and the cooldown pass
        # When requests signed with a key it knows arrive
        inicio = time.monotonic()
        for _ in range(5):
            assert verificador.actor(token).usuario == "u-1"
        # Then each is verified with the key in memory at once, while the set is read again meanwhile
        assert time.monotonic() - inicio < 1.0, time.monotonic() - inicio
        fin = time.monotonic() + 5
        while jwks.lecturas < 2 and time.monotonic() < fin:
            time.sleep(0.05)
        assert jwks.lecturas == 2
    finally:
        jwks.detener()
