"""evidencias for real: agenda and evidencias as services on a real nats-server, both stores.

agenda generates the docente's plan and records his visits and a GIA over HTTP; evidencias
learns of them only from the stream; the coach records what each visit left behind over HTTP;
and a subscriber that knows nothing of evidencias's code reads the published facts with nats-py.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import date

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from tests.conftest import eventually, serving
from tests.support.world import asignar

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def con_plan(agenda_http, *docentes: uuid.UUID) -> None:
    """Given each docente held by an acompañante, with his 2021 plan in agenda."""
    for docente in docentes:
        asignar(agenda_http.state.agenda, docente)


def visita(docente_id: uuid.UUID, **cambios: object) -> dict:
    """A visit agenda records as realized, by the acompañante ``asignar`` gives the docente."""
    return {"visita_id": str(uuid.uuid4()), "docente_id": str(docente_id),
            "acompanante_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante-de/{docente_id}")),
            "fecha_inicio": "2021-06-10", "fecha_fin": "2021-06-11", "acciones": ["observacion", "asesoria"], **cambios}


async def hechos_publicados(url: str, subject: str, timeout: float = 20.0) -> list[tuple[str, dict]]:
    """What an outside system reads: (ce-type, payload) of every message on ``subject`` when called,
    with nats-py only.

    It fetches as many messages as the new consumer has pending instead of fetching until a
    timeout: under load nats-py's ``fetch`` may end with a bare ``asyncio.TimeoutError`` (not
    ``nats.errors.TimeoutError``) or return before the first message arrives, and taking a
    timeout for "no more messages" failed the test or read only part of what was published."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, stream="ACOMPANA", config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE))
        pendientes = (await sub.consumer_info()).num_pending
        found = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < pendientes:
            try:
                found.extend(await sub.fetch(pendientes - len(found), timeout=1.0))
            except TimeoutError:  # nats.errors.TimeoutError is one too
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"se leyeron {len(found)} de {pendientes} mensajes de {subject}") from None
        await sub.unsubscribe()
        return [(m.headers["ce-type"].rsplit(".", 2)[-2], json.loads(m.data)) for m in found]
    finally:
        await nc.close()


async def test_lo_que_deja_cada_visita_se_registra_y_se_publica(make_settings, nats_server):
    docente = uuid.uuid4()
    acompanante = str(uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante-de/{docente}"))
    hoy = {"dia": date(2021, 6, 1)}
    agenda_http = agenda_app(make_settings(AgendaSettings))
    evidencias_http = evidencias_app(make_settings(EvidenciasSettings), reloj=lambda: hoy["dia"])
    como_acompanante = {"X-Usuario": acompanante, "X-Rol": "acompanante"}
    async with serving(agenda_http) as agenda, serving(evidencias_http) as evidencias:
        # Given a docente with his 2021 plan, three visits and a GIA recorded in agenda
        con_plan(agenda_http, docente)
        v1 = visita(docente, fecha_inicio="2021-05-10", fecha_fin="2021-05-11")
        v2 = visita(docente, fecha_inicio="2021-06-14", fecha_fin="2021-06-14")  # one 2-day visit a year (§5.6.3 c)
        v3 = visita(docente, fecha_inicio="2021-08-16", fecha_fin="2021-08-16")
        for body in (v1, v2, v3):
            assert (await agenda.post("/v1/visitas-realizadas", json=body)).status_code == 201
        gia = str(uuid.uuid4())
        r = await agenda.post("/v1/gia-completados", json={
            "actividad_id": gia, "acompanante_id": acompanante, "codigo_modular": "0236885", "anexo": 0,
            "fecha": "2021-05-20", "hora_inicio": "14:00", "hora_fin": "17:00", "participantes": [str(docente)],
            "tema": "Preguntas de alta demanda"})
        assert r.status_code == 201, r.text

        # When the coach records the first visit's observation (as soon as evidencias knows of it)
        observacion = str(uuid.uuid4())
        cuerpo = {"observacion_id": observacion, "acompanante_id": acompanante, "niveles": {
            "D1": {"nivel": "II", "evidencia": "Seis de veinte estudiantes participan; el resto copia."},
            "D3": {"nivel": "I", "evidencia": "Ante errores dice 'está mal' y da la respuesta."}},
            "fortalezas": ["Trato cordial"], "aspectos_criticos": ["Retroalimentación elemental"]}

        async def observada():
            r = await evidencias.post(f"/v1/visitas/{v1['visita_id']}/observaciones", json=cuerpo)
            assert r.status_code == 201, r.text
            return True
        await eventually(observada)
        assert (await evidencias.post(f"/v1/visitas/{v1['visita_id']}/retroalimentacion", json={
            "acompanante_id": acompanante, "dialogo_reflexivo": "Revisamos juntos los errores de los estudiantes.",
            "aspectos_priorizados": ["D3"], "modelamiento": [{"tipo": "clase_demostrativa", "descripcion": "10 min"}]}
        )).status_code == 201
        cumplido, vencera = str(uuid.uuid4()), str(uuid.uuid4())
        for cid, limite in ((cumplido, "2021-07-30"), (vencera, "2021-06-30")):
            r = await evidencias.post(f"/v1/visitas/{v1['visita_id']}/compromisos", json={
                "compromiso_id": cid, "acompanante_id": acompanante, "item": "D3", "fecha_limite": limite,
                "descripcion": "Retroalimentar por descubrimiento", "verificacion": "Observación de aula"})
            assert r.status_code == 201, r.text
        subida = await evidencias.post(f"/v1/visitas/{v1['visita_id']}/adjuntos", files={
            "archivo": ("pizarra.png", PNG, "image/png")}, data={"acompanante_id": acompanante})
        assert subida.status_code == 201, subida.text
        assert subida.json()["sha256"] == hashlib.sha256(PNG).hexdigest()

        # and the acta of the GIA
        async def acta():
            r = await evidencias.post(f"/v1/reuniones/{gia}/acta", json={
                "autor_id": acompanante, "asistencia": {str(docente): "presente"}, "acuerdos": ["Probar preguntas"],
                "nudos_criticos": ["Poco tiempo"], "lista_cotejo": {f"GIA{i}": "si" for i in range(1, 8)}})
            assert r.status_code == 201, r.text
            return True
        await eventually(acta)

        # and the commitment is verified at the third visit, while the other one's date passes
        async def verificado():
            r = await evidencias.post(f"/v1/compromisos/{cumplido}/verificacion", json={
                "visita_id": v3["visita_id"], "acompanante_id": acompanante, "resultado": "cumplido",
                "evidencia": "Pide a los estudiantes que expliquen su error antes de corregir."})
            assert r.status_code == 201, r.text
            return True
        await eventually(verificado)
        hoy["dia"] = date(2021, 8, 20)
        assert (await evidencias.post("/v1/compromisos/vencimientos")).json() == {"vencidos": 1}

        # Then the docente's projection shows both commitments as they are
        r = await evidencias.get(f"/v1/docentes/{docente}/compromisos", headers=como_acompanante)
        estados = {c["compromiso_id"]: (c["estado"], c.get("verificado", {}).get("visita_id")) for c in r.json()}
        assert estados == {cumplido: ("verificado", v3["visita_id"]), vencera: ("vencido", None)}
        r = await evidencias.get(f"/v1/visitas/{v1['visita_id']}", headers=como_acompanante)
        registro = r.json()
        assert [c["compromiso_id"] for c in registro["compromisos_asumidos"]] == [cumplido, vencera]
        assert registro["retroalimentacion"]["aspectos_priorizados"] == ["D3"]
        assert registro["adjuntos"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
        assert (await evidencias.get(f"/v1/visitas/{v1['visita_id']}")).status_code == 403  # not public
        serie = (await evidencias.get(f"/v1/docentes/{docente}/observaciones", headers=como_acompanante)).json()
        assert [(v["nivel"], v["competencia"]) for v in serie["D3"]] == [("I", "C5")]
        prep = (await evidencias.get(f"/v1/docentes/{docente}/preparacion", headers=como_acompanante)).json()
        assert [c["compromiso_id"] for c in prep["compromisos_pendientes"]] == [vencera]

        # and an outside subscriber reads every fact once, with the territory in the subject
        esperados = {"ObservacionRegistrada", "RetroalimentacionBrindada", "CompromisoAsumido",
                     "EvidenciaAdjuntada", "ActaGIARegistrada", "CompromisoVerificado", "CompromisoVencido"}

        async def publicados():
            hechos = await hechos_publicados(nats_server.url, "acompana.evidencias.*.*.DRE-PUNO.UGEL-EL-COLLAO")
            tipos = [t for t, _ in hechos]
            assert set(tipos) == esperados and len(tipos) == 8, tipos
            return hechos
        hechos = dict[str, list]()
        for tipo, datos in await eventually(publicados):
            hechos.setdefault(tipo, []).append(datos)
        obs = hechos["ObservacionRegistrada"][0]
        # (the stream carries no free text about the docente: its evidence is read in evidencias, encrypted there)
        assert obs["niveles"]["D3"] == {"nivel": "I", "competencia": "C5"}
        assert "está mal" not in json.dumps(hechos, ensure_ascii=False)
        assert (obs["docente_id"], obs["instrumento"], obs["version_instrumento"]) == (str(docente), "FICHA-AULA", 1)
        verif = hechos["CompromisoVerificado"][0]
        assert (verif["visita_id"], verif["visita_origen_id"], verif["resultado"]) == (
            v3["visita_id"], v1["visita_id"], "cumplido")
        assert hechos["CompromisoVencido"][0]["vencido_el"] == "2021-07-01"
        adjunto = hechos["EvidenciaAdjuntada"][0]
        assert adjunto["sha256"] == hashlib.sha256(PNG).hexdigest() and "pizarra" not in json.dumps(adjunto)
        assert hechos["ActaGIARegistrada"][0]["asistencia"] == {str(docente): "presente"}
        assert hechos["ActaGIARegistrada"][0]["duracion_horas"] == 3.0
        instrumentos = await hechos_publicados(nats_server.url, "acompana.evidencias.InstrumentoPublicado.v1.>")
        assert sorted(d["codigo"] for _, d in instrumentos) == ["AUTOEVAL-ACOMP", "FICHA-AULA", "LC-GIA", "LC-RTC"]


async def test_observacion_de_una_visita_no_realizada_o_ajena_se_rechaza(make_settings):
    docente, otro = uuid.uuid4(), uuid.uuid4()
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, serving(evidencias_app(make_settings(EvidenciasSettings))) as evidencias:
        con_plan(agenda_http, docente, otro)
        realizada = visita(docente)
        assert (await agenda.post("/v1/visitas-realizadas", json=realizada)).status_code == 201
        ajeno = str(uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante-de/{otro}"))
        cuerpo = {"observacion_id": str(uuid.uuid4()), "acompanante_id": ajeno,
                  "niveles": {"D4": {"nivel": "III", "evidencia": "Trato respetuoso y cálido."}}}

        async def conocida():
            r = await evidencias.post(f"/v1/visitas/{realizada['visita_id']}/observaciones", json=cuerpo)
            assert r.status_code == 422 and "otro acompañante" in r.json()["mensaje"], r.text
            return True
        await eventually(conocida)
        nunca = await evidencias.post(f"/v1/visitas/{uuid.uuid4()}/observaciones", json=cuerpo)
        assert (nunca.status_code, nunca.json()["codigo"]) == (409, "en_espera")
        assert "aún no consta como realizada" in nunca.json()["mensaje"]
        sin_evidencia = await evidencias.post(f"/v1/visitas/{realizada['visita_id']}/observaciones", json={
            **cuerpo, "acompanante_id": realizada["acompanante_id"], "niveles": {"D4": {"nivel": "III", "evidencia": " "}}})
        assert sin_evidencia.status_code == 422 and "evidencia" in sin_evidencia.json()["mensaje"]
