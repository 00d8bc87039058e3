"""Who may see and do what: every role against every route of every service, with ids swapped
between territories (``shared.autorizacion`` and each service's ``acceso`` module).

Two territories, A (DRE Puno, UGEL El Collao, IE 0236885-0) and B (DRE Cusco, UGEL Canchis,
IE 0555555-0), each with a docente held by an acompañante. Each service under test knows both (as
its consumers would have learnt them). For every route and role:

- a role the route does not admit gets 403 ``prohibido``, whatever the ids;
- a role it admits, calling from A about A's objects, is let through (whatever the route answers
  next, it is not the policy's refusal, nor 401, nor a 5xx);
- the same role from territory B, about A's objects (path ids, body ids, or a list filter naming A),
  gets 404 ``no_encontrado``: the same answer as for an id that does not exist;
- coaching evidence (``formativo``) is refused to the directivo with its own reason: purpose separation
  (a ministry policy), except what he recorded himself in his school's internal plan.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from services.agenda.config import AgendaSettings
from services.agenda.domainmodel import plan_ie_id
from services.agenda.main import create_app as agenda_app
from services.agenda.valores import DocenteEnIE
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from shared import contracts as c
from shared.autenticacion import ROLES
from shared.autorizacion import NACIONALES, Politica, rutas
from shared.http import PUBLICAS
from tests.conftest import serving
from tests.support.evaluacion import Bombeo, plan
from tests.integration.test_evidencias_reglas import compromiso, compromiso_de, ficha, observacion_de
from tests.support.world import asignar

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)  # a policy, not a store, is tested


def _id(texto: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"autorizacion/{texto}"))


@dataclass(frozen=True)
class Lugar:
    nombre: str
    dre: str
    ugel: str
    codigo_modular: str
    docente: str
    acompanante: str
    visita: str
    reunion: str  # in agenda, a programmed visit; in evidencias, a GIA
    compromiso: str

    @property
    def ie(self) -> str:
        return f"{self.codigo_modular}-0"


A = Lugar("A", "DRE-PUNO", "UGEL-EL-COLLAO", "0236885", _id("docente-a"), _id("acompanante-a"), _id("visita-a"),
          _id("reunion-a"), _id("compromiso-a"))
B = Lugar("B", "DRE-CUSCO", "UGEL-CANCHIS", "0555555", _id("docente-b"), _id("acompanante-b"), _id("visita-b"),
          _id("reunion-b"), _id("compromiso-b"))


def identidad(rol: str, lugar: Lugar) -> dict[str, str]:
    usuario = {"acompanante": lugar.acompanante, "docente": lugar.docente}.get(rol, f"{rol}-{lugar.nombre}")
    return {"X-Usuario": usuario, "X-Rol": rol, "X-Dre": lugar.dre, "X-Ugel": lugar.ugel, "X-Ie": lugar.ie}


def parametros(lugar: Lugar) -> dict[str, str]:
    """A value for every path parameter of every route, naming the objects of ``lugar``."""
    return {"docente_id": lugar.docente, "acompanante_id": lugar.acompanante, "visita_id": lugar.visita,
            "actividad_id": lugar.reunion, "compromiso_id": lugar.compromiso, "observacion_id": _id("observacion"),
            "codigo_modular": lugar.codigo_modular, "anexo": "0", "ugel": lugar.ugel, "convocatoria": "2020-2022",
            "formato": "csv", "codigo": "FICHA-AULA", "version": "1", "sha256": "0" * 64, "nombre": "ninguna",
            "secuencia": "1", "anio": "2021", "medida_id": _id("medida"), "ie": lugar.ie,
            "plan_ie_id": str(plan_ie_id(lugar.ie, 2024))}


def cuerpo(lugar: Lugar) -> dict[str, Any]:
    """Every body field a rule reads an object from, naming ``lugar``'s (the rest of the body is missing: 422)."""
    return {"docente_id": lugar.docente, "acompanante_id": lugar.acompanante, "a_acompanante_id": lugar.acompanante,
            "persona_id": lugar.docente, "ambito": f"UGEL:{lugar.ugel}"}


def ruta(plantilla: str, lugar: Lugar) -> str:
    valores = parametros(lugar)
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: valores[m.group(1)], plantilla)


def es_rechazo_de_politica(r: Any) -> bool:
    return r.status_code == 403 and r.json().get("codigo") == "prohibido" and (
        r.json()["mensaje"].startswith("El rol") or "formativa" in r.json()["mensaje"]
        or "no tiene una regla" in r.json()["mensaje"])


def es_fuera_de_ambito(r: Any) -> bool:
    return r.status_code == 404 and r.json().get("mensaje") == "No existe o no está en su ámbito."


# Roles admitted by a route whose objects, as the test names them, are not theirs even in A:
# a survey is answered by its respondent only (the body names A's docente, not the acompañante).
FUERA_PROPIO: dict[str, tuple[str, ...]] = {
    "POST /v1/encuestas": ("acompanante",),
    # In the internal modality the directivo observes on his own agenda (his id in the path or body) and
    # writes what his own visits left: the external acompañante's agenda and visits stay out of his reach.
    **{ruta: ("directivo",) for ruta in (
        "GET /v1/acompanantes/{acompanante_id}/agenda", "GET /v1/acompanantes/{acompanante_id}/agenda.ics",
        "POST /v1/acompanantes/{acompanante_id}/lote", "POST /v1/acompanantes/{acompanante_id}/rtc",
        "POST /v1/acompanantes/{acompanante_id}/visitas", "POST /v1/rtc-realizadas", "POST /v1/visitas-realizadas",
        "POST /v1/visitas/{visita_id}/observaciones")},
}


async def conocer(servicio: str, app: Any, http: Any) -> None:
    """Both territories, as each service's consumers would have learnt them, and a record in each."""
    for lugar in (A, B):
        if servicio == "agenda":
            asignar(app.state.agenda, lugar.docente, lugar.acompanante, codigo_modular=lugar.codigo_modular,
                    dre=lugar.dre, ugel=lugar.ugel)
            r = await http.post(f"/v1/acompanantes/{lugar.acompanante}/visitas", json={
                "visita_id": lugar.reunion, "docente_id": lugar.docente, "fecha_inicio": "2021-06-10",
                "fecha_fin": "2021-06-10"}, headers=identidad("acompanante", lugar))
            assert r.status_code == 201, r.text
            app.state.agenda.registrar_docente_ie(lugar.docente, lugar.codigo_modular, 0,  # the padrón's news
                                                  DocenteEnIE("primaria", lugar.dre, lugar.ugel))
            r = await http.post(f"/v1/instituciones/{lugar.ie}/planes-monitoreo", json={  # the school's own plan
                "anio": 2024, "dre": lugar.dre, "ugel": lugar.ugel, "protocolo": "PMA-IEI246@1",
                "directivo_id": _id(f"directivo-{lugar.nombre}"), "docentes": [{"docente_id": lugar.docente}]})
            assert r.status_code == 201, r.text
        elif servicio == "evaluacion":
            Bombeo(app.state.evaluacion, app.state.proyecciones).recibir(
                plan(lugar.docente, lugar.acompanante, 2021, codigo_modular=lugar.codigo_modular, dre=lugar.dre,
                     ugel=lugar.ugel), id_=f"agenda:plan-{lugar.nombre}")
        elif servicio == "evidencias":
            ev = app.state.evidencias
            comun = {"codigo_modular": lugar.codigo_modular, "anexo": 0, "dre": lugar.dre, "ugel": lugar.ugel}
            ev.conocer_plan({"plan_id": _id(f"plan-{lugar.nombre}"), "docente_id": lugar.docente,
                             "acompanante_id": lugar.acompanante, "anio": 2021, "etapa": 2, "modalidad": "externa",
                             "tipo_ie": "polidocente_primaria", "nivel": "primaria", **comun})
            ev.conocer_visita({"visita_id": lugar.visita, "docente_id": lugar.docente,
                               "acompanante_id": lugar.acompanante, "anio": 2021, "fecha_inicio": "2021-05-10",
                               "fecha_fin": "2021-05-10", "acciones": ["observacion"], **comun})
            ev.conocer_reunion({"actividad_id": lugar.reunion, "tipo": "gia", "acompanante_id": lugar.acompanante,
                                "directivo_id": None, "anio": 2021, "fecha": "2021-04-20", "hora_inicio": "15:00",
                                "hora_fin": "18:00", "horas": 3.0, "docentes": [lugar.docente], "tema": "Rúbricas",
                                "acuerdos": [], **comun})
            assert ev.registrar_observacion(observacion_de(lugar.visita, _id(f"observacion-{lugar.nombre}"),
                                                           lugar.acompanante, ficha(D1="II")))
            assert ev.asumir_compromiso(compromiso_de(lugar.compromiso, lugar.visita, lugar.acompanante,
                                                      compromiso("D1", "2021-06-30")))


SERVICIOS = {
    "focalizacion": (focalizacion_app, FocalizacionSettings),
    "agenda": (agenda_app, AgendaSettings),
    "evidencias": (evidencias_app, EvidenciasSettings),
    "evaluacion": (evaluacion_app, EvaluacionSettings),
}
# where the service knows A's objects (focalizacion learns docentes only from the padrón: role level only there)
CONOCE_A = {"agenda", "evidencias", "evaluacion"}


@pytest.mark.parametrize("servicio", list(SERVICIOS))
async def test_cada_rol_contra_cada_ruta_y_con_ids_de_otro_territorio(make_settings, servicio):
    crear, ajustes = SERVICIOS[servicio]
    app = crear(make_settings(ajustes, solicitudes_por_minuto=100_000))
    politica: Politica = app.state.politica
    plantillas = {(m, p) for metodos, p, *_ in rutas(app.router.routes) for m in metodos if m != "HEAD"}
    # every route has a rule; a rule names a route that exists
    sin_regla = sorted(f"{m} {p}" for m, p in plantillas if p not in PUBLICAS and f"{m} {p}" not in politica.reglas)
    assert sin_regla == []
    assert sorted(set(politica.reglas) - {f"{m} {p}" for m, p in plantillas}) == []

    fallas: list[str] = []
    vistos = {"rechazado": 0, "admitido": 0, "fuera_de_ambito": 0}
    async with serving(app) as http:
        await conocer(servicio, app, http)
        for clave, regla in sorted(politica.reglas.items()):
            metodo, plantilla = clave.split(" ", 1)

            async def llamar(rol: str, desde: Lugar, objetos: Lugar, consulta: dict[str, str] | None = None) -> Any:
                extra = {"json": cuerpo(objetos)} if metodo in ("POST", "PUT") else {}
                return await http.request(metodo, ruta(plantilla, objetos), headers=identidad(rol, desde),
                                          params=consulta or {}, **extra)

            for rol in sorted(ROLES):
                r = await llamar(rol, A, A)
                if rol not in regla.roles or (regla.formativo and rol == "directivo"):
                    vistos["rechazado"] += 1
                    if not es_rechazo_de_politica(r):
                        fallas.append(f"{clave} {rol}: debía rechazarse (403), respondió {r.status_code} {r.text[:120]}")
                    continue
                vistos["admitido"] += 1
                if es_rechazo_de_politica(r) or r.status_code in (401, 429) or r.status_code >= 500:
                    fallas.append(f"{clave} {rol} desde A sobre A: respondió {r.status_code} {r.text[:160]}")
                # nor is it told that A's own objects are out of its territory (over-denial)
                if servicio in CONOCE_A and es_fuera_de_ambito(r) and rol not in FUERA_PROPIO.get(clave, ()):
                    fallas.append(f"{clave} {rol} desde A sobre A: la política lo negó (404 de ámbito)")
                if rol in NACIONALES or servicio not in CONOCE_A:
                    continue
                # the same role from territory B, about A's objects
                if regla.objetos and any(f"{{{n}}}" in plantilla or metodo in ("POST", "PUT") for n in regla.objetos):
                    cruzado = await llamar(rol, B, A)
                    vistos["fuera_de_ambito"] += 1
                    if (cruzado.status_code, cruzado.json().get("codigo")) != (404, "no_encontrado"):
                        fallas.append(f"{clave} {rol} desde B sobre A: debía ser 404, respondió "
                                      f"{cruzado.status_code} {cruzado.text[:160]}")
                elif regla.filtros:
                    nivel = {"especialista_dre": "dre", "especialista_ugel": "ugel", "directivo": "ie",
                             "acompanante": "acompanante"}.get(rol)
                    parametro = regla.filtros.get(nivel or "")
                    if parametro:
                        valor = {"dre": A.dre, "ugel": A.ugel, "ie": A.ie,
                                 "acompanante": A.acompanante}[nivel]
                        cruzado = await llamar(rol, B, B, {parametro: valor, "anio": "2021"})
                        vistos["fuera_de_ambito"] += 1
                        if cruzado.status_code != 404:
                            fallas.append(f"{clave} {rol} desde B filtrando por A: debía ser 404, respondió "
                                          f"{cruzado.status_code} {cruzado.text[:160]}")
    assert fallas == [], "\n".join(fallas)
    assert vistos["rechazado"] > 0 and vistos["admitido"] > 0
    if servicio in CONOCE_A:
        assert vistos["fuera_de_ambito"] > 0


# What the issue specifies, written independently of the rules: each of these routes, called by the
# directivo of A's school about A's docente, is refused for its purpose.
EVIDENCIA_FORMATIVA = {
    "evidencias": ["/v1/visitas/{visita_id}", "/v1/visitas/{visita_id}/adjuntos/{sha256}",
                   "/v1/docentes/{docente_id}/preparacion", "/v1/compromisos"],
    "evaluacion": ["/v1/docentes/{docente_id}/progreso", "/v1/docentes/{docente_id}/progreso.{formato}",
                   "/v1/docentes/{docente_id}/historia"],
}


@pytest.mark.parametrize("servicio", list(EVIDENCIA_FORMATIVA))
async def test_la_evidencia_del_acompanamiento_no_la_ve_quien_evalua_la_carrera_del_docente(make_settings, servicio):
    crear, ajustes = SERVICIOS[servicio]
    app = crear(make_settings(ajustes))
    async with serving(app) as http:
        await conocer(servicio, app, http)
        for plantilla in EVIDENCIA_FORMATIVA[servicio]:
            r = await http.get(ruta(plantilla, A), headers=identidad("directivo", A))
            assert r.status_code == 403 and "formativa" in r.json()["mensaje"], (plantilla, r.text)
            # while the docente himself and his acompañante are let through
            for rol in {"/v1/docentes/{docente_id}/historia": ("docente",),
                        "/v1/compromisos": ("acompanante",)}.get(plantilla, ("docente", "acompanante")):
                r = await http.get(ruta(plantilla, A), headers=identidad(rol, A),
                                   params={"motivo": "Revisión"} if "historia" in plantilla else {})
                assert not es_rechazo_de_politica(r), (plantilla, rol, r.text)
                assert "No existe o no está en su ámbito." not in r.text, (plantilla, rol, r.text)
        # A docente's lists he reads with what he recorded himself only: not the acompañante's observation
        # and commitment (he recorded none here)
        for plantilla in LISTAS_PROPIAS.get(servicio, []):
            r = await http.get(ruta(plantilla, A), headers=identidad("directivo", A))
            assert r.status_code == 200 and not r.json(), (plantilla, r.text)
            r = await http.get(ruta(plantilla, A), headers=identidad("acompanante", A))
            assert r.status_code == 200 and r.json(), (plantilla, r.text)


# A docente's lists of evidence, which the directivo reads with only the visits he made himself
LISTAS_PROPIAS = {"evidencias": ["/v1/docentes/{docente_id}/observaciones",
                                  "/v1/docentes/{docente_id}/compromisos"]}


async def test_los_roles_de_lectura_no_escriben_y_el_docente_solo_responde_su_encuesta(make_settings):
    for servicio, (crear, ajustes) in SERVICIOS.items():
        reglas = crear(make_settings(ajustes)).state.politica.reglas
        # (a POST that only prints as PDF with the names it is given writes nothing of its own: a meeting's
        # minutes; a docente's history, whose read is recorded as the GET's is)
        escrituras = {k: r for k, r in reglas.items() if k.split()[0] in ("POST", "PUT")
                      and k not in ("POST /v1/reuniones/{actividad_id}/acta.pdf",
                                    "POST /v1/docentes/{docente_id}/historia.pdf")}
        assert escrituras
        for clave, regla in escrituras.items():
            assert "auditor" not in regla.roles or clave == "POST /v1/cadena/verificacion", clave
            assert "docente" not in regla.roles or clave == "POST /v1/encuestas", clave
            assert "minedu" not in regla.roles or clave in (
                "POST /v1/metas", "POST /v1/proyecciones/{nombre}/reconstruccion", "POST /v1/instrumentos",
                "POST /v1/acompanantes/{acompanante_id}/desempeno", "POST /v1/cadena/verificacion"), clave


async def test_cada_quien_responde_solo_su_propia_encuesta(make_settings):
    # Given evaluacion knows A's docente (his plan) and A's acompañante (incorporated), and B's
    app = evaluacion_app(make_settings(EvaluacionSettings))
    respuestas = {"pertinencia": 4, "calidad_formacion": 4, "calidad_recursos": 3, "utilidad_recursos": 5}

    def encuesta(lugar: Lugar, encuestado: str) -> dict[str, Any]:
        persona, periodo = (lugar.docente, "anual") if encuestado == "docente" else (lugar.acompanante, "semestre_1")
        return {"encuestado": encuestado, "persona_id": persona, "anio": 2021, "periodo": periodo,
                "respuestas": respuestas}

    async with serving(app) as http:
        await conocer("evaluacion", app, http)
        for lugar in (A, B):
            Bombeo(app.state.evaluacion, app.state.proyecciones).recibir(c.AcompananteIncorporadoV1(
                acompanante_id=lugar.acompanante, tipo_ie="multigrado", anio=2021, convocatoria="2020-2022",
                dre=lugar.dre, ugel=lugar.ugel), id_=f"focalizacion:incorporado-{lugar.nombre}")
        # When A's acompañante answers the survey of the docente of his caseload / Then it is not his to answer
        r = await http.post("/v1/encuestas", json=encuesta(A, "docente"), headers=identidad("acompanante", A))
        assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), r.text
        # nor does a docente answer another's, nor an acompañante's
        r = await http.post("/v1/encuestas", json=encuesta(A, "docente"), headers=identidad("docente", B))
        assert r.status_code == 404, r.text
        r = await http.post("/v1/encuestas", json=encuesta(A, "acompanante"), headers=identidad("docente", A))
        assert r.status_code == 404, r.text
        # and so the docente can still answer his own, and the acompañante his own
        r = await http.post("/v1/encuestas", json=encuesta(A, "docente"), headers=identidad("docente", A))
        assert r.status_code == 201, r.text
        r = await http.post("/v1/encuestas", json=encuesta(A, "acompanante"), headers=identidad("acompanante", A))
        assert r.status_code == 201, r.text


async def test_un_especialista_publica_protocolos_solo_para_su_territorio(make_settings):
    # Given agenda knowing both territories, and a protocol (the bundled NT-026) to adapt
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as http:
        await conocer("agenda", app, http)
        [base] = [p for p in (await http.get("/v1/protocolos", headers=identidad("administrador", A))).json()
                  if p["codigo"] == "NT-026"]

        async def publicar(rol: str, desde: Lugar, ambito: str, codigo: str) -> Any:
            return await http.post("/v1/protocolos", json={**base, "codigo": codigo, "ambito": ambito},
                                   headers=identidad(rol, desde))

        # When the especialista of A's UGEL publishes for his UGEL and for one of its schools: published
        assert (await publicar("especialista_ugel", A, f"UGEL:{A.ugel}", "P-UGEL-A")).status_code == 201
        assert (await publicar("especialista_ugel", A, f"IE:{A.ie}", "P-IE-A")).status_code == 201
        # and the especialista of A's DRE for his DRE and for a UGEL in it: published
        assert (await publicar("especialista_dre", A, f"DRE:{A.dre}", "P-DRE-A")).status_code == 201
        assert (await publicar("especialista_dre", A, f"UGEL:{A.ugel}", "P-UGEL-A2")).status_code == 201
        # But for another territory, for his own DRE (a UGEL's specialist) or for the nation: not his (404)
        for rol, ambito in (("especialista_ugel", f"UGEL:{B.ugel}"), ("especialista_ugel", f"IE:{B.ie}"),
                            ("especialista_ugel", f"DRE:{A.dre}"), ("especialista_dre", f"DRE:{B.dre}"),
                            ("especialista_dre", f"UGEL:{B.ugel}"), ("especialista_ugel", "nacional"),
                            ("especialista_dre", "nacional")):
            r = await publicar(rol, A, ambito, "P-AJENO")
            assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), (rol, ambito, r.text)
        # and a docente or an acompañante never publishes one (403)
        for rol in ("acompanante", "docente", "directivo"):
            assert (await publicar(rol, A, f"UGEL:{A.ugel}", "P-X")).status_code == 403
        publicados = {p["codigo"] for p in (await http.get("/v1/protocolos", headers=identidad("minedu", A))).json()}
        assert {"P-UGEL-A", "P-IE-A", "P-DRE-A", "P-UGEL-A2"} <= publicados and "P-AJENO" not in publicados


async def test_un_especialista_que_no_indica_el_ambito_no_publica_un_protocolo_nacional(make_settings):
    # Given agenda knowing both territories, and a protocol (the bundled NT-026) to adapt, without its ámbito
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as http:
        await conocer("agenda", app, http)
        [base] = [p for p in (await http.get("/v1/protocolos", headers=identidad("administrador", A))).json()
                  if p["codigo"] == "NT-026"]
        sin_ambito = {k: v for k, v in base.items() if k != "ambito"}

        # When a UGEL's or a DRE's especialista publishes it: refused, he must name the ámbito (422)
        for rol in ("especialista_ugel", "especialista_dre"):
            r = await http.post("/v1/protocolos", json={**sin_ambito, "codigo": f"P-SIN-AMBITO-{rol}"},
                                headers=identidad(rol, A))
            assert (r.status_code, r.json()["codigo"]) == (422, "solicitud_invalida"), (rol, r.text)
            [error] = r.json()["errores"]
            assert error["campo"] == "body.ambito" and "DRE:<código>" in error["motivo"], error

        # But the ministry may leave it out: the protocol is national
        r = await http.post("/v1/protocolos", json={**sin_ambito, "codigo": "P-NACIONAL"},
                            headers=identidad("administrador", A))
        assert r.status_code == 201 and r.json()["ambito"] == "nacional", r.text
        publicados = {p["codigo"] for p in (await http.get("/v1/protocolos", headers=identidad("minedu", A))).json()}
        assert "P-NACIONAL" in publicados and not any(c.startswith("P-SIN-AMBITO") for c in publicados)
