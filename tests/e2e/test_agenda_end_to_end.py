"""agenda for real: focalizacion's assignments arrive over NATS and become yearly plans; a
coach's device that was offline for days sends its queue three times and nothing is twinned."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from tests.conftest import eventually, serving
from tests.integration.test_focalizacion_carteras import mundo
from tests.support.padron import focalizar
from tests.support.stream import published_ids
from tests.support.world import asignar


async def test_docente_asignado_genera_su_plan_anual(make_settings, js):
    padron = mundo()
    agenda_http = agenda_app(make_settings(AgendaSettings))
    async with serving(focalizacion_app(make_settings(FocalizacionSettings))) as foc, serving(agenda_http) as agenda:
        # Given focalizacion targets and assigns 55 docentes of polidocente primaria schools in 2020
        _, asignados = await focalizar(foc, padron)
        assert asignados == 55

        # Then agenda, fed only by the stream, holds a plan of NT-026 for each of them
        async def planes() -> list[dict]:
            filas = (await agenda.get("/v1/planes", params={"anio": 2020})).json()
            return filas if len(filas) == 55 else []

        filas = await eventually(planes, timeout=60)
        assert {(f["protocolo"], f["etapa"], f["tipo_ie"], f["modalidad"]) for f in filas} == {
            ("NT-026@1", 1, "polidocente_primaria", "externa")}
        plan = filas[0]["plan"]["componentes"]
        assert (sum(g["cantidad"] for g in plan["visitas"]["grupos"]), plan["visitas"]["dias_total"],
                plan["gia"]["cantidad"], plan["rtc"]["cantidad"]) == (7, 8, 4, 2)

        # And retiring a docente in focalizacion closes his plan in agenda
        docente = filas[0]["docente_id"]
        r = await foc.post(f"/v1/convocatorias/2020-2022/docentes/{docente}/retiro", json={"motivo": "Licencia"})
        assert r.status_code == 200, r.text

        async def cerrado() -> bool:
            r = await agenda.get(f"/v1/docentes/{docente}/planes")
            assert r.status_code == 200, r.text
            return r.json()[0]["activo"] is False

        await eventually(cerrado)

        # And the stream carries agenda's facts: a PlanAnualGenerado v1 per docente and the closed one
        async def publicados() -> bool:
            return sum(1 for i in await published_ids(js) if i.startswith("agenda:")) >= 56

        await eventually(publicados)
    ids = await published_ids(js)
    assert sum(1 for i in ids if i.startswith("agenda:")) == 56  # 55 plans and one closed, each once


def lote_de_un_dispositivo(docentes: list[str]) -> list[dict]:
    """Weeks offline: visits scheduled and done, a GIA moved, some visits cancelled, and one record
    the norm refuses (a 3-hour GIA on a visit day). Six one-day visits per docente: the most his
    year's mix allows (NT-026 §5.6.3 c, primaria: "una visita de dos días y seis visitas de un día")."""
    items, dia = [], date(2021, 5, 3)
    for i, docente in enumerate(docentes * 6):
        while dia.weekday() >= 5:
            dia += timedelta(days=1)
        visita = str(uuid.uuid5(uuid.NAMESPACE_URL, f"lote/visita/{i}"))
        fecha = dia.isoformat()
        items.append({"operacion": "programar_visita", "datos": {"visita_id": visita, "docente_id": docente,
                                                                  "fecha_inicio": fecha, "fecha_fin": fecha}})
        if i % 9 == 4:
            items.append({"operacion": "cancelar", "actividad_id": visita, "datos": {"motivo": "Huaico en la vía"}})
        else:
            items.append({"operacion": "visita_realizada", "datos": {
                "visita_id": visita, "docente_id": docente, "fecha_inicio": fecha, "fecha_fin": fecha,
                "acciones": ["observacion", "asesoria", "retroalimentacion"]}})
        dia += timedelta(days=1)
    gia = str(uuid.uuid5(uuid.NAMESPACE_URL, "lote/gia"))
    items += [
        {"operacion": "programar_gia", "datos": {"actividad_id": gia, "codigo_modular": "0236885", "fecha": "2021-09-01",
                                                 "hora_inicio": "15:00", "hora_fin": "18:00"}},
        {"operacion": "reprogramar", "actividad_id": gia, "datos": {"fecha": "2021-09-03", "motivo": "Feriado local"}},
        {"operacion": "gia_completado", "datos": {
            "actividad_id": gia, "codigo_modular": "0236885", "fecha": "2021-09-03", "hora_inicio": "15:00",
            "hora_fin": "18:30", "participantes": docentes, "tema": "Evaluación formativa",
            "acuerdos": ["Usar rúbricas en la próxima unidad"]}},
        {"operacion": "programar_gia", "datos": {"actividad_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "lote/gia-mal")),
                                                 "codigo_modular": "0236885", "fecha": "2021-05-03",
                                                 "hora_inicio": "15:00", "hora_fin": "18:00"}},
    ]
    return items


async def test_lote_sin_conexion_enviado_tres_veces_deja_un_registro_de_cada_uno(make_settings, js):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        # Given an acompañante with eight docentes in IE 0236885 in 2021
        acompanante = str(uuid.uuid4())
        docentes = [str(uuid.uuid4()) for _ in range(8)]
        for docente in docentes:
            asignar(app.state.agenda, docente, acompanante)
        lote = {"items": lote_de_un_dispositivo(docentes)}
        assert len(lote["items"]) > 80

        # When the device sends its queue, loses the answer, and sends it twice more
        respuestas = []
        for _ in range(3):
            r = await agenda.post(f"/v1/acompanantes/{acompanante}/lote", json=lote)
            assert r.status_code == 200, r.text
            respuestas.append(r.json())
        store = app.state.runtime.app
        eventos = store.recorder.max_notification_id()

        # Then the first answer registered every valid item and refused the GIA on a visit day
        primero = respuestas[0]
        assert len(primero) == len(lote["items"])
        rechazados = [x for x in primero if x["estado"] == "rechazado"]
        assert len(rechazados) == 1 and rechazados[0]["codigo"] == 422
        assert "día distinto al periodo de visitas" in rechazados[0]["motivo"]
        assert all(x["estado"] == "registrado" for x in primero if x["estado"] != "rechazado")
        # And the re-sends registered nothing new, item by item
        for otra in respuestas[1:]:
            assert [x["estado"] for x in otra] == ["rechazado" if x["estado"] == "rechazado" else "ya_registrado"
                                                   for x in primero]
        # And the agenda holds exactly one record of each item
        actividades = (await agenda.get(f"/v1/acompanantes/{acompanante}/agenda", params={"anio": 2021})).json()
        visitas = [a for a in actividades if a["tipo"] == "visita"]
        assert len(visitas) == 48
        assert sum(1 for a in visitas if a["estado"] == "cancelada") == sum(1 for i in range(48) if i % 9 == 4)
        gia = [a for a in actividades if a["tipo"] == "gia"]
        assert [(g["estado"], g["fecha_inicio"], [p["evento"] for p in g["historial"]]) for g in gia] == [
            ("realizada", "2021-09-03", ["programada", "reprogramada", "realizada"])]
        assert store.recorder.max_notification_id() == eventos
        r = await agenda.post(f"/v1/acompanantes/{acompanante}/lote", json=lote)
        assert store.recorder.max_notification_id() == eventos

        # And fulfilment counts each delivered visit once
        c = (await agenda.get(f"/v1/docentes/{docentes[0]}/cumplimiento",
                              params={"anio": 2021, "fecha": "2021-12-31"})).json()
        assert c["visitas_realizado"] == sum(1 for i in range(0, 48, 8) if i % 9 != 4)
        assert c["gia_realizado"] == 1

        # And each published fact travelled once
        ids = await eventually(lambda: _todos(js, store))
        assert len(ids) == len(set(ids))


async def _todos(js, store) -> list[str] | None:
    from services.agenda.messaging import Publicador

    publicador = Publicador(store)
    esperados = [f"agenda:{n.id}" for n in store.recorder.select_notifications(0, 100_000)
                 if publicador(store.mapper.to_domain_event(n)) is not None]
    ids = await published_ids(js)
    return ids if ids == esperados else None


async def test_ics_y_csv_por_http(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        acompanante, docente = str(uuid.uuid4()), str(uuid.uuid4())
        asignar(app.state.agenda, docente, acompanante)
        r = await agenda.post(f"/v1/acompanantes/{acompanante}/visitas", json={
            "visita_id": str(uuid.uuid4()), "docente_id": docente, "fecha_inicio": "2021-04-05",
            "fecha_fin": "2021-04-06"})
        assert r.status_code == 201, r.text
        ics = await agenda.get(f"/v1/acompanantes/{acompanante}/agenda.ics")
        assert ics.headers["content-type"].startswith("text/calendar")
        assert ics.text.count("BEGIN:VEVENT") == 1
        planes = await agenda.get("/v1/planes.csv", params={"anio": 2021})
        assert planes.headers["content-type"].startswith("text/csv")
        assert docente in planes.text
        cumplimiento = await agenda.get("/v1/cumplimiento.csv", params={"anio": 2021, "nivel": "acompanante",
                                                                       "fecha": "2021-12-31"})
        assert acompanante in cumplimiento.text


async def test_un_lote_no_cancela_la_actividad_de_otro_acompanante(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        a, b, da, db = (str(uuid.uuid4()) for _ in range(4))
        asignar(app.state.agenda, da, a)
        asignar(app.state.agenda, db, b)
        visita_b = str(uuid.uuid4())
        r = await agenda.post(f"/v1/acompanantes/{b}/visitas", json={
            "visita_id": visita_b, "docente_id": db, "fecha_inicio": "2021-04-05", "fecha_fin": "2021-04-05"})
        assert r.status_code == 201
        r = await agenda.post(f"/v1/acompanantes/{a}/lote", json={"items": [
            {"operacion": "cancelar", "actividad_id": visita_b, "datos": {"motivo": "No es mía"}}]})
        assert [(x["estado"], x["codigo"]) for x in r.json()] == [("rechazado", 409)]
        assert (await agenda.get(f"/v1/actividades/{visita_b}")).json()["estado"] == "programada"
