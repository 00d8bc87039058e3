"""Printable documents of evidencias, opened and read back as text (pypdf): the acta of a GIA with
its attendance and agreements, and the blank observation form for a classroom without a device.

Given evidencias knowing a GIA of IE 0236885-0 held on 20/04/2021 (15:00 to 18:00) by an acompañante
with three docentes, two of whom came.
"""

from __future__ import annotations

import io
import uuid

import pypdf
import pytest

from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app
from tests.conftest import serving
from tests.integration.test_evidencias_reglas import GIA, acta

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)  # rendering, not a store, is tested


def _id(texto: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"documentos/{texto}"))


GIA_ID, ACOMPANANTE = _id("gia"), _id("acompanante")
ROSA, LUIS, ELENA = _id("rosa"), _id("luis"), _id("elena")
NOMBRES = {ROSA: "Quispe Mamani, Rosa", LUIS: "Condori Apaza, Luis", ELENA: "Huanca Flores, Elena",
           ACOMPANANTE: "Ticona Ramos, Víctor"}
UGEL_ESP = {"X-Usuario": "esp", "X-Rol": "especialista_ugel", "X-Dre": "DRE-PUNO", "X-Ugel": "UGEL-EL-COLLAO"}


def texto(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


async def test_el_acta_del_gia_con_asistencia_y_acuerdos(make_settings):
    app = create_app(make_settings(EvidenciasSettings))
    async with serving(app) as http:
        ev = app.state.evidencias
        for docente in (ROSA, LUIS, ELENA):
            ev.conocer_plan({"plan_id": _id(f"plan-{docente}"), "docente_id": docente, "acompanante_id": ACOMPANANTE,
                             "anio": 2021, "etapa": 2, "modalidad": "externa", "tipo_ie": "polidocente_inicial",
                             "nivel": "inicial", "codigo_modular": "0236885", "anexo": 0, "dre": "DRE-PUNO",
                             "ugel": "UGEL-EL-COLLAO"})
        ev.conocer_reunion({
            "actividad_id": GIA_ID, "tipo": "gia", "acompanante_id": ACOMPANANTE, "directivo_id": None, "anio": 2021,
            "fecha": "2021-04-20", "hora_inicio": "15:00", "hora_fin": "18:00", "horas": 3.0,
            "docentes": [ROSA, LUIS, ELENA], "tema": "Retroalimentación por descubrimiento", "acuerdos": [],
            "codigo_modular": "0236885", "anexo": 0, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"})
        # When its acompañante records the acta: Rosa and Luis present, Elena absent with justification
        r = await http.post(f"/v1/reuniones/{GIA_ID}/acta", headers={"X-Usuario": ACOMPANANTE, "X-Rol": "acompanante"},
                            json={"autor_id": ACOMPANANTE, **acta(
                                {ROSA: "presente", LUIS: "presente", ELENA: "justificado"}, GIA,
                                nudos_criticos=["Poco tiempo para planificar en equipo"])})
        assert r.status_code == 201, r.text

        # Then the printed acta (with the names its caller supplies) shows the meeting, each one's
        # attendance, the agreements and the checklist
        r = await http.post(f"/v1/reuniones/{GIA_ID}/acta.pdf", headers=UGEL_ESP,
                            json={"nombres": NOMBRES, "ie": "IEI N°246 Mi Segundo Hogar"})
        assert (r.status_code, r.headers["content-type"]) == (200, "application/pdf")
        leido = texto(r.content)
        assert "Acta del Grupo de Interaprendizaje (GIA)" in leido
        assert "IEI N°246 Mi Segundo Hogar" in leido and "20/04/2021" in leido and "15:00 a 18:00 (3 h)" in leido
        assert "Ticona Ramos, Víctor" in leido  # who led it
        for nombre, asistencia in (("Quispe Mamani, Rosa", "Asistió"), ("Condori Apaza, Luis", "Asistió"),
                                   ("Huanca Flores, Elena", "Inasistencia justificada")):
            lineas = [x.strip() for x in leido.splitlines()]
            assert lineas[lineas.index(nombre) + 1] == asistencia, (nombre, lineas)  # its row: name, then attendance
        assert "Asistieron 2 de 3 docentes convocados." in leido
        assert "1. Planificar juntos la unidad 3" in leido and "1. Poco tiempo para planificar en equipo" in leido
        assert "Lista de cotejo LC-GIA (versión 1)" in leido
        # and names are never ids: without names (GET) each line is left blank to write the name and sign
        r = await http.get(f"/v1/reuniones/{GIA_ID}/acta.pdf", headers=UGEL_ESP)
        assert r.status_code == 200, r.text
        sin_nombres = texto(r.content)
        assert "Asistieron 2 de 3 docentes convocados." in sin_nombres
        assert not any(i in sin_nombres for i in (ROSA, LUIS, ELENA, "Quispe"))
        assert sin_nombres.count("_" * 38) == 3 + 1  # the three docentes and who led it
        # and another UGEL does not see it
        otra = {**UGEL_ESP, "X-Dre": "DRE-CUSCO", "X-Ugel": "UGEL-CANCHIS"}
        assert (await http.get(f"/v1/reuniones/{GIA_ID}/acta.pdf", headers=otra)).status_code == 404


async def test_la_ficha_de_observacion_en_blanco_para_el_aula_sin_dispositivo(make_settings):
    app = create_app(make_settings(EvidenciasSettings))
    async with serving(app) as http:
        instrumento = (await http.get("/v1/instrumentos/FICHA-AULA/1", headers=UGEL_ESP)).json()
        # When the blank form is asked for
        r = await http.get("/v1/instrumentos/FICHA-AULA/1/ficha.pdf", headers=UGEL_ESP)
        assert (r.status_code, r.headers["content-type"]) == (200, "application/pdf")
        leido = " ".join(texto(r.content).split())
        # Then it has the header to fill, and every desempeño with its four levels, descriptors and evidence room
        for campo in ("Institución educativa", "Docente", "Grado y sección", "Área curricular", "Fecha",
                      "Observador(a)"):
            assert campo in leido, campo
        for item in instrumento["items"]:
            assert f"{item['clave']}. {' '.join(item['titulo'].split())}" in leido
            for nivel in item["niveles"]:
                assert " ".join(nivel["descriptor"].split()) in leido, (item["clave"], nivel["codigo"])
        assert leido.count("[ ] Nivel IV") == len(instrumento["items"])
        assert leido.count("Evidencia") >= len(instrumento["items"])


@pytest.mark.parametrize("codigo", ["LC-GIA", "LC-RTC", "AUTOEVAL-ACOMP"])
async def test_la_lista_de_cotejo_en_blanco_con_sus_tres_respuestas(make_settings, codigo):
    app = create_app(make_settings(EvidenciasSettings))
    async with serving(app) as http:
        instrumento = (await http.get(f"/v1/instrumentos/{codigo}/1", headers=UGEL_ESP)).json()
        # When the blank checklist (items answered sí / no / no aplica, no levels) is asked for
        r = await http.get(f"/v1/instrumentos/{codigo}/1/ficha.pdf", headers=UGEL_ESP)
        assert (r.status_code, r.headers["content-type"]) == (200, "application/pdf"), r.text
        leido = " ".join(texto(r.content).split())
        # Then it has its title, every item, and the three answers to mark for each
        assert " ".join(instrumento["titulo"].split()) in leido
        for item in instrumento["items"]:
            assert f"{item['clave']}. {' '.join(item['titulo'].split())}" in leido, item["clave"]
        assert leido.count("[ ] Sí") == leido.count("[ ] No aplica") == len(instrumento["items"])
        assert "Nivel" not in leido
