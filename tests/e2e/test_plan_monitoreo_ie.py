"""The school's own coaching (internal modality, NT-026 §5.2.1) for real, through the HTTP API only:
the directora of the IEI N°246 "Mi Segundo Hogar" (seed 002) elaborates, approves and socializes the
school's 2024 plan; each of its 11 docentes gets an internal plan with the plan's three visits
(June, September, November); she records a visit and its observation, the IE's fulfilment and the
docente's history show it with her as author; she schedules an RTC, writes its acta and reads it back;
the plan's PDFs say what was done; and a plain nats-py subscriber reads the plan's facts.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pypdf import PdfReader

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.agenda.valores import DocenteEnIE
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from tests.conftest import eventually, serving
from tests.support.padron import Padron, escuela
from tests.support.world import asignar

IE = "0236885-0"
DIRECTORA = str(uuid.uuid5(uuid.NAMESPACE_URL, "iei246/directora"))
COMO_DIRECTORA = {"X-Usuario": DIRECTORA, "X-Rol": "directivo", "X-Dre": "DRE-PUNO", "X-Ugel": "UGEL-EL-COLLAO",
                  "X-Ie": IE}
SECCIONES = [f"{edad} años {s}" for edad, letras in ((5, "ABCD"), (4, "ABCD"), (3, "ABC")) for s in letras]
DOCENTES = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"iei246/docente/{s}")) for s in SECCIONES]


def plan_2024() -> dict:
    """The header and the docentes of the seed's plan (I. Datos informativos, VII. Cronograma)."""
    return {"anio": 2024, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO", "turno": "mañana",
            "director": "Doly Ramos Aruquipa", "responsables": ["Doly Ramos Aruquipa"],
            "docentes": [{"docente_id": d, "grado_seccion": s} for d, s in zip(DOCENTES, SECCIONES)]}


def en_el_padron(agenda_http: Any, docentes: list[str] = DOCENTES, codigo_modular: str = "0236885") -> None:
    """What focalizacion's ``DocenteRegistradoEnIE`` would have told agenda: the padrón places them in the school."""
    for d in docentes:
        agenda_http.state.agenda.registrar_docente_ie(d, codigo_modular, 0,
                                                      DocenteEnIE("inicial", "DRE-PUNO", "UGEL-EL-COLLAO"))


async def hechos(url: str, subject: str) -> list[tuple[str, dict]]:
    """What a system that knows nothing of the code reads, with nats-py only: (event, payload)."""
    nc = await nats.connect(url)
    try:
        sub = await nc.jetstream().pull_subscribe(subject, stream="ACOMPANA", config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE))
        pendientes, leidos = (await sub.consumer_info()).num_pending, []
        while len(leidos) < pendientes:
            try:
                leidos.extend(await sub.fetch(pendientes - len(leidos), timeout=1.0))
            except TimeoutError:
                continue
        return [(m.headers["ce-type"].rsplit(".", 2)[-2], json.loads(m.data)) for m in leidos]
    finally:
        await nc.close()


def texto(pdf: bytes) -> str:
    return "\n".join(pagina.extract_text() for pagina in PdfReader(io.BytesIO(pdf)).pages)


async def plan_aprobado(agenda: Any) -> str:
    """The directora's 2024 plan, elaborated and approved (RD): in force."""
    r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=plan_2024(),
                          headers=COMO_DIRECTORA)
    assert r.status_code == 201, r.text
    pid = r.json()["plan_ie_id"]
    r = await agenda.post(f"/v1/planes-monitoreo/{pid}/aprobacion", headers=COMO_DIRECTORA,
                          json={"resolucion": "RD N° 012-2024-IEI246", "fecha": "2024-04-15"})
    assert r.status_code == 201, r.text
    return pid


async def test_la_directora_lleva_el_plan_interno_de_su_ie(make_settings, nats_server):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
            serving(evidencias_app(make_settings(EvidenciasSettings))) as evidencias, \
            serving(evaluacion_app(make_settings(EvaluacionSettings))) as evaluacion:
        en_el_padron(agenda_http)
        # Given the directora elaborates, approves (RD) and socializes the school's 2024 plan
        r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=plan_2024(), headers=COMO_DIRECTORA)
        assert r.status_code == 201, r.text
        plan = r.json()
        assert (plan["estado"], plan["plan"]["protocolo"], plan["plan"]["directivo_id"]) == (
            "elaborado", "PMA-IEI246@1", DIRECTORA)
        pid = plan["plan_ie_id"]
        socializar = {"fecha": "2024-04-22", "medio": "Reunión de docentes"}
        antes = await agenda.post(f"/v1/planes-monitoreo/{pid}/socializacion", json=socializar, headers=COMO_DIRECTORA)
        assert antes.status_code == 409 and "debe estar aprobado" in antes.json()["mensaje"]
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/aprobacion", headers=COMO_DIRECTORA,
                              json={"resolucion": "RD N° 012-2024-IEI246", "fecha": "2024-04-15"})
        assert r.status_code == 201 and r.json()["estado"] == "aprobado", r.text
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/socializacion", json=socializar, headers=COMO_DIRECTORA)
        assert (r.status_code, r.json()["estado"]) == (201, "socializado")
        otra_vez = await agenda.post(f"/v1/planes-monitoreo/{pid}/socializacion", json=socializar,
                                     headers=COMO_DIRECTORA)
        assert (otra_vez.status_code, otra_vez.json()["registro"]) == (200, "ya_registrado")

        # Then each of the 11 docentes has an internal plan, observed by her, with three visits
        planes = (await agenda.get("/v1/planes", params={"anio": 2024}, headers=COMO_DIRECTORA)).json()
        assert sorted(p["docente_id"] for p in planes) == sorted(DOCENTES)
        assert {(p["modalidad"], p["acompanante_id"], p["codigo_modular"]) for p in planes} == {
            ("interna", DIRECTORA, "0236885")}
        for p in planes:
            grupos = p["plan"]["componentes"]["visitas"]["grupos"]
            assert [(g["mes"], g["cantidad"]) for g in grupos] == [(6, 1), (9, 1), (11, 1)]

        # When she schedules and records a June visit to the 5 años A docente (same rules as an acompañante)
        docente, visita = DOCENTES[0], str(uuid.uuid4())
        larga = await agenda.post(f"/v1/acompanantes/{DIRECTORA}/visitas", headers=COMO_DIRECTORA, json={
            "visita_id": str(uuid.uuid4()), "docente_id": docente, "fecha_inicio": "2024-06-11",
            "fecha_fin": "2024-06-12"})
        assert larga.status_code == 422 and "entre 1 y 1 días" in larga.json()["mensaje"]
        r = await agenda.post(f"/v1/acompanantes/{DIRECTORA}/visitas", headers=COMO_DIRECTORA, json={
            "visita_id": visita, "docente_id": docente, "fecha_inicio": "2024-06-11", "fecha_fin": "2024-06-11"})
        assert r.status_code == 201, r.text
        r = await agenda.post("/v1/visitas-realizadas", headers=COMO_DIRECTORA, json={
            "visita_id": visita, "docente_id": docente, "acompanante_id": DIRECTORA, "fecha_inicio": "2024-06-11",
            "fecha_fin": "2024-06-11", "acciones": ["observacion", "asesoria"]})
        assert r.status_code == 201, r.text
        observacion = {"observacion_id": str(uuid.uuid4()), "acompanante_id": DIRECTORA, "niveles": {
            "D1": {"nivel": "III", "evidencia": "Todos los niños participan en la asamblea de inicio."}},
            "fortalezas": ["Uso del tiempo"], "aspectos_criticos": ["Cierre apresurado"]}

        async def observada():
            r = await evidencias.post(f"/v1/visitas/{visita}/observaciones", json=observacion, headers=COMO_DIRECTORA)
            assert r.status_code == 201, r.text
            return True
        await eventually(observada)

        # Then she reads back what she recorded, and the IE's fulfilment counts it
        registro = (await evidencias.get(f"/v1/visitas/{visita}", headers=COMO_DIRECTORA)).json()
        assert registro["observaciones"][observacion["observacion_id"]][0]["niveles"]["D1"]["nivel"] == "III"
        cumplimiento = (await agenda.get("/v1/cumplimiento", headers=COMO_DIRECTORA, params={
            "anio": 2024, "nivel": "ie", "fecha": "2024-06-30"})).json()
        fila = cumplimiento["filas"][0]
        assert (fila["ie"], fila["docentes"], fila["visitas_planificado"], fila["visitas_esperado"],
                fila["visitas_realizado"], fila["docentes_atrasados"]) == (IE, 11, 33, 11, 1, 10)
        por_docente = (await agenda.get(f"/v1/docentes/{docente}/cumplimiento", headers=COMO_DIRECTORA,
                                        params={"anio": 2024, "fecha": "2024-06-30"})).json()
        assert (por_docente["visitas_realizado"], por_docente["atrasado"]) == (1, False)

        # and the docente's history shows the visit and the observation with the directora as author
        async def en_historia():
            r = await evaluacion.get(f"/v1/docentes/{docente}/historia", params={"motivo": "Supervisión UGEL"},
                                     headers={"X-Usuario": "esp-collao", "X-Rol": "especialista_ugel",
                                              "X-Dre": "DRE-PUNO", "X-Ugel": "UGEL-EL-COLLAO"})
            assert r.status_code == 200, r.text
            autores = {h["evento"]: (h["usuario"], h["rol"]) for h in r.json()["hechos"]}
            assert autores.get("VisitaRealizada") == (DIRECTORA, "directivo"), autores
            assert autores.get("ObservacionRegistrada") == (DIRECTORA, "directivo"), autores
            return True
        await eventually(en_historia)

        # When she schedules the RTC she leads, holds it, and writes its acta
        rtc = str(uuid.uuid4())
        reunion = {"codigo_modular": "0236885", "anexo": 0, "fecha": "2024-07-05", "hora_inicio": "14:00",
                   "hora_fin": "17:00", "directivo_id": DIRECTORA, "tema": "Evaluación formativa en inicial"}
        r = await agenda.post(f"/v1/acompanantes/{DIRECTORA}/rtc", headers=COMO_DIRECTORA,
                              json={"actividad_id": rtc, **reunion})
        assert r.status_code == 201, r.text
        r = await agenda.post("/v1/rtc-realizadas", headers=COMO_DIRECTORA, json={
            "actividad_id": rtc, "acompanante_id": DIRECTORA, "participantes": DOCENTES, **reunion})
        assert r.status_code == 201, r.text
        acta = {"autor_id": DIRECTORA, "asistencia": {d: "presente" for d in DOCENTES[:10]} | {DOCENTES[10]: "ausente"},
                "acuerdos": ["Registrar evidencias de aprendizaje por semana"], "nudos_criticos": ["Tiempo"],
                "lista_cotejo": {f"RTC{i}": "si" for i in range(1, 7)}}

        async def con_acta():
            r = await evidencias.post(f"/v1/reuniones/{rtc}/acta", json=acta, headers=COMO_DIRECTORA)
            assert r.status_code == 201, r.text
            return True
        await eventually(con_acta)

        # Then she reads it back
        r = await evidencias.get(f"/v1/reuniones/{rtc}", headers=COMO_DIRECTORA)
        assert r.status_code == 200, r.text
        assert r.json()["actas"][0]["acuerdos"] == acta["acuerdos"]
        assert r.json()["actas"][0]["asistencia"][DOCENTES[10]] == "ausente"

        # When she files the December informe de ejecución
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/ejecucion", headers=COMO_DIRECTORA, json={
            "fecha": "2024-12-13", "logros": "Las once aulas recibieron la primera visita.",
            "dificultades": "Dos visitas de noviembre se postergaron.", "recomendaciones": "Visitas entre pares."})
        assert r.status_code == 201 and r.json()["estado"] == "ejecutado", r.text
        assert r.json()["ejecucion"]["visitas_realizadas"] == 1 and r.json()["ejecucion"]["visitas_planificadas"] == 33

        # Then the PDFs say what was done: names from the header, sections, dates, a tick per visit done
        documento = await agenda.get(f"/v1/planes-monitoreo/{pid}/plan.pdf", params={"fecha": "2024-12-13"},
                                     headers=COMO_DIRECTORA)
        assert documento.status_code == 200 and documento.headers["content-type"] == "application/pdf"
        t = texto(documento.content)
        assert "Doly Ramos Aruquipa" in t and "RD N° 012-2024-IEI246" in t and "15/04/2024" in t
        assert all(s in t for s in SECCIONES) and "JUNIO — I visita" in t and "NOVIEMBRE — III visita" in t
        assert t.count("✓ 11/06/2024") == 1 and "Visitas realizadas: 1 de 33" in t
        t = texto((await agenda.get(f"/v1/planes-monitoreo/{pid}/docentes/{docente}/planificador.pdf",
                                    params={"fecha": "2024-12-13"}, headers=COMO_DIRECTORA)).content)
        assert "Desempeño 3: Evalúa el progreso" in t and "5 años A" in t and "✓ 11/06/2024" in t
        assert "Doly Ramos Aruquipa" in t
        t = texto((await agenda.get(f"/v1/planes-monitoreo/{pid}/informe.pdf", params={"fecha": "2024-12-13"},
                                    headers=COMO_DIRECTORA)).content)
        assert "Informe de ejecución" in t and "13/12/2024" in t and "Dos visitas de noviembre" in t
        assert "11/06/2024" in t and "3 %" in t  # 1 of 33

        # and a plain nats-py subscriber reads the plan's four facts, in order, in the school's territory
        async def publicados():
            leidos = [(t, d) for t, d in await hechos(nats_server.url, "acompana.agenda.*.v1.DRE-PUNO.UGEL-EL-COLLAO")
                      if t.startswith("PlanMonitoreoIE")]
            assert len(leidos) == 4, leidos
            return leidos
        leidos = await eventually(publicados)
        assert [t for t, _ in leidos] == ["PlanMonitoreoIEElaborado", "PlanMonitoreoIEAprobado",
                                          "PlanMonitoreoIESocializado", "PlanMonitoreoIEEjecutado"]
        elaborado = leidos[0][1]
        assert (elaborado["directivo_id"], elaborado["director"], len(elaborado["docentes"])) == (
            DIRECTORA, "Doly Ramos Aruquipa", 11)
        assert leidos[1][1]["resolucion"] == "RD N° 012-2024-IEI246"
        internos = [d for _, d in await hechos(nats_server.url, "acompana.agenda.PlanAnualGenerado.v1.>")]
        assert len(internos) == 11 and {d["modalidad"] for d in internos} == {"interna"}


async def test_sin_la_separacion_de_finalidad_el_directivo_lee_la_visita_del_acompanante(make_settings):
    """Purpose separation is a ministry policy and a setting (EVIDENCIAS_SEPARACION_FINALIDAD): on by
    default, the directivo is refused the external coach's record (tests/integration/test_autorizacion.py);
    turned off, the directivo of the docente's IE reads it."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, \
            serving(evidencias_app(make_settings(EvidenciasSettings, separacion_finalidad=False))) as evidencias:
        docente = str(uuid.uuid4())
        acompanante = asignar(agenda_http.state.agenda, docente, anio=2021)
        visita = {"visita_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": acompanante,
                  "fecha_inicio": "2021-06-10", "fecha_fin": "2021-06-11", "acciones": ["observacion", "asesoria"]}
        assert (await agenda.post("/v1/visitas-realizadas", json=visita)).status_code == 201
        otro_directivo = {**COMO_DIRECTORA, "X-Usuario": str(uuid.uuid4())}

        async def leida():
            r = await evidencias.get(f"/v1/visitas/{visita['visita_id']}", headers=otro_directivo)
            assert r.status_code == 200, r.text
            return r.json()
        assert (await eventually(leida))["visita"]["acompanante_id"] == acompanante


async def test_el_plan_cubre_por_defecto_a_los_docentes_que_el_padron_registra_en_la_ie(make_settings, nats_server):
    """focalizacion publishes where the padrón registers each docente (DocenteRegistradoEnIE: no name, no DNI);
    agenda learns the school's docentes from it, and a plan that names none covers them all."""
    padron = Padron(ies=[escuela("0236885", nombre="IEI N°246 Mi Segundo Hogar", nivel="inicial",
                                 caracteristica="completo", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", alumnos=220,
                                 docentes=11, area="urbana", SECCIONES_3A5="11"),
                         escuela("0573436", nombre="IES Miguel Grau", nivel="secundaria", caracteristica="completo",
                                 dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")])
    padron.docentes = [{"DNI": f"{41000000 + i}", "APELLIDOS": "Mamani Quispe", "NOMBRES": "Rosa",
                        "COD_MOD": "0236885" if i < 11 else "0573436", "ANEXO": "0",
                        "NIVEL": "inicial" if i < 11 else "secundaria", "COD_PLAZA": "", "CONDICION": "Nombrado"}
                       for i in range(13)]
    async with serving(focalizacion_app(make_settings(FocalizacionSettings))) as focalizacion, \
            serving(agenda_app(make_settings(AgendaSettings))) as agenda:
        # Given the padrón of the two schools imported in focalizacion
        for que in ("ies", "docentes"):
            r = await focalizacion.post(f"/v1/padron/{que}", content=padron.csv(que), headers={"content-type": "text/csv"})
            assert r.status_code == 200 and r.json()["rechazadas"] == [], r.text

        # When agenda has learnt them, and the directora elaborates the plan without naming its docentes
        async def conocidos():
            r = await agenda.get(f"/v1/instituciones/{IE}/docentes", headers=COMO_DIRECTORA)
            assert r.status_code == 200, r.text
            return len(r.json()) == 11
        await eventually(conocidos)
        cuerpo = {k: v for k, v in plan_2024().items() if k != "docentes"}
        r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=cuerpo, headers=COMO_DIRECTORA)
        assert r.status_code == 201, r.text
        plan = r.json()

        # Then it covers the 11 docentes the padrón registers in the IEI N°246, and no other
        assert len(plan["plan"]["docentes"]) == 11
        leidos = [d for _, d in await hechos(nats_server.url, "acompana.focalizacion.DocenteRegistradoEnIE.v1.>")]
        del_246 = {d["docente_id"] for d in leidos if d["codigo_modular"] == "0236885"}
        assert {d["docente_id"] for d in plan["plan"]["docentes"]} == del_246 and len(leidos) == 13
        assert not any("Mamani" in json.dumps(d) or "41000001" in json.dumps(d) for d in leidos)


async def test_el_plan_de_la_ie_cubre_solo_a_los_docentes_que_el_padron_registra_en_ella(make_settings):
    """A school's plan places each docente it covers in the school and gives its directivo access to him:
    only those the padrón registers in the school (focalizacion's DocenteRegistradoEnIE) are admitted; one
    it registers in another IE, or in none, is refused with the field and the reason."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    propio, de_otra_ie, desconocido = (str(uuid.uuid4()) for _ in range(3))
    # Given the padrón registers one docente in the IEI N°246 and another in a school nearby (IES Miguel Grau),
    # and says nothing of a third
    en_el_padron(agenda_http, [propio])
    en_el_padron(agenda_http, [de_otra_ie], codigo_modular="0573436")
    async with serving(agenda_http) as agenda:
        # When the directora lists the other school's docente, or the unknown one, in her plan: refused
        for ajeno, motivo in ((de_otra_ie, f"el docente {de_otra_ie} es de la IE 0573436-0"),
                              (desconocido, f"el docente {desconocido} no figura en el padrón")):
            cuerpo = {**plan_2024(), "docentes": [{"docente_id": propio}, {"docente_id": ajeno}]}
            r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=cuerpo, headers=COMO_DIRECTORA)
            # Then 422 on the field docentes, naming him and why
            assert (r.status_code, r.json().get("codigo")) == (422, "solicitud_invalida"), r.text
            [error] = r.json()["errores"]
            assert error["campo"] == "body.docentes" and motivo in error["motivo"], error
            assert f"el plan de la IE {IE} cubre solo" in error["motivo"] and propio not in error["motivo"], error
        assert (await agenda.get(f"/v1/instituciones/{IE}/planes-monitoreo", headers=COMO_DIRECTORA)).json() == []
        # and they stay out of her reach
        for ajeno in (de_otra_ie, desconocido):
            r = await agenda.get(f"/v1/docentes/{ajeno}/planes", headers=COMO_DIRECTORA)
            assert r.status_code == 404, r.text

        # But with her own docente only: the plan is elaborated
        cuerpo = {**plan_2024(), "docentes": [{"docente_id": propio, "grado_seccion": "5 años A"}]}
        r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=cuerpo, headers=COMO_DIRECTORA)
        assert r.status_code == 201, r.text
        assert [d["docente_id"] for d in r.json()["plan"]["docentes"]] == [propio]


async def test_cada_paso_del_plan_reenviado_despues_de_avanzar_queda_ya_registrado(make_settings):
    """A device re-sends a step (its answer was lost) after the plan moved on: recognised by its data, not
    refused for the plan's state; the informe's visit counts, counted anew on each send, do not make it
    another informe."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    async with serving(agenda_http) as agenda:
        # Given the directora's plan approved, socialized and executed, with no visit done yet
        r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=plan_2024(), headers=COMO_DIRECTORA)
        assert r.status_code == 201, r.text
        pid = r.json()["plan_ie_id"]
        aprobacion = {"resolucion": "RD N° 012-2024-IEI246", "fecha": "2024-04-15"}
        socializacion = {"fecha": "2024-04-22", "medio": "Reunión de docentes"}
        ejecucion = {"fecha": "2024-12-13", "logros": "Se inició el plan.", "dificultades": "", "recomendaciones": ""}
        for paso, cuerpo in (("aprobacion", aprobacion), ("socializacion", socializacion), ("ejecucion", ejecucion)):
            r = await agenda.post(f"/v1/planes-monitoreo/{pid}/{paso}", json=cuerpo, headers=COMO_DIRECTORA)
            assert r.status_code == 201, r.text
        assert r.json()["ejecucion"]["visitas_realizadas"] == 0

        # When a June visit is recorded afterwards, and every step is re-sent as it was
        visita = {"visita_id": str(uuid.uuid4()), "docente_id": DOCENTES[0], "acompanante_id": DIRECTORA,
                  "fecha_inicio": "2024-06-11", "fecha_fin": "2024-06-11", "acciones": ["observacion", "asesoria"]}
        assert (await agenda.post("/v1/visitas-realizadas", json=visita, headers=COMO_DIRECTORA)).status_code == 201
        for paso, cuerpo in (("aprobacion", aprobacion), ("socializacion", socializacion), ("ejecucion", ejecucion)):
            r = await agenda.post(f"/v1/planes-monitoreo/{pid}/{paso}", json=cuerpo, headers=COMO_DIRECTORA)
            # Then each is already recorded, and the informe is the one filed
            assert (r.status_code, r.json().get("registro")) == (200, "ya_registrado"), (paso, r.text)
            assert r.json()["estado"] == "ejecutado" and r.json()["ejecucion"]["visitas_realizadas"] == 0

        # But another resolution, or another informe, is a conflict
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/aprobacion", headers=COMO_DIRECTORA,
                              json={**aprobacion, "resolucion": "RD N° 013-2024-IEI246"})
        assert r.status_code == 409 and "ya se aprobó con RD N° 012-2024-IEI246" in r.json()["mensaje"], r.text
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/ejecucion", headers=COMO_DIRECTORA,
                              json={**ejecucion, "logros": "Otro texto."})
        assert r.status_code == 409 and "otros datos" in r.json()["mensaje"], r.text


async def test_cada_documento_del_plan_lee_su_agregado_una_vez(make_settings):
    """A PDF of the plan is drawn from the plan's aggregate read once, not rebuilt for each part."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    async with serving(agenda_http) as agenda:
        # Given the directora's plan, approved
        pid = await plan_aprobado(agenda)
        repositorio, lecturas = agenda_http.state.agenda.repository, []
        leer = repositorio.get

        def contada(aggregate_id, *args, **kwargs):
            lecturas.append(str(aggregate_id))
            return leer(aggregate_id, *args, **kwargs)
        repositorio.get = contada
        # When each of its documents is asked for
        for documento in ("plan.pdf", "informe.pdf", f"docentes/{DOCENTES[0]}/planificador.pdf"):
            lecturas.clear()
            r = await agenda.get(f"/v1/planes-monitoreo/{pid}/{documento}", params={"fecha": "2024-12-13"},
                                 headers=COMO_DIRECTORA)
            # Then it is drawn, having read the plan's aggregate once
            assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
            assert lecturas.count(pid) == 1, (documento, lecturas)


async def test_la_directora_publica_la_version_propia_de_la_plantilla_y_su_plan_la_sigue(make_settings):
    """The school's own version of its template (issue: 'the bundled templates, or the school's own version'):
    its directivo publishes it for his IE only, internal modality only, and the school's plan follows it."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    async with serving(agenda_http) as agenda:
        # Given the bundled template of the IEI N°246 (three visits: June, September, November)
        [base] = [p for p in (await agenda.get("/v1/protocolos", headers=COMO_DIRECTORA)).json()
                  if p["codigo"] == "PMA-IEI246"]
        [tipo] = base["tipos"]
        grupos = [{"cantidad": 1, "dias_min": 1, "dias_max": 1, "mes": m, "fase": f"{n} visita"}
                  for m, n in ((6, "I"), (8, "II"), (9, "III"), (11, "IV"))]
        propia = {**{k: v for k, v in base.items() if k != "ambito"}, "version": 2,
                  "nombre": "Plan de monitoreo 2024 — versión de la IEI N°246 (cuatro visitas)",
                  "tipos": {tipo: {**base["tipos"][tipo], "visitas": {"grupos": grupos, "dias_total": 4}}}}
        ruta = f"/v1/instituciones/{IE}/protocolos"

        # When the directora publishes it as an external programme, or for another territory: refused, 422
        r = await agenda.post(ruta, json={**propia, "modalidad": "externa"}, headers=COMO_DIRECTORA)
        assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "body.modalidad", r.text
        r = await agenda.post(ruta, json={**propia, "ambito": "UGEL:UGEL-EL-COLLAO"}, headers=COMO_DIRECTORA)
        assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "body.ambito", r.text
        # and another school's directivo cannot publish it for her school (not his: 404)
        otro = {**COMO_DIRECTORA, "X-Usuario": str(uuid.uuid4()), "X-Ie": "0573436-0"}
        assert (await agenda.post(ruta, json=propia, headers=otro)).status_code == 404

        # But as the school's internal template: published for her IE only; re-sent, already there
        r = await agenda.post(ruta, json=propia, headers=COMO_DIRECTORA)
        assert r.status_code == 201 and r.json()["ambito"] == f"IE:{IE}", r.text
        assert (await agenda.post(ruta, json=propia, headers=COMO_DIRECTORA)).status_code == 200

        # Then the school's plan, naming no template, follows its own version: four visits
        r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=plan_2024(), headers=COMO_DIRECTORA)
        assert r.status_code == 201, r.text
        plan = r.json()["plan"]
        assert plan["protocolo"] == "PMA-IEI246@2" and plan["nombre_protocolo"] == propia["nombre"]
        assert [g["mes"] for g in plan["componentes"]["visitas"]["grupos"]] == [6, 8, 9, 11]


# VII. Cronograma de visitas of seed 002, in the order of SECCIONES
NOMBRES = ["Leydi Stefany Maquera Gutierrez", "Virtud Emilia Pinto Sila", "Justina Victoria Chaiña Ruelas",
           "Eliana Mamani Cotrado", "Karina Chávez Mamani", "Mirella Brenda Rodríguez Monje",
           "Gabriela Gemma Mamani Enriquez", "Agustina Alicia Aduviri Castillo", "Patricia Milagros Zea Sánchez",
           "Trinidad Flores Aroapaza", "Rocio Milagros Quispe Riquelme"]
CODIGO = re.compile(r"Docente [0-9A-F]{8}")  # a docente shown by the short form of his id


async def test_los_documentos_del_plan_llevan_los_nombres_que_se_indican_y_no_los_guardan(make_settings):
    """The seed's cronograma names each docente: the PDFs print the names the caller gives (read from
    focalizacion, which decides who may see them), and agenda keeps none of them."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    async with serving(agenda_http) as agenda:
        # Given the directora's plan, approved, and a June visit to the 5 años A docente
        pid = await plan_aprobado(agenda)
        r = await agenda.post("/v1/visitas-realizadas", headers=COMO_DIRECTORA, json={
            "visita_id": str(uuid.uuid4()), "docente_id": DOCENTES[0], "acompanante_id": DIRECTORA,
            "fecha_inicio": "2024-06-11", "fecha_fin": "2024-06-11", "acciones": ["observacion", "asesoria"]})
        assert r.status_code == 201, r.text
        nombres = {"nombres": dict(zip(DOCENTES, NOMBRES)), "fecha": "2024-12-13"}

        # When she prints the plan with her docentes' names
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/plan.pdf", json=nombres, headers=COMO_DIRECTORA)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
        t = " ".join(texto(r.content).split())
        # Then each name is on its row, with its section, and no docente is shown by a code
        for nombre, seccion in zip(NOMBRES, SECCIONES):
            assert f"{nombre} {seccion}" in t, (nombre, t)
        assert "Leydi Stefany Maquera Gutierrez 5 años A ✓ 11/06/2024" in t and not CODIGO.search(t)
        # and the informe and the docente's planificador too
        t = " ".join(texto((await agenda.post(f"/v1/planes-monitoreo/{pid}/informe.pdf", json=nombres,
                                              headers=COMO_DIRECTORA)).content).split())
        assert all(n in t for n in NOMBRES) and not CODIGO.search(t)
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/docentes/{DOCENTES[0]}/planificador.pdf", json=nombres,
                              headers=COMO_DIRECTORA)
        assert "Docente: Leydi Stefany Maquera Gutierrez" in texto(r.content) and DOCENTES[0] not in texto(r.content)

        # But printed without names, the plan shows codes again: agenda kept none
        t = texto((await agenda.get(f"/v1/planes-monitoreo/{pid}/plan.pdf", params={"fecha": "2024-12-13"},
                                    headers=COMO_DIRECTORA)).content)
        assert not any(n in t for n in NOMBRES) and len(CODIGO.findall(t)) == 11
        # and another school's directivo cannot print hers
        otro = {**COMO_DIRECTORA, "X-Usuario": str(uuid.uuid4()), "X-Ie": "0573436-0"}
        assert (await agenda.post(f"/v1/planes-monitoreo/{pid}/plan.pdf", json=nombres, headers=otro)).status_code == 404
