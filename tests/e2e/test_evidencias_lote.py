"""A coach's device back from the field sends its queue to evidencias (``POST /v1/acompanantes/{id}/lote``):
agenda and evidencias as services on a real nats-server, on both stores.

Each item is answered as its single route would answer it; what depends on a fact evidencias has
not received yet waits ("en espera") and goes through once it arrives; the same queue replayed in
any order ends in the same state; and a coach who lost the docente to another after a visit still
sends that visit's evidence, the photo included, once.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from typing import Any

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evidencias import domainmodel as dm
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from tests.conftest import eventually, serving
from tests.e2e.test_evidencias_end_to_end import PNG
from tests.support.world import asignar

GIA = {f"GIA{i}": "si" for i in range(1, 8)}


def como(acompanante: str) -> dict[str, str]:
    return {"X-Usuario": acompanante, "X-Rol": "acompanante", "X-Dre": "DRE-PUNO", "X-Ugel": "UGEL-EL-COLLAO"}


def niveles(**por_item: str) -> dict[str, dict[str, str]]:
    return {k: {"nivel": v, "evidencia": f"Lo que se vio y escuchó en {k}."} for k, v in por_item.items()}


class Campo:
    """One coach, one docente, what agenda recorded of them, and the ids his device generated."""

    def __init__(self, agenda_http: Any) -> None:
        self.docente = str(uuid.uuid4())
        self.acompanante = asignar(agenda_http.state.agenda, self.docente)
        self.ids = {n: str(uuid.uuid4()) for n in ("v1", "v2", "v3", "gia", "o1", "o2", "o3", "c1", "n1")}
        self.nombres = {v: k for k, v in self.ids.items()} | {self.docente: "docente", self.acompanante: "acompanante"}

    def visita(self, nombre: str, dia: str) -> dict[str, Any]:
        return {"visita_id": self.ids[nombre], "docente_id": self.docente, "acompanante_id": self.acompanante,
                "fecha_inicio": dia, "fecha_fin": dia, "acciones": ["observacion", "asesoria"]}

    def cola(self) -> list[dict[str, Any]]:
        """What the device recorded without signal, in the order it was done."""
        i = self.ids
        return [
            {"operacion": "observacion", "visita_id": i["v1"], "datos": {
                "observacion_id": i["o1"], "niveles": niveles(D1="II", D3="I"), "fortalezas": ["Trato cordial"]}},
            {"operacion": "retroalimentacion", "visita_id": i["v1"], "datos": {
                "dialogo_reflexivo": "Revisamos juntos los errores de los estudiantes.",
                "aspectos_priorizados": ["D3"]}},
            {"operacion": "compromiso", "visita_id": i["v1"], "datos": {
                "compromiso_id": i["c1"], "item": "D3", "fecha_limite": "2021-07-30",
                "descripcion": "Retroalimentar por descubrimiento", "verificacion": "Observación de aula"}},
            {"operacion": "necesidad", "docente_id": self.docente, "datos": {
                "necesidad_id": i["n1"], "descripcion": "Evaluación formativa", "competencia": "C5",
                "visita_id": i["v1"]}},
            {"operacion": "correccion", "visita_id": i["v1"], "observacion_id": i["o1"], "datos": {
                "niveles": niveles(D1="III", D3="I"), "motivo": "Se anotó mal el nivel de D1."}},
            {"operacion": "acta", "actividad_id": i["gia"], "datos": {
                "asistencia": {self.docente: "presente"}, "acuerdos": ["Probar preguntas abiertas"],
                "lista_cotejo": GIA}},
            {"operacion": "observacion", "visita_id": i["v2"], "datos": {
                "observacion_id": i["o2"], "niveles": niveles(D3="II")}},
            {"operacion": "verificacion", "compromiso_id": i["c1"], "datos": {
                "visita_id": i["v2"], "resultado": "cumplido", "evidencia": "Pide que expliquen su error."}},
            # a visit agenda records only later (the coach's phone reached agenda after evidencias)
            {"operacion": "observacion", "visita_id": i["v3"], "datos": {
                "observacion_id": i["o3"], "niveles": niveles(D4="III")}},
        ]

    def anonimo(self, valor: Any) -> Any:
        """A record with each id replaced by its name, and the moments it was recorded left out."""
        if isinstance(valor, dict):
            return {self.nombres.get(k, k): self.anonimo(v) for k, v in valor.items()
                    if k not in ("registrada_en", "registrado_en")}
        if isinstance(valor, list):
            return [self.anonimo(v) for v in valor]
        return self.nombres.get(valor, valor) if isinstance(valor, str) else valor


async def preparar(agenda: Any, campo: Campo) -> None:
    """Given in agenda: two visits and a GIA of the coach (v3 not yet)."""
    for nombre, dia in (("v1", "2021-05-10"), ("v2", "2021-06-14")):
        r = await agenda.post("/v1/visitas-realizadas", json=campo.visita(nombre, dia))
        assert r.status_code == 201, r.text
    r = await agenda.post("/v1/gia-completados", json={
        "actividad_id": campo.ids["gia"], "acompanante_id": campo.acompanante, "codigo_modular": "0236885",
        "anexo": 0, "fecha": "2021-05-20", "hora_inicio": "14:00", "hora_fin": "17:00",
        "participantes": [campo.docente], "tema": "Preguntas de alta demanda"})
    assert r.status_code == 201, r.text


async def enviar(evidencias: Any, campo: Campo, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = await evidencias.post(f"/v1/acompanantes/{campo.acompanante}/lote", json={"items": items},
                              headers=como(campo.acompanante))
    assert r.status_code == 200, r.text
    return r.json()


async def estado_final(evidencias: Any, campo: Campo) -> dict[str, Any]:
    h = como(campo.acompanante)
    estado = {n: (await evidencias.get(f"/v1/visitas/{campo.ids[n]}", headers=h)).json() for n in ("v1", "v2", "v3")}
    estado["gia"] = (await evidencias.get(f"/v1/reuniones/{campo.ids['gia']}", headers=h)).json()
    estado["compromisos"] = (await evidencias.get(f"/v1/docentes/{campo.docente}/compromisos", headers=h)).json()
    estado["preparacion"] = (await evidencias.get(f"/v1/docentes/{campo.docente}/preparacion", headers=h)).json()
    return campo.anonimo(estado)


async def hasta_aquietarse(evidencias: Any, campo: Campo, cola: list[dict[str, Any]]) -> list[list[str]]:
    """Replay the whole queue until no item waits: the states of each round."""
    rondas: list[list[str]] = []

    async def quieta() -> bool:
        rondas.append([x["estado"] for x in await enviar(evidencias, campo, cola)])
        assert "rechazado" not in rondas[-1], rondas[-1]
        return "en_espera" not in rondas[-1]

    await eventually(quieta, timeout=60, interval=0.2)
    return rondas


async def test_la_cola_reenviada_en_cualquier_orden_termina_en_el_mismo_estado(make_settings):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    evidencias_http = evidencias_app(make_settings(EvidenciasSettings))
    async with serving(agenda_http) as agenda, serving(evidencias_http) as evidencias:
        finales, eventos = [], []
        for semilla in (None, 1, 2):
            # Given a coach whose visits v1, v2 and GIA are in agenda, and whose device holds the queue
            campo = Campo(agenda_http)
            await preparar(agenda, campo)
            cola = campo.cola()
            if semilla is not None:
                random.Random(semilla).shuffle(cola)  # the same queue, sent in another order
            # When the device sends it before agenda has v3: what waits is "en_espera", never "rechazado"
            primera = await enviar(evidencias, campo, cola)
            o3 = next(x for x, item in zip(primera, cola, strict=True) if item.get("visita_id") == campo.ids["v3"])
            assert (o3["codigo"], o3["estado"], o3["error"]) == (409, "en_espera", "en_espera"), o3
            assert "aún no consta como realizada" in o3["motivo"]
            assert {x["estado"] for x in primera} <= {"registrado", "ya_registrado", "en_espera"}, [
                (x["operacion"], x["motivo"]) for x in primera]
            # and agenda records v3 afterwards; the device replays the whole queue until nothing waits
            r = await agenda.post("/v1/visitas-realizadas", json=campo.visita("v3", "2021-08-16"))
            assert r.status_code == 201, r.text
            rondas = await hasta_aquietarse(evidencias, campo, cola)
            assert set(rondas[-1]) <= {"registrado", "ya_registrado"}
            # Then a replay once quiet records nothing: every item answers "already registered"
            antes = evidencias_http.state.evidencias.recorder.max_notification_id()
            assert {x["estado"] for x in await enviar(evidencias, campo, cola)} == {"ya_registrado"}
            assert evidencias_http.state.evidencias.recorder.max_notification_id() == antes
            finales.append(await estado_final(evidencias, campo))
            eventos.append(sorted(type(e).__qualname__ for e in _eventos_de(evidencias_http, campo)))
        # And every order ends in the same state, with one fact of each kind per item
        assert finales[1] == finales[0] and finales[2] == finales[0]
        assert eventos[1] == eventos[0] and eventos[2] == eventos[0]
        v1 = finales[0]["v1"]
        assert [o["niveles"]["D1"]["nivel"] for o in v1["observaciones"]["o1"]] == ["II", "III"]
        assert v1["retroalimentacion"]["aspectos_priorizados"] == ["D3"]
        assert [c["estado"] for c in v1["compromisos_asumidos"]] == ["verificado"]
        assert list(finales[0]["v3"]["observaciones"]) == ["o3"]
        assert [a["lista_cotejo"] for a in finales[0]["gia"]["actas"]] == [GIA]
        assert [(n["descripcion"], n["visita_id"]) for n in finales[0]["preparacion"]["necesidades_formativas"]] == [
            ("Evaluación formativa", "v1")]
        assert eventos[0] == sorted([
            "Visita.ObservacionRegistrada", "Visita.ObservacionCorregida", "Visita.ObservacionRegistrada",
            "Visita.ObservacionRegistrada", "Visita.RetroalimentacionBrindada", "Compromiso.Asumido",
            "Compromiso.Verificado", "DocenteAcompanado.NecesidadFormativaRegistrada", "Reunion.ActaRegistrada"])


def _eventos_de(evidencias_http: Any, campo: Campo) -> list[Any]:
    """What evidencias recorded from the coach's device (not what agenda reported)."""
    app = evidencias_http.state.evidencias
    ids = {dm.visita_id(campo.ids[v]) for v in ("v1", "v2", "v3")} | {
        dm.compromiso_id(campo.ids["c1"]), dm.reunion_id(campo.ids["gia"]), dm.docente_id(campo.docente)}
    return [e for n in app.recorder.select_notifications(0, 1_000_000) if n.originator_id in ids
            and not (e := app.mapper.to_domain_event(n)).__class__.__qualname__.endswith(
                ("Conocida", "Registrado", "PlanConocido", "AcompananteCambiado"))]


async def test_cada_elemento_responde_como_su_ruta_individual(make_settings):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(agenda_http) as agenda, serving(evidencias_app(make_settings(EvidenciasSettings))) as evidencias:
        # Given two coaches, each with a docente and a visit evidencias knows of
        campo, otro = Campo(agenda_http), Campo(agenda_http)
        for c in (campo, otro):
            assert (await agenda.post("/v1/visitas-realizadas", json=c.visita("v1", "2021-05-10"))).status_code == 201

        async def conocidas() -> bool:
            r = await evidencias.get(f"/v1/visitas/{otro.ids['v1']}", headers=como(otro.acompanante))
            return r.status_code == 200 and (await evidencias.get(
                f"/v1/visitas/{campo.ids['v1']}", headers=como(campo.acompanante))).status_code == 200
        await eventually(conocidas)
        o1 = {"observacion_id": campo.ids["o1"], "niveles": niveles(D1="II")}
        # When his device sends: a valid observation, the same id with other content, an observation of the other
        # coach's visit, one with a level the instrument lacks, one missing its evidence field, and a correction
        # of an observation the device never recorded
        respuestas = await enviar(evidencias, campo, [
            {"operacion": "observacion", "visita_id": campo.ids["v1"], "datos": o1},
            {"operacion": "observacion", "visita_id": campo.ids["v1"], "datos": {**o1, "niveles": niveles(D1="IV")}},
            {"operacion": "observacion", "visita_id": otro.ids["v1"], "datos": {
                "observacion_id": str(uuid.uuid4()), "niveles": niveles(D1="II")}},
            {"operacion": "observacion", "visita_id": campo.ids["v1"], "datos": {
                "observacion_id": str(uuid.uuid4()), "instrumento": "FICHA-AULA", "niveles": niveles(D9="II")}},
            {"operacion": "observacion", "visita_id": campo.ids["v1"], "datos": {
                "observacion_id": str(uuid.uuid4()), "niveles": {"D1": {"nivel": "II"}}}},
            {"operacion": "retroalimentacion", "datos": {"dialogo_reflexivo": "Sin visita indicada en el elemento."}},
        ])
        # Then each answer is the single route's: code, stable error code and Spanish reason
        resumen = [(x["codigo"], x["estado"], x["error"]) for x in respuestas]
        assert resumen == [(201, "registrado", None), (409, "rechazado", "conflicto"),
                           (404, "rechazado", "no_encontrado"), (422, "rechazado", "regla_incumplida"),
                           (422, "rechazado", "solicitud_invalida"), (422, "rechazado", "solicitud_invalida")]
        assert respuestas[0]["id"] == campo.ids["o1"]
        assert "ya se registró con otro contenido" in respuestas[1]["motivo"]
        assert "D9 no es un desempeño de FICHA-AULA@1" in respuestas[3]["motivo"]
        assert respuestas[2]["motivo"] == "No existe o no está en su ámbito."
        assert [e["campo"] for e in respuestas[4]["errores"]] == ["datos.niveles.D1.evidencia"]
        assert respuestas[4]["errores"][0]["motivo"] == "es obligatorio"
        assert [e["campo"] for e in respuestas[5]["errores"]] == ["visita_id"]
        # and the single route, asked the same as the second item, answers the same
        r = await evidencias.post(f"/v1/visitas/{campo.ids['v1']}/observaciones", headers=como(campo.acompanante),
                                  json={**o1, "acompanante_id": campo.acompanante, "niveles": niveles(D1="IV")})
        assert (r.status_code, r.json()["codigo"], r.json()["mensaje"]) == (409, "conflicto", respuestas[1]["motivo"])
        r = await evidencias.post(f"/v1/visitas/{otro.ids['v1']}/observaciones", headers=como(campo.acompanante),
                                  json={"observacion_id": str(uuid.uuid4()), "acompanante_id": campo.acompanante,
                                        "niveles": niveles(D1="II")})
        assert (r.status_code, r.json()["mensaje"]) == (404, respuestas[2]["motivo"])
        # and a visit evidencias does not know yet waits, on the single route too (409 en_espera, Retry-After)
        r = await evidencias.post(f"/v1/visitas/{uuid.uuid4()}/observaciones", headers=como(campo.acompanante),
                                  json={**o1, "acompanante_id": campo.acompanante, "observacion_id": str(uuid.uuid4())})
        assert (r.status_code, r.json()["codigo"], r.headers["retry-after"]) == (409, "en_espera", "5"), r.text


async def test_el_acompanante_reasignado_envia_la_evidencia_de_su_visita_y_la_foto_una_vez(make_settings):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    evidencias_http = evidencias_app(make_settings(EvidenciasSettings))
    async with serving(agenda_http) as agenda, serving(evidencias_http) as evidencias:
        # Given a coach who recorded a visit to his docente on 10/05/2021
        campo = Campo(agenda_http)
        assert (await agenda.post("/v1/visitas-realizadas", json=campo.visita("v1", "2021-05-10"))).status_code == 201
        app = evidencias_http.state.evidencias
        await eventually(lambda: app.existe(dm.visita_id(campo.ids["v1"])))
        # When agenda hands the docente to another coach (PlanAnualReasignado over NATS) before his device syncs
        nuevo = str(uuid.uuid4())
        assert agenda_http.state.agenda.reasignar(campo.docente, campo.acompanante, nuevo, "Licencia") == 1
        await eventually(lambda: app.a_cargo_de(campo.docente) == {nuevo})
        # Then he still sends that visit's observation, feedback and commitment: the visit's day decides
        respuestas = await enviar(evidencias, campo, campo.cola()[:3])
        assert [(x["codigo"], x["estado"]) for x in respuestas] == [(201, "registrado")] * 3, respuestas
        # and its photo, once: the same photo sent again is "already registered" and records nothing
        foto = {"archivo": ("pizarra.png", PNG, "image/png")}
        url = f"/v1/visitas/{campo.ids['v1']}/adjuntos"
        primera = await evidencias.post(url, files=foto, data={"acompanante_id": campo.acompanante},
                                        headers=como(campo.acompanante))
        assert (primera.status_code, primera.json()["estado"]) == (201, "registrado"), primera.text
        antes = app.recorder.max_notification_id()
        otra = await evidencias.post(url, files=foto, data={"acompanante_id": campo.acompanante},
                                     headers=como(campo.acompanante))
        assert (otra.status_code, otra.json()["estado"], otra.json()["sha256"]) == (
            200, "ya_registrado", hashlib.sha256(PNG).hexdigest()), otra.text
        assert app.recorder.max_notification_id() == antes
        adjuntos = [e for e in _eventos_de(evidencias_http, campo)
                    if type(e).__qualname__.endswith("EvidenciaAdjuntada")]
        assert len(adjuntos) == 1
        # But what is not tied to that visit is out of his reach now: the docente is in another's caseload
        r = await evidencias.post(f"/v1/acompanantes/{campo.acompanante}/lote", headers=como(campo.acompanante),
                                  json={"items": [{"operacion": "necesidad", "docente_id": campo.docente, "datos": {
                                      "necesidad_id": str(uuid.uuid4()), "descripcion": "Planificación",
                                      "anio": 2021}}]})
        assert [(x["codigo"], x["estado"], x["error"]) for x in r.json()] == [(404, "rechazado", "no_encontrado")]
