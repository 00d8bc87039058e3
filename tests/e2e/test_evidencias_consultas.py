"""evidencias's queries over HTTP, on a real nats-server and both stores.

evidencias is built by its composition root; what agenda reports (who holds each docente, the
realized visits) is given to its application directly, as its consumers would, and so is what
a test only needs as its Given. What each test checks goes through the public HTTP API, and what
is published is read from the stream with plain nats-py.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings
from services.evidencias.instrumentos import incluidos
from services.evidencias.main import create_app
from shared.streams import STREAM
from tests.conftest import serving
from tests.integration.test_evidencias_reglas import compromiso_de, observacion_de, verificacion_de


class IE(NamedTuple):
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str


COLLAO = IE("0236885", 0, "DRE-PUNO", "UGEL-EL-COLLAO")
COLLAO_ANEXO = IE("0236885", 1, "DRE-PUNO", "UGEL-EL-COLLAO")
CANCHIS = IE("0520171", 0, "DRE-CUSCO", "UGEL-CANCHIS")
HOY = date(2021, 7, 15)
ESPECIALISTA = {"X-Usuario": "minedu-1", "X-Rol": "minedu"}  # national: sees both DREs


def nuevo_id() -> str:
    return str(uuid.uuid4())


def como(acompanante: str) -> dict[str, str]:
    return {"X-Usuario": acompanante, "X-Rol": "acompanante"}


@dataclass
class Mundo:
    http: httpx.AsyncClient
    app: Evidencias

    # what agenda reports
    def docente(self, acompanante: str, ie: IE = COLLAO) -> str:
        docente = nuevo_id()
        assert self.app.conocer_plan({
            "plan_id": nuevo_id(), "docente_id": docente, "acompanante_id": acompanante, "anio": 2021, "etapa": 2,
            "modalidad": "externa", "codigo_modular": ie.codigo_modular, "anexo": ie.anexo,
            "tipo_ie": "polidocente_primaria", "nivel": "primaria", "dre": ie.dre, "ugel": ie.ugel})
        return docente

    def visita(self, docente: str, acompanante: str, dia: str, ie: IE = COLLAO) -> str:
        visita = nuevo_id()
        assert self.app.conocer_visita({
            "visita_id": visita, "docente_id": docente, "acompanante_id": acompanante,
            "codigo_modular": ie.codigo_modular, "anexo": ie.anexo, "dre": ie.dre, "ugel": ie.ugel, "anio": 2021,
            "fecha_inicio": dia, "fecha_fin": dia, "acciones": ["observacion", "asesoria"]})
        return visita

    # what the coach recorded before
    def compromiso(self, docente: str, acompanante: str, fecha_limite: str, ie: IE = COLLAO) -> tuple[str, str]:
        """A visit on 10/05/2021 observing D1, and the commitment taken there: (compromiso, visita)."""
        visita = self.visita(docente, acompanante, "2021-05-10", ie)
        assert self.app.registrar_observacion(observacion_de(visita, nuevo_id(), acompanante, {
            "instrumento": "FICHA-AULA", "niveles": {"D1": {"nivel": "II", "evidencia": "Seis de veinte participan."}}}))
        compromiso = nuevo_id()
        assert self.app.asumir_compromiso(compromiso_de(compromiso, visita, acompanante, {
            "descripcion": "Formular preguntas abiertas", "item": "D1", "fecha_limite": fecha_limite,
            "verificacion": "Observación en la próxima visita"}))
        return compromiso, visita

    async def compromisos(self, headers: dict[str, str] = ESPECIALISTA, **filtros: Any) -> dict[str, Any]:
        r = await self.http.get("/v1/compromisos", params=filtros, headers=headers)
        assert r.status_code == 200, (filtros, r.text)
        return r.json()

    async def ids(self, **filtros: Any) -> set[str]:
        return {c["compromiso_id"] for c in (await self.compromisos(**filtros))["compromisos"]}


@pytest.fixture
async def mundo(make_settings):
    app_http = create_app(make_settings(EvidenciasSettings), reloj=lambda: HOY)
    app: Evidencias = app_http.state.evidencias
    try:
        async with serving(app_http) as http:
            yield Mundo(http, app)
    finally:
        app.close()


async def publicado(js: JetStreamContext, subject: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The one message published on ``subject`` (headers, payload), read as an outside subscriber would."""
    sub = await js.subscribe(subject, stream=STREAM, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    try:
        mensaje = await sub.next_msg(timeout=20)
    finally:
        await sub.unsubscribe()
    return mensaje.headers, json.loads(mensaje.data)


# --- commitments by acompañante, IE and UGEL -----------------------------------------------------------


async def test_los_compromisos_se_filtran_por_acompanante_ie_y_ugel(mundo: Mundo):
    # Given X holds a docente at an IE of El Collao, Y one at that IE and one at an IE of Canchis,
    # and Z one at another anexo of the El Collao IE
    x, y, z = nuevo_id(), nuevo_id(), nuevo_id()
    d1, d2 = mundo.docente(x, COLLAO), mundo.docente(y, COLLAO)
    d3, d4 = mundo.docente(y, CANCHIS), mundo.docente(z, COLLAO_ANEXO)
    # and their commitments as of 15/07/2021: open, overdue, open, verified, open
    abierto_x, _ = mundo.compromiso(d1, x, "2021-08-30", COLLAO)
    vencido_y, _ = mundo.compromiso(d2, y, "2021-06-30", COLLAO)
    abierto_y, _ = mundo.compromiso(d3, y, "2021-08-30", CANCHIS)
    verificado_y, _ = mundo.compromiso(d3, y, "2021-08-30", CANCHIS)
    posterior = mundo.visita(d3, y, "2021-07-05", CANCHIS)
    assert mundo.app.verificar_compromiso(verificacion_de(verificado_y, posterior, y, "cumplido",
                                                          "Formula preguntas abiertas en toda la sesión"))
    abierto_anexo, _ = mundo.compromiso(d4, z, "2021-08-30", COLLAO_ANEXO)
    pendientes = {abierto_x, vencido_y, abierto_y, abierto_anexo}

    # When a specialist lists them / Then without a state he gets the pending ones (open and overdue)
    todos = await mundo.compromisos()
    assert todos["al"] == "2021-07-15"
    assert {c["compromiso_id"] for c in todos["compromisos"]} == pendientes
    assert todos["resumen"] == {"abiertos": 3, "vencidos": 1, "verificados": 0}
    assert await mundo.ids(estado="pendientes") == pendientes
    # by acompañante
    assert await mundo.ids(acompanante_id=x) == await mundo.ids(acompanante_id=x, estado="pendientes") == {abierto_x}
    assert await mundo.ids(acompanante_id=y) == await mundo.ids(acompanante_id=y, estado="pendientes") == {
        vencido_y, abierto_y}
    assert await mundo.ids(acompanante_id=y, estado="vencidos") == {vencido_y}
    assert await mundo.ids(acompanante_id=y, estado="abiertos") == {abierto_y}
    assert await mundo.ids(acompanante_id=y, estado="verificados") == {verificado_y}
    # by IE (código modular and anexo; anexo 0 when not given)
    assert await mundo.ids(codigo_modular=COLLAO.codigo_modular) == {abierto_x, vencido_y}
    assert await mundo.ids(codigo_modular=COLLAO.codigo_modular, estado="pendientes") == {abierto_x, vencido_y}
    assert await mundo.ids(codigo_modular=COLLAO.codigo_modular, anexo=1) == {abierto_anexo}
    assert await mundo.ids(codigo_modular=CANCHIS.codigo_modular) == {abierto_y}
    assert await mundo.ids(codigo_modular=CANCHIS.codigo_modular, estado="verificados") == {verificado_y}
    # by UGEL, in due-date order
    collao = await mundo.compromisos(ugel=COLLAO.ugel)
    assert [c["compromiso_id"] for c in collao["compromisos"]] == [vencido_y, *sorted([abierto_x, abierto_anexo])]
    assert collao["resumen"] == {"abiertos": 2, "vencidos": 1, "verificados": 0}
    assert await mundo.ids(ugel=COLLAO.ugel, estado="pendientes") == {abierto_x, vencido_y, abierto_anexo}
    assert await mundo.ids(ugel=CANCHIS.ugel) == await mundo.ids(ugel=CANCHIS.ugel, estado="pendientes") == {abierto_y}
    assert (await mundo.compromisos(ugel=CANCHIS.ugel, estado="verificados"))["resumen"] == {
        "abiertos": 0, "vencidos": 0, "verificados": 1}
    # and the filters combine
    assert await mundo.ids(acompanante_id=y, ugel=COLLAO.ugel) == {vencido_y}
    assert await mundo.ids(acompanante_id=x, ugel=CANCHIS.ugel) == set()
    assert await mundo.ids(acompanante_id=y, codigo_modular=CANCHIS.codigo_modular, estado="pendientes") == {abierto_y}

    # and an acompañante lists only his own
    propios = await mundo.compromisos(headers=como(x), acompanante_id=x)
    assert [c["compromiso_id"] for c in propios["compromisos"]] == [abierto_x]
    r = await mundo.http.get("/v1/compromisos", params={"acompanante_id": y}, headers=como(x))
    assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), r.text
    # whatever else he asks for is narrowed to his own caseload
    for consulta in ({"ugel": COLLAO.ugel}, {"codigo_modular": COLLAO.codigo_modular}, {}):
        r = await mundo.http.get("/v1/compromisos", params=consulta, headers=como(x))
        assert r.status_code == 200, (consulta, r.text)
        assert {c["acompanante_id"] for c in r.json()["compromisos"]} <= {x}, consulta


# --- a commitment not kept ------------------------------------------------------------------------------


async def test_un_compromiso_no_cumplido_se_registra_y_se_muestra(mundo: Mundo, js: JetStreamContext):
    # Given a commitment taken at a visit in May, and a later visit in June
    a = nuevo_id()
    d = mundo.docente(a)
    compromiso, origen = mundo.compromiso(d, a, "2021-06-30")
    posterior = mundo.visita(d, a, "2021-06-14")
    verificacion = {"visita_id": posterior, "acompanante_id": a, "resultado": "no_cumplido",
                    "evidencia": "Sigue dando la respuesta sin preguntar por qué."}
    # When the coach verifies it as not kept
    r = await mundo.http.post(f"/v1/compromisos/{compromiso}/verificacion", json=verificacion)
    assert r.status_code == 201 and r.json() == {"id": compromiso, "registrado": True, "estado": "registrado"}, r.text
    # Then the later visit shows it with its result and evidence
    registro = (await mundo.http.get(f"/v1/visitas/{posterior}", headers=como(a))).json()
    [verificado] = registro["compromisos_verificados"]
    assert (verificado["compromiso_id"], verificado["visita_id"], verificado["estado"]) == (
        compromiso, origen, "verificado")
    resultado = verificado["verificado"]
    assert (resultado["resultado"], resultado["evidencia"], resultado["fecha"], resultado["acompanante_id"]) == (
        "no_cumplido", verificacion["evidencia"], "2021-06-14", a)
    # and so do the docente's commitments and the UGEL's verified ones
    [del_docente] = (await mundo.http.get(f"/v1/docentes/{d}/compromisos", params={"estado": "verificados"},
                                          headers=como(a))).json()
    assert (del_docente["compromiso_id"], del_docente["verificado"]["resultado"]) == (compromiso, "no_cumplido")
    [de_la_ugel] = (await mundo.compromisos(ugel=COLLAO.ugel, estado="verificados"))["compromisos"]
    assert de_la_ugel["verificado"]["resultado"] == "no_cumplido"
    # and a re-send records nothing, while another result for it is a conflict
    r = await mundo.http.post(f"/v1/compromisos/{compromiso}/verificacion", json=verificacion)
    assert r.status_code == 200 and r.json() == {"id": compromiso, "registrado": False, "estado": "ya_registrado"}, r.text
    r = await mundo.http.post(f"/v1/compromisos/{compromiso}/verificacion",
                              json={**verificacion, "resultado": "cumplido"})
    assert r.status_code == 409, r.text
    # and it is published with its result
    headers, datos = await publicado(js, f"acompana.evidencias.CompromisoVerificado.v2.{COLLAO.dre}.{COLLAO.ugel}")
    assert headers["ce-subject"] == f"docente/{d}"
    assert (datos["compromiso_id"], datos["visita_id"], datos["visita_origen_id"]) == (compromiso, posterior, origen)
    # (without its evidence: free text about the docente is read in evidencias, never on the stream)
    assert datos["resultado"] == "no_cumplido" and "evidencia" not in datos


# --- instruments in Quechua and Aymara ------------------------------------------------------------------


async def test_un_instrumento_se_lee_en_quechua_o_aimara_y_sin_traduccion_en_castellano(mundo: Mundo):
    v1 = next(i for i in incluidos() if i.codigo == "FICHA-AULA").model_dump(mode="json")
    d1, d2 = v1["items"][0], v1["items"][1]
    # Given FICHA-AULA v2 published by a specialist: its title in Quechua, D1's title in Quechua and
    # Aymara, and D1's level III descriptor in Quechua; nothing else translated
    nivel_iii = {**d1["niveles"][2],
                 "descriptor": {**d1["niveles"][2]["descriptor"], "qu": "Yaqa llapanta yachaqkunata."}}
    d1_v2 = {**d1, "titulo": {**d1["titulo"], "qu": "Yachaqkunata yachaypi llamk'achin.",
                              "ay": "Yatiqirinakaru yatiqañaru irpi."},
             "niveles": [*d1["niveles"][:2], nivel_iii, d1["niveles"][3]]}
    v2 = {**v1, "version": 2, "vigencia": {"desde": "2022-01-01"},
          "titulo": {"es": "Ficha de observación de aula (2022)", "qu": "Yachaywasipi qhawana p'anqa (2022)"},
          "items": [d1_v2, *v1["items"][1:]]}
    r = await mundo.http.post("/v1/instrumentos", json=v2, headers=ESPECIALISTA)
    assert r.status_code == 201, r.text

    # When it is read in Quechua / Then what is translated comes in Quechua, the rest in Spanish
    r = await mundo.http.get("/v1/instrumentos/FICHA-AULA/2", params={"idioma": "qu"})
    assert r.status_code == 200, r.text
    qu = r.json()
    assert qu["titulo"] == "Yachaywasipi qhawana p'anqa (2022)"
    assert qu["items"][0]["titulo"] == "Yachaqkunata yachaypi llamk'achin."
    assert [n["descriptor"] for n in qu["items"][0]["niveles"]] == [
        d1["niveles"][0]["descriptor"]["es"], d1["niveles"][1]["descriptor"]["es"], "Yaqa llapanta yachaqkunata.",
        d1["niveles"][3]["descriptor"]["es"]]
    assert qu["items"][1]["titulo"] == d2["titulo"]["es"]
    assert [n["descriptor"] for n in qu["items"][1]["niveles"]] == [n["descriptor"]["es"] for n in d2["niveles"]]
    # in Aymara: D1's title; the instrument's title, with no Aymara, in Spanish
    ay = (await mundo.http.get("/v1/instrumentos/FICHA-AULA/2", params={"idioma": "ay"})).json()
    assert ay["titulo"] == "Ficha de observación de aula (2022)"
    assert ay["items"][0]["titulo"] == "Yatiqirinakaru yatiqañaru irpi."
    assert ay["items"][0]["niveles"][2]["descriptor"] == nivel_iii["descriptor"]["es"]
    # in Spanish (the default): all of it
    es = (await mundo.http.get("/v1/instrumentos/FICHA-AULA/2")).json()
    assert (es["titulo"], es["items"][0]["titulo"]) == ("Ficha de observación de aula (2022)", d1["titulo"]["es"])
    # and v1, with no translation at all, reads in Spanish in Quechua
    v1_qu = (await mundo.http.get("/v1/instrumentos/FICHA-AULA/1", params={"idioma": "qu"})).json()
    assert v1_qu["titulo"] == v1["titulo"]["es"]
    assert [i["titulo"] for i in v1_qu["items"]] == [i["titulo"]["es"] for i in v1["items"]]
    # a language not provided for is refused
    assert (await mundo.http.get("/v1/instrumentos/FICHA-AULA/2", params={"idioma": "en"})).status_code == 422


# --- execution-stage sessions ---------------------------------------------------------------------------


async def test_una_sesion_de_ejecucion_guarda_y_publica_sus_indicadores_e_hitos(mundo: Mundo, js: JetStreamContext):
    # Given a coach who holds a docente at an IE of Canchis
    a = nuevo_id()
    mundo.docente(a, CANCHIS)
    sesion = nuevo_id()
    indicadores = [{"indicador": "Docentes que planifican con rúbricas", "meta": "80 %", "avance": "45 %"},
                   {"indicador": "GIA realizados en el trimestre", "meta": "3", "avance": "1"}]
    hitos = [{"fecha": "2021-06-30", "descripcion": "Primera jornada de planificación", "cumplido": True},
             {"fecha": "2021-09-15", "descripcion": "Revisión de resultados de la evaluación formativa"}]
    cuerpo = {"sesion_id": sesion, "codigo_modular": CANCHIS.codigo_modular, "anexo": 0, "fecha": "2021-06-15",
              "momento": "durante", "indicadores": indicadores, "hitos": hitos, "acuerdos": ["Reunión de seguimiento"]}
    # When he records a session with the management team, with indicators and milestones
    r = await mundo.http.post(f"/v1/acompanantes/{a}/sesiones-ejecucion", json=cuerpo)
    assert r.status_code == 201 and r.json() == {"id": sesion, "registrado": True, "estado": "registrado"}, r.text
    # Then they are stored as sent (a milestone not marked is not done), with the IE's territory
    hitos_guardados = [hitos[0], {**hitos[1], "cumplido": False}]
    [guardada] = (await mundo.http.get(f"/v1/acompanantes/{a}/sesiones-ejecucion", headers=como(a))).json()
    assert (guardada["sesion_id"], guardada["momento"], guardada["dre"], guardada["ugel"]) == (
        sesion, "durante", CANCHIS.dre, CANCHIS.ugel)
    assert guardada["indicadores"] == indicadores
    assert guardada["hitos"] == hitos_guardados
    # and the same request again records nothing
    r = await mundo.http.post(f"/v1/acompanantes/{a}/sesiones-ejecucion", json=cuerpo)
    assert r.status_code == 200 and r.json() == {"id": sesion, "registrado": False, "estado": "ya_registrado"}, r.text
    # and another coach does not read them
    r = await mundo.http.get(f"/v1/acompanantes/{a}/sesiones-ejecucion", headers=como(nuevo_id()))
    assert r.status_code == 404 and r.json()["codigo"] == "no_encontrado", r.text
    # and they are published, with the territory in the subject
    headers, datos = await publicado(
        js, f"acompana.evidencias.SesionEjecucionRegistrada.v1.{CANCHIS.dre}.{CANCHIS.ugel}")
    assert headers["ce-subject"] == f"ie/{CANCHIS.codigo_modular}-0"
    assert (datos["sesion_id"], datos["acompanante_id"], datos["fecha"]) == (sesion, a, "2021-06-15")
    assert datos["indicadores"] == indicadores
    assert datos["hitos"] == hitos_guardados
    assert datos["acuerdos"] == ["Reunión de seguimiento"] and datos["acciones_clave"] == []
