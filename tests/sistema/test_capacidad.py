"""The capacity figures: latency percentiles from the history, visibility from the samples of evaluacion's
acknowledged position, and the knee's rule (a step holds when it achieves its rate, every acknowledged visit
became visible and visibility p99 stays within 2 s)."""

from __future__ import annotations

import os

from tests.sistema.capacidad import Muestreo, cifras, cpu_del_paso, percentil, sostiene
from tests.sistema.procesos import cpu_maquina_s, cpu_s


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


def test_la_cpu_de_un_paso_es_la_de_cada_proceso_entre_dos_lecturas():
    # Given two reads of the processes' CPU seconds, PostgreSQL with a backend that ended and one that began
    antes = {"agenda": {10: 5.0}, "postgresql": {20: 1.0, 21: 2.0}, "máquina": {0: 100.0}}
    despues = {"agenda": {10: 8.5}, "postgresql": {20: 1.5, 22: 0.3}, "máquina": {0: 110.0}}

    # Then each process spent what its pids alive at both reads spent
    assert cpu_del_paso(antes, despues) == {"agenda": 3.5, "postgresql": 0.5, "máquina": 10.0}

    # And a step's figures give it in cores (per second of the step) and in ms per operation
    ops = [visita(n, 1.0, 2.0) for n in range(4)]
    c = cifras(ops, muestreo([], {}), desde=0.0, hasta=2.0, objetivo=2.0, cpu={"agenda": 3.5})
    assert c["cpu_nucleos"] == {"agenda": 1.75} and c["cpu_ms_por_operacion"] == {"agenda": 875.0}


def test_la_cpu_de_este_proceso_y_de_la_maquina_crecen():
    propia, maquina = cpu_s(os.getpid()), cpu_maquina_s()
    sum(i * i for i in range(300_000))
    assert cpu_s(os.getpid()) >= propia > 0 and cpu_maquina_s() >= maquina > 0
    assert cpu_s(2 ** 22 + 7) is None  # no such process
