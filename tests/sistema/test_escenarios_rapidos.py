"""The fast subset of the fault scenarios, on the system as separate processes: the stream lost under load and
recovered as the runbook says, nats-server killed with SIGKILL, agenda killed with SIGKILL. Each heals, waits
for quiescence and runs the checker: nothing acknowledged lost, nothing duplicated, nothing half-applied, no
gap, no disorder, stores and stream agree, projections equal their rebuild from zero.
(The whole set: ``python -m tests.sistema``.)"""

from __future__ import annotations

import pytest

from tests.sistema.escenarios import RAPIDOS, correr, linea


@pytest.mark.timeout(600)  # four processes started once and three faults: about a minute on an idle 2-CPU machine
async def test_los_escenarios_rapidos_no_pierden_ni_duplican_nada(tmp_path):
    # Given the whole system as processes, a school year prepared and played at 8 operations per second
    # When each fault of the fast subset strikes during the load and is healed
    resultados = await correr(list(RAPIDOS), duracion=8.0, ritmo=8.0, datos=tmp_path, conservar=True)

    # Then the checker finds nothing after any of them
    assert [r["escenario"] for r in resultados] == list(RAPIDOS)
    assert all(r["veredicto"] == "bien" for r in resultados), "\n".join(
        [linea(r) for r in resultados] + [str(r.get("hallazgos", ""))[:2000] for r in resultados])
    assert all(r["ok"] > 0 for r in resultados)  # the load did go through each fault
