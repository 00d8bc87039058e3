"""A rebuild of evaluacion's projections split by territory into partitions gives what the live consumers
gave, and what a rebuild in one process gives (real nats-server; the read models on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from services.evaluacion.rebuild import en_proceso, reconstruir, reconstruir_particionado
from shared.contracts import Envelope, VisitaRealizadaV1
from tests.conftest import eventually, serving
from tests.support.stream import encadenados

DRES = ("DRE-PUNO", "DRE-CUSCO", "DRE-PIURA", "DRE-LORETO")


def visita(position: int, dre: str, dias: int = 1) -> Envelope:
    data = VisitaRealizadaV1(
        visita_id=uuid.uuid5(uuid.NAMESPACE_URL, f"visita/{position}"),
        docente_id=uuid.uuid5(uuid.NAMESPACE_URL, f"docente/{position % 7}"),
        acompanante_id=uuid.uuid5(uuid.NAMESPACE_URL, "acompanante"), codigo_modular="0236885", anexo=0,
        dre=dre, ugel="UGEL-1", anio=2025, fecha_inicio=date(2025, 6, 1 + position % 28),
        fecha_fin=date(2025, 6, 1 + position % 28), dias=dias, acciones=["observacion"])
    return Envelope.wrap(servicio="agenda", position=position, data=data, subject="docente/x",
                         time=datetime(2025, 6, 30, 12, tzinfo=UTC) + timedelta(seconds=position),
                         dre=dre, ugel="UGEL-1")


def sin_generacion(sumas: dict[str, str]) -> dict[str, str]:
    return {nombre: suma.split(" ", 1)[1] for nombre, suma in sumas.items()}


async def test_una_reconstruccion_en_dos_particiones_da_la_suma_de_la_proyeccion_viva_y_de_una_sola(
        make_settings, js):
    # Given agenda's visits in four DREs, which fall in both partitions, chained in agenda's chain, one of
    # them changed after its link was computed (the matrices leave it out; the history keeps it, broken)
    settings = make_settings(EvaluacionSettings)
    envelopes = encadenados([visita(p, DRES[p % len(DRES)]) for p in range(1, 41)])
    envelopes[24] = replace(envelopes[24], data=visita(25, DRES[25 % len(DRES)], dias=2).data, crudo=None)

    # and evaluacion consuming them live
    app = create_app(settings)
    minedu = {"X-Usuario": "analista", "X-Rol": "minedu"}
    async with serving(app) as http:
        for env in envelopes:
            await js.publish(env.nats_subject, env.payload(), headers=env.headers())
        await eventually(lambda: app.state.runtime.al_dia(0.0), timeout=60.0)
        vivas = {f["proyeccion"]: f["checksum"]
                 for f in (await http.get("/v1/proyecciones", params={"suma": "true"}, headers=minedu)).json()}

        # When the four projections are rebuilt in two partitions (small batches: a chain's facts and the
        # ones waiting for them fall in different batches), and then in one process
        partida = await reconstruir_particionado(settings, settings.nats_url, [], 2, lote=7,
                                                 lanzar=en_proceso(settings, settings.nats_url, 7, grace=0.0))
        una = await reconstruir(settings, settings.nats_url, [], lote=7, quiet=True)
        seguimiento = app.state.proyecciones.visitas_por_docente()

    # Then both give every projection's live sum
    assert set(vivas) == {"progreso", "seguimiento", "practica", "historia", "territorios"}
    assert sin_generacion(partida) == vivas
    assert sin_generacion(una) == vivas
    # and the forged visit counts nowhere in the matrices (what follows it in the chain neither)
    assert sum(f["visitas"] for f in seguimiento) == 24


async def test_con_hechos_que_esperan_rotos_y_llegados_durante_la_reconstruccion_da_lo_de_un_proceso(
        make_settings, js):
    # Given agenda's chain as the stream holds it: visits in four DREs, some published before their predecessor
    # (they wait, and count once it comes), a fork, a forged one and the one after it
    settings = make_settings(EvaluacionSettings)
    h = encadenados([visita(p, DRES[p % len(DRES)]) for p in range(1, 31)])
    fork = replace(visita(40, DRES[0]), cadena_anterior=1)
    fork = replace(fork, cadena=Envelope.enlace(h[0].cadena, fork.canonico()))
    antes = [h[0], h[2], h[3], h[1], h[4], h[6], fork, h[5], h[7], h[8], h[9], h[10], h[12], h[13], h[14]]
    # and more published once the run's generations are reserved (the switch's catch-up reads them): the
    # predecessor of two facts read before, then facts after the head, a forged one and one after it
    despues = [h[11], h[15], h[16], replace(h[17], data=visita(18, DRES[18 % len(DRES)], dias=3).data, crudo=None),
               h[18], h[19]]
    for env in antes:
        await js.publish(env.nats_subject, env.payload(), headers=env.headers())
    adentro = en_proceso(settings, settings.nats_url, 4, grace=0.0)
    publicados = []

    async def lanzar(clave: str, indice: int, particiones: int, nombres: list[str]) -> int:
        if not publicados:
            publicados.append(True)
            for env in despues:
                await js.publish(env.nats_subject, env.payload(), headers=env.headers())
        return await adentro(clave, indice, particiones, nombres)

    # When the projections are rebuilt in three partitions (small batches), then in one process
    partida = await reconstruir_particionado(settings, settings.nats_url, [], 3, lote=4, lanzar=lanzar)
    una = await reconstruir(settings, settings.nats_url, [], lote=4, quiet=True)
    # Then both give every projection the same sum
    assert sin_generacion(partida) == sin_generacion(una)
    assert set(partida) == {"progreso", "seguimiento", "practica", "historia", "territorios"}
