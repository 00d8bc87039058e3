"""The web desks' one cache (``services.web.recientes``): each entry lives its own time, an expired one is
evicted at the next write (a user who came and went does not stay in memory), and it never holds more than
its bound."""

from __future__ import annotations

from services.web.recientes import Recientes


class Reloj:
    def __init__(self) -> None:
        self.ahora = 0.0

    def __call__(self) -> float:
        return self.ahora


def test_lo_vencido_se_desaloja_al_guardar_y_cada_uso_vive_su_tiempo():
    reloj = Reloj()
    cache = Recientes(maximo=100, reloj=reloj)
    # Given a user's territories (ten minutes) and his caseloads (one minute)
    cache.guardar(("territorios", "ana"), "nombres", 600)
    cache.guardar(("carteras", "ana"), ("UGEL-EL-COLLAO", {"escuelas": {}}), 60)
    assert cache.leer(("carteras", "ana")) == ("UGEL-EL-COLLAO", {"escuelas": {}})
    # When a minute and a bit has passed: the caseloads are gone, the names are not
    reloj.ahora = 61
    assert cache.leer(("carteras", "ana")) is None and cache.leer(("territorios", "ana")) == "nombres"
    # When ten minutes have passed and another user comes: the first one's entries are evicted, not kept
    reloj.ahora = 601
    cache.guardar(("territorios", "beto"), "otros", 600)
    assert len(cache) == 1 and cache.leer(("territorios", "beto")) == "otros"


def test_nunca_guarda_mas_que_su_limite_y_olvida_un_uso_entero():
    reloj = Reloj()
    cache = Recientes(maximo=3, reloj=reloj)
    # Given more users than the bound, within their time
    for i in range(10):
        reloj.ahora = i
        cache.guardar(("territorios", f"u{i}"), i, 600)
    # Then only the most recent three are kept
    assert len(cache) == 3
    assert [cache.leer(("territorios", f"u{i}")) for i in (6, 7, 8, 9)] == [None, 7, 8, 9]
    # and a new padrón forgets every user's names, leaving the other uses
    cache.guardar(("carteras", "u9"), "cartera", 60)
    cache.olvidar_uso("territorios")
    assert len(cache) == 1 and cache.leer(("carteras", "u9")) == "cartera"
    cache.olvidar(("carteras", "u9"))
    assert len(cache) == 0
