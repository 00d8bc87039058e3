"""The ledger that lets a consumer apply only facts that continue their service's chain (shared/eslabones.py):
genuine facts are never parked, whatever the order in which the ledger sees them; forged ones are."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from services.evidencias.config import EvidenciasSettings
from shared import contracts as c
from shared.contracts import Envelope
from shared.eslabones import (
    DESCONOCIDO,
    PENDIENTE,
    ROTO,
    VERIFICADO,
    CadenaPendiente,
    CadenaRota,
    Eslabones,
    Lectura,
)
from shared.transacciones import en_lote, lote
from tests.support.stream import encadenados


def visitas(n: int) -> list[Envelope]:
    """agenda's first n facts, linked as its relay links them."""
    hechos = []
    for i in range(1, n + 1):
        datos = c.VisitaRealizadaV1(
            visita_id=uuid.uuid4(), docente_id=uuid.uuid4(), acompanante_id=uuid.uuid4(), codigo_modular="0236885",
            dre="DRE-PUNO", ugel="UGEL-PUNO", anio=2021, fecha_inicio=date(2021, 6, 1) + timedelta(days=i - 1),
            fecha_fin=date(2021, 6, 1) + timedelta(days=i - 1),
            dias=1, acciones=["observacion"])
        hechos.append(Envelope.wrap(servicio="agenda", position=i, data=datos, subject="docente/x",
                                    time=datetime(2021, 6, 1, tzinfo=UTC) + timedelta(hours=i), dre="DRE-PUNO",
                                    ugel="UGEL-PUNO"))
    return encadenados(hechos)


@pytest.fixture
def libro(tmp_path):
    eslabones = Eslabones(EvidenciasSettings(data_dir=tmp_path), ["agenda"])
    yield eslabones
    eslabones.close()


def test_fuera_de_orden_y_repetidos_los_hechos_genuinos_se_verifican(libro):
    uno, dos, tres = visitas(3)
    # Given the third fact arriving before its predecessor: it waits, it is not parked
    libro.registrar(tres)
    assert libro.estado(tres)[0] == PENDIENTE
    with pytest.raises(CadenaPendiente):
        libro.exigir(tres)
    # When the first two arrive (one of them twice: a redelivery)
    for hecho in (uno, dos, dos):
        libro.registrar(hecho)
    # Then every one is verified and may be applied, a redelivered one too
    assert [libro.estado(h)[0] for h in (uno, dos, tres)] == [VERIFICADO] * 3
    for hecho in (uno, dos, tres, dos):
        libro.exigir(hecho)


def test_un_hecho_sin_eslabon_cambiado_o_que_bifurca_queda_apartado(libro):
    uno, dos = visitas(2)
    for hecho in (uno, dos):
        libro.registrar(hecho)
    otro = visitas(1)[0]  # another first fact: a correctly formed link from the start, already taken
    bifurcado = Envelope(**{**vars(otro), "id": "agenda:7"}).encadenar(0, "0" * 64)
    sin_eslabon = Envelope(**{**vars(visitas(1)[0]), "id": "agenda:8", "cadena": ""})
    cambiado = Envelope(**{**vars(dos), "id": "agenda:9", "cadena_anterior": 2})  # dos's hash, not its own
    impostor = Envelope(**{**vars(otro), "id": "agenda:2"}).encadenar(1, uno.cadena)  # a taken position
    for hecho in (bifurcado, sin_eslabon, cambiado):
        libro.registrar(hecho)
    libro.registrar(impostor)
    motivos = {h.id: libro.estado(h) for h in (bifurcado, sin_eslabon, cambiado, impostor)}
    assert {k: e for k, (e, _) in motivos.items()} == dict.fromkeys(motivos, ROTO)
    assert "bifurca la cadena" in motivos["agenda:7"][1]
    assert "no lleva su eslabón" in motivos["agenda:8"][1]
    assert "no sigue de la del hecho anterior" in motivos["agenda:9"][1]
    assert "otro hecho ocupa ya esa posición" in motivos["agenda:2"][1]
    for hecho in (bifurcado, sin_eslabon, cambiado, impostor):
        with pytest.raises(CadenaRota):
            libro.exigir(hecho)
    # and the genuine second fact is still the verified one
    libro.exigir(dos)


def test_un_libro_hecho_con_la_columna_sin_uso_la_pierde_y_sigue_registrando(tmp_path):
    # Given a ledger made when each producer's lock row also had a position column nothing wrote
    settings = EvidenciasSettings(data_dir=tmp_path)
    ruta = settings.sqlite_path("-cadenas")
    ruta.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(ruta) as conn:
        conn.execute("CREATE TABLE cadena_servicios "
                     "(servicio VARCHAR(20) PRIMARY KEY, ultima INTEGER NOT NULL)")
        conn.execute("INSERT INTO cadena_servicios VALUES ('agenda', 0)")
    # When the service opens it, now following two producers
    libro = Eslabones(settings, ["agenda", "focalizacion"])
    try:
        # Then the column is gone, each producer has its row, and links are recorded and verified
        with sqlite3.connect(ruta) as conn:
            assert [c[1] for c in conn.execute("PRAGMA table_info(cadena_servicios)")] == ["servicio"]
            assert sorted(f for (f,) in conn.execute("SELECT servicio FROM cadena_servicios")) == [
                "agenda", "focalizacion"]
        uno, dos = visitas(2)
        for hecho in (uno, dos):
            libro.registrar(hecho)
        assert [libro.estado(h)[0] for h in (uno, dos)] == [VERIFICADO] * 2
    finally:
        libro.close()


def forjado(hecho: Envelope) -> Envelope:
    """The fact changed after its link was computed (another docente)."""
    return replace(hecho, data=hecho.data.model_copy(update={"docente_id": uuid.uuid4()}), crudo=None)


def aplicados(libro: Eslabones, hechos: list[Envelope]) -> list[str]:
    """The facts a live consumer applies, once the ledger has recorded them all."""
    pasan = []
    for hecho in hechos:
        try:
            libro.exigir(hecho)
        except (CadenaRota, CadenaPendiente):
            continue
        pasan.append(hecho.id)
    return sorted(pasan)


@pytest.mark.parametrize("orden", [(0, 1, 2, 3), (2, 0, 1, 3), (3, 2, 1, 0), (1, 3, 0, 2)])
def test_lo_que_sigue_a_un_hecho_roto_queda_apartado_llegue_antes_o_despues(libro, orden):
    # Given agenda's four facts, the second one changed after its link was computed
    uno, dos, tres, cuatro = visitas(4)
    hechos = [uno, forjado(dos), tres, cuatro]
    # When the ledger records them in any order (a consumer's batch is handled concurrently)
    for i in orden:
        libro.registrar(hechos[i])
    # Then the ones after it are broken too, none left waiting for a predecessor that came already
    assert [libro.estado(h)[0] for h in hechos] == [VERIFICADO, ROTO, ROTO, ROTO]
    assert "sigue a un hecho que no continúa la cadena" in libro.estado(cuatro)[1]
    # and a reading of the stream (a rebuild) applies what the live consumers apply, in that order as well
    assert sorted(h.id for h in Lectura(["agenda"]).aplicables([hechos[i] for i in orden])) == aplicados(
        libro, hechos) == ["agenda:1"]


@pytest.mark.parametrize("orden", [(0, 1, 2, 3), (2, 3, 0, 1), (3, 1, 2, 0)])
def test_una_lectura_aplica_los_genuinos_que_esperaban_cuando_llega_su_anterior(libro, orden):
    # Given agenda's genuine facts read in an order that is not the chain's (some republished later)
    hechos = visitas(4)
    for i in orden:
        libro.registrar(hechos[i])
    # Then the reading applies each once, as the live consumers do
    leidos = Lectura(["agenda"]).aplicables([hechos[i] for i in orden])
    assert sorted(h.id for h in leidos) == aplicados(libro, hechos) == [h.id for h in hechos]


def test_una_lectura_no_revisa_la_cadena_de_quien_no_sigue(libro):
    # Given a fact of a service the reading does not follow, without its link
    ajeno = Envelope(**{**vars(visitas(1)[0]), "cadena": ""})
    # Then it is applied as it is
    assert Lectura(["focalizacion"]).aplicables([ajeno]) == [ajeno]
    assert Lectura(["agenda"]).aplicables([ajeno]) == []


# --- a batch's links, recorded together (the ledger's consumer applies a fetched batch so) ---------------


@pytest.fixture
def libros(make_settings, closing):
    """Two ledgers on the test's store (SQLite or PostgreSQL): one records facts one at a time, the other in
    batches."""
    def nuevo() -> Eslabones:
        return closing(Eslabones(make_settings(EvidenciasSettings), ["agenda", "focalizacion"]))
    return nuevo(), nuevo()


def en_lotes(libro: Eslabones, lotes: list[list[Envelope]]) -> None:
    for hechos in lotes:
        with lote():
            for hecho in hechos:
                libro.registrar(hecho)


def de_focalizacion(hecho: Envelope) -> Envelope:
    return Envelope(**{**vars(hecho), "id": hecho.id.replace("agenda:", "focalizacion:"),
                       "data": hecho.data.model_copy(update={"servicio": "focalizacion"}), "crudo": None})


# batches of positions into the test's facts, in orders a consumer could see them (some twice: redeliveries)
LOTES = [[[0, 1, 2, 3, 4, 5, 6, 7, 8]], [[3, 4], [0, 1, 2, 5, 8, 7, 6]], [[5, 3, 1], [4, 0, 2, 2, 1, 6, 7, 8]],
         [[4], [3], [0, 5, 1, 2, 8], [7, 6]], [[2, 6, 7, 8], [0, 1, 3, 4, 5]]]


@pytest.mark.parametrize("lotes", LOTES)
def test_un_lote_registra_lo_mismo_que_hecho_por_hecho(libros, lotes):
    # Given agenda's six facts, the fifth changed after its link was computed, a fork, a fact without its link,
    # a fact at a taken position, and focalizacion's own chain in the last batch
    uno, dos, tres, cuatro, cinco, seis = visitas(6)
    bifurcado = Envelope(**{**vars(visitas(1)[0]), "id": "agenda:17"}).encadenar(1, uno.cadena)
    sin_eslabon = Envelope(**{**vars(visitas(1)[0]), "id": "agenda:18", "cadena": ""})
    impostor = Envelope(**{**vars(visitas(1)[0]), "id": "agenda:3"}).encadenar(2, dos.cadena)
    ajenos = encadenados([de_focalizacion(h) for h in visitas(3)])
    hechos = [uno, dos, tres, cuatro, forjado(cinco), seis, bifurcado, sin_eslabon, impostor, *ajenos]
    uno_a_uno, por_lotes = libros
    # When one ledger records them one at a time, the other in batches, in the same order
    por_lote = [[hechos[i] for i in lote_] for lote_ in lotes]
    por_lote[-1] += ajenos
    orden = [h for lote_ in por_lote for h in lote_]
    for hecho in orden:
        uno_a_uno.registrar(hecho)
    en_lotes(por_lotes, por_lote)
    # Then every fact has the same state and reason in both
    esperado = [uno_a_uno.estado(h) for h in hechos]
    assert por_lotes.estados(hechos) == esperado == [por_lotes.estado(h) for h in hechos]
    assert [e for e, _ in esperado[9:]] == [VERIFICADO] * 3
    if lotes is LOTES[0]:  # in the chain's order: the genuine ones verified, the rest broken
        assert [e for e, _ in esperado[:9]] == [VERIFICADO] * 4 + [ROTO] * 5
    # and what a live consumer applies is what a reading of the stream applies
    assert aplicados(por_lotes, hechos) == aplicados(uno_a_uno, hechos)
    assert set(aplicados(por_lotes, hechos)) == {h.id for h in Lectura(["agenda", "focalizacion"]).aplicables(orden)}


def test_un_lote_asienta_los_que_esperaban_guardados_de_lotes_anteriores(libros):
    # Given agenda's facts 3, 4 and 5 recorded first, waiting for their predecessors (stored, in a batch)
    hechos = visitas(5)
    _, libro = libros
    en_lotes(libro, [[hechos[4], hechos[2]], [hechos[3]]])
    assert [e for e, _ in libro.estados(hechos)] == [DESCONOCIDO, DESCONOCIDO, PENDIENTE, PENDIENTE, PENDIENTE]
    # When a later batch brings the first two
    en_lotes(libro, [[hechos[1], hechos[0]]])
    # Then the ones that waited are verified, every link back to the first one
    assert [e for e, _ in libro.estados(hechos)] == [VERIFICADO] * 5


def test_un_lote_se_escribe_al_confirmarse_y_nada_si_se_deshace(libros):
    hechos = visitas(3)
    _, libro = libros
    # Given a batch that fails after recording its links: nothing is kept
    with pytest.raises(RuntimeError), lote():
        for hecho in hechos:
            libro.registrar(hecho)
        raise RuntimeError("el lote falla")
    assert [e for e, _ in libro.estados(hechos)] == [DESCONOCIDO] * 3
    # When a batch records them: they are written when it commits, in its transaction on the ledger
    with lote():
        for hecho in hechos:
            libro.registrar(hecho)
        assert en_lote()
        assert [e for e, _ in libro.estados(hechos)] == [DESCONOCIDO] * 3
    assert [e for e, _ in libro.estados(hechos)] == [VERIFICADO] * 3


def test_un_lote_de_cien_hechos_son_pocas_sentencias(libros):
    # Given a ledger that counts what it sends to its store
    _, libro = libros
    sentencias: list[str] = []
    event.listen(libro.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, _p, _ctx, _many: sentencias.append(sql))
    hechos = visitas(100)
    # When a batch of 100 facts is recorded, then asked about
    en_lotes(libro, [hechos])
    grabar = len(sentencias)
    assert [e for e, _ in libro.estados(hechos)] == [VERIFICADO] * 100
    # Then the batch took a few statements (its lock, two reads, one INSERT), not some per fact, and one query
    # told the state of all of them
    escrituras = [s for s in sentencias[:grabar] if s.lstrip().upper().startswith(("INSERT", "UPDATE", "SELECT"))]
    assert len(escrituras) <= 4, escrituras
    assert sum(s.lstrip().upper().startswith("INSERT") for s in escrituras) == 1
    assert len([s for s in sentencias[grabar:] if s.lstrip().upper().startswith("SELECT")]) == 1


def test_un_lote_propio_responde_sus_estados_sin_leer_el_libro_y_los_mismos(libros):
    # Given agenda's facts, the fourth changed after its link was computed, and a ledger that counts its queries
    uno_a_uno, libro = libros
    hechos = visitas(5)
    hechos[3] = forjado(hechos[3])
    sentencias: list[str] = []
    event.listen(libro.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, _p, _ctx, _many: sentencias.append(sql))
    # When the ledger's consumer records them in a batch of their own (the first one left for later), and asks
    libro.registrar_lote(hechos[1:])
    antes = len(sentencias)
    estados = libro.estados(hechos)
    # Then the settled ones (verified or broken) were answered from what the batch committed: only the ones not
    # recorded or still waiting were read again, and the states are those a ledger recording one at a time gives
    for hecho in hechos[1:]:
        uno_a_uno.registrar(hecho)
    assert estados == [uno_a_uno.estado(h) for h in hechos]
    assert [e for e, _ in estados] == [DESCONOCIDO, PENDIENTE, PENDIENTE, PENDIENTE, PENDIENTE]
    assert len(sentencias) - antes == 1
    # and once the first one comes, every later answer is the ledger's
    libro.registrar_lote(hechos[:1])
    uno_a_uno.registrar(hechos[0])
    antes = len(sentencias)
    assert libro.estados(hechos) == [uno_a_uno.estado(h) for h in hechos]
    assert [e for e, _ in libro.estados(hechos)] == [VERIFICADO] * 3 + [ROTO] * 2
    assert len(sentencias) == antes  # all settled by that batch: no query


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)  # only a server drops a connection
def test_sin_pre_ping_una_conexion_perdida_falla_una_vez_y_el_reintento_reconecta(libros, make_settings):
    # Given a ledger on PostgreSQL whose pooled connection the server dropped (a restart, a failover)
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    _, libro = libros
    assert libro.tabla.pg
    hechos = visitas(4)
    libro.registrar_lote(hechos[:2])
    with libro.engine.connect() as conn:
        pids = {conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()}
    admin = create_engine(libro.engine.url)
    try:
        with admin.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
    # When the consumer records the next batch: it fails (no pre-ping took the round trip to find out)
    with pytest.raises(DBAPIError) as fallo:
        libro.registrar_lote(hechos[2:])
    assert fallo.value.connection_invalidated
    # Then its retry reconnects and records it, and nothing was lost
    libro.registrar_lote(hechos[2:])
    libro._asentados = {}
    assert [e for e, _ in libro.estados(hechos)] == [VERIFICADO] * 4
