"""During a rebuild the collector's young threshold is raised, and the process's thresholds come back after."""

from __future__ import annotations

import gc

from services.focalizacion.recoleccion import UMBRAL, pocas_recolecciones


def test_el_umbral_sube_durante_la_reconstruccion_y_vuelve_despues():
    # Given the process's thresholds
    antes = gc.get_threshold()
    # When a rebuild runs, and another one within it (or in another thread)
    with pocas_recolecciones():
        dentro = gc.get_threshold()
        with pocas_recolecciones():
            anidado = gc.get_threshold()
        # Then the young threshold is raised, the other two kept, and the inner one's end restores nothing yet
        assert dentro == (max(UMBRAL, antes[0]), *antes[1:]) and anidado == dentro
        assert gc.get_threshold() == dentro
    # and once the last one ends, the thresholds are the process's again, even after a failure
    assert gc.get_threshold() == antes
    try:
        with pocas_recolecciones():
            raise ValueError("falla")
    except ValueError:
        pass
    assert gc.get_threshold() == antes
