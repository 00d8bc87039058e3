"""Every service honours its own OpenAPI: schemathesis generates requests from each service's
published description and every answer is checked against it.

Each service is built by its composition root and runs with its lifespan (a real nats-server, a
SQLite store), as in the other e2e tests; its ``/openapi.json`` is read from the running app. For
every operation schemathesis draws a bounded, derandomized set of requests that fit the schema
(positive) and that do not (negative); each is sent signed by the ``sistema`` service account, and
the answer must not be a server error (5xx), must carry a status the operation documents, and
must match the schema documented for that status.

The requests go through the same ASGI client the other tests use, in the test's event loop:
``schemathesis.openapi.from_asgi`` and ``case.call`` would run the app (and its lifespan, its NATS
connection, its relay) in schemathesis's own event-loop thread instead. So the cases are drawn first
(hypothesis, derandomized) and then sent one after the other, and every failure is collected, so one
run shows all of them.

No operation is left out: the probes, the metrics, the catalog, the dead letters, the chain, the
uploads (multipart) and the downloads (attachments, CSV, XLSX, PDF, charts) are all drawn and sent.

The same runs again as a territorial role (the acompañante of a school of UGEL El Collao, and the
especialista of that UGEL) against a store that holds data: plans, visits and observations of docentes
of that UGEL and of another. The ids schemathesis draws for the path are replaced, in the positive cases,
by the ids of that data, so the routes that refuse the ``sistema`` account (coaching evidence, the
acompañante's own agenda) are explored past the policy, with fewer examples to keep the time bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion
from shared.settings import ServiceSettings
from tests.conftest import serving
from tests.integration.test_autorizacion_matriz import A1, ESCUELAS, _id, como
from tests.integration.test_evidencias_reglas import ficha, observacion_de
from tests.support.evaluacion import Bombeo, plan
from tests.support.identidad import token_de
from tests.support.world import asignar

SERVICIOS: dict[str, tuple[type[ServiceSettings], Callable[[ServiceSettings], FastAPI]]] = {
    "focalizacion": (FocalizacionSettings, focalizacion),
    "agenda": (AgendaSettings, agenda),
    "evidencias": (EvidenciasSettings, evidencias),
    "evaluacion": (EvaluacionSettings, evaluacion),
}
EJEMPLOS = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}  # per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def store_kind() -> str:
    """SQLite is enough here: what is checked is the HTTP contract, not the store."""
    return "sqlite"


_DIBUJADOS: dict[tuple[str, str, GenerationMode], list[Any]] = {}  # by service, operation and mode, this session


def casos(servicio: str, operacion: Any, modo: GenerationMode, cuantos: int) -> list[Any]:
    """The first ``cuantos`` of the requests schemathesis draws for ``operacion`` (``EJEMPLOS[modo]`` of them, the
    same ones on every run): drawn once per session, for every test that explores the service; each test gets
    copies of its own (it may set a copy's path parameters)."""
    clave = (servicio, operacion.label, modo)
    if clave not in _DIBUJADOS:
        _DIBUJADOS[clave] = dibujar(operacion, modo, max(cuantos, EJEMPLOS[modo]))
    return [caso.derive(keep_auth=True) for caso in _DIBUJADOS[clave][:cuantos]]


def dibujar(operacion: Any, modo: GenerationMode, cuantos: int) -> list[Any]:
    """The requests schemathesis draws for ``operacion``: the same ones on every run."""
    dibujados: list[Any] = []

    @settings(max_examples=cuantos, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(caso=operacion.as_strategy(generation_mode=modo))
    def uno(caso: Any) -> None:
        dibujados.append(caso)

    uno()
    return dibujados


async def sembrar(servicio: str, app: FastAPI, http: httpx.AsyncClient) -> None:
    """Plans, a visit and its observation for the docentes of two schools of El Collao and one of Canchis."""
    for e in ESCUELAS:
        comun = {"codigo_modular": e.codigo_modular, "anexo": 0, "dre": e.dre, "ugel": e.ugel}
        if servicio == "agenda":
            asignar(app.state.agenda, e.docente, e.acompanante, codigo_modular=e.codigo_modular, dre=e.dre,
                    ugel=e.ugel)
            r = await http.post(f"/v1/acompanantes/{e.acompanante}/visitas", headers=_firmado(como("acompanante", e)),
                                json={"visita_id": e.visita, "docente_id": e.docente, "fecha_inicio": "2021-06-10",
                                      "fecha_fin": "2021-06-10"})
            assert r.status_code == 201, r.text
        elif servicio == "evaluacion":
            Bombeo(app.state.evaluacion, app.state.proyecciones).recibir(
                plan(e.docente, e.acompanante, 2021, codigo_modular=e.codigo_modular, dre=e.dre, ugel=e.ugel),
                id_=f"agenda:plan-{e.nombre}")
        elif servicio == "evidencias":
            ev = app.state.evidencias
            ev.conocer_plan({"plan_id": _id(f"plan-{e.nombre}"), "docente_id": e.docente,
                             "acompanante_id": e.acompanante, "anio": 2021, "etapa": 2, "modalidad": "externa",
                             "tipo_ie": "polidocente_primaria", "nivel": "primaria", **comun})
            ev.conocer_visita({"visita_id": e.visita, "docente_id": e.docente, "acompanante_id": e.acompanante,
                               "anio": 2021, "fecha_inicio": "2021-05-10", "fecha_fin": "2021-05-10",
                               "acciones": ["observacion"], **comun})
            assert ev.registrar_observacion(observacion_de(e.visita, _id(f"obs-{e.nombre}"), e.acompanante,
                                                           ficha(D1="II")))


def _firmado(identidad: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_de(identidad)}"}


# the ids of the seeded data, by path parameter name (A1's: the territorial caller's own)
IDS = {"docente_id": A1.docente, "acompanante_id": A1.acompanante, "visita_id": A1.visita, "actividad_id": A1.visita,
       "ugel": A1.ugel, "codigo_modular": A1.codigo_modular, "anexo": "0"}


async def enviar(http: httpx.AsyncClient, caso: Any, cabeceras: dict[str, str]) -> httpx.Response:
    """Send a case exactly as schemathesis would put it on the wire (``requests`` prepares the body)."""
    kwargs = caso.as_transport_kwargs(base_url=str(http.base_url).rstrip("/"), headers=cabeceras)
    preparada = requests.Session().prepare_request(requests.Request(
        method=kwargs["method"], url=kwargs["url"], headers=kwargs.get("headers"), params=kwargs.get("params"),
        cookies=kwargs.get("cookies"), json=kwargs.get("json"), data=kwargs.get("data"), files=kwargs.get("files")))
    cuerpo = preparada.body.encode() if isinstance(preparada.body, str) else preparada.body
    return await http.request(preparada.method or "GET", preparada.url or "", headers=dict(preparada.headers),
                              content=cuerpo)


@pytest.mark.parametrize("servicio", list(SERVICIOS))
async def test_cada_servicio_responde_como_documenta_su_openapi(servicio: str, make_settings):
    # Given the service running, its description read from it, and a token of the service account
    await explorar(servicio, make_settings, {"X-Usuario": "sistema", "X-Rol": "sistema"}, EJEMPLOS, con_datos=False)


TERRITORIALES = {"agenda": "acompanante", "evidencias": "acompanante", "evaluacion": "especialista_ugel"}


@pytest.mark.parametrize("servicio", list(TERRITORIALES))
async def test_como_rol_territorial_con_datos_responde_como_documenta(servicio: str, make_settings):
    # Given the service holding data of two UGELs, and a token of a territorial role of El Collao
    await explorar(servicio, make_settings, como(TERRITORIALES[servicio], A1),
                   {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 2}, con_datos=True)


async def explorar(servicio: str, make_settings: Any, identidad: dict[str, str], ejemplos: dict[GenerationMode, int],
                   con_datos: bool) -> None:
    ajustes, crear = SERVICIOS[servicio]
    app = crear(make_settings(ajustes))
    cabeceras = _firmado(identidad)
    inicio = time.monotonic()
    async with serving(app) as firmado, httpx.AsyncClient(
            # a server error is an answer to check (500), not an exception raised into the test
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://servicio") as http:
        r = await http.get("/openapi.json")
        assert r.status_code == 200, r.text
        esquema = schemathesis.openapi.from_dict(r.json())
        operaciones = [resultado.ok() for resultado in esquema.get_all_operations()]
        assert len(operaciones) > 10

        if con_datos:
            await sembrar(servicio, app, firmado)

        # When schemathesis sends what it draws for every operation
        fallas: dict[str, str] = {}
        enviados = 0
        admitidos = 0
        for operacion in operaciones:
            for modo, cuantos in ejemplos.items():
                for caso in casos(servicio, operacion, modo, cuantos):
                    if con_datos and modo == GenerationMode.POSITIVE and caso.path_parameters:
                        caso.path_parameters = {k: IDS.get(k, v) for k, v in caso.path_parameters.items()}
                    respuesta = await enviar(http, caso, cabeceras)
                    admitidos += respuesta.status_code < 300
                    enviados += 1
                    try:
                        caso.validate_response(respuesta, checks=CHECKS, headers=cabeceras)
                    except FailureGroup as exc:  # its message says what failed and how to reproduce it
                        fallas.setdefault(f"{operacion.label} [{modo.value}]", str(exc))
                        break

    # Then no answer is a server error or differs from what the description documents
    print(f"{servicio} ({identidad['X-Rol']}): {len(operaciones)} operaciones, {enviados} solicitudes, "
          f"{admitidos} con 2xx, {time.monotonic() - inicio:.1f} s")
    assert not fallas, "\n\n".join(f"== {k}\n{v}" for k, v in fallas.items())
    assert admitidos > 0
