"""evaluacion's projections, fed live by their durable consumers, equal their rebuild from the stream."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from services.evaluacion import messaging
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from services.evaluacion.projections import Proyecciones
from shared.consumer import IdempotentConsumers
from shared.contracts import Envelope, VisitaRealizadaV1
from shared.contracts.agenda import VisitaEntreParesRealizadaV1
from shared.eslabones import Eslabones
from shared.replay import rebuild
from shared.telemetry import Telemetry
from tests.conftest import eventually, serving
from tests.support.evaluacion import plan
from tests.support.stream import consumido, consumiendo, encadenados


def visita(position: int, docente_id: uuid.UUID, dias: int = 1) -> Envelope:
    data = VisitaRealizadaV1(
        visita_id=uuid.uuid5(uuid.NAMESPACE_URL, f"visita/{position}"), docente_id=docente_id,
        acompanante_id=uuid.uuid5(uuid.NAMESPACE_URL, "acompanante"), codigo_modular="0236885", anexo=0,
        dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", anio=2025, fecha_inicio=date(2025, 6, position),
        fecha_fin=date(2025, 6, position), dias=dias, acciones=["observacion"])
    return Envelope.wrap(servicio="agenda", position=position, data=data, subject="docente/x",
                         time=datetime(2025, 6, 30, 12, tzinfo=UTC) + timedelta(seconds=position),
                         dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")


def eslabones(proyecciones: Proyecciones) -> list[tuple]:
    def consulta(conn, t):  # noqa: ANN001, ANN202
        e = t.eslabones
        return conn.execute(select(e.c.posicion, e.c.estado).order_by(e.c.posicion)).all()
    return [tuple(f) for f in proyecciones.historia.leer(consulta)]


async def test_un_hecho_que_rompe_la_cadena_queda_en_la_historia_viva_como_al_reconstruirla(
        make_settings, nats_server, js, closing):
    # Given evaluacion consuming as it runs: the history on every subject, the chain ledger of the producers
    settings = make_settings(EvaluacionSettings)
    proyecciones = closing(Proyecciones(settings))
    consumers = IdempotentConsumers(Telemetry.create("prueba"), ack_wait=5.0)
    messaging.subscribe(consumers, None, proyecciones)  # only visits arrive: none reaches the write side
    ledger = Eslabones(settings, consumers.producers("evaluacion", ("focalizacion", "agenda", "evidencias",
                                                                    "evaluacion")))
    consumers.follow_chains("evaluacion", ledger, 30.0)
    try:
        async with consumiendo(consumers, js):
            # When agenda's second visit reaches the stream changed after its link was computed
            docente = uuid.uuid4()
            uno, dos, tres = encadenados([visita(1, docente), visita(2, docente), visita(3, docente)])
            dos = replace(dos, data=visita(2, docente, dias=2).data, crudo=None)
            for env in (uno, dos, tres):
                await js.publish(env.nats_subject, env.payload(), headers=env.headers())
            await eventually(lambda: consumido(js, messaging.CONSUMIDOR))
            viva, filas_vivas = proyecciones.historia.checksum(), eslabones(proyecciones)
    finally:
        ledger.close()

    # Then the live history records it, its link broken, as a rebuild from the stream does
    await rebuild(js, [proyecciones.historia], grace=0.0)
    assert filas_vivas == [(1, "verificado"), (2, "roto"), (3, "verificado")]
    assert eslabones(proyecciones) == filas_vivas
    assert proyecciones.historia.checksum() == viva


async def test_la_suma_de_las_proyecciones_incluye_los_hechos_que_ya_estan_en_el_stream(make_settings, js):
    # Given evaluacion running
    app = create_app(make_settings(EvaluacionSettings))
    minedu = {"X-Usuario": "analista", "X-Rol": "minedu"}
    async with serving(app) as http:
        # When agenda's visits reach the stream and the projections' sums are asked for at once
        docente = uuid.uuid4()
        for env in encadenados([visita(p, docente) for p in range(1, 21)]):
            await js.publish(env.nats_subject, env.payload(), headers=env.headers())
        sumas = (await http.get("/v1/proyecciones", params={"suma": "true"}, headers=minedu)).json()

        # Then they are the sums of the projections with every visit applied, as a rebuild from the stream
        (await http.post("/v1/proyecciones/todas/reconstruccion", headers=minedu)).raise_for_status()

        async def reconstruida() -> dict | None:
            filas = (await http.get("/v1/proyecciones", headers=minedu)).json()
            ultima = filas[0].get("reconstruccion")
            return ultima if ultima and ultima["estado"] != "en_curso" else None
        ultima = await eventually(reconstruida)
    assert ultima["estado"] == "terminada"
    assert {f["proyeccion"]: f["checksum"] for f in sumas} == ultima["checksums"]
    assert all(f["al_dia"] for f in sumas)


async def test_un_hecho_que_rompe_la_cadena_no_cuenta_en_las_matrices_vivas_ni_al_reconstruirlas(
        make_settings, js):
    # Given evaluacion running
    app = create_app(make_settings(EvaluacionSettings))
    minedu = {"X-Usuario": "analista", "X-Rol": "minedu"}
    async with serving(app) as http:
        # When agenda's plan of a docente reaches the stream changed after its link was computed (another
        # acompañante), between two of his visits
        docente = uuid.uuid4()
        acompanante, otro = (str(uuid.uuid5(uuid.NAMESPACE_URL, n))
                             for n in ("acompanante", "otro-acompanante"))

        def plan_de(acompanante_id: str) -> Envelope:
            return Envelope.wrap(servicio="agenda", position=2, data=plan(str(docente), acompanante_id, 2021),
                                 subject=f"docente/{docente}", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO",
                                 time=datetime(2025, 6, 30, 12, 0, 2, tzinfo=UTC))
        uno, dos, tres = encadenados([visita(1, docente), plan_de(acompanante), visita(3, docente)])
        dos = replace(dos, data=plan_de(otro).data, crudo=None)
        for env in (uno, dos, tres):
            await js.publish(env.nats_subject, env.payload(), headers=env.headers())
        await eventually(lambda: app.state.runtime.al_dia(0.0), timeout=60.0)  # a loaded machine may be slow
        sumas = (await http.get("/v1/proyecciones", params={"suma": "true"}, headers=minedu)).json()
        aparte = {(d.consumidor, d.evento_id) for d in await app.state.runtime.consumers.dead_letters()}

        # and the projections are rebuilt from the stream
        (await http.post("/v1/proyecciones/todas/reconstruccion", headers=minedu)).raise_for_status()

        async def reconstruida() -> dict | None:
            filas = (await http.get("/v1/proyecciones", headers=minedu)).json()
            ultima = filas[0].get("reconstruccion")
            return ultima if ultima and ultima["estado"] != "en_curso" else None
        ultima = await eventually(reconstruida)
        proyecciones: Proyecciones = app.state.proyecciones
        planes = {nombre: proyecciones.leer(nombre, lambda conn, t: conn.execute(select(t.planes)).all())
                  for nombre in proyecciones.matrices}
        entregas = proyecciones.seguimiento.leer(lambda conn, t: conn.execute(select(t.entregas)).all())
        cadena = proyecciones.historia.leer(lambda conn, t: conn.execute(
            select(t.eslabones.c.posicion, t.eslabones.c.estado).where(t.eslabones.c.servicio == "agenda")
            .order_by(t.eslabones.c.posicion)).all())

    # Then the live matrices leave out the forged plan (and what follows it in agenda's chain), and their
    # rebuild from the stream gives the same answer
    assert all(f["al_dia"] for f in sumas)
    assert (messaging.CONSUMIDOR, dos.id) in aparte
    assert ultima["estado"] == "terminada"
    assert {f["proyeccion"]: f["checksum"] for f in sumas} == ultima["checksums"]
    assert planes == {"progreso": [], "seguimiento": [], "practica": []}
    assert [e.actividad_id for e in entregas] == [str(uuid.uuid5(uuid.NAMESPACE_URL, "visita/1"))]
    # while the history keeps the forged plan, its link broken
    assert [tuple(f) for f in cadena] == [(1, "verificado"), (2, "roto"), (3, "verificado")]


async def test_la_visita_entre_pares_queda_en_la_historia_de_ambos_docentes_y_no_en_las_matrices(
        make_settings, js):
    # Given evaluacion running
    app = create_app(make_settings(EvaluacionSettings))
    auditor = {"X-Usuario": "auditor-01", "X-Rol": "auditor", "X-Motivo": "Control posterior"}
    async with serving(app) as http:
        # When agenda publishes that a docente of the school observed a colleague's class (the internal plan)
        visitante, visitado = uuid.uuid4(), uuid.uuid4()
        datos = VisitaEntreParesRealizadaV1(
            plan_ie_id=uuid.uuid4(), codigo_modular="0236885", anexo=0, anio=2024, dre="DRE-PUNO",
            ugel="UGEL-EL-COLLAO", visita_id=uuid.uuid4(), docente_visitante_id=visitante,
            docente_visitado_id=visitado, fecha=date(2024, 6, 18))
        [env] = encadenados([Envelope.wrap(servicio="agenda", position=1, data=datos, subject="ie/0236885-0",
                                           time=datetime(2024, 6, 18, 15, tzinfo=UTC), dre="DRE-PUNO",
                                           ugel="UGEL-EL-COLLAO")])
        await js.publish(env.nats_subject, env.payload(), headers=env.headers())
        await eventually(lambda: app.state.runtime.al_dia(0.0), timeout=60.0)

        # Then each docente's history shows it, with the day it happened
        historias = {}
        for docente in (visitante, visitado):
            r = await http.get(f"/v1/docentes/{docente}/historia", headers=auditor)
            assert r.status_code == 200, r.text
            historias[docente] = [(h["evento"], h["ocurrido"], h["anio"]) for h in r.json()["hechos"]]
        visitas = app.state.proyecciones.visitas_por_docente(docente_id=str(visitado))
    assert historias == dict.fromkeys((visitante, visitado),
                                      [("VisitaEntreParesRealizada", "2024-06-18", 2024)])
    # and the NT-026 matrices, which count the external plans' visits, do not count it
    assert visitas == []
