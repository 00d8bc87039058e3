"""The bus trusts no one by default (issue 21, item 3): each service connects to NATS as its own user
(deploy/nats/cuentas.conf, permisos.conf) that may publish only its own facts, and a consumer applies
another service's fact only when it continues that service's hash chain (shared/eslabones.py).

The four services run on a real nats-server with the development accounts, each with its own password:
the whole path (padrón → plans → a visit → its observation and photo → the docente's history) works with
those permissions; a fact of agenda published with evaluacion's password is refused by the server; one
published with agenda's password but outside its relay's chain is parked with its reason, not applied.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import nats
import pytest

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from shared import contracts as c
from shared.contracts import Envelope
from shared.streams import ensure_streams
from tests.conftest import eventually, serving
from tests.integration.test_supresion_datos import PNG, padron
from tests.support.padron import focalizar
from tests.support.servers import NatsServer
from tests.support.stream import stream_messages
from tests.support.visitas import visita_observada

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])  # the permissions do not depend on the store

RAIZ = Path(__file__).resolve().parents[2]


def url(server: NatsServer, usuario: str) -> str:
    """The development password of each user is ``<usuario>-desarrollo`` (deploy/nats/cuentas.conf)."""
    return f"nats://{usuario}:{usuario}-desarrollo@127.0.0.1:{server.port}"


@pytest.fixture
async def con_cuentas(tmp_path: Path):
    (tmp_path / "nats-cuentas").mkdir()
    server = NatsServer(tmp_path / "nats-cuentas", incluir=RAIZ / "deploy" / "nats" / "cuentas.conf").start()
    nc = await nats.connect(url(server, "streams"))
    await ensure_streams(nc.jetstream())
    await nc.close()
    yield server
    server.stop()


async def conectar(server: NatsServer, usuario: str, errores: list[str]):  # noqa: ANN201
    async def al_error(e: Exception) -> None:
        errores.append(str(e).lower())
    return await nats.connect(url(server, usuario), error_cb=al_error, max_reconnect_attempts=1)


def visita_falsa(position: int, anterior: int, cadena: str) -> Envelope:
    datos = c.VisitaRealizadaV1(
        visita_id=uuid.uuid4(), docente_id=uuid.uuid4(), acompanante_id=uuid.uuid4(), codigo_modular="3000000",
        dre="DRE-S", ugel="UGEL-S", anio=2020, fecha_inicio=date(2020, 6, 20), fecha_fin=date(2020, 6, 20), dias=1,
        acciones=["observacion"])
    env = Envelope.wrap(servicio="agenda", position=position, data=datos, subject=f"docente/{datos.docente_id}",
                        time=datetime.now(UTC), dre="DRE-S", ugel="UGEL-S")
    return env.encadenar(anterior, "0" * 64) if cadena == "calculada" else env


async def test_cada_servicio_con_su_usuario_y_los_hechos_ajenos_o_sin_cadena_no_se_aplican(make_settings, con_cuentas):
    def ajustes(cls, usuario: str, **extra):  # noqa: ANN001, ANN202
        return make_settings(cls, nats_url=url(con_cuentas, usuario), **extra)

    focalizacion_http = focalizacion_app(ajustes(FocalizacionSettings, "focalizacion"))
    evidencias_http = evidencias_app(ajustes(EvidenciasSettings, "evidencias"))
    focalizacion = focalizacion_http.state.runtime.app
    async with (serving(focalizacion_http) as foco, serving(agenda_app(ajustes(AgendaSettings, "agenda"))) as agenda,
                serving(evidencias_http) as evid,
                serving(evaluacion_app(ajustes(EvaluacionSettings, "evaluacion"))) as evaluacion):
        # Given the padrón imported, targeted and assigned (focalizacion publishes as its own user)
        p = padron()
        _, asignados = await focalizar(foco, p)
        assert asignados == 3
        docente = str(focalizacion.docente_id(p.docentes[0]["DNI"]))
        acompanante = (await foco.get(f"/v1/docentes/{docente}/asignacion")).json()["asignaciones"][0]["acompanante_id"]
        # When agenda (its plans from focalizacion's chained facts) records a visit, and evidencias (from agenda's)
        # its observation and a photo in the object store
        visita = {"visita_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": acompanante,
                  "fecha_inicio": "2020-06-10", "fecha_fin": "2020-06-11", "acciones": ["observacion", "asesoria"]}
        await visita_observada(agenda, evid, visita)
        r = await evid.post(f"/v1/visitas/{visita['visita_id']}/adjuntos", data={"acompanante_id": acompanante},
                            files={"archivo": ("aula.png", PNG, "image/png")})
        assert r.status_code == 201, r.text
        huella = r.json()["sha256"] if "sha256" in r.json() else None
        coach = {"X-Usuario": acompanante, "X-Rol": "acompanante"}
        if huella:
            assert (await evid.get(f"/v1/visitas/{visita['visita_id']}/adjuntos/{huella}", headers=coach)).content == PNG

        # Then evaluacion tells the docente's history from all of them, nothing was parked, all are ready
        auditor = {"X-Usuario": "aud-1", "X-Rol": "auditor"}

        async def en_la_historia() -> bool:
            r = await evaluacion.get(f"/v1/docentes/{docente}/historia", headers=auditor,
                                     params={"motivo": "prueba de permisos"})
            servicios = {h["servicio"] for h in r.json()["hechos"]}
            assert servicios >= {"focalizacion", "agenda", "evidencias"}, servicios
            return True
        await eventually(en_la_historia)
        for servicio in (foco, agenda, evid, evaluacion):
            assert (await servicio.get("/readyz")).json()["estado"] == "listo"
            assert (await servicio.get("/v1/mensajes-fallidos")).json() == []

        # When evaluacion's password is used to publish a fact of agenda, Then the server refuses it
        errores: list[str] = []
        intruso = await conectar(con_cuentas, "evaluacion", errores)
        try:
            falsa = visita_falsa(9000, 0, "calculada")
            await intruso.publish(falsa.nats_subject, falsa.payload(), headers=falsa.headers())
            await intruso.flush()
            await eventually(lambda: errores)
        finally:
            await intruso.close()
        assert errores == [f'nats: permissions violation for publish to "{falsa.nats_subject.lower()}"']
        lector = await nats.connect(url(con_cuentas, "streams"))  # the test's own eyes on the stream
        try:
            assert not [m for m in await stream_messages(lector.jetstream(), "acompana.agenda.>")
                        if m.headers.get("ce-id") == "agenda:9000"]
        finally:
            await lector.close()

        # When agenda's own password is used outside its relay: a well-formed visit without a link, and one
        # whose link claims the start of agenda's chain (taken by agenda's first fact)
        agenda_nc = await conectar(con_cuentas, "agenda", errores)
        try:
            js = agenda_nc.jetstream()
            sin_eslabon, bifurcada = visita_falsa(9001, 0, "ninguna"), visita_falsa(9002, 0, "calculada")
            for falsa in (sin_eslabon, bifurcada):
                await js.publish(falsa.nats_subject, falsa.payload(), headers=falsa.headers())
        finally:
            await agenda_nc.close()

        # Then evidencias parks both with their reason, and records no visit from them
        async def apartadas() -> list[dict]:
            fallidos = (await evid.get("/v1/mensajes-fallidos")).json()
            assert {f["evento_id"] for f in fallidos} >= {"agenda:9001", "agenda:9002"}, fallidos
            return fallidos
        fallidos = {f["evento_id"]: f for f in await eventually(apartadas)
                    if f["consumidor"] == "evidencias-visita-realizada"}
        assert "no lleva su eslabón" in fallidos["agenda:9001"]["motivo"]
        assert "bifurca la cadena" in fallidos["agenda:9002"]["motivo"]
        for falsa in (sin_eslabon, bifurcada):
            r = await evid.post(f"/v1/visitas/{falsa.data.visita_id}/observaciones", json={
                "observacion_id": str(uuid.uuid4()), "acompanante_id": str(falsa.data.acompanante_id),
                "niveles": {"D1": {"nivel": "II", "evidencia": "x"}}})
            # the parked visit was never applied: evidencias still waits for it, records nothing
            assert (r.status_code, r.json()["codigo"]) == (409, "en_espera"), r.text
        # and re-driving one does not apply it either
        r = await evid.post(f"/v1/mensajes-fallidos/{fallidos['agenda:9001']['secuencia']}/reintentar")
        assert r.status_code == 422 and "cadena" in r.json()["mensaje"], r.text
