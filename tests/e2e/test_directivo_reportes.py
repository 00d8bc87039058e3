"""The directivo's school, through the HTTP API only: the directora of the IEI N°246 "Mi Segundo Hogar"
reads evaluacion's reports for her IE (the fulfilment of the coaching plans, the levels at the etapa's
close), never another IE's; the external acompañante's formative evidence stays out of her reach (the
práctica observed desempeño by desempeño, each docente's levels, his observations and commitments),
while the observations, commitments and valuations she recorded herself in the school's internal plan
she lists.
"""

from __future__ import annotations

import uuid

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from tests.conftest import eventually, serving
from tests.e2e.test_plan_monitoreo_ie import COMO_DIRECTORA, DIRECTORA, DOCENTES, en_el_padron, plan_2024
from tests.support.world import asignar

IE, OTRA_IE = "0236885-0", "0555555-0"
SIN_SEPARACION = {"separacion_finalidad": False}
COMPETENCIAS = ("C2", "C3", "C4", "C5", "C6")  # a docente's competencies in the MBDD (NT-026 §5.2.5)
ESPECIALISTA = {"X-Usuario": "esp-collao", "X-Rol": "especialista_ugel", "X-Dre": "DRE-PUNO",
                "X-Ugel": "UGEL-EL-COLLAO"}


def observacion(autor: str, nivel: str) -> dict:
    return {"observacion_id": str(uuid.uuid4()), "acompanante_id": autor, "niveles": {
        "D1": {"nivel": nivel, "evidencia": "Los niños participan en la asamblea de inicio."}},
        "fortalezas": ["Uso del tiempo"], "aspectos_criticos": ["Cierre apresurado"]}


def compromiso(autor: str, descripcion: str, fecha_limite: str) -> dict:
    return {"compromiso_id": str(uuid.uuid4()), "acompanante_id": autor, "descripcion": descripcion,
            "item": "D1", "fecha_limite": fecha_limite, "verificacion": "Observación en la próxima visita"}


async def test_la_directora_lee_los_reportes_de_su_ie_y_lo_que_ella_registro(make_settings):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
            serving(evidencias_app(make_settings(EvidenciasSettings))) as evidencias, \
            serving(evaluacion_app(make_settings(EvaluacionSettings))) as evaluacion:
        # Given the IEI N°246's first docente coached by an external acompañante (NT-026, 2021), and a docente
        # of another school of the same UGEL coached too
        docente, ajeno = DOCENTES[0], str(uuid.uuid4())
        acompanante = asignar(agenda_http.state.agenda, docente, anio=2021)
        asignar(agenda_http.state.agenda, ajeno, anio=2021, codigo_modular=OTRA_IE[:7])
        como_acompanante = {"X-Usuario": acompanante, "X-Rol": "acompanante", "X-Dre": "DRE-PUNO",
                            "X-Ugel": "UGEL-EL-COLLAO"}
        externa = str(uuid.uuid4())
        r = await agenda.post("/v1/visitas-realizadas", json={
            "visita_id": externa, "docente_id": docente, "acompanante_id": acompanante,
            "fecha_inicio": "2021-06-10", "fecha_fin": "2021-06-11", "acciones": ["observacion", "asesoria"]})
        assert r.status_code == 201, r.text
        # and the school's own 2024 plan, in which the directora visits that docente herself
        en_el_padron(agenda_http)
        r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=plan_2024(),
                              headers=COMO_DIRECTORA)
        assert r.status_code == 201, r.text
        r = await agenda.post(f"/v1/planes-monitoreo/{r.json()['plan_ie_id']}/aprobacion",
                              headers=COMO_DIRECTORA,
                              json={"resolucion": "RD N° 012-2024-IEI246", "fecha": "2024-04-15"})
        assert r.status_code == 201, r.text
        interna = str(uuid.uuid4())
        r = await agenda.post(f"/v1/acompanantes/{DIRECTORA}/visitas", headers=COMO_DIRECTORA, json={
            "visita_id": interna, "docente_id": docente, "fecha_inicio": "2024-06-11",
            "fecha_fin": "2024-06-11"})
        assert r.status_code == 201, r.text
        r = await agenda.post("/v1/visitas-realizadas", headers=COMO_DIRECTORA, json={
            "visita_id": interna, "docente_id": docente, "acompanante_id": DIRECTORA,
            "fecha_inicio": "2024-06-11", "fecha_fin": "2024-06-11", "acciones": ["observacion", "asesoria"]})
        assert r.status_code == 201, r.text
        # each observer records his visit's observation and a commitment
        registros = [(externa, acompanante, como_acompanante, "II", "Preguntas abiertas", "2021-07-30"),
                     (interna, DIRECTORA, COMO_DIRECTORA, "III", "Cierre con metacognición", "2024-07-30")]
        observadas: dict[str, str] = {}  # observer -> his observation
        for visita, autor, como, nivel, que, plazo in registros:
            registro, asumido = observacion(autor, nivel), compromiso(autor, que, plazo)  # re-sent alike
            observadas[autor] = registro["observacion_id"]

            async def registrado(visita=visita, como=como, registro=registro, asumido=asumido):
                r = await evidencias.post(f"/v1/visitas/{visita}/observaciones", json=registro, headers=como)
                assert r.status_code in (200, 201), r.text
                r = await evidencias.post(f"/v1/visitas/{visita}/compromisos", json=asumido, headers=como)
                assert r.status_code == 201, r.text
                return True
            await eventually(registrado)

        # When the directora reads the seguimiento of 2021 by IE / Then only her school's fulfilment, as the
        # UGEL's specialist reads it among the UGEL's schools
        async def por_ie(como: dict) -> dict:
            r = await evaluacion.get("/v1/seguimiento", params={"anio": 2021, "por": "ie"}, headers=como)
            assert r.status_code == 200, r.text
            assert sum(f["visitas_realizado"] for f in r.json()["cumplimiento"]) == 1, r.text
            return r.json()
        de_la_ugel = await eventually(lambda: por_ie(ESPECIALISTA))
        assert {f["codigo_modular"] for f in de_la_ugel["cumplimiento"]} == {IE[:7], OTRA_IE[:7]}
        suyo = await por_ie(COMO_DIRECTORA)
        [fila] = suyo["cumplimiento"]
        assert (fila["codigo_modular"], fila["anexo"], fila["docentes"], fila["visitas_realizado"]) == (
            IE[:7], 0, 1, 1)
        assert suyo["calidad"] == [] and suyo["satisfaccion"] == []  # known per UGEL, not per school
        # and the results of the etapa's close, by IE: her school's rows only
        r = await evaluacion.get("/v1/resultados-etapa", params={"etapa": 2, "por": "ie"},
                                 headers=COMO_DIRECTORA)
        assert r.status_code == 200, r.text
        resultados = r.json()["resultados"]
        assert resultados and {(f["codigo_modular"], f["docentes"]) for f in resultados} == {(IE[:7], 1)}
        r = await evaluacion.get("/v1/resultados-etapa.svg", headers=COMO_DIRECTORA)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg"), r.text

        # But another IE's reports are not hers (404, as an id outside her territory)
        for ruta, consulta in (("/v1/seguimiento", {"anio": 2021}), ("/v1/resultados-etapa", {"etapa": 2}),
                               ("/v1/resultados-etapa.png", {})):
            r = await evaluacion.get(ruta, params={**consulta, "ie": OTRA_IE}, headers=COMO_DIRECTORA)
            assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (ruta, r.text)
        # and the external acompañante's formative evidence stays hidden: each docente's levels, and the
        # práctica observed desempeño by desempeño
        r = await evaluacion.get("/v1/resultados-etapa", params={"etapa": 2, "por": "docente"},
                                 headers=COMO_DIRECTORA)
        assert r.status_code == 403 and "formativa" in r.json()["mensaje"], r.text
        r = await evaluacion.get("/v1/evaluacion", params={"anio": 2021}, headers=COMO_DIRECTORA)
        assert r.status_code == 403, r.text
        r = await evaluacion.get(f"/v1/docentes/{docente}/progreso", headers=COMO_DIRECTORA)
        assert r.status_code == 403, r.text

        # When she lists the docente's observations and commitments / Then only what she recorded herself
        r = await evidencias.get(f"/v1/docentes/{docente}/observaciones", headers=COMO_DIRECTORA)
        assert r.status_code == 200, r.text
        assert [(v["visita_id"], v["nivel"]) for serie in r.json().values() for v in serie] == [
            (interna, "III")]
        r = await evidencias.get(f"/v1/docentes/{docente}/compromisos", headers=COMO_DIRECTORA)
        assert r.status_code == 200, r.text
        assert [c["descripcion"] for c in r.json()] == ["Cierre con metacognición"]
        # while the acompañante who holds the docente lists both observers' records
        r = await evidencias.get(f"/v1/docentes/{docente}/observaciones", headers=como_acompanante)
        assert sorted(v["nivel"] for serie in r.json().values() for v in serie) == ["II", "III"], r.text
        r = await evidencias.get(f"/v1/docentes/{docente}/compromisos", headers=como_acompanante)
        assert len(r.json()) == 2, r.text
        # and a docente of another school is not hers to list
        for lista in ("observaciones", "compromisos"):
            r = await evidencias.get(f"/v1/docentes/{ajeno}/{lista}", headers=COMO_DIRECTORA)
            assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (lista, r.text)

        # When each observer records the docente's initial situation and values his competency C4
        for autor, como, fecha, nivel in ((acompanante, como_acompanante, "2021-06-10", "II"),
                                          (DIRECTORA, COMO_DIRECTORA, "2024-06-11", "III")):
            async def valorada(autor=autor, como=como, fecha=fecha, nivel=nivel):
                r = await evaluacion.post(f"/v1/docentes/{docente}/situacion-inicial", headers=como, json={
                    "acompanante_id": autor, "fecha": fecha,
                    "niveles": {c: {"nivel": "I", "evidencias": [observadas[autor]]} for c in COMPETENCIAS}})
                assert r.status_code in (200, 201), r.text
                r = await evaluacion.post(f"/v1/docentes/{docente}/valoraciones", headers=como, json={
                    "valoracion_id": str(uuid.uuid4()), "acompanante_id": autor, "fecha": fecha,
                    "competencia": "C4", "nivel": nivel, "evidencias": [observadas[autor]]})
                assert r.status_code == 201, r.text
                return True
            await eventually(valorada)

        # Then she reads back the valuation she recorded, not the acompañante's; he reads both
        async def valoraciones(como: dict, cuantas: int) -> list:
            r = await evaluacion.get(f"/v1/docentes/{docente}/valoraciones", headers=como)
            assert r.status_code == 200, r.text
            assert len(r.json()["valoraciones"]) == cuantas, r.text
            return r.json()["valoraciones"]
        todas = await eventually(lambda: valoraciones(como_acompanante, 2))
        assert {(v["acompanante_id"], v["nivel"]) for v in todas} == {(acompanante, "II"), (DIRECTORA, "III")}
        [suya] = await valoraciones(COMO_DIRECTORA, 1)
        assert (suya["acompanante_id"], suya["nivel"], suya["fecha"]) == (DIRECTORA, "III", "2024-06-11")

        async def iniciales():  # each fact reaches the read model on its own
            r = await evaluacion.get(f"/v1/docentes/{docente}/valoraciones", headers=COMO_DIRECTORA)
            assert {(i["acompanante_id"], i["fecha"]) for i in r.json()["iniciales"]} == {
                (DIRECTORA, "2024-06-11")}, r.text
            return True
        await eventually(iniciales)
        r = await evaluacion.get(f"/v1/docentes/{ajeno}/valoraciones", headers=COMO_DIRECTORA)
        assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), r.text


async def test_sin_la_separacion_de_finalidad_la_directora_lista_tambien_lo_del_acompanante(make_settings):
    """The setting (``<S>_SEPARACION_FINALIDAD=false``) opens the docente's lists and his levels to her."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
            serving(evidencias_app(make_settings(EvidenciasSettings, **SIN_SEPARACION))) as evidencias, \
            serving(evaluacion_app(make_settings(EvaluacionSettings, **SIN_SEPARACION))) as evaluacion:
        docente = str(uuid.uuid4())
        acompanante = asignar(agenda_http.state.agenda, docente, anio=2021)
        visita = str(uuid.uuid4())
        r = await agenda.post("/v1/visitas-realizadas", json={
            "visita_id": visita, "docente_id": docente, "acompanante_id": acompanante,
            "fecha_inicio": "2021-06-10", "fecha_fin": "2021-06-11", "acciones": ["observacion", "asesoria"]})
        assert r.status_code == 201, r.text
        como_acompanante = {"X-Usuario": acompanante, "X-Rol": "acompanante", "X-Dre": "DRE-PUNO",
                            "X-Ugel": "UGEL-EL-COLLAO"}

        async def observada():
            r = await evidencias.post(f"/v1/visitas/{visita}/observaciones",
                                      json=observacion(acompanante, "II"), headers=como_acompanante)
            assert r.status_code == 201, r.text
            return True
        await eventually(observada)
        r = await evidencias.get(f"/v1/docentes/{docente}/observaciones", headers=COMO_DIRECTORA)
        assert r.status_code == 200, r.text
        assert [v["nivel"] for serie in r.json().values() for v in serie] == ["II"]

        async def por_docente():
            r = await evaluacion.get("/v1/resultados-etapa", params={"etapa": 2, "por": "docente"},
                                     headers=COMO_DIRECTORA)
            assert r.status_code == 200, r.text
            assert {f["docente_id"] for f in r.json()["resultados"]} == {docente}, r.text
            return True
        await eventually(por_docente)
