"""Formats people already use: an acompañante's agenda as iCalendar (RFC 5545), and CSV and XLSX."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from services.agenda import cumplimiento
from shared import hojas
from shared.hojas import Columna, Portada, Tabla
from shared.territorios import NIVELES as TERRITORIOS
from shared.territorios import Nombres

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


# --- spreadsheets: the columns of the plans and of their fulfilment, in words (``shared.hojas``) ------------

def _n(clave: str, titulo: str, unidad: str = "n.º") -> Columna:
    return Columna(clave, titulo, unidad, "numero")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NIVELES = {"docente": "docente", "acompanante": "acompañante", "ie": "IE", "ugel": "UGEL", "dre": "DRE",
           "nacional": "el país"}
TIPOS_IE = {"multigrado": "Multigrado", "polidocente_primaria": "Polidocente (primaria)",
            "polidocente_inicial": "Polidocente (inicial)", "polidocente_secundaria": "Polidocente (secundaria)",
            "eib": "EIB"}
TERRITORIO = {
    "docente_id": Columna("docente_id", "Docente (identificador)"),
    "acompanante_id": Columna("acompanante_id", "Acompañante o directivo (identificador)"),
    "dre": Columna("dre", "DRE"), "ugel": Columna("ugel", "UGEL"), "ie": Columna("ie", "IE (código modular-anexo)"),
    "tipo_ie": Columna("tipo_ie", "Tipo de IE", textos=TIPOS_IE), "nivel": Columna("nivel", "Nivel educativo"),
    "etapa": _n("etapa", "Etapa", ""), "protocolo": Columna("protocolo", "Protocolo")}
# per component: its words, its unit and the ending of its participles (visitas planificadas, GIA planificados)
COMPONENTES = {"visitas": ("Visitas", "n.º", "as"), "dias_visita": ("Días de visita", "días", "os"),
               "gia": ("GIA", "n.º", "os"), "rtc": ("RTC", "n.º", "as"), "talleres": ("Talleres", "n.º", "os"),
               "dias_taller": ("Días de taller", "días", "os"), "cursos": ("Cursos virtuales", "n.º", "os")}
assert tuple(COMPONENTES) == cumplimiento.COMPONENTES, "a component of the plan without its words"
MEDIDAS = {"planificado": "planificad{}", "esperado": "esperad{} a la fecha", "realizado": "realizad{}",
           "cumplido": "realizad{} dentro de lo planificado"}
PLANES = [TERRITORIO["docente_id"], _n("anio", "Año", ""), TERRITORIO["etapa"],
          Columna("modalidad", "Modalidad", textos={"externa": "Externa (acompañante)", "interna": "Interna (directivo)"}),
          TERRITORIO["protocolo"], TERRITORIO["acompanante_id"], TERRITORIO["dre"], TERRITORIO["ugel"],
          Columna("codigo_modular", "Código modular de la IE"), _n("anexo", "Anexo", ""), TERRITORIO["tipo_ie"],
          TERRITORIO["nivel"], Columna("activo", "Plan vigente"),
          *(_n(k, f"{nombre} planificad{fin}", unidad) for k, (nombre, unidad, fin) in COMPONENTES.items())]
PLANES_CLAVES = [c.clave for c in PLANES if c.clave not in COMPONENTES]  # a plan's own fields


def columnas_cumplimiento(nivel: str, filas: list[dict[str, Any]], nombres: Nombres = Nombres()) -> list[Columna]:
    """The fulfilment table's columns at ``nivel``: who or where (a DRE or UGEL by the name the padrón gives it,
    ``nombres``), then per component what was planned, expected by the date, delivered, delivered within the
    plan and its percentage; each level's own columns last."""
    territorio = [replace(TERRITORIO[k], textos=nombres.textos(k)) if k in TERRITORIOS else TERRITORIO[k]
                  for k in cumplimiento.CLAVES[nivel]]
    columnas = [*territorio, _n("docentes", "Docentes"),
                _n("docentes_atrasados", "Docentes atrasados")]
    for k, (nombre, unidad, fin) in COMPONENTES.items():
        columnas += [_n(f"{k}_{m}", f"{nombre} {texto.format(fin)}", unidad) for m, texto in MEDIDAS.items()]
        columnas.append(_n(f"{k}_porcentaje", f"{nombre}: cumplimiento de lo planificado", "%"))
    if nivel == "docente":
        columnas += [Columna("modalidad", "Modalidad", textos={"externa": "Externa", "interna": "Interna"}),
                     Columna("atrasado", "Atrasado"),
                     Columna("atrasos", "Componentes atrasados", textos={k: v[0] for k, v in COMPONENTES.items()})]
    if nivel == "acompanante":
        columnas += [_n("talleres_propios_planificado", "Talleres para acompañantes planificados"),
                     _n("talleres_propios_realizado", "Talleres para acompañantes a los que asistió"),
                     _n("talleres_propios_porcentaje", "Talleres para acompañantes: cumplimiento", "%"),
                     _n("dias_taller_propios_planificado", "Días de taller para acompañantes planificados", "días"),
                     _n("dias_taller_propios_realizado", "Días de taller para acompañantes asistidos", "días"),
                     _n("cursos_propios_realizado", "Cursos virtuales propios concluidos"),
                     _n("horas_cursos_propios", "Cursos virtuales propios", "horas")]
    if any(cumplimiento.PARES[0] in f for f in filas):  # where a school's internal plan is in the table
        columnas += [_n("visitas_entre_pares_recibidas", "Visitas entre pares recibidas"),
                     _n("visitas_entre_pares_hechas", "Visitas entre pares hechas")]
    return [*columnas, Columna("fecha_corte", "Fecha de corte", tipo="fecha")]


def csv_de(tabla: Tabla) -> str:
    """CSV with a header in words, ``;``-separated and BOM-prefixed so spreadsheet software in Spanish
    opens it with accents and columns right; no cell is taken for a formula (``shared.hojas``)."""
    return hojas.texto_csv(tabla)


def xlsx_de(portada: Portada, tablas: list[Tabla]) -> bytes:
    """A workbook: the cover (what, as of which date, by whom), then the tables."""
    return hojas.libro(portada, tablas)
