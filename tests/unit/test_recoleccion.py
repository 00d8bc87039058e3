"""The collector's policy (``shared.recoleccion``): the start-up objects leave its full passes once per process,
and it waits while a batch is open."""

import gc

import pytest

from shared.fases import aplicar_lote
from shared.recoleccion import congelar_arranque, sin_recolector


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


def test_el_recolector_espera_mientras_haya_un_lote_abierto_y_vuelve_despues_del_ultimo() -> None:
    assert gc.isenabled()
    # When a batch opens, and another within it (or in another thread), and the inner one fails
    with sin_recolector():
        assert not gc.isenabled()
        with pytest.raises(ValueError), sin_recolector():
            raise ValueError("un handler falla")
        # Then the inner one's end brings nothing back: the outer batch is still open
        assert not gc.isenabled()
    # and after the last one the collector is back
    assert gc.isenabled()


def test_un_lote_deja_apagado_el_recolector_que_el_llamador_apago() -> None:
    # Given the collector off before the batch (the caller's own choice)
    gc.disable()
    try:
        with sin_recolector():
            assert not gc.isenabled()
        # Then the batch leaves it off
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_el_lote_del_consumidor_aplica_sus_mensajes_con_el_recolector_en_espera() -> None:
    # Given a consumer's batch of two messages whose handlers note whether the collector is on
    vistos: list[bool] = []

    def correr(envelope: object, fases: list[object], indice: int) -> None:
        vistos.append(gc.isenabled())

    # When the batch is applied
    hechos, error, _ = aplicar_lote(correr, [(object(), []), (object(), [])])  # type: ignore[list-item]
    # Then both ran with the collector waiting, and it is back after the batch
    assert (hechos, error, vistos) == (2, None, [False, False])
    assert gc.isenabled()
