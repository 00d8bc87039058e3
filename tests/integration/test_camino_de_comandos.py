"""A lean command path (issue 19, item 1): what a visit's request skips, and what it still decides the same.

- A token verified once is answered from memory until it expires, and not once its key is withdrawn.
- An acompañante naming his own agenda asks the read model nothing.
- A visit's record names a docente: the policy reads where his plans lie without bringing the whole read
  model up to date, unless a plan was generated or moved since (then it is brought up to date first).
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

import shared.autenticacion
from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from shared.autenticacion import TokenInvalido, Verificador
from tests.conftest import serving
from tests.integration.test_autenticacion import Jwks
from tests.support.world import asignar

EMISOR = "http://emisor.prueba"


def clave_publicada(kid: str) -> tuple[object, dict]:
    privada = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return privada, {**json.loads(RSAAlgorithm.to_jwk(privada.public_key())), "kid": kid, "use": "sig"}


def firmar(privada: object, kid: str, vence_en: float) -> str:
    ahora = int(time.time())
    return jwt.encode({"iss": EMISOR, "aud": "acompana", "sub": "u-1", "rol": "minedu", "iat": ahora,
                       "exp": ahora + vence_en}, privada, algorithm="RS256", headers={"kid": kid})


def test_un_token_verificado_se_recuerda_hasta_que_vence_o_su_clave_se_retira(monkeypatch):
    # Given a provider publishing one key, and a verifier re-reading the set every 0.2 s, no clock leeway
    privada, publica = clave_publicada("k1")
    publicadas = {"keys": [publica]}
    jwks = Jwks(lambda: publicadas)
    jwks.iniciar()
    firmas = []
    original = shared.autenticacion.jwt.decode

    def contar(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        firmas.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(shared.autenticacion.jwt, "decode", contar)
    try:
        verificador = Verificador(EMISOR, "acompana", jwks.url, margen=0, enfriamiento=0.1, vida=0.2)
        # When a device sends the same token with five requests
        token = firmar(privada, "k1", 600)
        assert {verificador.actor(token).usuario for _ in range(5)} == {"u-1"}
        # Then its signature was checked once; the others were answered from memory
        assert len(firmas) == 1
        assert verificador.recordado(token).usuario == "u-1" and len(firmas) == 1
        # When a token expires / Then it is refused once its exp passes, remembered or not
        breve = firmar(privada, "k1", 1)
        assert verificador.actor(breve).usuario == "u-1"
        time.sleep(1.1)
        assert verificador.recordado(breve) is None
        with pytest.raises(TokenInvalido, match="venció"):
            verificador.actor(breve)
        # When the provider withdraws the key that signed the remembered token
        _, otra = clave_publicada("k2")
        publicadas["keys"] = [otra]
        # Then, once the set is read again, the token is refused (not answered from memory)
        fin = time.monotonic() + 5
        while True:
            try:
                verificador.actor(token)
            except TokenInvalido as exc:
                assert "clave que el emisor no publica" in str(exc)
                break
            assert time.monotonic() < fin, "el token siguió valiendo con su clave retirada"
            time.sleep(0.05)
        assert verificador.recordado(token) is None
    finally:
        jwks.detener()


def test_los_tokens_recordados_tienen_un_limite():
    # Given a memory of at most three verified tokens
    memoria = shared.autenticacion.TokensVerificados(maximo=3)
    actor = shared.autenticacion.Actor(usuario="u-1", rol="minedu")
    # When five are remembered / Then only the three latest are kept
    for n in range(5):
        memoria.recordar(bytes([n]), actor, time.time() + 60, "k1", None)  # type: ignore[arg-type]
    assert len(memoria) == 3 and set(memoria._entradas) == {bytes([2]), bytes([3]), bytes([4])}


async def test_el_acompanante_que_nombra_su_agenda_no_consulta_el_modelo_de_lectura(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        # Given an acompañante with a docente, and the policy's lookups counted
        acompanante, otro, docente = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        asignar(app.state.agenda, docente, acompanante)
        politica = app.state.politica
        consultas = []
        resolver = politica.resolver
        politica.resolver = lambda tipo, id_: consultas.append((tipo, id_)) or resolver(tipo, id_)
        visita = {"visita_id": str(uuid.uuid4()), "docente_id": docente, "fecha_inicio": "2021-05-10",
                  "fecha_fin": "2021-05-10"}
        # When he schedules a visit on his own agenda
        r = await agenda.post(f"/v1/acompanantes/{acompanante}/visitas", json=visita,
                              headers={"X-Usuario": acompanante, "X-Rol": "acompanante"})
        # Then it is registered and nothing was looked up
        assert r.status_code == 201, r.text
        assert consultas == []
        # When another acompañante names that agenda / Then it is looked up, and out of his reach
        r = await agenda.post(f"/v1/acompanantes/{acompanante}/visitas", json={**visita, "visita_id": str(uuid.uuid4())},
                              headers={"X-Usuario": otro, "X-Rol": "acompanante"})
        assert r.status_code == 404 and consultas == [("acompanante", acompanante)]


async def test_la_visita_realizada_no_pone_al_dia_el_modelo_pero_un_docente_reasignado_se_ve_al_instante(
        make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        # Given an acompañante with a docente, the read model up to date
        a, b, docente = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        asignar(app.state.agenda, docente, a)
        asignar(app.state.agenda, str(uuid.uuid4()), b)
        proyecciones = app.state.agenda.proyecciones
        proyecciones.ponerse_al_dia()
        como_a = {"X-Usuario": a, "X-Rol": "acompanante"}

        def visita(dia: str) -> dict:
            return {"visita_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": a, "fecha_inicio": dia,
                    "fecha_fin": dia, "acciones": ["observacion", "asesoria"]}
        # When he schedules a visit and then records it done (the record names the docente)
        hecha = visita("2021-05-10")
        r = await agenda.post(f"/v1/acompanantes/{a}/visitas", headers=como_a, json={
            k: hecha[k] for k in ("visita_id", "docente_id", "fecha_inicio", "fecha_fin")})
        assert r.status_code == 201, r.text
        antes = proyecciones.posicion()
        r = await agenda.post("/v1/visitas-realizadas", headers=como_a, json=hecha)
        # Then it is registered without bringing the read model up to date on the way
        assert r.status_code == 201, r.text
        assert proyecciones.posicion() == antes < app.state.agenda.recorder.max_notification_id()
        # And a read still sees it at once
        r = await agenda.get(f"/v1/actividades/{hecha['visita_id']}", headers=como_a)
        assert r.status_code == 200 and r.json()["estado"] == "realizada"

        # When the docente is moved to another acompañante (not yet in the read model)
        assert app.state.agenda.reasignar(docente, a, b, "cambio de cartera") == 1
        assert proyecciones.posicion() < app.state.agenda.recorder.max_notification_id()
        # Then the one who left him can no longer record a visit of his: out of his reach at once
        r = await agenda.post("/v1/visitas-realizadas", headers=como_a, json=visita("2021-05-12"))
        assert r.status_code == 404, r.text
        assert r.json()["mensaje"] == "No existe o no está en su ámbito."
