"""Every service answers its probes, metrics and documentation the same way."""

from __future__ import annotations

import asyncio

import pytest

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from shared.catalogo import TITULO, contratos
from tests.conftest import serving

SERVICES = [
    (focalizacion_app, FocalizacionSettings), (agenda_app, AgendaSettings),
    (evidencias_app, EvidenciasSettings), (evaluacion_app, EvaluacionSettings),
]


@pytest.mark.parametrize(("create_app", "settings_cls"), SERVICES, ids=lambda x: getattr(x, "__module__", ""))
async def test_sondas_metricas_y_documentacion(create_app, settings_cls, make_settings):
    async with serving(create_app(make_settings(settings_cls))) as client:
        assert (await client.get("/healthz")).json() == {"estado": "vivo", "detalle": {}}
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"estado": "listo", "detalle": {"almacen": "ok", "nats": "ok", "consumidores": "ok"}}
        assert "acompana_outbox_pendientes" in (await client.get("/metrics")).text
        spec = (await client.get("/openapi.json")).json()
        assert spec["info"]["title"].startswith("Acompaña · ")
        assert "/v1/mensajes-fallidos" in spec["paths"]
        assert (await client.get("/docs")).status_code == 200
        assert (await client.get("/v1/mensajes-fallidos")).json() == []
        catalogo = (await client.get("/v1/catalogo/asyncapi.json")).json()
        assert catalogo["info"]["title"] == TITULO and len(catalogo["channels"]) == len(contratos())


@pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
async def test_sin_nats_se_detiene_enseguida(make_settings, nats_server):
    # Given a service started while NATS is away, retrying its connection
    nats_server.kill()
    runtime = agenda_app(make_settings(AgendaSettings)).state.runtime
    await runtime.start()
    await asyncio.sleep(0.5)
    assert not runtime.started.is_set()

    # When it stops
    inicio = asyncio.get_running_loop().time()
    await runtime.stop()

    # Then it stops at once, abandoning the attempt (not after the 5 s it grants the relay's last batch)
    assert asyncio.get_running_loop().time() - inicio < 1.5


async def test_sin_nats_no_esta_listo_pero_acepta_escrituras(make_settings, nats_server):
    from tests.e2e.test_visita_end_to_end import con_plan, visita
    import uuid

    nats_server.kill()
    app = agenda_app(make_settings(AgendaSettings))
    docente = uuid.uuid4()
    con_plan(app, docente)
    async with serving(app, wait_connected=False) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["detalle"]["nats"].startswith("falla")
        assert ready.json()["detalle"]["almacen"] == "ok"
        assert (await client.post("/v1/visitas-realizadas", json=visita(docente))).status_code == 201

        # and once NATS is back it connects by itself and is ready (and so stops without a connection attempt
        # left to cancel)
        nats_server.start()
        await asyncio.wait_for(app.state.runtime.started.wait(), 20)
        assert (await client.get("/readyz")).status_code == 200
