"""The acompañante's agenda as a phone calendar feed (RFC 5545) and the CSV exports, read
back by the libraries that consume them: ``icalendar`` and the ``csv`` module."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from services.agenda import exportar
from services.agenda.application import Agenda, Asignacion
from services.agenda.comandos import (Cambios, CancelarActividad, ProgramarActividad, RealizarActividad,
                                      ReprogramarActividad, ReunionPedida, VisitaPedida)
from services.agenda.config import AgendaSettings
from shared.hojas import Tabla
from shared.settings import SQLITE

ACOMPANANTE = str(uuid.uuid5(uuid.NAMESPACE_URL, "acompanante/ics"))
DOCENTES = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"docente/ics/{i}")) for i in range(3)]
IE, CODIGO = "0312345-0", "0312345"
ID = {nombre: str(uuid.uuid5(uuid.NAMESPACE_URL, f"actividad/ics/{nombre}"))
      for nombre in ("visita_2_dias", "gia", "cancelada", "realizada")}
MOTIVO = "Paro regional en Juliaca: la IE suspendió las clases"


@pytest.fixture
def agenda(tmp_path, closing) -> Agenda:
    app = closing(Agenda(AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path)))
    app.publicar_protocolos_incluidos()
    for docente in DOCENTES:  # polidocente inicial: a visit lasts 1 to 3 days
        app.generar_plan(Asignacion(
            docente_id=docente, acompanante_id=ACOMPANANTE, convocatoria="2020-2022", anio=2021,
            codigo_modular=CODIGO, anexo=0, dre="DRE-PUNO", ugel="UGEL-PUNO", tipo_ie="polidocente_inicial",
            nivel="inicial"), etapa=2)
    # Given a 2-day visit, a GIA from 15:00 to 18:00 Lima time, a visit cancelled with its
    # reason, and a visit scheduled for one day that took two
    app.programar(ProgramarActividad(ACOMPANANTE, ID["visita_2_dias"], "visita",
                                     VisitaPedida(DOCENTES[0], date(2021, 4, 13), date(2021, 4, 14))))
    app.programar(ProgramarActividad(ACOMPANANTE, ID["gia"], "gia", ReunionPedida(
        CODIGO, date(2021, 4, 15), "15:00", "18:00", tema="Planificación de la unidad didáctica")))
    app.programar(ProgramarActividad(ACOMPANANTE, ID["cancelada"], "visita",
                                     VisitaPedida(DOCENTES[1], date(2021, 4, 20), date(2021, 4, 20))))
    assert app.cancelar(CancelarActividad(ID["cancelada"], MOTIVO)).nuevo
    app.programar(ProgramarActividad(ACOMPANANTE, ID["realizada"], "visita",
                                     VisitaPedida(DOCENTES[2], date(2021, 4, 22), date(2021, 4, 22))))
    assert app.realizar(RealizarActividad(ACOMPANANTE, ID["realizada"], "visita", VisitaPedida(
        DOCENTES[2], date(2021, 4, 22), date(2021, 4, 23), ("observacion", "asesoria", "retroalimentacion")))).nuevo
    return app


def _feed(agenda: Agenda) -> Calendar:
    return Calendar.from_ical(exportar.icalendar(ACOMPANANTE, agenda.proyecciones.actividades(ACOMPANANTE)))


def _eventos(cal: Calendar) -> dict[str, object]:
    """The VEVENTs by activity (the UID is '<actividad_id>@acompana.minedu.gob.pe')."""
    return {str(ev["UID"]).removesuffix("@acompana.minedu.gob.pe"): ev for ev in cal.walk("VEVENT")}


def test_el_feed_se_lee_con_una_biblioteca_icalendar(agenda):
    # When the feed is generated and parsed back
    cal = _feed(agenda)
    # Then it is a Gregorian iCalendar 2.0 in Lima time, one event per activity
    assert str(cal["VERSION"]) == "2.0" and str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["X-WR-TIMEZONE"]) == "America/Lima"
    assert "Acompaña" in str(cal["PRODID"])
    eventos = _eventos(cal)
    assert len(cal.walk("VEVENT")) == 4
    assert set(eventos) == set(ID.values())
    # and every one is at the school, which its place names
    for ev in eventos.values():
        assert str(ev["LOCATION"]) == f"IE {IE}"


def test_los_uid_no_cambian_entre_generaciones(agenda):
    # When the feed is generated twice (a phone polls it), with a change in between
    primera = _eventos(_feed(agenda))
    agenda.reprogramar(ReprogramarActividad(ID["visita_2_dias"], Cambios(date(2021, 4, 26), date(2021, 4, 27)),
                                            "Simulacro de sismo"))
    segunda = _eventos(_feed(agenda))
    # Then the same UIDs come back (the calendar updates the events instead of duplicating
    # them), and the changed one carries a higher SEQUENCE and its new dates
    assert set(primera) == set(segunda) == set(ID.values())
    antes, despues = primera[ID["visita_2_dias"]], segunda[ID["visita_2_dias"]]
    assert int(despues["SEQUENCE"]) == int(antes["SEQUENCE"]) + 1
    assert (despues["DTSTART"].dt, despues["DTEND"].dt) == (date(2021, 4, 26), date(2021, 4, 28))
    assert "Simulacro de sismo" in str(despues["DESCRIPTION"])


def test_las_visitas_son_eventos_de_dia_completo_con_fin_exclusivo(agenda):
    eventos = _eventos(_feed(agenda))
    # Then a 2-day visit is a DATE event from its first day to the day after its last (RFC 5545:
    # DTEND is exclusive)
    visita = eventos[ID["visita_2_dias"]]
    inicio, fin = visita["DTSTART"].dt, visita["DTEND"].dt
    assert type(inicio) is date and type(fin) is date
    assert (inicio, fin) == (date(2021, 4, 13), date(2021, 4, 15))
    assert visita["DTSTART"].params.get("VALUE") == "DATE"
    assert str(visita["STATUS"]) == "TENTATIVE" and int(visita["SEQUENCE"]) == 0
    assert str(visita["SUMMARY"]).startswith("Visita en aula") and DOCENTES[0][:8] in str(visita["SUMMARY"])
    # and the visit recorded as done shows the days it really took, confirmed
    hecha = eventos[ID["realizada"]]
    assert (hecha["DTSTART"].dt, hecha["DTEND"].dt) == (date(2021, 4, 22), date(2021, 4, 24))
    assert str(hecha["STATUS"]) == "CONFIRMED" and int(hecha["SEQUENCE"]) == 1


def test_el_gia_tiene_hora_de_lima(agenda):
    gia = _eventos(_feed(agenda))[ID["gia"]]
    inicio, fin = gia["DTSTART"].dt, gia["DTEND"].dt
    # Then it starts and ends at the hours given, in America/Lima (UTC-5, no daylight saving)
    assert isinstance(inicio, datetime) and isinstance(fin, datetime)
    assert inicio.tzinfo is not None and fin.tzinfo is not None
    assert gia["DTSTART"].params["TZID"] == gia["DTEND"].params["TZID"] == "America/Lima"
    assert (inicio.date(), inicio.hour, inicio.minute) == (date(2021, 4, 15), 15, 0)
    assert (fin.hour, fin.minute) == (18, 0)
    assert inicio.utcoffset() == timedelta(hours=-5)
    assert inicio.astimezone(UTC) == datetime(2021, 4, 15, 20, 0, tzinfo=UTC)
    assert fin - inicio == timedelta(hours=3)
    assert str(gia["SUMMARY"]) == "GIA · Planificación de la unidad didáctica"


def test_la_visita_cancelada_queda_marcada_con_su_motivo(agenda):
    cancelada = _eventos(_feed(agenda))[ID["cancelada"]]
    # Then a subscribed calendar drops it: STATUS:CANCELLED, and its reason is kept, accents and all
    assert str(cancelada["STATUS"]) == "CANCELLED"
    assert str(cancelada["SUMMARY"]).endswith("(cancelada)")
    assert f"Cancelada: {MOTIVO}" in str(cancelada["DESCRIPTION"])
    assert int(cancelada["SEQUENCE"]) == 1
    assert cancelada["DTSTART"].dt == date(2021, 4, 20) and cancelada["DTEND"].dt == date(2021, 4, 21)


def test_csv_con_bom_punto_y_coma_y_tildes(agenda):
    # Given the fulfilment rows of the docentes and a row with accents, a ';' and an empty cell
    filas = agenda.proyecciones.cumplimiento(2021, date(2021, 4, 30), "docente")
    filas.append({**filas[0], "docente_id": "Ñuñoa; Áncash", "ie": "IE «José María Arguedas»",
                  "protocolo": None})
    columnas = exportar.columnas_cumplimiento("docente", filas)
    # When exported
    texto = exportar.csv_de(Tabla("cumplimiento", columnas, filas))
    # Then it starts with the BOM and, without it, is read by the csv module with ';'
    assert texto.startswith("\ufeff") and not texto.startswith("\ufeff\ufeff")
    assert texto.encode("utf-8").decode("utf-8-sig") == texto[1:]
    leidas = list(csv.DictReader(io.StringIO(texto[1:]), delimiter=";"))
    assert len(leidas) == len(filas) == 4
    # with a header in words, one per column, in the columns' order
    assert list(leidas[0]) == [c.encabezado for c in columnas]
    clave = {c.clave: c.encabezado for c in columnas}
    por_docente = {f[clave["docente_id"]]: f for f in leidas}
    assert set(por_docente) == {*DOCENTES, "Ñuñoa; Áncash"}
    # and the values and accents come back as written, an empty cell empty
    rara = por_docente["Ñuñoa; Áncash"]
    assert rara[clave["ie"]] == "IE «José María Arguedas»" and rara[clave["protocolo"]] == ""
    hecha = por_docente[DOCENTES[2]]
    assert (hecha[clave["visitas_realizado"]], hecha[clave["dias_visita_realizado"]], hecha[clave["ie"]]) \
        == ("1", "2", IE)
    assert por_docente[DOCENTES[1]][clave["visitas_realizado"]] == "0"
