"""Fixtures that build the world: real nats-server, real PostgreSQL and SQLite stores."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import nats
import pytest
from fastapi import FastAPI

from shared.settings import POSTGRES, SQLITE, ServiceSettings
from shared.streams import ensure_streams
from tests.support.identidad import ajustes_de_autenticacion, cliente
from tests.support.servers import NatsServer, Postgres, create_database, drop_database_without_waiting, start_postgres

# The tests run the embedded default (development secrets, the local token issuer), as deploy/local/run.sh
# does; the processes they start inherit it. tests/integration/test_configuracion_insegura.py sets produccion.
os.environ["ACOMPANA_ENTORNO"] = "desarrollo"


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Postgres:
    admin, handle = start_postgres(tmp_path_factory.mktemp("pg"))
    db = create_database(admin)
    yield db
    if handle is not None:
        handle.cleanup()  # the embedded server and its data folder go whole
    else:
        drop_database_without_waiting(admin, db)


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[NatsServer]:
    (tmp_path / "nats").mkdir()
    server = NatsServer(tmp_path / "nats").start()
    nc = await nats.connect(server.url)
    await ensure_streams(nc.jetstream())
    await nc.close()
    yield server
    server.stop()


@pytest.fixture
async def js(nats_server: NatsServer):
    nc = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield nc.jetstream()
    await nc.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_settings(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest, nats_server: NatsServer):
    """Build a service's settings on this test's store: a SQLite file or a PostgreSQL schema."""
    suffix = uuid.uuid4().hex[:8]

    def make(cls: type[ServiceSettings], **overrides: object) -> ServiceSettings:
        values: dict[str, object] = {"nats_url": nats_server.url, "data_dir": tmp_path / "data",
                                     **ajustes_de_autenticacion(),
                                     # a test drives a whole region as one user; the limit has its own test
                                     "solicitudes_por_minuto": 1_000_000,
                                     # no query of a test outlives a switch of generation by a tenth of a second
                                     "reconstruccion_gracia_segundos": 0.1}
        if store_kind == "postgres":
            pg: Postgres = request.getfixturevalue("postgres")
            servicio = cls.model_config["env_prefix"].rstrip("_").lower()
            values.update(
                persistence_module=POSTGRES, postgres_host=pg.host, postgres_port=pg.port,
                postgres_user=pg.user, postgres_dbname=pg.dbname, postgres_schema=f"{servicio}_{suffix}",
            )
        else:
            values["persistence_module"] = SQLITE
        values.update(overrides)
        return cls(**values)

    return make


@pytest.fixture
def closing():
    """Register things with a ``close()`` (applications, read models) to close after the test."""
    opened = []

    def register(thing):
        opened.append(thing)
        return thing

    yield register
    for thing in reversed(opened):
        thing.close()


@asynccontextmanager
async def serving(app: FastAPI, *, wait_connected: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service's lifespan and talk to it over its ASGI interface."""
    async with app.router.lifespan_context(app):
        if wait_connected:
            await asyncio.wait_for(app.state.runtime.started.wait(), 20)
        async with cliente(app) as client:
            yield client


async def eventually(check: Callable[[], object], timeout: float = 20.0, interval: float = 0.05):
    """Poll until ``check`` returns a truthy value (or no longer raises AssertionError)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condición no cumplida en {timeout}s")
        await asyncio.sleep(interval)
