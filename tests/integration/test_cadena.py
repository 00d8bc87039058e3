"""Tamper evidence on a real nats-server, both stores: agenda's published facts form a hash chain; a stored
fact edited, deleted, or swapped with another, and a fact removed from the stream, are each reported at
their position; what the stream lost is republished from the store, only what is missing."""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.agenda.messaging import Publicador
from shared.cadena import verificar_enlaces
from shared.contracts.envelope import GENESIS
from shared.publicados import leer_publicados
from shared.streams import STREAM
from tests.conftest import eventually, serving
from tests.e2e.test_visita_end_to_end import con_plan
from tests.support.stream import stream_messages

AUDITOR = {"X-Rol": "auditor"}


@contextmanager
def almacen(settings: AgendaSettings):
    """A raw connection to agenda's event store (what someone with database access could change)."""
    if settings.is_postgres:
        with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port, user=settings.postgres_user,
                             dbname=settings.postgres_dbname, autocommit=True) as conn:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.postgres_schema)))
            yield conn, "agenda_events", "notification_id", "%s"
    else:
        conn = sqlite3.connect(settings.sqlite_path(), isolation_level=None)
        try:
            yield conn, "stored_events", "rowid", "?"
        finally:
            conn.close()


def leer(settings: AgendaSettings, posicion: int) -> tuple[str, bytes]:
    with almacen(settings) as (conn, tabla, clave, p):
        return conn.execute(f"SELECT topic, state FROM {tabla} WHERE {clave} = {p}", (posicion,)).fetchone()


def escribir(settings: AgendaSettings, posicion: int, topic: str, state: bytes) -> None:
    with almacen(settings) as (conn, tabla, clave, p):
        conn.execute(f"UPDATE {tabla} SET topic = {p}, state = {p} WHERE {clave} = {p}", (topic, state, posicion))


def borrar(settings: AgendaSettings, posicion: int) -> None:
    with almacen(settings) as (conn, tabla, clave, p):
        conn.execute(f"DELETE FROM {tabla} WHERE {clave} = {p}", (posicion,))


@pytest.fixture
async def agenda_publicada(make_settings, js):
    """agenda running with 12 docentes' plans, all published; yields the positions of the published facts."""
    settings = make_settings(AgendaSettings)
    app = agenda_app(settings)
    async with serving(app) as client:
        con_plan(app, *(uuid.uuid4() for _ in range(12)))
        store = app.state.runtime.app
        publicador = Publicador(store)
        publicables = {n.id for n in store.recorder.select_notifications(0, 10_000)
                       if publicador(store.mapper.to_domain_event(n)) is not None}
        assert len(publicables) == 12
        await eventually(lambda: _publicados(js, publicables))
        yield settings, client, sorted(publicables)


async def _publicados(js, posiciones: set[int]) -> bool:
    return set(await leer_publicados(js, "agenda")) == posiciones


async def verificar(client) -> dict:
    r = await client.post("/v1/cadena/verificacion", json={"desde": 1}, headers=AUDITOR)
    assert r.status_code == 200, r.text
    return r.json()


async def test_cada_hecho_publicado_lleva_su_eslabon_y_la_cadena_se_sostiene(agenda_publicada, js):
    settings, client, _ = agenda_publicada
    publicados = await leer_publicados(js, "agenda")
    posiciones = sorted(publicados)
    # Then each fact points to the one before it, the first to the genesis, and every link holds
    assert publicados[posiciones[0]].cadena_anterior == 0
    assert [publicados[p].cadena_anterior for p in posiciones[1:]] == posiciones[:-1]
    assert verificar_enlaces(publicados) == []
    # (the auditor's call is itself a read recorded as a fact before the verification runs: reviewed or not,
    # depending on whether the relay published it already)
    informe = await verificar(client)
    assert informe.pop("hechos_revisados") in (len(publicados), len(publicados) + 1)
    assert informe == {"servicio": "agenda", "desde": 1, "hasta": None, "integra": True, "problemas": []}
    assert GENESIS not in {e.cadena for e in publicados.values()}
    # and only supervision verifies
    assert (await client.post("/v1/cadena/verificacion", json={})).status_code == 403


async def test_un_hecho_almacenado_cambiado_se_informa_en_su_posicion(agenda_publicada):
    settings, client, publicadas = agenda_publicada
    posicion = publicadas[-2]
    topic, state = leer(settings, posicion)
    cambiado = json.loads(state)
    # someone with database access rewrites where he taught (the plan is stored as its typed value)
    cambiado["plan"]["_data_"]["codigo_modular"] = "9999999"
    escribir(settings, posicion, topic, json.dumps(cambiado).encode())

    resultado = await verificar(client)
    assert resultado["integra"] is False
    assert [p["posicion"] for p in resultado["problemas"]] == [posicion]
    assert "se cambió" in resultado["problemas"][0]["motivo"]


async def test_un_hecho_almacenado_borrado_se_informa_en_su_posicion(agenda_publicada):
    settings, client, publicadas = agenda_publicada
    posicion = publicadas[4]
    borrar(settings, posicion)

    resultado = await verificar(client)
    assert [(p["posicion"], "se borró" in p["motivo"]) for p in resultado["problemas"]] == [(posicion, True)]


async def test_dos_hechos_intercambiados_se_informan_en_sus_posiciones(agenda_publicada):
    settings, client, publicadas = agenda_publicada
    a, b = publicadas[2], publicadas[-1]
    (topic_a, state_a), (topic_b, state_b) = leer(settings, a), leer(settings, b)
    escribir(settings, a, topic_b, state_b)
    escribir(settings, b, topic_a, state_a)

    resultado = await verificar(client)
    assert [p["posicion"] for p in resultado["problemas"]] == [a, b]


async def test_un_hecho_quitado_del_stream_se_detecta_y_se_republica_solo_el(agenda_publicada, js):
    settings, client, publicadas = agenda_publicada
    posicion = publicadas[6]
    [mensaje] = [m for m in await stream_messages(js, "acompana.agenda.>")
                 if m.headers["ce-id"] == f"agenda:{posicion}"]
    await js.delete_msg(STREAM, mensaje.metadata.sequence.stream)

    # Then the next link points to a fact that is no longer there, and the store holds one not in the stream
    publicados = await leer_publicados(js, "agenda")
    assert [p.posicion for p in verificar_enlaces(publicados)] == [min(p for p in publicados if p > posicion)]
    resultado = await verificar(client)
    assert {p["posicion"] for p in resultado["problemas"]} >= {posicion}

    # When the administrator republishes from the store within the duplicate window, the fact is held
    # back: the stream still remembers its id, and it never travels under another one
    assert (await client.post("/v1/cadena/republicacion", json={"desde": 1}, headers=AUDITOR)).status_code == 403
    r = await client.post("/v1/cadena/republicacion", json={"desde": 1}, headers={"X-Rol": "administrador"})
    assert r.json() == {"republicados": 0, "retenidos": [posicion]}

    # Once the window has passed, only the missing fact is sent, with its original ids and hash
    config = (await js.stream_info(STREAM)).config
    config.duplicate_window = 0.5
    await js.update_stream(config)

    async def republicado_solo_el() -> bool:
        r = await client.post("/v1/cadena/republicacion", json={"desde": 1}, headers={"X-Rol": "administrador"})
        return r.json() == {"republicados": 1, "retenidos": []}

    await eventually(republicado_solo_el, timeout=10, interval=0.3)
    assert (await verificar(client))["integra"] is True
    [otra_vez] = [m for m in await stream_messages(js, "acompana.agenda.>")
                  if m.headers["ce-id"] == f"agenda:{posicion}"]
    assert otra_vez.headers["Nats-Msg-Id"] == mensaje.headers["Nats-Msg-Id"] == f"agenda:{posicion}"
    assert otra_vez.headers["ce-cadena"] == mensaje.headers["ce-cadena"]
    r = await client.post("/v1/cadena/republicacion", json={"desde": 1}, headers={"X-Rol": "administrador"})
    assert r.json() == {"republicados": 0, "retenidos": []}
