"""A visit's school days as agenda's read model counts them (``projections.dias_lectivos``): the days
``calendario.Franja`` lists, counted without listing them."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.agenda.calendario import Franja
from services.agenda.projections import dias_lectivos


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.integers(min_value=-10, max_value=400))
def test_cuenta_los_dias_lectivos_que_la_franja_lista(desde: date, largo: int) -> None:
    hasta = desde + timedelta(days=largo)
    assert dias_lectivos(desde, hasta) == Franja.de_dias(desde, hasta).dias_lectivos()


def test_una_semana_y_sus_bordes() -> None:
    lunes = date(2021, 3, 22)
    assert dias_lectivos(lunes, lunes) == 1
    assert dias_lectivos(lunes, lunes + timedelta(days=6)) == 5  # to Sunday
    assert dias_lectivos(lunes + timedelta(days=5), lunes + timedelta(days=6)) == 0  # a weekend
    assert dias_lectivos(lunes + timedelta(days=4), lunes + timedelta(days=7)) == 2  # Friday to Monday
    assert dias_lectivos(lunes, lunes - timedelta(days=1)) == 0  # an empty span
