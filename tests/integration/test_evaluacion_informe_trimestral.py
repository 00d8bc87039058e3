"""The UGEL's quarterly report to its DRE, and the corrective measures it disposes, over HTTP.

NT-026 §6.3 (UGEL): "Implementa el Acompañamiento Pedagógico en las II.EE. focalizadas de su
jurisdicción, realiza su seguimiento y dispone las medidas correctivas necesarias." and "Remite los
reportes de avance trimestral a la DRE." §6.2 (DRE): "Brinda asistencia técnica y supervisa la
implementación del Acompañamiento Pedagógico en las UGEL de su jurisdicción."

Given evaluacion knowing a docente of IE 0236885-0 (UGEL El Collao, DRE Puno) and two acompañantes,
one of El Collao and one of Canchis (DRE Cusco); the facts it records reach a subscriber that knows
nothing of the code (plain nats-py).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from shared import contracts as c
from tests.conftest import eventually, serving
from tests.support.evaluacion import Bombeo, plan

UGEL, DRE = "UGEL-EL-COLLAO", "DRE-PUNO"
INFORME = f"/v1/informes-trimestrales/{UGEL}"


def _id(texto: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"informe-trimestral/{texto}"))


DOCENTE, ACOMPANANTE, AJENO = _id("docente"), _id("acompanante"), _id("acompanante-canchis")


def quien(rol: str, dre: str = DRE, ugel: str = UGEL) -> dict[str, str]:
    return {"X-Usuario": f"{rol}-{ugel}", "X-Rol": rol, "X-Dre": dre, "X-Ugel": ugel}


UGEL_ESP, DRE_ESP = quien("especialista_ugel"), quien("especialista_dre")


def conocer(app) -> None:
    bombeo = Bombeo(app.state.evaluacion, app.state.proyecciones)
    bombeo.recibir(plan(DOCENTE, ACOMPANANTE, 2021, codigo_modular="0236885", dre=DRE, ugel=UGEL))
    for acompanante, dre, ugel in ((ACOMPANANTE, DRE, UGEL), (AJENO, "DRE-CUSCO", "UGEL-CANCHIS")):
        bombeo.recibir(c.AcompananteIncorporadoV1(acompanante_id=acompanante, tipo_ie="multigrado", anio=2021,
                                                  convocatoria="2020-2022", dre=dre, ugel=ugel))


async def test_la_ugel_remite_la_dre_acusa_recibo_y_las_medidas_se_siguen(make_settings, nats_server):
    app = create_app(make_settings(EvaluacionSettings))
    async with serving(app) as http:
        conocer(app)
        periodo = {"anio": 2021, "trimestre": 2}

        async def informe(quien_lee: dict[str, str]) -> dict:
            r = await http.get(INFORME, params=periodo, headers=quien_lee)
            assert r.status_code == 200, r.text
            return r.json()

        # Given the report of the second quarter of 2021, not sent yet
        assert (await informe(UGEL_ESP))["envio"] == [{"estado": "no_enviado"}]
        # the DRE cannot acknowledge what was not sent, and a quarter not ended is not remitted yet
        r = await http.post(f"{INFORME}/recepcion", json=periodo, headers=DRE_ESP)
        assert r.status_code == 422 and "aún no remitió el informe del trimestre 2 de 2021" in r.text
        r = await http.post(f"{INFORME}/envio", json={"anio": 2100, "trimestre": 1}, headers=UGEL_ESP)
        assert r.status_code == 422 and "termina el 31/03/2100" in r.text

        # When the UGEL's specialist remits it (re-sending it changes nothing; other content is a conflict)
        envio = {**periodo, "observaciones": "Dos IIEE con visitas atrasadas por huaicos."}
        assert (await http.post(f"{INFORME}/envio", json=envio, headers=UGEL_ESP)).status_code == 201
        assert (await http.post(f"{INFORME}/envio", json=envio, headers=UGEL_ESP)).status_code == 200
        r = await http.post(f"{INFORME}/envio", json={**periodo, "observaciones": "Otra"}, headers=UGEL_ESP)
        assert r.status_code == 409
        # Then the DRE sees it sent, with who sent it and when
        [enviado] = (await informe(DRE_ESP))["envio"]
        assert (enviado["estado"], enviado["dre"], enviado["enviado_por"]) == ("enviado", DRE,
                                                                              f"especialista_ugel-{UGEL}")
        assert enviado["observaciones_ugel"] == "Dos IIEE con visitas atrasadas por huaicos."

        enviado_en = datetime.now(UTC)
        # Only the DRE of that UGEL acknowledges it: the UGEL may not (403), another DRE does not see it (404)
        assert (await http.post(f"{INFORME}/recepcion", json=periodo, headers=UGEL_ESP)).status_code == 403
        otra_dre = quien("especialista_dre", "DRE-CUSCO", "UGEL-CANCHIS")
        assert (await http.post(f"{INFORME}/recepcion", json=periodo, headers=otra_dre)).status_code == 404
        r = await http.post(f"{INFORME}/recepcion", json={**periodo, "observaciones": "Conforme."}, headers=DRE_ESP)
        assert r.status_code == 201
        [recibido] = (await informe(UGEL_ESP))["envio"]
        assert (recibido["estado"], recibido["recibido_por"], recibido["observaciones_dre"]) == (
            "recibido", f"especialista_dre-{UGEL}", "Conforme.")

        # When the UGEL disposes corrective measures on one of its schools and one of its acompañantes
        medida_ie, medida_acompanante = _id("medida-ie"), _id("medida-acompanante")
        comun = {**periodo, "plazo": "2100-08-31"}
        r = await http.post(f"{INFORME}/medidas", headers=UGEL_ESP, json={
            **comun, "medida_id": medida_ie, "sobre": "ie", "codigo_modular": "0236885", "anexo": 0,
            "descripcion": "Reprogramar las visitas de junio antes del fin de julio."})
        assert r.status_code == 201, r.text
        r = await http.post(f"{INFORME}/medidas", headers=UGEL_ESP, json={
            **comun, "medida_id": medida_acompanante, "sobre": "acompanante", "acompanante_id": ACOMPANANTE,
            "descripcion": "Asesoría del especialista en la planificación de sus visitas."})
        assert r.status_code == 201, r.text
        # but not on an acompañante of another UGEL, nor the DRE's specialist (the UGEL disposes them)
        r = await http.post(f"{INFORME}/medidas", headers=UGEL_ESP, json={
            **comun, "medida_id": _id("medida-ajena"), "sobre": "acompanante", "acompanante_id": AJENO,
            "descripcion": "Asesoría del especialista en la planificación de sus visitas."})
        assert r.status_code == 422 and "no está en la UGEL UGEL-EL-COLLAO sino en UGEL-CANCHIS" in r.text
        r = await http.post(f"{INFORME}/medidas", headers=DRE_ESP, json={
            **comun, "medida_id": _id("medida-dre"), "sobre": "ie", "codigo_modular": "0236885",
            "descripcion": "Reprogramar las visitas de junio antes del fin de julio."})
        assert r.status_code == 403
        # and follows one up until it is fulfilled: then it is closed
        seguir = f"{INFORME}/medidas/{medida_ie}/seguimiento"
        for estado, avance in (("en_ejecucion", "Tres visitas reprogramadas."), ("cumplida", "Todas realizadas.")):
            r = await http.post(seguir, headers=UGEL_ESP, json={
                **periodo, "estado": estado, "avance": avance, "seguimiento_id": _id(f"seguimiento-{estado}")})
            assert r.status_code == 201, r.text
        # (a follow-up sent again under its id is already recorded)
        r = await http.post(seguir, headers=UGEL_ESP, json={
            **periodo, "estado": "en_ejecucion", "avance": "Tres visitas reprogramadas.",
            "seguimiento_id": _id("seguimiento-en_ejecucion")})
        assert r.status_code == 200 and r.json()["estado"] == "ya_registrado", r.text
        r = await http.post(seguir, json={**periodo, "estado": "en_ejecucion", "avance": "Otra vez."}, headers=UGEL_ESP)
        assert r.status_code == 422 and "Una medida cumplida no pasa a en ejecucion (ya está cerrada)." in r.text

        # Then both the UGEL and the DRE read the measures with their state
        for lector in (UGEL_ESP, DRE_ESP):
            medidas = {m["medida_id"]: m for m in (await informe(lector))["medidas"]}
            assert (medidas[medida_ie]["estado"], medidas[medida_ie]["seguimientos"], medidas[medida_ie]["ie"]) == (
                "cumplida", 2, "0236885-0")
            assert medidas[medida_ie]["ultimo_avance"] == "Todas realizadas."
            assert (medidas[medida_acompanante]["estado"], medidas[medida_acompanante]["acompanante_id"]) == (
                "dispuesta", ACOMPANANTE)
        # and the report read at a cut before the acknowledgement shows its course as it stood then
        r = await http.get(INFORME, params={**periodo, "al": enviado_en.isoformat()}, headers=DRE_ESP)
        assert ([e["estado"] for e in r.json()["envio"]], r.json()["medidas"]) == (["enviado"], [])
        r = await http.get(INFORME, params={**periodo, "formato": "csv", "seccion": "medidas"}, headers=DRE_ESP)
        assert r.status_code == 200 and "Reprogramar las visitas de junio" in r.text

        # And a subscriber that knows nothing of the code reads the facts on their subjects
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()

            async def publicados() -> list:
                sub = await js.pull_subscribe(f"acompana.evaluacion.*.v1.{DRE}.{UGEL}", stream="ACOMPANA",
                                              config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL,
                                                                    ack_policy=AckPolicy.NONE))
                try:
                    msgs = await sub.fetch(50, timeout=1)
                except nats.errors.TimeoutError:
                    return []
                finally:
                    await sub.unsubscribe()
                return msgs if len(msgs) >= 6 else []

            msgs = await eventually(publicados)
        finally:
            await nc.close()
        eventos = [(m.subject.split(".")[2], json.loads(m.data)) for m in msgs]
        assert [e for e, _ in eventos] == ["InformeTrimestralEnviado", "InformeTrimestralRecibido",
                                           "MedidaCorrectivaDispuesta", "MedidaCorrectivaDispuesta",
                                           "MedidaCorrectivaSeguida", "MedidaCorrectivaSeguida"]
        enviado = eventos[0][1]
        assert (enviado["anio"], enviado["trimestre"], enviado["resumen"]["docentes"]) == (2021, 2, 1)
        assert [d["estado"] for e, d in eventos if e == "MedidaCorrectivaSeguida"] == ["en_ejecucion", "cumplida"]
