"""The "visita entre pares" of the IEI N°246's plan (seed 002: "se implementará a través de tres formas de
intervención: Visitas al aula, visita entre pares"), through the HTTP API only: the directora organises it
in her school's internal plan, a docente of the school observes a colleague's class on a school day; the
internal plans' fulfilment and the informe de ejecución count it; a re-send records nothing new; a docente
of another school is refused with the field and the reason; only the school's directivo or its UGEL
records it; and a plain nats-py subscriber reads the fact.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from tests.conftest import eventually, serving
from tests.e2e.test_plan_monitoreo_ie import (COMO_DIRECTORA, plan_aprobado, DIRECTORA, DOCENTES, IE, en_el_padron, hechos,
                                              plan_2024, texto)

ESPECIALISTA = {"X-Usuario": "esp-collao", "X-Rol": "especialista_ugel", "X-Dre": "DRE-PUNO",
                "X-Ugel": "UGEL-EL-COLLAO"}


def visita_par(visitante: str, visitado: str, fecha: str = "2024-06-18") -> dict[str, str]:
    return {"visita_id": str(uuid.uuid4()), "docente_visitante_id": visitante,
            "docente_visitado_id": visitado, "fecha": fecha}


async def cumplimiento(agenda: Any, nivel: str, fecha: str = "2024-06-30") -> list[dict[str, Any]]:
    r = await agenda.get("/v1/cumplimiento", headers=COMO_DIRECTORA,
                         params={"anio": 2024, "nivel": nivel, "fecha": fecha})
    assert r.status_code == 200, r.text
    return r.json()["filas"]


async def test_la_directora_registra_una_visita_entre_pares_y_cuenta(make_settings, nats_server):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    async with serving(agenda_http) as agenda:
        # Given the school's plan in force, with its 11 docentes
        pid = await plan_aprobado(agenda)
        ruta = f"/v1/planes-monitoreo/{pid}/visitas-entre-pares"
        # (before anything is recorded, the internal plans' rows count no peer visit)
        [fila] = await cumplimiento(agenda, "ie")
        assert (fila["visitas_entre_pares_recibidas"], fila["visitas_entre_pares_hechas"]) == (0, 0)

        # When the directora records that the 5 años A docente observed the 4 años A docente's class on 18/06
        visitante, visitado = DOCENTES[0], DOCENTES[4]
        visita = visita_par(visitante, visitado)
        r = await agenda.post(ruta, json=visita, headers=COMO_DIRECTORA)
        assert (r.status_code, r.json()["estado"]) == (201, "registrado"), r.text
        assert r.json()["id"] == visita["visita_id"]

        # Then the plan shows it, and the fulfilment of the internal plans counts it: the observed docente
        # received one, the visiting docente made one, the IE had one; before its day, none
        vista = (await agenda.get(f"/v1/planes-monitoreo/{pid}", headers=COMO_DIRECTORA)).json()
        assert vista["visitas_entre_pares"] == [{
            "visita_id": visita["visita_id"], "docente_visitante_id": visitante,
            "docente_visitado_id": visitado, "fecha": "2024-06-18"}]
        por_docente = {f["docente_id"]: f for f in await cumplimiento(agenda, "docente")}
        assert (por_docente[visitado]["visitas_entre_pares_recibidas"],
                por_docente[visitado]["visitas_entre_pares_hechas"]) == (1, 0)
        assert (por_docente[visitante]["visitas_entre_pares_recibidas"],
                por_docente[visitante]["visitas_entre_pares_hechas"]) == (0, 1)
        assert sum(f["visitas_entre_pares_recibidas"] for f in por_docente.values()) == 1
        [fila] = await cumplimiento(agenda, "ie")
        assert (fila["ie"], fila["visitas_entre_pares_recibidas"],
                fila["visitas_entre_pares_hechas"]) == (IE, 1, 1)
        [antes] = await cumplimiento(agenda, "ie", fecha="2024-06-17")
        assert antes["visitas_entre_pares_recibidas"] == 0
        # and a peer visit is not a visit to the classroom by the directora: those stay as they were
        assert (fila["visitas_realizado"], fila["visitas_planificado"]) == (0, 33)

        # When the device re-sends it (its answer was lost)
        r = await agenda.post(ruta, json=visita, headers=COMO_DIRECTORA)
        # Then it is already recorded, and nothing new is counted
        assert (r.status_code, r.json()["estado"]) == (200, "ya_registrado"), r.text
        [fila] = await cumplimiento(agenda, "ie")
        assert fila["visitas_entre_pares_recibidas"] == 1
        # but the same id with other data is a conflict
        r = await agenda.post(ruta, json={**visita, "fecha": "2024-06-19"}, headers=COMO_DIRECTORA)
        assert r.status_code == 409 and "otros datos" in r.json()["mensaje"], r.text

        # When her UGEL's specialist records another one for the school, in September
        setiembre = visita_par(DOCENTES[4], DOCENTES[0], "2024-09-10")
        r = await agenda.post(ruta, json=setiembre, headers=ESPECIALISTA)
        assert r.status_code == 201, r.text

        # Then the December informe de ejecución counts both, and its PDF says so
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/socializacion", headers=COMO_DIRECTORA,
                              json={"fecha": "2024-04-22", "medio": "Reunión de docentes"})
        assert r.status_code == 201, r.text
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/ejecucion", headers=COMO_DIRECTORA, json={
            "fecha": "2024-12-13", "logros": "Visitas entre pares en junio y setiembre."})
        assert r.status_code == 201, r.text
        ejecucion = r.json()["ejecucion"]
        assert (ejecucion["visitas_entre_pares"], ejecucion["visitas_realizadas"]) == (2, 0)
        informe = await agenda.get(f"/v1/planes-monitoreo/{pid}/informe.pdf", params={"fecha": "2024-12-13"},
                                   headers=COMO_DIRECTORA)
        assert "Visitas entre pares realizadas: 2." in texto(informe.content)
        # and once the informe is filed, no new peer visit enters the plan; a re-send is still recognised
        tarde = await agenda.post(ruta, json=visita_par(DOCENTES[1], DOCENTES[2], "2024-12-16"),
                                  headers=COMO_DIRECTORA)
        assert tarde.status_code == 409 and "informe de ejecución" in tarde.json()["mensaje"], tarde.text
        assert (await agenda.post(ruta, json=visita, headers=COMO_DIRECTORA)).status_code == 200

        # and a plain nats-py subscriber reads each peer visit once, in the school's territory
        async def publicadas():
            territorio = "acompana.agenda.*.v1.DRE-PUNO.UGEL-EL-COLLAO"
            leidas = [d for t, d in await hechos(nats_server.url, territorio)
                      if t == "VisitaEntreParesRealizada"]
            assert len(leidas) == 2, leidas
            return leidas
        primera = (await eventually(publicadas))[0]
        assert (primera["visita_id"], primera["docente_visitante_id"], primera["docente_visitado_id"],
                primera["fecha"], primera["plan_ie_id"], primera["codigo_modular"]) == (
            visita["visita_id"], visitante, visitado, "2024-06-18", pid, "0236885")


async def test_una_visita_entre_pares_es_entre_docentes_de_la_ie(make_settings):
    """Both docentes must be the school's, as the padrón registers them: one of another school, or one the
    padrón does not know, is refused 422 on the field that names him, with the reason."""
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    de_otra_ie, desconocido = str(uuid.uuid4()), str(uuid.uuid4())
    en_el_padron(agenda_http, [de_otra_ie], codigo_modular="0573436")  # the IES Miguel Grau nearby
    async with serving(agenda_http) as agenda:
        ruta = f"/v1/planes-monitoreo/{await plan_aprobado(agenda)}/visitas-entre-pares"

        # When a docente of the other school is named as the visited, or an unknown one as the visitor
        for cuerpo, campo, motivo in (
                (visita_par(DOCENTES[0], de_otra_ie), "docente_visitado_id",
                 f"el docente {de_otra_ie} es de la IE 0573436-0"),
                (visita_par(desconocido, DOCENTES[0]), "docente_visitante_id",
                 f"el docente {desconocido} no figura en el padrón")):
            r = await agenda.post(ruta, json=cuerpo, headers=COMO_DIRECTORA)
            # Then 422 on that field, naming him and why
            assert (r.status_code, r.json().get("codigo")) == (422, "solicitud_invalida"), r.text
            [error] = r.json()["errores"]
            assert error["campo"] == f"body.{campo}" and motivo in error["motivo"], error
            assert f"registra en la IE {IE}" in error["motivo"], error

        # and a docente cannot visit his own class, nor on a Saturday
        r = await agenda.post(ruta, json=visita_par(DOCENTES[0], DOCENTES[0]), headers=COMO_DIRECTORA)
        assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "body.docente_visitado_id", r.text
        sabado = visita_par(DOCENTES[0], DOCENTES[1], "2024-06-15")
        r = await agenda.post(ruta, json=sabado, headers=COMO_DIRECTORA)
        assert r.status_code == 422 and "día lectivo" in r.json()["mensaje"], r.text
        # and nothing was recorded
        [fila] = await cumplimiento(agenda, "ie")
        assert fila["visitas_entre_pares_recibidas"] == 0


async def test_solo_el_directivo_de_la_ie_o_su_ugel_registran_la_visita_entre_pares(make_settings):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    async with serving(agenda_http) as agenda:
        ruta = f"/v1/planes-monitoreo/{await plan_aprobado(agenda)}/visitas-entre-pares"
        cuerpo = visita_par(DOCENTES[0], DOCENTES[1])
        # When an acompañante of the UGEL tries it: not his role (403)
        acompanante = {"X-Usuario": str(uuid.uuid4()), "X-Rol": "acompanante", "X-Dre": "DRE-PUNO",
                       "X-Ugel": "UGEL-EL-COLLAO"}
        r = await agenda.post(ruta, json=cuerpo, headers=acompanante)
        assert (r.status_code, r.json()["codigo"]) == (403, "prohibido"), r.text
        # and another school's directivo: not his school (404, as for a plan that does not exist)
        otro = {**COMO_DIRECTORA, "X-Usuario": str(uuid.uuid4()), "X-Ie": "0573436-0"}
        r = await agenda.post(ruta, json=cuerpo, headers=otro)
        assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado"), r.text
        # Then nothing was recorded
        [fila] = await cumplimiento(agenda, "ie")
        assert fila["visitas_entre_pares_recibidas"] == 0
        # But the school's own directora records it
        assert (await agenda.post(ruta, json=cuerpo, headers=COMO_DIRECTORA)).status_code == 201
        vista = (await agenda.get(ruta.rsplit("/", 1)[0], headers=COMO_DIRECTORA)).json()
        assert (vista["plan"]["directivo_id"], len(vista["visitas_entre_pares"])) == (DIRECTORA, 1)


async def test_antes_de_aprobado_el_plan_no_admite_visitas_entre_pares(make_settings):
    agenda_http = agenda_app(make_settings(AgendaSettings))
    en_el_padron(agenda_http)
    async with serving(agenda_http) as agenda:
        r = await agenda.post(f"/v1/instituciones/{IE}/planes-monitoreo", json=plan_2024(),
                              headers=COMO_DIRECTORA)
        pid = r.json()["plan_ie_id"]
        r = await agenda.post(f"/v1/planes-monitoreo/{pid}/visitas-entre-pares",
                              json=visita_par(DOCENTES[0], DOCENTES[1]), headers=COMO_DIRECTORA)
        assert r.status_code == 409 and "una vez aprobado" in r.json()["mensaje"], r.text
