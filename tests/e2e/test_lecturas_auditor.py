"""Every read by an auditor is a published fact of the service that served it (``LecturaAuditada``), and
the docente whose data was read sees it, with the reads of his history, in ``GET /v1/docentes/{id}/accesos``.

evidencias and evaluacion run by their composition roots on a real nats-server: the read recorded by
evidencias travels through its relay and the stream to evaluacion's history, as any fact does.
"""

from __future__ import annotations

import json
import uuid

import pytest
from nats.js.api import DeliverPolicy

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from shared.streams import STREAM
from tests.conftest import eventually, serving
from tests.integration.test_evidencias_reglas import ficha, observacion_de
from tests.support.evaluacion import Bombeo, plan

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)

AUDITOR = {"X-Usuario": "auditor-7", "X-Rol": "auditor"}
MINEDU = {"X-Usuario": "minedu-1", "X-Rol": "minedu"}
LUGAR = {"codigo_modular": "0236885", "anexo": 0, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}


async def lecturas_publicadas(js, servicio: str) -> list[dict]:
    sub = await js.subscribe(f"acompana.{servicio}.LecturaAuditada.v1.>", stream=STREAM,
                             deliver_policy=DeliverPolicy.ALL, ordered_consumer=True)
    mensajes = []
    try:
        while True:
            mensajes.append(json.loads((await sub.next_msg(timeout=0.5)).data))
    except TimeoutError:
        pass
    finally:
        await sub.unsubscribe()
    return mensajes


async def test_cada_lectura_del_auditor_queda_como_hecho_y_el_docente_la_ve(make_settings, js):
    docente, acompanante, visita = (str(uuid.uuid4()) for _ in range(3))
    evidencias = evidencias_app(make_settings(EvidenciasSettings))
    evaluacion = evaluacion_app(make_settings(EvaluacionSettings))
    # Given a docente observed in a visit (evidencias) with his plan known to evaluacion
    ev = evidencias.state.evidencias
    ev.conocer_plan({"plan_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": acompanante, "anio": 2021,
                     "etapa": 2, "modalidad": "externa", "tipo_ie": "polidocente_primaria", "nivel": "primaria", **LUGAR})
    ev.conocer_visita({"visita_id": visita, "docente_id": docente, "acompanante_id": acompanante, "anio": 2021,
                       "fecha_inicio": "2021-05-10", "fecha_fin": "2021-05-10", "acciones": ["observacion"], **LUGAR})
    assert ev.registrar_observacion(observacion_de(visita, str(uuid.uuid4()), acompanante, ficha(D1="II")))
    Bombeo(evaluacion.state.evaluacion, evaluacion.state.proyecciones).recibir(
        plan(docente, acompanante, 2021), id_="agenda:plan-lecturas")
    async with serving(evidencias) as ev_http, serving(evaluacion) as eval_http:
        # When an auditor reads the docente's observations, a list of commitments of his UGEL, and his progress
        assert (await ev_http.get(f"/v1/docentes/{docente}/observaciones", headers=AUDITOR)).status_code == 200
        assert (await ev_http.get("/v1/compromisos", params={"ugel": "UGEL-EL-COLLAO"},
                                  headers=AUDITOR)).status_code == 200
        assert (await eval_http.get(f"/v1/docentes/{docente}/progreso", headers=AUDITOR)).status_code == 200
        # and the minedu reads the same observations (not an auditor: not recorded)
        assert (await ev_http.get(f"/v1/docentes/{docente}/observaciones", headers=MINEDU)).status_code == 200

        # Then each auditor read is a fact on the serving service's own subject, naming the docente when it is his
        async def publicadas() -> list[dict]:
            hechos = await lecturas_publicadas(js, "evidencias")
            assert len(hechos) == 2, hechos
            return hechos
        hechos = await eventually(publicadas)
        por_ruta = {h["ruta"]: h for h in hechos}
        observaciones = por_ruta["GET /v1/docentes/{docente_id}/observaciones"]
        assert (observaciones["usuario"], observaciones["rol"]) == ("auditor-7", "auditor")
        assert observaciones["docente_ids"] == [docente] and observaciones["objetos"] == {"docente_id": docente}
        assert (observaciones["dre"], observaciones["ugel"]) == ("DRE-PUNO", "UGEL-EL-COLLAO")
        lista = por_ruta["GET /v1/compromisos"]
        assert lista["consulta"] == {"ugel": "UGEL-EL-COLLAO"} and lista["docente_ids"] == []

        async def de_evaluacion() -> bool:  # evaluacion's relay publishes its own read
            return len(await lecturas_publicadas(js, "evaluacion")) == 1
        await eventually(de_evaluacion)

        # and the docente sees who read his data, where and what
        async def accesos() -> list[dict]:
            r = await eval_http.get(f"/v1/docentes/{docente}/accesos", headers={"X-Usuario": docente,
                                                                                 "X-Rol": "docente"})
            assert r.status_code == 200, r.text
            assert len(r.json()) == 2, r.json()
            return r.json()
        vistos = await eventually(accesos)
        assert {(a["usuario"], a["rol"], a["consulta"]["servicio"], a["consulta"]["ruta"]) for a in vistos} == {
            ("auditor-7", "auditor", "evidencias", "GET /v1/docentes/{docente_id}/observaciones"),
            ("auditor-7", "auditor", "evaluacion", "GET /v1/docentes/{docente_id}/progreso")}
        # and his history shows them as facts, as any other
        r = await eval_http.get(f"/v1/docentes/{docente}/historia", params={"tipo": "LecturaAuditada"},
                                headers={"X-Usuario": docente, "X-Rol": "docente"})
        assert r.status_code == 200 and r.json()["total"] == 2, r.text
