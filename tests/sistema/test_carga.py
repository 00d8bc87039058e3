"""The load generator keeps producing valid operations through a long run: each visit has a length the
docente's plan admits, acompañantes' visits never share a day and fall on school days of the plan's year, and
a padrón of several UGELs like El Collao has its own codes and people in each."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from services.agenda import mezcla
from tests.sistema.carga import Carga, duraciones


def plan(grupos: list[tuple[int, int, int]], total: int) -> dict:
    return {"componentes": {"visitas": {"grupos": [{"cantidad": c, "dias_min": a, "dias_max": b}
                                                   for c, a, b in grupos], "dias_total": total}}}


def test_las_duraciones_de_un_anio_completan_la_mezcla_de_cada_protocolo():
    # Given the NT-026 mixes: EIB (6 visits of 2-3 days, 14 days), polidocente inicial, primaria
    for grupos, total in (([(6, 2, 3)], 14), ([(2, 3, 3), (2, 2, 2), (2, 1, 1)], 12), ([(1, 2, 2), (6, 1, 1)], 8)):
        largos = duraciones(plan(grupos, total))

        # Then the year's visits add up to the table's days and agenda's own rule admits each one in turn
        assert sum(largos) == total and len(largos) == sum(g[0] for g in grupos)
        for n in range(1, len(largos) + 1):
            assert mezcla.posible(grupos, total, largos[:n])


def carga(anio: int = 2020) -> Carga:
    c = Carga({}, lambda: "", historia=None)  # type: ignore[arg-type]
    c.anio = anio
    return c


def test_las_visitas_de_un_acompanante_caen_en_dias_lectivos_distintos_del_anio_escolar():
    c = carga(2021)
    c.libre = {"a": date(2021, 3, 16)}
    franjas = []
    while (f := c._franja("a", [3, 2, 1][len(franjas) % 3])) is not None:
        franjas.append(f)

    dias = [date.fromisoformat(f[0]) + timedelta(days=i) for f in franjas
            for i in range((date.fromisoformat(f[1]) - date.fromisoformat(f[0])).days + 1)]
    assert len(dias) == len(set(dias))  # never twice on a day
    assert all(d.weekday() < 5 and date(2021, 3, 15) <= d <= date(2021, 12, 17) for d in dias)
    assert len(franjas) > 60  # the whole school year, not a few weeks


def test_un_padron_de_varias_ugel_tiene_codigos_y_personas_propios_en_cada_una():
    c = carga()
    c.copias = 3
    ies = list(csv.DictReader(io.StringIO(c._padron("padron").decode("latin-1")), delimiter=";"))
    docentes = list(csv.DictReader(io.StringIO(c._padron("docentes").decode("latin-1"))))
    acompanantes = list(csv.DictReader(io.StringIO(c._padron("acompanantes").decode("latin-1"))))

    assert len({f["COD_MOD"] for f in ies}) == len(ies) and len({f["CODOOII"] for f in ies}) == 3
    assert len({f["DNI"] for f in docentes + acompanantes}) == len(docentes) + len(acompanantes)
    assert len({f["COD_PLAZA"] for f in docentes}) == len(docentes)
    assert {f["COD_MOD"] for f in docentes} <= {f["COD_MOD"] for f in ies}  # each docente in a school of the padrón
    assert all(len(f["COD_MOD"]) == 7 and len(f["DNI"]) == 8 for f in docentes)
