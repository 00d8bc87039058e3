"""The authorization matrix, written apart from the production rules (``services/*/acceso.py``), from the
README's "Quién ve y hace qué" and the norm, and checked on stores that hold data:

- an allowed caller gets 2xx with the right content (a list narrowed to its territory holds only its own);
- a caller outside the object's territory gets 404, a role the action does not admit 403;
- two acompañantes of the same UGEL: one never reaches the other's docentes, not even through the ids
  inside a batch (``/lote``) or a multipart form.

Territories: A1 and A2 are two schools of UGEL El Collao (DRE Puno), each with one docente held by its own
acompañante; B is a school of UGEL Canchis (DRE Cusco).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from tests.conftest import serving
from tests.integration.test_evidencias_reglas import ficha
from tests.support.evaluacion import Bombeo, plan
from tests.support.world import asignar

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)  # a policy, not a store, is tested


def _id(texto: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"matriz/{texto}"))


@dataclass(frozen=True)
class Escuela:
    nombre: str
    dre: str
    ugel: str
    codigo_modular: str

    @property
    def docente(self) -> str:
        return _id(f"docente-{self.nombre}")

    @property
    def acompanante(self) -> str:
        return _id(f"acompanante-{self.nombre}")

    @property
    def visita(self) -> str:
        return _id(f"visita-{self.nombre}")

    @property
    def ie(self) -> str:
        return f"{self.codigo_modular}-0"


A1 = Escuela("A1", "DRE-PUNO", "UGEL-EL-COLLAO", "0236885")
A2 = Escuela("A2", "DRE-PUNO", "UGEL-EL-COLLAO", "0236886")
B = Escuela("B", "DRE-CUSCO", "UGEL-CANCHIS", "0555555")
ESCUELAS = (A1, A2, B)


def como(rol: str, escuela: Escuela = A1) -> dict[str, str]:
    usuario = {"acompanante": escuela.acompanante, "docente": escuela.docente}.get(rol, f"{rol}-{escuela.nombre}")
    return {"X-Usuario": usuario, "X-Rol": rol, "X-Dre": escuela.dre, "X-Ugel": escuela.ugel, "X-Ie": escuela.ie}


# --- the matrix: who sees which docentes in each narrowed list, by the README's table ------------------------
# especialista_ugel / especialista_dre: "su UGEL / su DRE (listas acotadas a ella)"; acompanante: "los docentes
# de su cartera actual"; minedu, auditor: "todo el país"; directivo: "su IE: sus planes (...), su cumplimiento";
# docente: no list of plans or compliance (he sees his own through the docente's routes).
VE_EN_LISTAS: dict[str, set[str] | None] = {
    "minedu": {A1.docente, A2.docente, B.docente},
    "auditor": {A1.docente, A2.docente, B.docente},
    "especialista_dre": {A1.docente, A2.docente},
    "especialista_ugel": {A1.docente, A2.docente},
    "acompanante": {A1.docente},
    "directivo": {A1.docente},  # his IE's docentes only
    "docente": None,  # 403
}
# A docente's own records (README: the docente "solo lo suyo"; the directivo "los docentes de su IE"; the
# acompañante "los docentes de su cartera actual"; supervision its territory): roles of A1 that see A1's docente
# and not A2's (same UGEL) nor B's.
VE_AL_DOCENTE: dict[str, tuple[set[str], set[str]]] = {  # role -> (sees, does not see)
    "docente": ({A1.docente}, {A2.docente, B.docente}),
    "acompanante": ({A1.docente}, {A2.docente, B.docente}),
    "directivo": ({A1.docente}, {A2.docente, B.docente}),
    "especialista_ugel": ({A1.docente, A2.docente}, {B.docente}),
    "especialista_dre": ({A1.docente, A2.docente}, {B.docente}),
    "minedu": ({A1.docente, A2.docente, B.docente}, set()),
}


@pytest.fixture
async def agenda(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    for e in ESCUELAS:
        asignar(app.state.agenda, e.docente, e.acompanante, codigo_modular=e.codigo_modular, dre=e.dre, ugel=e.ugel)
    async with serving(app) as http:
        for e in ESCUELAS:  # each acompañante programs a visit to his docente, through the API
            r = await http.post(f"/v1/acompanantes/{e.acompanante}/visitas", headers=como("acompanante", e), json={
                "visita_id": e.visita, "docente_id": e.docente, "fecha_inicio": "2021-06-10",
                "fecha_fin": "2021-06-10"})
            assert r.status_code == 201, r.text
        yield http


async def test_agenda_las_listas_de_un_rol_territorial_traen_solo_lo_suyo(agenda):
    for rol, esperados in VE_EN_LISTAS.items():
        planes = await agenda.get("/v1/planes", params={"anio": 2021}, headers=como(rol))
        cumplimiento = await agenda.get("/v1/cumplimiento", params={"anio": 2021, "nivel": "docente",
                                                                      "fecha": "2021-12-31"}, headers=como(rol))
        if esperados is None:
            assert planes.status_code == cumplimiento.status_code == 403, (rol, planes.text)
            continue
        assert planes.status_code == 200, (rol, planes.text)
        assert {p["docente_id"] for p in planes.json()} == esperados, rol
        assert cumplimiento.status_code == 200, (rol, cumplimiento.text)
        assert {f["docente_id"] for f in cumplimiento.json()["filas"]} == esperados, rol
    # the CSV exports, for supervision
    for rol in ("especialista_ugel", "especialista_dre", "minedu"):
        for ruta in ("/v1/planes.csv", "/v1/cumplimiento.csv"):
            r = await agenda.get(ruta, params={"anio": 2021, "nivel": "docente", "fecha": "2021-12-31"},
                                 headers=como(rol))
            assert r.status_code == 200, (rol, ruta, r.text)
            filas = list(csv.DictReader(io.StringIO(r.text.removeprefix("\ufeff")), delimiter=";"))
            assert {f["Docente (identificador)"] for f in filas} == VE_EN_LISTAS[rol], (rol, ruta)
    # a list filter naming another territory is not narrowed silently: 404
    r = await agenda.get("/v1/planes", params={"anio": 2021, "ugel": B.ugel}, headers=como("especialista_ugel"))
    assert r.status_code == 404


async def test_agenda_cada_rol_ve_a_los_docentes_de_su_ambito_y_no_a_otros(agenda):
    for rol, (ve, no_ve) in VE_AL_DOCENTE.items():
        for docente in ve:
            r = await agenda.get(f"/v1/docentes/{docente}/planes", headers=como(rol))
            assert r.status_code == 200 and {p["docente_id"] for p in r.json()} == {docente}, (rol, r.text)
        for docente in no_ve:
            r = await agenda.get(f"/v1/docentes/{docente}/planes", headers=como(rol))
            assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (rol, docente, r.text)


async def test_agenda_un_acompanante_no_alcanza_a_los_docentes_del_otro_de_su_ugel(agenda):
    intruso = como("acompanante", A2)
    # not by the routes of the other's agenda or activities
    assert (await agenda.get(f"/v1/acompanantes/{A1.acompanante}/agenda", headers=intruso)).status_code == 404
    assert (await agenda.get(f"/v1/actividades/{A1.visita}", headers=intruso)).status_code == 404
    r = await agenda.post(f"/v1/actividades/{A1.visita}/cancelacion", json={"motivo": "No corresponde."},
                          headers=intruso)
    assert r.status_code == 404, r.text
    # nor by programming, in his own agenda, a visit to the other's docente
    r = await agenda.post(f"/v1/acompanantes/{A2.acompanante}/visitas", headers=intruso, json={
        "visita_id": _id("visita-intrusa"), "docente_id": A1.docente, "fecha_inicio": "2021-07-10",
        "fecha_fin": "2021-07-10"})
    assert r.status_code in (404, 422) and r.status_code != 201, r.text
    # nor by the ids inside the items of his batch: each refused, and nothing of the other's changes
    r = await agenda.post(f"/v1/acompanantes/{A2.acompanante}/lote", headers=intruso, json={"items": [
        {"operacion": "cancelar", "actividad_id": A1.visita, "datos": {"motivo": "No corresponde."}},
        {"operacion": "programar_visita", "datos": {"visita_id": _id("visita-intrusa-2"), "docente_id": A1.docente,
                                                    "fecha_inicio": "2021-07-12", "fecha_fin": "2021-07-12"}},
        {"operacion": "curso_virtual_completado", "datos": {
            "registro_id": _id("curso-intruso"), "docente_id": A1.docente, "anio": 2021,
            "curso": "Evaluación formativa", "horas": 20, "fecha": "2021-05-01"}},
    ]})
    assert r.status_code == 200, r.text
    assert [(i["estado"], i["codigo"] in (404, 409, 422)) for i in r.json()] == [("rechazado", True)] * 3, r.json()
    propia = await agenda.get(f"/v1/actividades/{A1.visita}", headers=como("acompanante", A1))
    assert propia.status_code == 200 and propia.json()["estado"] == "programada", propia.text
    # while the owner's batch with the same kind of items works
    r = await agenda.post(f"/v1/acompanantes/{A1.acompanante}/lote", headers=como("acompanante", A1), json={"items": [
        {"operacion": "curso_virtual_completado", "datos": {
            "registro_id": _id("curso-propio"), "docente_id": A1.docente, "anio": 2021,
            "curso": "Evaluación formativa", "horas": 20, "fecha": "2021-05-01"}}]})
    assert [i["estado"] for i in r.json()] == ["registrado"], r.json()


async def test_agenda_un_filtro_que_nombra_otro_territorio_no_existe(agenda):
    """A list's filter naming a UGEL, school or acompañante of another territory answers 404, as its id would
    anywhere else; the caller's own answer his rows."""
    consulta = {"anio": 2021, "nivel": "docente", "fecha": "2021-12-31"}
    ajenos = {  # role (of A1) -> filters naming what lies outside his territory
        "especialista_dre": [{"ugel": B.ugel}, {"ie": B.ie}, {"acompanante_id": B.acompanante}],
        "especialista_ugel": [{"ie": B.ie}, {"dre": B.dre}, {"acompanante_id": B.acompanante}, {"ugel": B.ugel}],
        "directivo": [{"ugel": B.ugel}, {"dre": B.dre}, {"ie": A2.ie}],
    }
    for rol, filtros in ajenos.items():
        for filtro in filtros:
            for ruta in ("/v1/cumplimiento", "/v1/cumplimiento.csv", "/v1/planes", "/v1/planes.csv"):
                if ruta == "/v1/planes.csv" and "acompanante_id" in filtro:
                    continue
                r = await agenda.get(ruta, params={**consulta, **filtro}, headers=como(rol))
                assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (rol, ruta, filtro, r.text)
    propios = {
        "especialista_dre": ({"ugel": A1.ugel}, {A1.docente, A2.docente}),
        "especialista_ugel": ({"ie": A2.ie, "dre": A2.dre}, {A2.docente}),
        "directivo": ({"ugel": A1.ugel}, {A1.docente}),
    }
    for rol, (filtro, esperados) in propios.items():
        r = await agenda.get("/v1/cumplimiento", params={**consulta, **filtro}, headers=como(rol))
        assert r.status_code == 200, (rol, r.text)
        assert {f["docente_id"] for f in r.json()["filas"]} == esperados, (rol, r.text)
    r = await agenda.get("/v1/cumplimiento", params={**consulta, "ugel": B.ugel}, headers=como("minedu"))
    assert {f["docente_id"] for f in r.json()["filas"]} == {B.docente}, r.text


# --- evaluacion ----------------------------------------------------------------------------------------------


@pytest.fixture
async def evaluacion(make_settings):
    app = evaluacion_app(make_settings(EvaluacionSettings))
    bombeo = Bombeo(app.state.evaluacion, app.state.proyecciones)
    for e in ESCUELAS:
        bombeo.recibir(plan(e.docente, e.acompanante, 2021, codigo_modular=e.codigo_modular, dre=e.dre, ugel=e.ugel),
                       id_=f"agenda:plan-{e.nombre}")
    async with serving(app) as http:
        yield http


async def test_evaluacion_reportes_acotados_y_lotes_sin_docentes_ajenos(evaluacion):
    # the reports, for a territorial specialist, hold his territory only
    for rol in ("especialista_ugel", "especialista_dre"):
        for ruta in ("/v1/seguimiento", "/v1/visitas-por-docente"):
            r = await evaluacion.get(ruta, params={"anio": 2021}, headers=como(rol))
            assert r.status_code == 200, (rol, ruta, r.text)
            assert B.ugel not in r.text and B.docente not in r.text, (rol, ruta)
        r = await evaluacion.get("/v1/seguimiento", params={"anio": 2021}, headers=como("minedu"))
        assert r.status_code == 200 and B.ugel in r.text
    # the directivo: his IE's rows only (README: "su IE: ... su cumplimiento ... los reportes de su IE"), the
    # levels by docente and the práctica observed by the external acompañante refused (formative evidence)
    for ruta, consulta in (("/v1/seguimiento", {"anio": 2021, "por": "ie"}),
                           ("/v1/resultados-etapa", {"etapa": 2, "por": "ie"})):
        r = await evaluacion.get(ruta, params=consulta, headers=como("directivo"))
        assert r.status_code == 200, (ruta, r.text)
        filas = r.json()["cumplimiento" if ruta == "/v1/seguimiento" else "resultados"]
        assert filas and {f["codigo_modular"] for f in filas} == {A1.codigo_modular}, (ruta, r.text)
        r = await evaluacion.get(ruta, params={**consulta, "ie": A2.ie}, headers=como("directivo"))
        assert r.status_code == 404, (ruta, r.text)
    r = await evaluacion.get("/v1/resultados-etapa", params={"etapa": 2, "por": "docente"},
                             headers=como("directivo"))
    assert r.status_code == 403 and "formativa" in r.json()["mensaje"], r.text
    r = await evaluacion.get("/v1/evaluacion", params={"anio": 2021}, headers=como("directivo"))
    assert r.status_code == 403, r.text
    assert (await evaluacion.get(f"/v1/informes-trimestrales/{B.ugel}", params={"anio": 2021, "trimestre": 2},
                                 headers=como("especialista_ugel"))).status_code == 404
    r = await evaluacion.get(f"/v1/informes-trimestrales/{A1.ugel}", params={"anio": 2021, "trimestre": 2},
                             headers=como("especialista_ugel"))
    assert r.status_code == 200, r.text
    # the other acompañante of the UGEL does not reach A1's docente: not by route, not inside his batch
    intruso = como("acompanante", A2)
    assert (await evaluacion.get(f"/v1/docentes/{A1.docente}/progreso", headers=intruso)).status_code == 404
    r = await evaluacion.post(f"/v1/acompanantes/{A2.acompanante}/lote", headers=intruso, json={"items": [
        {"operacion": "situacion_inicial", "docente_id": A1.docente, "datos": {
            "fecha": "2021-04-15", "niveles": {"C2": {"nivel": "I", "evidencias": [_id("obs")], "sustento": "x"}}}}]})
    assert r.status_code == 200 and [i["estado"] for i in r.json()] == ["rechazado"], r.text
    # goals and a coach's performance are set by the DRE / MINEDU and the specialists: the policy, not a later
    # check, refuses the sistema account (README: metas "especialista_dre o minedu"; desempeño, especialistas)
    for ruta in ("/v1/metas", f"/v1/acompanantes/{A1.acompanante}/desempeno"):
        r = await evaluacion.post(ruta, json={}, headers=como("sistema"))
        assert r.status_code == 403 and r.json()["mensaje"].startswith("El rol 'sistema'"), (ruta, r.text)
        r = await evaluacion.post(ruta, json={}, headers=como("minedu"))
        assert r.status_code == 422, (ruta, r.text)  # let through: only the empty body is refused
    # while the docente and his acompañante see his record
    for rol in ("docente", "acompanante"):
        r = await evaluacion.get(f"/v1/docentes/{A1.docente}/visitas", headers=como(rol))
        assert r.status_code == 200, (rol, r.text)


async def test_evaluacion_un_filtro_que_nombra_otro_territorio_no_existe(evaluacion):
    for rol, filtro in (("especialista_dre", {"ugel": B.ugel}), ("especialista_dre", {"ie": B.ie}),
                        ("especialista_ugel", {"dre": B.dre}), ("especialista_ugel", {"ie": B.ie}),
                        ("directivo", {"ugel": B.ugel})):
        for ruta, consulta in (("/v1/seguimiento", {"anio": 2021}), ("/v1/resultados-etapa", {"etapa": 2}),
                               ("/v1/evaluacion", {"anio": 2021}), ("/v1/visitas-por-docente", {"anio": 2021})):
            if rol == "directivo" and ruta in ("/v1/evaluacion", "/v1/visitas-por-docente"):
                continue  # not his (403)
            r = await evaluacion.get(ruta, params={**consulta, **filtro}, headers=como(rol))
            assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (rol, ruta, filtro, r.text)
    # his own UGEL, named by the DRE's specialist: his rows
    r = await evaluacion.get("/v1/seguimiento", params={"anio": 2021, "por": "ie", "ugel": A1.ugel},
                             headers=como("especialista_dre"))
    assert r.status_code == 200, r.text
    assert {f["codigo_modular"] for f in r.json()["cumplimiento"]} == {A1.codigo_modular, A2.codigo_modular}, r.text


# --- evidencias ---------------------------------------------------------------------------------------------


@pytest.fixture
async def evidencias(make_settings):
    app = evidencias_app(make_settings(EvidenciasSettings))
    ev = app.state.evidencias
    for e in ESCUELAS:
        comun = {"codigo_modular": e.codigo_modular, "anexo": 0, "dre": e.dre, "ugel": e.ugel}
        ev.conocer_plan({"plan_id": _id(f"plan-{e.nombre}"), "docente_id": e.docente, "acompanante_id": e.acompanante,
                         "anio": 2021, "etapa": 2, "modalidad": "externa", "tipo_ie": "polidocente_primaria",
                         "nivel": "primaria", **comun})
        ev.conocer_visita({"visita_id": e.visita, "docente_id": e.docente, "acompanante_id": e.acompanante,
                           "anio": 2021, "fecha_inicio": "2021-05-10", "fecha_fin": "2021-05-10",
                           "acciones": ["observacion"], **comun})
    async with serving(app) as http:
        for e in ESCUELAS:  # each acompañante records his observation, through the API
            r = await http.post(f"/v1/visitas/{e.visita}/observaciones", headers=como("acompanante", e),
                                json={"observacion_id": _id(f"obs-{e.nombre}"), "acompanante_id": e.acompanante,
                                      **ficha(D1="II")})
            assert r.status_code == 201, r.text
        yield http


async def test_evidencias_la_evidencia_formativa_y_los_adjuntos_solo_en_su_ambito(evidencias):
    for rol, (ve, no_ve) in VE_AL_DOCENTE.items():
        for docente in ve:
            r = await evidencias.get(f"/v1/docentes/{docente}/observaciones", headers=como(rol))
            if rol == "directivo":  # evaluates the docente's career: only what he recorded (none here)
                assert r.status_code == 200 and r.json() == {}, r.text
                continue
            assert r.status_code == 200, (rol, r.text)
            assert [v["nivel"] for serie in r.json().values() for v in serie] == ["II"], (rol, r.text)
        for docente in no_ve:
            r = await evidencias.get(f"/v1/docentes/{docente}/observaciones", headers=como(rol))
            assert r.status_code == 404, (rol, r.text)
    # the other acompañante of the UGEL: not the visit, not an attachment to it (multipart), not as its author
    intruso = como("acompanante", A2)
    png = ("foto.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    r = await evidencias.post(f"/v1/visitas/{A1.visita}/adjuntos", headers=intruso, files={"archivo": png},
                              data={"acompanante_id": A2.acompanante})
    assert r.status_code == 404, r.text
    r = await evidencias.post(f"/v1/visitas/{A2.visita}/adjuntos", headers=intruso, files={"archivo": png},
                              data={"acompanante_id": A1.acompanante})  # his own visit, naming the other as author
    assert r.status_code in (404, 422) and r.status_code != 201, r.text
    assert (await evidencias.get(f"/v1/visitas/{A1.visita}", headers=intruso)).status_code == 404
    # the list of commitments, narrowed: the specialist of El Collao never gets Canchis
    r = await evidencias.get("/v1/compromisos", headers=como("especialista_ugel"))
    assert r.status_code == 200 and B.docente not in r.text, r.text


async def test_evidencias_una_dre_publica_instrumentos_propios_y_no_reemplaza_los_nacionales(evidencias):
    """NT-026 §6.1: the instruments are the MINEDU's; §5.7: a DRE may run programmes of its own, complementary,
    with instruments of its own. A DRE's specialist never publishes a version of a national code (it would
    replace it for the whole country), nor an instrument of another DRE, nor a national one."""
    base = (await evidencias.get("/v1/instrumentos", params={"codigo": "FICHA-AULA"})).json()[0]
    assert "ambito" not in base  # published before the ámbito existed: national

    def version(codigo: str, numero: int, **extra: Any) -> dict[str, Any]:
        igual = codigo == base["codigo"] or numero > 1
        return {**base, "codigo": codigo, "version": numero, "reemplaza": numero - 1 if numero > 1 else None,
                "items": [{**i, "equivale_a": i["clave"] if igual else None} for i in base["items"]], **extra}

    puno, cusco, minedu = como("especialista_dre", A1), como("especialista_dre", B), como("minedu")
    # a new version of the national ficha, from a DRE: not his (404), whatever ámbito it says
    for extra in ({}, {"ambito": "DRE:DRE-PUNO"}, {"ambito": "nacional"}):
        r = await evidencias.post("/v1/instrumentos", json=version("FICHA-AULA", 2, **extra), headers=puno)
        assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (extra, r.text)
    # an instrument of another DRE: not his
    r = await evidencias.post("/v1/instrumentos", json=version("FICHA-PUNO", 1, ambito="DRE:DRE-CUSCO"),
                              headers=puno)
    assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), r.text
    # a new code without ámbito would be national: refused with its field and reason
    r = await evidencias.post("/v1/instrumentos", json=version("FICHA-PUNO", 1), headers=puno)
    assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "body.ambito", r.text
    # his own, for his DRE's programme: published, with its ámbito, and its later versions his too
    r = await evidencias.post("/v1/instrumentos", json=version("FICHA-PUNO", 1, ambito="DRE:DRE-PUNO"), headers=puno)
    assert r.status_code == 201, r.text
    r = await evidencias.post("/v1/instrumentos", json=version("FICHA-PUNO", 2, ambito="DRE:DRE-CUSCO"),
                              headers=cusco)
    assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), r.text
    r = await evidencias.post("/v1/instrumentos", json=version("FICHA-PUNO", 2), headers=minedu)
    assert r.status_code == 422 and "mismo ámbito" in r.json()["errores"][0]["motivo"], r.text
    r = await evidencias.post("/v1/instrumentos", json=version("FICHA-PUNO", 2, ambito="DRE:DRE-PUNO"), headers=puno)
    assert r.status_code == 201, r.text
    # nor does the MINEDU turn its national ficha into a DRE's
    r = await evidencias.post("/v1/instrumentos", json=version("FICHA-AULA", 2, ambito="DRE:DRE-PUNO"),
                              headers=minedu)
    assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "body.ambito", r.text
    publicados = (await evidencias.get("/v1/instrumentos")).json()
    assert [i["version"] for i in publicados if i["codigo"] == "FICHA-AULA"] == [1]
    assert [(i["version"], i["ambito"]) for i in publicados if i["codigo"] == "FICHA-PUNO"] == [
        (1, "DRE:DRE-PUNO"), (2, "DRE:DRE-PUNO")]


# --- focalizacion: ids crossed between two UGELs -------------------------------------------------------------


async def test_focalizacion_con_ids_cruzados_entre_ugeles(make_settings):
    from services.focalizacion.config import FocalizacionSettings
    from services.focalizacion.main import create_app as focalizacion_app
    from tests.integration.test_focalizacion_carteras import CONV, mundo
    from tests.support.padron import focalizar

    app = focalizacion_app(make_settings(FocalizacionSettings))
    padron = mundo()  # UGEL-A (six schools, three acompañantes) and UGEL-B (two schools, one), DRE-X
    async with serving(app) as http:
        # Given the padrón targeted and assigned, through the API (the sistema account)
        await focalizar(http, padron, CONV)

        def especialista(ugel: str) -> dict[str, str]:
            return {"X-Usuario": f"esp-{ugel}", "X-Rol": "especialista_ugel", "X-Dre": "DRE-X", "X-Ugel": ugel}

        # When each UGEL's specialist lists the caseloads / Then he gets his UGEL's only, with their docentes
        carteras = {}
        for ugel in ("UGEL-A", "UGEL-B"):
            r = await http.get(f"/v1/convocatorias/{CONV}/carteras", headers=especialista(ugel))
            assert r.status_code == 200, r.text
            assert r.json() and {c["ugel"] for c in r.json()} == {ugel}, r.json()
            carteras[ugel] = r.json()
        cartera_a = next(c for c in carteras["UGEL-A"] if c["docente_ids"])
        docente_a, acompanante_a = cartera_a["docente_ids"][0], cartera_a["acompanante_id"]
        # and the specialist of UGEL-B does not reach UGEL-A's docente nor acompañante, in path or body
        b = especialista("UGEL-B")
        assert (await http.get(f"/v1/docentes/{docente_a}/asignacion", headers=b)).status_code == 404
        r = await http.post(f"/v1/convocatorias/{CONV}/docentes/{docente_a}/retiro", headers=b,
                            json={"motivo": "Traslado a otra UGEL."})
        assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), r.text
        r = await http.post(f"/v1/convocatorias/{CONV}/acompanantes/{acompanante_a}/excepciones", headers=b,
                            json={"limite": 30, "justificacion": "Zona de difícil acceso."})
        assert r.status_code == 404, r.text
        acompanante_b = carteras["UGEL-B"][0]["acompanante_id"]
        r = await http.post(f"/v1/convocatorias/{CONV}/reasignaciones", headers=b, json={
            "docente_id": docente_a, "a_acompanante_id": acompanante_b, "motivo": "Traslado."})
        assert r.status_code == 404, r.text
        r = await http.get(f"/v1/convocatorias/{CONV}/carteras", params={"ugel": "UGEL-A"}, headers=b)
        assert r.status_code == 404
        # while UGEL-A's specialist sees his docente's assignment, with its content
        r = await http.get(f"/v1/docentes/{docente_a}/asignacion", headers=especialista("UGEL-A"))
        assert r.status_code == 200 and r.json()["asignaciones"][0]["acompanante_id"] == acompanante_a, r.text
        assert r.json()["asignaciones"][0]["ugel"] == "UGEL-A"
