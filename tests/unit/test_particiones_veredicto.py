"""The producers' chain verdict of a partitioned rebuild (services/evaluacion/particiones*.py): one reading per
service, its exceptions, and each partition's facts in the order a reading of the whole stream applies them;
the switch's catch-up going on from the heads the chain tasks left."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.evaluacion import particiones_cadenas
from services.evaluacion.particiones import Particion, repartir
from services.evaluacion.particiones_cadenas import AlDia
from services.evaluacion.particiones_tramos import Limpio, unir
from shared import contracts as c
from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS
from shared.eslabones import Lectura
from shared.eslabones_veredictos import Veredictos
from tests.support.stream import encadenados

TERRITORIOS = [("DRE-PUNO", "UGEL-PUNO"), ("DRE-PUNO", "UGEL-AZANGARO"), ("DRE-CUSCO", "UGEL-CUSCO"),
               ("DRE-PIURA", "UGEL-PIURA"), ("DRE-LORETO", "UGEL-MAYNAS")]


def visitas(n: int, servicio: str = "agenda") -> list[Envelope]:
    hechos = []
    for i in range(1, n + 1):
        dre, ugel = TERRITORIOS[(i * 7) % len(TERRITORIOS)]
        datos = c.VisitaRealizadaV1(
            visita_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{servicio}/{i}"), docente_id=uuid.uuid4(),
            acompanante_id=uuid.uuid4(), codigo_modular="0236885", dre=dre, ugel=ugel, anio=2021,
            fecha_inicio=date(2021, 6, 1), fecha_fin=date(2021, 6, 1), dias=1, acciones=["observacion"])
        hechos.append(Envelope.wrap(servicio=servicio, position=i, data=datos, subject="docente/x",
                                    time=datetime(2021, 6, 1, tzinfo=UTC) + timedelta(hours=i), dre=dre, ugel=ugel))
    return encadenados(hechos)


def forjado(env: Envelope) -> Envelope:
    return replace(env, data=env.data.model_copy(update={"dias": 2}), crudo=None)


def stream() -> list[Envelope]:
    """agenda's chain as a stream may hold it: facts whose predecessor comes later (each waits, and is applied
    just before it), a repeated one, a fork, a forged one and the one after it, two waiting for a fact that
    never comes; numbered in stream order."""
    h = visitas(21)
    otra = visitas(1)[0]
    fork = replace(otra, id="agenda:40", cadena_anterior=1, cadena=Envelope.enlace(h[0].cadena, otra.canonico()))
    orden = [h[0], h[2], h[3], h[1], h[4], h[6], h[7], h[5], h[8], h[2], fork, h[10], h[11], h[9]]
    orden += [h[12], h[14], h[15], h[13], forjado(h[16]), h[17], h[19], h[20]]  # h[18] never comes
    return [replace(e, sequence=s) for s, e in enumerate(orden, start=1)]


def en_lotes(envs: list[Envelope], n: int) -> list[list[Envelope]]:
    return [envs[i:i + n] for i in range(0, len(envs), n)]


REPARTO = {n: repartir({f"{d}.{u}": 1 + i for i, (d, u) in enumerate(TERRITORIOS)}, n) for n in (1, 2, 3)}


def territorio(env: Envelope, particiones: int) -> int:
    return REPARTO[particiones][f"{env.dre}.{env.ugel}"]


def de_la_particion(particiones: int, indice: int) -> list[str]:
    return [t for t, i in REPARTO[particiones].items() if i == indice]


@pytest.mark.parametrize("particiones", [1, 2, 3])
@pytest.mark.parametrize("lote", [1, 4, 50])
def test_cada_particion_aplica_lo_de_sus_territorios_en_el_orden_de_una_lectura_entera(particiones, lote):
    hechos = stream()
    # Given what a reading of the whole stream applies, in order (the one-process rebuild's matrices)
    una = Lectura(["agenda"])
    entera = [e.sequence for b in en_lotes(hechos, lote) for e in una.aplicables(b)]
    # When one reading of agenda's chain records its verdict (as its chain task does)
    veredictos = Veredictos()
    lectura = Lectura(["agenda"])
    for b in en_lotes(hechos, 5):
        lectura.aplicables(b, veredictos)
    excepciones = [SimpleNamespace(**e) for e in veredictos.excepciones()]
    # Then only the facts not applied where they came are listed: broken, still waiting, or applied later
    assert {e.secuencia for e in excepciones if e.liberado_en is None} == {11, 19, 20, 21, 22}
    assert {e.secuencia: e.liberado_en for e in excepciones if e.liberado_en} == {2: 4, 3: 4, 6: 8, 7: 8, 12: 14,
                                                                                 13: 14, 16: 18, 17: 18}
    # and each partition, handed only its territories' facts, applies them in the whole reading's order
    juntas = []
    for indice in range(particiones):
        particion = Particion([], {}, indice, particiones, len(hechos), excepciones, de_la_particion(particiones, indice))
        propios = [e for e in hechos if territorio(e, particiones) == indice]
        suyos = [e.sequence for b in en_lotes(propios, lote) for e in particion.aplicables(b)]
        suyos += [e.sequence for e in particion.restantes()]
        assert suyos == [s for s in entera if territorio(hechos[s - 1], particiones) == indice]
        juntas += suyos
    assert sorted(juntas) == sorted(entera)


def test_sin_excepciones_una_particion_aplica_lo_que_lee():
    hechos = [replace(e, sequence=s) for s, e in enumerate(visitas(6), start=1)]
    veredictos = Veredictos()
    assert Lectura(["agenda"]).aplicables(hechos, veredictos) == hechos
    assert veredictos.excepciones() == []
    assert Particion([], {}, 0, 1, 6, [], de_la_particion(1, 0)).aplicables(hechos) == hechos


def _fila(lectura: Lectura) -> SimpleNamespace:
    posicion, hash_, estado = lectura.cabeza("agenda")
    return SimpleNamespace(cabeza=posicion, cabeza_hash=hash_, cabeza_estado=estado,
                           esperando=lectura.esperando("agenda"))


@pytest.mark.parametrize("corte", [0, 2, 3, 5, 9, 10, 14, 16, 18, 19, 21, 22])
def test_la_puesta_al_dia_sigue_las_cadenas_desde_donde_las_dejo_su_tarea(monkeypatch, corte):
    # Given the stream read up to the run's sequence by agenda's chain task, and more facts after it
    hechos = stream()
    antes, despues = hechos[:corte], hechos[corte:]
    releidas = []

    async def releer(js, contratos, aplicar, *, subjects, to_sequence, batch):  # noqa: ANN001, ANN202
        releidas.append(subjects)
        aplicar([e for e in antes if e.sequence <= to_sequence])
        return to_sequence

    monkeypatch.setattr(particiones_cadenas, "replay", releer)
    tarea = Lectura(["agenda"])
    tarea.aplicables(antes)
    entera = Lectura(["agenda"])
    entera.aplicables(antes)
    # When the switch catches up from the head the task left, in rounds
    al_dia = AlDia(["agenda"], {"agenda": _fila(tarea)}, corte)
    puesta = []
    for ronda in en_lotes(despues, 4):
        asyncio.run(al_dia.preparar(None, ronda, 500))
        puesta += al_dia.aplicables(ronda)
    # Then it applies what a reading of the whole stream applies after that sequence, in its order
    assert [e.sequence for e in puesta] == [e.sequence for e in entera.aplicables(despues)]
    # reading the chain again (once) only when the facts after the head need more of it than the head
    assert releidas in ([], [["acompana.agenda.>"]])
    if corte in (0, 22):  # nothing read before; nothing after
        assert releidas == []


def test_la_puesta_al_dia_de_una_cadena_en_orden_no_la_relee(monkeypatch):
    hechos = [replace(e, sequence=s) for s, e in enumerate(visitas(10), start=1)]
    monkeypatch.setattr(particiones_cadenas, "replay", None)  # never called
    tarea = Lectura(["agenda"])
    tarea.aplicables(hechos[:6])
    al_dia = AlDia(["agenda"], {"agenda": _fila(tarea)}, 6)
    asyncio.run(al_dia.preparar(None, hechos[6:], 500))
    assert al_dia.aplicables(hechos[6:]) == hechos[6:]


def _tramos(hechos: list[Envelope], cortes: list[int]) -> list[SimpleNamespace]:
    """Each slice's summary of agenda's chain, the stream cut at ``cortes``."""
    limites = [0, *cortes, len(hechos)]
    resumenes = []
    for desde, hasta in zip(limites, limites[1:], strict=False):
        limpio = Limpio("agenda")
        for env in hechos[desde:hasta]:
            limpio.ver(env)
        resumenes.append(SimpleNamespace(**limpio.resumen()))
    return resumenes


@pytest.mark.parametrize("cortes", [[], [1], [3, 3, 7], [5, 9]])
def test_los_tramos_de_una_cadena_limpia_se_unen_en_su_cabeza(cortes):
    hechos = visitas(10)
    assert unir(_tramos(hechos, cortes)) == (10, hechos[-1].cadena)
    assert unir(_tramos([], [])) == (0, GENESIS)


@pytest.mark.parametrize("cortes", [[], [2], [4, 8]])
def test_los_tramos_de_una_cadena_con_hechos_fuera_de_orden_repetidos_o_cambiados_no_se_unen(cortes):
    # each of these makes a reading of the whole stream keep a fact apart, or apply it later: the chain is read
    # again in one process
    h = visitas(10)
    for defectuosa in ([h[0], h[2], h[1], *h[3:]], [*h[:5], h[3], *h[5:]], [*h[:4], forjado(h[4]), *h[5:]],
                       h[1:], [*h[:6], replace(h[6], cadena="")]):
        assert unir(_tramos(defectuosa, cortes)) is None
