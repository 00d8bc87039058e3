"""Rule sets of focalización have an ámbito: "nacional" (the ministry's) or a DRE's own programme. A DRE's
especialista publishes only for his DRE and must say so; another DRE "no existe" for him, and the nation is
not his (found while building the DRE's desk: the route checked no ámbito)."""

from __future__ import annotations

import json
from pathlib import Path

from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app
from tests.conftest import serving
from tests.support.identidad import token_de

BASE = json.loads((Path(__file__).parents[2] / "services" / "focalizacion" / "datos"
                   / "reglas-nt026-2020-2022.json").read_text("utf-8"))


def como(rol: str, **territorio: str) -> dict[str, str]:
    """A token of the test's issuer (made inside the test: the issuer's key is the test's own)."""
    return {"Authorization": f"Bearer {token_de({'X-Usuario': f'{rol}-1', 'X-Rol': rol, **territorio})}"}


def reglas(codigo: str, **cambios: object) -> dict:
    cuerpo = {**BASE, "codigo": codigo, "version": 1, "nombre": f"Programa {codigo}", **cambios}
    return {k: v for k, v in cuerpo.items() if v is not None}


async def test_una_dre_publica_reglas_solo_para_su_dre(make_settings):
    async with serving(create_app(make_settings(FocalizacionSettings))) as api:
        DRE, ADMIN = como("especialista_dre", **{"X-Dre": "DRE-PUNO"}), como("administrador")

        async def publicadas() -> set[str]:
            return {r["codigo"] for r in (await api.get("/v1/reglas", headers=DRE)).json()}

        # his own DRE: published
        r = await api.post("/v1/reglas", json=reglas("PUNO-RURAL", ambito="DRE-PUNO"), headers=DRE)
        assert r.status_code == 201, r.text
        # another DRE: no existe for him, nothing published
        r = await api.post("/v1/reglas", json=reglas("CUSCO-RURAL", ambito="DRE-CUSCO"), headers=DRE)
        assert r.status_code == 404, r.text
        # the nation, named or by default: not his; without an ámbito he is told to name it
        r = await api.post("/v1/reglas", json=reglas("NACIONAL-DRE", ambito="nacional"), headers=DRE)
        assert r.status_code == 404, r.text
        sin = reglas("SIN-AMBITO")
        del sin["ambito"]
        r = await api.post("/v1/reglas", json=sin, headers=DRE)
        assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "body.ambito", r.text
        assert {"CUSCO-RURAL", "NACIONAL-DRE", "SIN-AMBITO"}.isdisjoint(await publicadas())
        assert "PUNO-RURAL" in await publicadas()
        # a version of the nation's rules under his DRE would put it in force for every call of that code
        r = await api.post("/v1/reglas", json=reglas("NT-026", version=3, ambito="DRE-PUNO"), headers=DRE)
        assert r.status_code == 404, r.text
        assert [x["version"] for x in (await api.get("/v1/reglas", headers=DRE)).json() if x["codigo"] == "NT-026"] \
            == [2]
        # the ministry's administrador publishes national rules, with or without naming the nation
        r = await api.post("/v1/reglas", json=sin, headers=ADMIN)
        assert r.status_code == 201, r.text
        # and a code keeps its ámbito for him too
        r = await api.post("/v1/reglas", json=reglas("PUNO-RURAL", version=2, ambito="nacional"), headers=ADMIN)
        assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "body.ambito", r.text
