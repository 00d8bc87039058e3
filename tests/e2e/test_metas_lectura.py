"""The metas (expected levels per etapa of each school type, NT-026 §5.2.5) can be read back, by every role:
the version in force at a cut-off, as evaluacion projected it from the facts of their publication."""

from __future__ import annotations

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from tests.conftest import eventually, serving

MINEDU = {"X-Usuario": "minedu-1", "X-Rol": "minedu"}
DOCENTE = {"X-Usuario": "11111111-1111-4111-8111-111111111111", "X-Rol": "docente"}


async def test_las_metas_publicadas_se_leen_en_su_version_vigente(make_settings, nats_server):
    async with serving(create_app(make_settings(EvaluacionSettings))) as api:
        # Given the bundled metas of each school type, published when the service starts
        async def vigentes() -> list[dict]:
            r = await api.get("/v1/metas", params={"convocatoria": "2020-2022"}, headers=DOCENTE)
            assert r.status_code == 200, r.text
            return r.json()

        async def todas() -> list[dict]:
            metas = await vigentes()
            assert {"multigrado", "eib"} <= {m["tipo_ie"] for m in metas}
            return metas

        metas = await eventually(todas)
        # Then every role reads them, per school type, etapa and competency, with avance and minimum
        tipos = {m["tipo_ie"]: m for m in metas}
        assert {"multigrado", "eib"} <= set(tipos), set(tipos)
        multigrado = tipos["multigrado"]
        assert multigrado["version"] == 1
        assert {(x["etapa"], x["competencia"]) for x in multigrado["metas"]} >= {(1, "C2"), (3, "C7")}
        assert all(x["minimo"] in ("I", "II", "III", "IV") and x["avance"] >= 0 for x in multigrado["metas"])

        # When the MINEDU publishes version 2 of multigrado with a higher floor in etapa 3
        base = {str(e): {x["competencia"]: {"avance": x["avance"], "minimo": x["minimo"]}
                         for x in multigrado["metas"] if x["etapa"] == e} for e in (1, 2, 3)}
        base["3"]["C2"] = {**base["3"]["C2"], "minimo": "IV"}
        r = await api.post("/v1/metas", headers=MINEDU, json={
            "convocatoria": "2020-2022", "tipo_ie": "multigrado", "version": 2, "metas": base,
            "fuente": "Prueba de lectura", "provisional": ""})
        assert r.status_code == 201, r.text

        # Then the reading gives version 2, and a cut-off before it still version 1
        async def version_2() -> dict:
            m = {x["tipo_ie"]: x for x in await vigentes()}["multigrado"]
            assert m["version"] == 2
            return m

        nueva = await eventually(version_2)
        assert {(x["etapa"], x["competencia"]): x["minimo"] for x in nueva["metas"]}[(3, "C2")] == "IV"
        r = await api.get("/v1/metas", params={"convocatoria": "2020-2022", "al": "2000-01-01"}, headers=MINEDU)
        assert r.status_code == 200 and r.json() == [], r.text
