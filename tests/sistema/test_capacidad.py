"""The capacity figures: latency percentiles from the history, visibility from the samples of evaluacion's
acknowledged position, and the knee's rule (a step holds when it achieves its rate, every acknowledged visit
became visible and visibility p99 stays within 2 s)."""

from __future__ import annotations

from tests.sistema.capacidad import Muestreo, cifras, percentil, sostiene


def visita(n: int, inicio: float, fin: float) -> dict:
    return {"tipo": "visita", "resultado": "ok", "inicio": inicio, "fin": fin, "programada": inicio - 0.5,
            "efectos": [{"hecho": "VisitaRealizada", "valor": f"v{n}"}]}


def muestreo(confirmado: list[tuple[float, int]], secuencia: dict[str, int]) -> Muestreo:
    m = Muestreo.__new__(Muestreo)
    m.confirmado, m.secuencia, m.retraso = confirmado, secuencia, []
    return m


def test_percentiles_por_rango_mas_cercano():
    assert percentil(list(range(1, 101)), 50) == 50 and percentil(list(range(1, 101)), 99) == 99
    assert percentil([], 99) is None


def test_la_visibilidad_es_desde_la_respuesta_hasta_la_primera_muestra_que_la_confirma():
    # Given two visits answered at t=10.0 and t=10.5, carried by stream messages 5 and 7, and evaluacion's
    # acknowledged position sampled at 10.2 (4), 10.8 (6) and 11.5 (7)
    ops = [visita(1, 9.9, 10.0), visita(2, 10.4, 10.5)]
    m = muestreo([(10.2, 4), (10.8, 6), (11.5, 7)], {"v1": 5, "v2": 7})

    c = cifras(ops, m, desde=9.9, hasta=11.0, objetivo=2.0)

    # Then the first is visible 0.8 s after its answer and the second 1.0 s after
    assert c["visibilidad_ms"] == {50: 800, 99: 1000} and c["visitas_no_vistas"] == 0
    assert c["latencia_ms"][99] == 100 and c["latencia_con_espera_p99_ms"] == 600
    assert c["logrado"] == round(2 / 0.6, 1)


def test_un_paso_no_sostiene_si_falta_ritmo_una_visita_sin_ver_o_visibilidad_lenta():
    bien = {"objetivo": 100.0, "logrado": 97.0, "visibilidad_ms": {50: 200, 99: 1500}, "visitas_no_vistas": 0}
    assert sostiene(bien)
    assert not sostiene({**bien, "logrado": 90.0})
    assert not sostiene({**bien, "visibilidad_ms": {50: 200, 99: 2500}})
    assert not sostiene({**bien, "visitas_no_vistas": 1})
