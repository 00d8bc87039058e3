"""The start-up objects leave the collector's full passes once per process (``shared.recoleccion``)."""

import gc

from shared.recoleccion import congelar_arranque


def test_lo_que_existe_al_empezar_se_congela_una_sola_vez() -> None:
    # Given the process's objects frozen by the first call (here, or by a consumer or a rebuild before)
    congelar_arranque()
    congelados = gc.get_freeze_count()
    assert congelados > 0
    # When more objects exist and it is called again
    nuevos = [[i] for i in range(1000)]
    congelar_arranque()
    # Then nothing else is frozen: the new objects stay in the collector's passes
    assert gc.get_freeze_count() == congelados
    assert len(nuevos) == 1000
