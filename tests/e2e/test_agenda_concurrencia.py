"""Many devices of one acompañante writing to his agenda at the same moment (issue 19, the bug):
every request is answered without a server error, a lost race is retried inside the service
(not handed back as 409), and every accepted command is recorded exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import date, timedelta

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from tests.conftest import serving
from tests.support.world import asignar


def dias_habiles(desde: date, n: int) -> list[str]:
    dias, dia = [], desde
    while len(dias) < n:
        if dia.weekday() < 5:
            dias.append(dia.isoformat())
        dia += timedelta(days=1)
    return dias


async def test_comandos_concurrentes_sobre_una_agenda_sin_errores_y_cada_uno_una_vez(make_settings):
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        # Given an acompañante with sixteen docentes, and a first visit to each already on his agenda
        acompanante = str(uuid.uuid4())
        docentes = [str(uuid.uuid4()) for _ in range(16)]
        for docente in docentes:
            asignar(app.state.agenda, docente, acompanante)
        dias = dias_habiles(date(2021, 4, 5), 80)
        for i, dia in enumerate(dias[:16]):
            r = await agenda.post(f"/v1/acompanantes/{acompanante}/visitas", json={
                "visita_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"concurrencia/previa/{i}")),
                "docente_id": docentes[i], "fecha_inicio": dia, "fecha_fin": dia})
            assert r.status_code == 201, r.text

        # When 64 more visits (four per docente, within his protocol) are scheduled and realized at once,
        # each of them sent twice at the same moment
        visitas = {str(uuid.uuid5(uuid.NAMESPACE_URL, f"concurrencia/{i}")): (docentes[i % 16], dia)
                   for i, dia in enumerate(dias[16:80])}

        async def programar(visita: str) -> tuple[str, int, str]:
            docente, dia = visitas[visita]
            r = await agenda.post(f"/v1/acompanantes/{acompanante}/visitas", json={
                "visita_id": visita, "docente_id": docente, "fecha_inicio": dia, "fecha_fin": dia})
            return visita, r.status_code, r.text

        async def realizar(visita: str) -> tuple[str, int, str]:
            docente, dia = visitas[visita]
            r = await agenda.post("/v1/visitas-realizadas", json={
                "visita_id": visita, "docente_id": docente, "acompanante_id": acompanante, "fecha_inicio": dia,
                "fecha_fin": dia, "acciones": ["observacion", "asesoria"]})
            return visita, r.status_code, r.text

        programadas = await asyncio.gather(*(programar(v) for v in [*visitas, *visitas]))
        realizadas = await asyncio.gather(*(realizar(v) for v in [*visitas, *visitas]))

        # Then no request failed: each visit was registered once and its twin answered "already registered"
        for respuestas in (programadas, realizadas):
            assert [(c, t) for _, c, t in respuestas if c not in (200, 201)] == []
            assert Counter(c for _, c, _ in respuestas) == Counter({201: 64, 200: 64})
            assert {v for v, c, _ in respuestas if c == 201} == set(visitas)

        # And the agenda holds each visit once, realized, with its history in order
        actividades = (await agenda.get(f"/v1/acompanantes/{acompanante}/agenda", params={"anio": 2021})).json()
        nuevas = [a for a in actividades if a["actividad_id"] in visitas]
        assert len(nuevas) == 64 and {a["estado"] for a in nuevas} == {"realizada"}
        assert {tuple(p["evento"] for p in a["historial"]) for a in nuevas} == {("programada", "realizada")}
        # And the store recorded each command once: one scheduling and one delivery per visit
        store = app.state.runtime.app
        nombres = Counter(type(store.mapper.to_domain_event(n)).__qualname__
                          for n in store.recorder.select_notifications(0, 100_000))
        assert nombres["AgendaAcompanante.ActividadProgramada"] == 80
        assert nombres["AgendaAcompanante.VisitaRealizada"] == 64
