"""focalizacion over HTTP, with a real nats-server: files in, decisions and caseloads out,
published on the contract's subjects and read by a subscriber that knows nothing of
focalizacion's code (plain nats-py and JSON)."""

from __future__ import annotations

import json

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app
from tests.conftest import eventually, serving
from tests.integration.test_focalizacion_carteras import mundo

CSV = {"content-type": "text/csv"}


async def test_focalizacion_publica_decisiones_y_asignaciones(make_settings, nats_server):
    padron = mundo()
    async with serving(create_app(make_settings(FocalizacionSettings))) as api:
        # Given the padrón, docentes and acompañantes imported through the API
        for que, encoding in (("ies", "latin-1"), ("docentes", "utf-8"), ("acompanantes", "utf-8")):
            r = await api.post(f"/v1/padron/{que}", content=padron.csv(que, encoding=encoding), headers=CSV)
            assert r.status_code == 200, r.text
            assert r.json()["rechazadas"] == [] and r.json()["nuevas"] > 0
        # When a convocatoria is opened, targeted and its caseloads assigned
        r = await api.post("/v1/convocatorias", json={"codigo": "2020-2022", "anio_inicio": 2020,
                                                      "anio_fin": 2022, "reglas": "NT-026"})
        assert (r.status_code, r.json()["reglas"]) == (201, "NT-026@2")
        r = await api.post("/v1/convocatorias/2020-2022/focalizacion")
        assert r.json()["focalizadas"] == 8
        r = await api.post("/v1/convocatorias/2020-2022/asignacion", json={})
        assert r.json()["docentes_asignados"] == 55

        # Then the counts per UGEL and each school's reasons are readable
        por_ugel = (await api.get("/v1/convocatorias/2020-2022/focalizadas?por=ugel")).json()
        assert {(f["ugel"], f["focalizadas"]) for f in por_ugel} == {("UGEL-A", 6), ("UGEL-B", 2)}
        decision = (await api.get(f"/v1/convocatorias/2020-2022/ies/{padron.ies[0]['COD_MOD']}/0")).json()
        assert decision["focalizada"] and decision["tipo"] == "polidocente_primaria"
        assert {e["codigo"]: e["resultado"] for e in decision["evaluaciones"]}["PC-F2"] == "cumple"

        # and a subscriber outside the project reads the facts on the contract's subjects
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()

            async def publicados() -> list:
                sub = await js.pull_subscribe("acompana.focalizacion.>", stream="ACOMPANA", config=ConsumerConfig(
                    deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE))
                msgs: list = []
                try:  # every fact published so far (the docentes' registrations come first)
                    pendientes = (await sub.consumer_info()).num_pending
                    while len(msgs) < pendientes:
                        msgs.extend(await sub.fetch(pendientes - len(msgs), timeout=2))
                except nats.errors.TimeoutError:
                    return []
                finally:
                    await sub.unsubscribe()
                return msgs if len(msgs) >= len(padron.docentes) + 8 + 4 + 55 else []

            msgs = await eventually(publicados)
        finally:
            await nc.close()
        por_asunto: dict[str, list[dict]] = {}
        for m in msgs:
            por_asunto.setdefault(m.subject, []).append(json.loads(m.data))
        assert len(por_asunto["acompana.focalizacion.IEFocalizada.v1.DRE-X.UGEL-A"]) == 6
        assert len(por_asunto["acompana.focalizacion.AcompananteIncorporado.v1.DRE-X.UGEL-B"]) == 1
        asignados = por_asunto["acompana.focalizacion.DocenteAsignado.v1.DRE-X.UGEL-A"]
        assert len(asignados) == 45
        assert {a["tipo_ie"] for a in asignados} == {"polidocente_primaria"}
        assert all(a["ratio_maximo"] == 15 and a["convocatoria"] == "2020-2022" for a in asignados)
        assert msgs[0].headers["ce-type"].startswith("pe.gob.minedu.acompana.focalizacion.")
        registrados = [d for asunto, datos in por_asunto.items() if ".DocenteRegistradoEnIE.v1." in asunto for d in datos]
        assert len(registrados) == len(padron.docentes)
        assert set(registrados[0]) == {"docente_id", "codigo_modular", "anexo", "nivel", "dre", "ugel"}
        # and no registry data (names, DNI) travels on the wire
        assert not any("Quispe" in m.data.decode() or "41000001" in m.data.decode() for m in msgs)


async def test_archivo_o_datos_no_validos_responden_422_sin_escribir(make_settings):
    async with serving(create_app(make_settings(FocalizacionSettings))) as api:
        r = await api.post("/v1/padron/ies", content=b"CEN_EDU;NIVEL\nIE;Primaria\n", headers=CSV)
        assert r.status_code == 422
        assert "COD_MOD" in r.json()["mensaje"]
        r = await api.post("/v1/convocatorias", json={"codigo": "X", "anio_inicio": 2020, "anio_fin": 2030,
                                                      "reglas": "NT-026"})
        assert r.status_code == 422
        assert [e["campo"] for e in r.json()["errores"]] == ["body.codigo"], r.json()
        r = await api.post("/v1/convocatorias", json={"codigo": "2030-2032", "anio_inicio": 2030,
                                                      "anio_fin": 2032, "reglas": "NT-026"})
        assert (r.status_code, r.json()["codigo"]) == (422, "regla_incumplida")
        assert "vigentes en 2030" in r.json()["mensaje"]
        assert (await api.get("/v1/convocatorias")).json() == []
        r = await api.get("/v1/convocatorias/nada/decisiones")
        assert r.status_code == 404
