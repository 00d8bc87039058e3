"""The offline queue of evaluacion over HTTP: a coach's device that was without connection sends, in
one request, the initial situation, a valuation and the etapa's close it recorded; each item answers
as its own route would, and sending the queue again records nothing twice.

Given evaluacion knowing a multigrado docente held in 2020 by his acompañante, observed in April.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from services.evaluacion.metas import competencias
from tests.conftest import serving
from tests.support.evaluacion import Bombeo, observacion, plan

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)  # the executor, not a store, is tested


def _id(texto: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"evaluacion-lote/{texto}"))


DOCENTE, ACOMPANANTE = _id("docente"), _id("acompanante")
COACH = {"X-Usuario": ACOMPANANTE, "X-Rol": "acompanante", "X-Dre": "DRE-PUNO", "X-Ugel": "UGEL-EL-COLLAO"}


async def test_la_cola_del_acompanante_registra_cada_elemento_una_sola_vez(make_settings):
    app = create_app(make_settings(EvaluacionSettings), reloj=lambda: date(2021, 1, 15))
    async with serving(app) as http:
        bombeo = Bombeo(app.state.evaluacion, app.state.proyecciones)
        bombeo.recibir(plan(DOCENTE, ACOMPANANTE, 2020))
        obs = observacion(DOCENTE, ACOMPANANTE, date(2020, 4, 10))
        bombeo.recibir(obs)
        evidencia = [str(obs.observacion_id)]
        comps = competencias("multigrado")
        items = [
            {"operacion": "situacion_inicial", "docente_id": DOCENTE, "datos": {
                "fecha": "2020-04-15", "niveles": {k: {"nivel": "I", "evidencias": evidencia} for k in comps}}},
            {"operacion": "valoracion", "docente_id": DOCENTE, "datos": {
                "valoracion_id": _id("valoracion"), "fecha": "2020-06-01", "competencia": "C4", "nivel": "II",
                "evidencias": evidencia}},
            {"operacion": "cierre", "docente_id": DOCENTE, "datos": {
                "anio": 2020, "fecha": "2020-12-10", "niveles": dict.fromkeys(comps, "II")}},
        ]
        # When the acompañante's device sends its queue
        r = await http.post(f"/v1/acompanantes/{ACOMPANANTE}/lote", json={"items": items}, headers=COACH)
        # Then each item is recorded, answered with the id of its record
        assert r.status_code == 200, r.text
        assert [(x["operacion"], x["codigo"], x["id"]) for x in r.json()] == [
            ("situacion_inicial", 201, DOCENTE), ("valoracion", 201, _id("valoracion")),
            ("cierre", 201, f"{DOCENTE}/2020")], r.json()
        # And sending it again records nothing twice
        r = await http.post(f"/v1/acompanantes/{ACOMPANANTE}/lote", json={"items": items}, headers=COACH)
        assert [(x["codigo"], x["estado"]) for x in r.json()] == [(200, "ya_registrado")] * 3, r.json()
