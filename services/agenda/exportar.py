"""Formats people already use: an acompañante's agenda as iCalendar (RFC 5545), and CSV."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from shared.hojas import celda, escritor_csv

LIMA = ZoneInfo("America/Lima")
TITULO = {"visita": "Visita en aula", "gia": "GIA", "rtc": "RTC", "taller": "Taller"}


def icalendar(acompanante_id: str, actividades: Iterable[dict[str, Any]]) -> bytes:
    """A feed a phone calendar can subscribe to: one VEVENT per activity, stable UIDs, and
    cancelled activities marked CANCELLED so subscribed calendars drop them."""
    cal = Calendar()
    cal.add("prodid", "-//MINEDU//Acompaña agenda//ES")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Agenda de acompañamiento")
    cal.add("x-wr-timezone", "America/Lima")
    for a in actividades:
        d = a["datos"]
        ev = Event()
        ev.add("uid", f"{a['actividad_id']}@acompana.minedu.gob.pe")
        ev.add("dtstamp", datetime.now(UTC))
        if d.get("hora_inicio"):
            fecha = date.fromisoformat(d["fecha_inicio"])
            ev.add("dtstart", datetime.combine(fecha, datetime.strptime(d["hora_inicio"], "%H:%M").time(), LIMA))
            ev.add("dtend", datetime.combine(fecha, datetime.strptime(d["hora_fin"], "%H:%M").time(), LIMA))
        else:
            ev.add("dtstart", date.fromisoformat(d["fecha_inicio"]))
            ev.add("dtend", date.fromisoformat(d["fecha_fin"]) + timedelta(days=1))  # exclusive end (RFC 5545)
        ev.add("summary", _resumen(a))
        lugar = f"IE {d['ie']}" if d.get("ie") else d.get("sede") or ""
        if lugar:
            ev.add("location", lugar)
        ev.add("description", _descripcion(a))
        ev.add("status", {"programada": "TENTATIVE", "realizada": "CONFIRMED", "cancelada": "CANCELLED"}[a["estado"]])
        ev.add("sequence", len(a["historial"]) - 1)
        ev.add("categories", [TITULO[a["tipo"]]])
        cal.add_component(ev)
    cal.add_missing_timezones()  # the VTIMEZONE that TZID=America/Lima refers to (RFC 5545 §3.6.5)
    return cal.to_ical()


def _resumen(a: dict[str, Any]) -> str:
    d = a["datos"]
    texto = TITULO[a["tipo"]]
    if a["tipo"] == "visita":
        texto += f" · docente {d['docentes'][0][:8]}"
    elif d.get("tema"):
        texto += f" · {d['tema']}"
    return texto + (" (cancelada)" if a["estado"] == "cancelada" else "")


def _descripcion(a: dict[str, Any]) -> str:
    d = a["datos"]
    lineas = [f"Estado: {a['estado']}", f"Docentes: {len(d['docentes'])}"]
    for paso in a["historial"]:
        if paso.get("motivo"):
            lineas.append(f"{paso['evento'].capitalize()}: {paso['motivo']}")
    return "\n".join(lineas)


def csv_de(filas: list[dict[str, Any]], columnas: list[str] | None = None) -> str:
    """CSV with a header, ``;``-separated and BOM-prefixed so spreadsheet software in Spanish
    opens it with accents and columns right; no cell is taken for a formula (``shared.hojas``)."""
    salida = io.StringIO()
    columnas = columnas or (list(filas[0]) if filas else [])
    escritor = escritor_csv(salida, columnas, extrasaction="ignore")
    for f in filas:
        escritor.writerow({k: _celda(f.get(k)) for k in columnas})
    return "\ufeff" + salida.getvalue()


def _celda(valor: Any) -> Any:
    if isinstance(valor, (list, tuple)):
        return celda(", ".join(str(x) for x in valor))
    return "" if valor is None else celda(valor)
