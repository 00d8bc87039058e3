"""Rates (issue 21, item 8): a flood without valid tokens is refused per address before any token is
verified, while a user elsewhere keeps working; a user's budget is one for all replicas (NATS KV); an
export and a batch cost more than a plain request.

Two replicas of agenda run under uvicorn on 127.0.0.1 (real HTTP), behind a "proxy" that names the
client's address (``X-Forwarded-For``, trusted from 127.0.0.1 as the ingress is in Kubernetes). Every
count is bounded: the whole test sends a few hundred requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter

import httpx
import nats
import pytest
import uvicorn
from nats.js.kv import KeyValue

import shared.autenticacion
from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from shared.ritmo import PresupuestoCompartido, huella
from shared.streams import RITMO_BUCKET
from tests.conftest import eventually, serving
from tests.support.identidad import token_de
from tests.support.servers import free_port

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])  # rates live in NATS, not in the store

ESPECIALISTA = {"X-Usuario": "esp-ritmo", "X-Rol": "especialista_ugel", "X-Ugel": "UGEL-EL-COLLAO"}
OTRA = {"X-Usuario": "esp-otra", "X-Rol": "especialista_ugel", "X-Ugel": "UGEL-EL-COLLAO"}


@contextlib.asynccontextmanager
async def replica(settings: AgendaSettings):
    """One replica of agenda serving real HTTP on 127.0.0.1, trusting X-Forwarded-For from there."""
    app = agenda_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           proxy_headers=True, forwarded_allow_ips="127.0.0.1"))
    tarea = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started and app.state.runtime.started.is_set())
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            yield client
    finally:
        server.should_exit = True
        await tarea


def desde(direccion: str, quien: dict[str, str] | None = None) -> dict[str, str]:
    cabeceras = {"X-Forwarded-For": direccion}
    if quien is not None:
        cabeceras["Authorization"] = f"Bearer {token_de(quien)}"
    return cabeceras


async def test_una_avalancha_sin_token_se_rechaza_antes_de_verificar_y_el_usuario_normal_sigue(
        make_settings, monkeypatch):
    # Given agenda allowing 30 requests a minute without a valid token from one address
    verificados = Counter()
    original = shared.autenticacion.Verificador.actor

    def contar(self, token: str):  # noqa: ANN001, ANN202
        verificados[token] += 1
        return original(self, token)
    monkeypatch.setattr(shared.autenticacion.Verificador, "actor", contar)
    settings = make_settings(AgendaSettings, anonimas_por_minuto=30, solicitudes_por_minuto=1000)
    async with replica(settings) as agenda:
        # When one address floods it with 300 forged tokens, 10 at a time
        falso = {"Authorization": "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6Im5hZGllIn0.e30.firma", **desde("203.0.113.7")}
        codigos: Counter = Counter()
        inicio = time.monotonic()
        for _ in range(30):
            respuestas = await asyncio.gather(*(agenda.get("/v1/planes", params={"anio": 2021}, headers=falso)
                                                for _ in range(10)))
            codigos.update(r.status_code for r in respuestas)
            # while a user at another address keeps working, every round
            r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=desde("198.51.100.4", ESPECIALISTA))
            assert r.status_code == 200, r.text
        # Then the flood is refused once the address spent its budget (30, plus what 10 requests in flight
        # together and the bucket's refill during the test let through), without verifying those tokens
        limite = 30 + 10 + (time.monotonic() - inicio) * 30 / 60
        assert codigos[401] <= limite and codigos[429] >= 300 - limite, (codigos, limite)
        assert verificados[falso["Authorization"][7:]] == codigos[401]
        r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=falso)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["codigo"] == "demasiadas_solicitudes" and "sin un token válido" in r.json()["mensaje"]


async def test_dos_replicas_comparten_el_presupuesto_de_cada_usuario_y_una_exportacion_cuesta_mas(make_settings):
    # Given two replicas of agenda, each user allowed 40 requests a minute in all, an export costing 10
    settings = make_settings(AgendaSettings, solicitudes_por_minuto=40, costo_exportacion=10)
    async with replica(settings) as una, replica(settings) as otra:
        for intento in range(3):  # budgets are per minute: a round that straddles two minutes is run again
            inicio = time.time()
            # When a user alternates between them (as a load balancer would) 50 times
            uno = {**ESPECIALISTA, "X-Usuario": f"esp-ritmo-{intento}"}
            codigos = [(await (una if i % 2 else otra).get("/v1/planes", params={"anio": 2021},
                                                            headers=desde("198.51.100.4", uno))).status_code
                       for i in range(50)]
            # and another user exports the plans five times, through both
            dos = {**OTRA, "X-Usuario": f"esp-otra-{intento}"}
            exportaciones = [(await (una if i % 2 else otra).get("/v1/planes.csv", params={"anio": 2021},
                                                                  headers=desde("198.51.100.4", dos))).status_code
                             for i in range(5)]
            if int(inicio // 60) == int(time.time() // 60):
                break
        else:
            pytest.fail("cada intento cruzó el cambio de minuto")
        # Then both together allowed 40, not 40 each
        assert codigos == [200] * 40 + [429] * 10, codigos
        # and the other user's budget is his own: his exports take 10 each, so 4 pass and the fifth waits
        assert exportaciones == [200] * 4 + [429], exportaciones


@pytest.mark.parametrize("falla", ["detenido", "congelado"])
async def test_sin_nats_cada_solicitud_se_cuenta_en_la_replica_sin_esperar(make_settings, nats_server, falla):
    # Given agenda serving, each user allowed 5 requests a minute, and NATS stopped (its client reconnecting) or
    # frozen (SIGSTOP: the connection looks alive and nothing answers)
    app = agenda_app(make_settings(AgendaSettings, solicitudes_por_minuto=5))
    async with serving(app) as agenda:
        runtime = app.state.runtime
        assert (await agenda.get("/v1/planes", params={"anio": 2021}, headers=OTRA)).status_code == 200  # warm
        if falla == "detenido":
            nats_server.stop()
            await eventually(lambda: not runtime.nc.is_connected)
        else:
            nats_server.process.send_signal(signal.SIGSTOP)
        try:
            # When a user makes six requests
            codigos, tiempos = [], []
            for _ in range(6):
                inicio = time.monotonic()
                r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=ESPECIALISTA)
                tiempos.append(time.monotonic() - inicio)
                codigos.append(r.status_code)
            # Then each is answered at once or within the budget's short wait (not after the KV's 5 s timeout),
            # counted by this replica alone: five pass and the sixth waits
            assert codigos == [200] * 5 + [429], codigos
            assert max(tiempos) < 2.0, tiempos
        finally:  # NATS back, and the service reconnected before it stops
            if falla == "detenido":
                nats_server.start()
            else:
                nats_server.process.send_signal(signal.SIGCONT)
            await eventually(lambda: runtime.nc.is_connected)


async def test_las_solicitudes_seguidas_de_un_usuario_en_una_replica_no_releen_su_cuenta(
        make_settings, monkeypatch):
    # Given one replica of agenda, each user allowed 8 requests a minute
    lecturas = Counter()
    original = KeyValue.get

    async def contar(self, clave: str, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        lecturas[clave] += 1
        return await original(self, clave, *args, **kwargs)
    monkeypatch.setattr(KeyValue, "get", contar)
    settings = make_settings(AgendaSettings, solicitudes_por_minuto=8)
    async with replica(settings) as agenda:
        for intento in range(3):  # budgets are per minute: a round that straddles two minutes is run again
            inicio = time.time()
            lecturas.clear()
            uno = {**ESPECIALISTA, "X-Usuario": f"esp-seguido-{intento}"}
            # When the user makes ten requests in a row
            codigos = [(await agenda.get("/v1/planes", params={"anio": 2021},
                                         headers=desde("198.51.100.4", uno))).status_code for _ in range(10)]
            if int(inicio // 60) == int(time.time() // 60):
                break
        else:
            pytest.fail("cada intento cruzó el cambio de minuto")
        # Then eight pass and two wait, each counted on the revision the replica last wrote: none read it back
        assert codigos == [200] * 8 + [429] * 2, codigos
        assert sum(lecturas.values()) == 0, lecturas


async def test_los_usuarios_detras_de_una_misma_direccion_siguen_cuando_esta_agota_sus_solicitudes_sin_token(
        make_settings):
    # Given agenda allowing 5 requests a minute without a valid token from one address, and the web
    # application calling from one address for all its users
    settings = make_settings(AgendaSettings, anonimas_por_minuto=5, solicitudes_por_minuto=1000)
    web = "203.0.113.20"
    async with replica(settings) as agenda:
        assert (await agenda.get("/v1/planes", params={"anio": 2021},
                                 headers=desde(web, ESPECIALISTA))).status_code == 200  # the keys are read
        # When that address spends its requests without a token (expired sessions, a page without login)
        sin_token = [(await agenda.get("/v1/planes", params={"anio": 2021}, headers=desde(web))).status_code
                     for _ in range(8)]
        assert sin_token[:5] == [401] * 5 and set(sin_token[5:]) == {429}, sin_token
        # Then each user with a valid token keeps working from it
        for quien in (ESPECIALISTA, OTRA):
            r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=desde(web, quien))
            assert r.status_code == 200, r.text
        # and a token naming the provider's key with a forged signature is still refused for the address
        cabecera, cuerpo, _ = token_de(OTRA).split(".")
        falsa = {**desde(web), "Authorization": f"Bearer {cabecera}.{cuerpo}.AAAA"}
        r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=falsa)
        assert r.status_code == 429 and "sin un token válido" in r.json()["mensaje"], r.text
        assert (await agenda.get("/v1/planes", params={"anio": 2021}, headers=desde(web))).status_code == 429


async def test_las_solicitudes_a_la_vez_de_un_usuario_se_cuentan_juntas_en_orden(store_kind, nats_server, monkeypatch):
    # Given a replica's shared budget of 8 requests a minute per user, on NATS KV, and the writes it makes counted
    escrituras = Counter()
    for nombre in ("create", "update"):
        original = getattr(KeyValue, nombre)

        async def contar(self, clave: str, *args, _original=original, _nombre=nombre, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            escrituras[_nombre] += 1
            return await _original(self, clave, *args, **kwargs)
        monkeypatch.setattr(KeyValue, nombre, contar)
    nc = await nats.connect(nats_server.url)
    try:
        presupuesto = PresupuestoCompartido(8, "agenda")
        presupuesto.js, presupuesto.nc = nc.jetstream(), nc
        await presupuesto.gastar("otro")  # the bucket found once
        for intento in range(3):  # budgets are per minute: a round that straddles two minutes is run again
            inicio = time.time()
            escrituras.clear()
            # When the user's twelve requests arrive at once, and then three more at once
            primeras = await asyncio.gather(*(presupuesto.gastar(f"u-{intento}") for _ in range(12)))
            luego = await asyncio.gather(*(presupuesto.gastar(f"u-{intento}") for _ in range(3)))
            if int(inicio // 60) == int(time.time() // 60):
                break
        else:
            pytest.fail("cada intento cruzó el cambio de minuto")
        kv = await nc.jetstream().key_value(RITMO_BUCKET)
        cuenta = int((await kv.get(f"agenda.{huella(f'u-{intento}')}.{int(inicio // 60)}")).value)
    finally:
        await nc.close()
    # Then the first eight pass and the rest wait, as one after another would
    assert primeras[:8] == [0] * 8 and all(e > 0 for e in primeras[8:] + luego), (primeras, luego)
    # and the twelve were counted in one write (the three after, over budget, wrote nothing): the count is 8
    assert sum(escrituras.values()) == 1, escrituras
    assert cuenta == 8, cuenta
