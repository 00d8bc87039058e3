"""Time on the agenda: the span an activity occupies, school days, and when each planned
activity is due.

Visits and talleres occupy whole days; GIA and RTC occupy hours of one day (NT-026 §5.6:
"duración mínima de tres horas"). Two activities of one acompañante may not share a moment.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

HORA = r"^([01]\d|2[0-3]):[0-5]\d$"


@dataclass(frozen=True, order=True)
class Franja:
    inicio: datetime
    fin: datetime

    @classmethod
    def de_dias(cls, desde: date, hasta: date) -> Franja:
        return cls(datetime.combine(desde, time()), datetime.combine(hasta + timedelta(days=1), time()))

    @classmethod
    def de_horas(cls, fecha: date, hora_inicio: str, hora_fin: str) -> Franja:
        return cls(datetime.combine(fecha, time.fromisoformat(hora_inicio)),
                   datetime.combine(fecha, time.fromisoformat(hora_fin)))

    @classmethod
    def de(cls, actividad: Any) -> Franja:
        """An activity's span, from its data (``valores.Visita``, ``Reunion``, ``Taller``) or their dict."""
        d = actividad if isinstance(actividad, dict) else vars(actividad)
        if d.get("hora_inicio"):
            return cls.de_horas(date.fromisoformat(d["fecha_inicio"]), d["hora_inicio"], d["hora_fin"])
        return cls.de_dias(date.fromisoformat(d["fecha_inicio"]), date.fromisoformat(d["fecha_fin"]))

    def se_cruza(self, otra: Franja) -> bool:
        return self.inicio < otra.fin and otra.inicio < self.fin

    def dias(self) -> set[date]:
        ultimo = (self.fin - timedelta(microseconds=1)).date()
        return {self.inicio.date() + timedelta(days=i) for i in range((ultimo - self.inicio.date()).days + 1)}

    def dias_lectivos(self) -> int:
        """School days (Monday to Friday) in the span: what a visit's length is counted in."""
        return sum(1 for d in self.dias() if d.weekday() < 5)

    @property
    def horas(self) -> float:
        return (self.fin - self.inicio).total_seconds() / 3600

    def describir(self) -> str:
        if self.inicio.time() == time() and self.fin.time() == time():
            ultimo = (self.fin - timedelta(days=1)).date()
            if ultimo == self.inicio.date():
                return f"el {self.inicio:%d/%m/%Y}"
            return f"del {self.inicio:%d/%m/%Y} al {ultimo:%d/%m/%Y}"
        return f"el {self.inicio:%d/%m/%Y} de {self.inicio:%H:%M} a {self.fin:%H:%M}"


def dias_habiles(desde: date, hasta: date) -> list[date]:
    """Monday to Friday between two dates, both included."""
    return [desde + timedelta(days=i) for i in range((hasta - desde).days + 1)
            if (desde + timedelta(days=i)).weekday() < 5]


def vencimientos(cantidad: int, inicio: date, fin: date, *, meses: list[int] | None = None,
                 limites: list[date | None] | None = None) -> list[date]:
    """When each of ``cantidad`` planned activities is due.

    An activity with its own limit (an internal plan's "antes del 12/07") or month is due then;
    otherwise the k-th of n is due when k/n of the school year has passed, the even pace the
    norm's yearly counts imply.
    """
    resultado = []
    for k in range(1, cantidad + 1):
        limite = limites[k - 1] if limites and k - 1 < len(limites) else None
        if limite is None and meses and k - 1 < len(meses):
            limite = ultimo_dia(inicio.year, meses[k - 1])
        if limite is None:
            limite = inicio + timedelta(days=round((fin - inicio).days * k / cantidad))
        resultado.append(limite)
    return resultado


def ultimo_dia(anio: int, mes: int) -> date:
    return date(anio, mes, calendar.monthrange(anio, mes)[1])
