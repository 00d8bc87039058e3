"""Reglas de la agenda del acompañante (NT-026 §5.2.6, §5.2.7, §5.6) por el lado de escritura.

Un acompañante de la UGEL El Collao acompaña en 2020 a tres docentes de primaria polidocente de la
IE 0236885-0 (visitas de 1 ó 2 días) y a una docente EIB de la IE 0500001-0 (visitas de 2 a 3 días).
Cada rechazo es un ``DomainError`` cuyo motivo dice qué regla se rompió, y no deja nada registrado.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from uuid import uuid4

import pytest

from services.agenda.application import Agenda
from services.agenda.comandos import (Asignacion, Cambios, CancelarActividad, DesignarDirectivo, Pedido,
                                      ProgramarActividad, RealizarActividad, ReprogramarActividad, ReunionPedida,
                                      TallerPedido, VisitaPedida)
from services.agenda.config import AgendaSettings
from services.agenda.domainmodel import AgendaInvalida
from services.agenda.valores import Entregado
from shared.eventstore import Conflict, DomainError
from shared.settings import SQLITE

IE_POLIDOCENTE, IE_EIB = "0236885", "0500001"


def _id() -> str:
    return str(uuid4())


def asignacion(docente: str, acompanante: str, codigo_modular: str = IE_POLIDOCENTE,
               tipo_ie: str = "polidocente_primaria") -> Asignacion:
    return Asignacion(docente_id=docente, acompanante_id=acompanante, convocatoria="2020-2022", anio=2020,
                      codigo_modular=codigo_modular, anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO",
                      tipo_ie=tipo_ie, nivel="primaria")


@dataclass
class Mundo:
    app: Agenda
    acompanante: str
    docentes: list[str]  # primaria polidocente, IE 0236885-0
    eib: str             # EIB primaria, IE 0500001-0

    def visita(self, docente: str, desde: str, hasta: str | None = None, acciones: Iterable[str] = (),
               observaciones: str = "") -> VisitaPedida:
        return VisitaPedida(docente, date.fromisoformat(desde), date.fromisoformat(hasta or desde), tuple(acciones),
                            observaciones)

    def programar(self, tipo: str, entrada: Pedido, actividad_id: str | None = None):
        return self.app.programar(ProgramarActividad(self.acompanante, actividad_id or _id(), tipo, entrada))

    def registrado(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def rechaza(self, accion, fragmento: str, error: type[DomainError] = AgendaInvalida) -> str:
        """Ejecuta ``accion``: debe rechazarse con ``error`` cuyo motivo contenga ``fragmento``, sin registrar nada."""
        antes = self.registrado()
        with pytest.raises(error) as e:
            accion()
        assert fragmento in str(e.value), str(e.value)
        assert self.registrado() == antes
        return str(e.value)


def reunion(fecha: str, desde: str = "14:00", hasta: str = "17:00", ie: str = IE_POLIDOCENTE,
            directivo_id: str | None = None, docentes: Iterable[str] | None = None) -> ReunionPedida:
    return ReunionPedida(ie, date.fromisoformat(fecha), desde, hasta,
                         docentes=None if docentes is None else tuple(docentes), directivo_id=directivo_id)


def dia(d: str) -> date:
    return date.fromisoformat(d)


@pytest.fixture
def app(tmp_path):
    app = Agenda(AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path))
    app.publicar_protocolos_incluidos()
    yield app
    app.close()


@pytest.fixture
def mundo(app) -> Mundo:
    m = Mundo(app, _id(), [_id() for _ in range(3)], _id())
    for docente in m.docentes:
        assert app.generar_plan(asignacion(docente, m.acompanante), etapa=1)
    assert app.generar_plan(asignacion(m.eib, m.acompanante, IE_EIB, "eib"), etapa=1)
    return m


# --- Un acompañante no está en dos actividades a la vez --------------------------------------------

def test_dos_visitas_que_se_cruzan(mundo):
    # Dada una visita programada el miércoles 10/06 y una visita EIB del 15 al 16/06
    mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-10"))
    mundo.programar("visita", mundo.visita(mundo.eib, "2020-06-15", "2020-06-16"))
    # Cuando se programa otra visita el mismo día, o una que toca el segundo día de la EIB
    # Entonces se rechaza: "no puede estar en dos actividades a la vez"
    motivo = mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(mundo.docentes[1], "2020-06-10")),
                           "Se cruza con visita")
    assert "el 10/06/2020" in motivo and "dos actividades a la vez" in motivo
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(mundo.docentes[1], "2020-06-16", "2020-06-17")),
                  "del 15/06/2020 al 16/06/2020")
    # y el día siguiente sí está libre
    assert mundo.programar("visita", mundo.visita(mundo.docentes[1], "2020-06-17")).nuevo


def test_gia_en_otra_ie_durante_una_visita(mundo):
    # Dada una visita EIB en la IE 0500001 el 10 y 11/06
    mundo.programar("visita", mundo.visita(mundo.eib, "2020-06-10", "2020-06-11"))
    # Cuando se programa un GIA en la IE 0236885 la tarde del 11/06, Entonces se cruza con la visita
    mundo.rechaza(lambda: mundo.programar("gia", reunion("2020-06-11")), "Se cruza con visita")
    # y el 12/06 a la misma hora se acepta
    assert mundo.programar("gia", reunion("2020-06-12")).nuevo


def test_taller_sobre_una_visita(mundo):
    # Dada una visita el 10/06
    mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-10"))
    # Cuando se programa un taller de cuatro días del 08 al 11/06, Entonces se rechaza
    taller = TallerPedido(dia("2020-06-08"), dia("2020-06-11"), sede="UGEL El Collao")
    mundo.rechaza(lambda: mundo.programar("taller", taller), "Se cruza con visita")
    assert mundo.programar("taller", replace(taller, fecha_inicio=dia("2020-06-22"), fecha_fin=dia("2020-06-25"))).nuevo


# --- GIA y RTC en un día distinto al periodo de visitas (§5.2.6 b, §5.2.7) ---------------------------

def test_gia_en_un_dia_de_visita_de_la_misma_ie(mundo):
    # Dada una visita de dos días (15 y 16/06) en la IE 0236885
    mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-15", "2020-06-16"))
    # Cuando se programa un GIA en esa IE el 16/06, Entonces se rechaza por la regla del día distinto
    mundo.rechaza(lambda: mundo.programar("gia", reunion("2020-06-16")), "en un día distinto al periodo de visitas")
    # y al día siguiente de la visita se acepta
    assert mundo.programar("gia", reunion("2020-06-17")).nuevo


def test_visita_sobre_un_dia_de_gia_de_la_misma_ie(mundo):
    # Dado un GIA en la IE 0236885 el 12/06 de 14:00 a 17:00
    gia = _id()
    mundo.programar("gia", reunion("2020-06-12"), gia)
    # Cuando se programa una visita a un docente de esa IE que incluye el 12/06
    motivo = mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(mundo.docentes[1], "2020-06-11", "2020-06-12")),
                           "GIA y RTC se realizan en un día distinto al periodo de visitas")
    # Entonces el motivo nombra el GIA y su horario
    assert f"El GIA {gia} de esta IE es el 12/06/2020 de 14:00 a 17:00" in motivo


def test_gia_dura_como_minimo_tres_horas(mundo):
    # Cuando se programa un GIA de 2 h 59 min, Entonces se rechaza
    motivo = mundo.rechaza(lambda: mundo.programar("gia", reunion("2020-06-12", "14:00", "16:59")),
                           "El GIA dura como mínimo 3 horas")
    # citing where the norm says it: "Cada GIA tiene una duración mínima de tres horas" (§5.6.1 d, 5.6.2 d, 5.6.3 d)
    assert "(NT-026 §5.6.1–§5.6.3 d)" in motivo
    # y uno de exactamente tres horas se acepta, con todos los docentes de la IE
    gia = _id()
    assert mundo.programar("gia", reunion("2020-06-12", "14:00", "17:00"), gia).nuevo
    assert mundo.app.agenda(mundo.acompanante, 2020).actividades[gia].datos.docentes == sorted(mundo.docentes)


def test_rtc_sin_directivo_registrado(mundo):
    # Dada una IE sin directivo registrado, Cuando se programa una RTC, Entonces se pide registrarlo
    mundo.rechaza(lambda: mundo.programar("rtc", reunion("2020-06-12", directivo_id=_id())),
                  "no tiene directivo registrado")


def test_rtc_la_lidera_el_directivo_registrado(mundo):
    # Dado el director registrado de la IE 0236885-0
    director = _id()
    assert mundo.app.designar_directivo(DesignarDirectivo(IE_POLIDOCENTE, 0, director, "director"))
    # Cuando la RTC la lidera otra persona, o nadie, Entonces se rechaza
    mundo.rechaza(lambda: mundo.programar("rtc", reunion("2020-06-12", directivo_id=_id())),
                  "no es el directivo registrado")
    mundo.rechaza(lambda: mundo.programar("rtc", reunion("2020-06-12")), "el indicado (None)")
    # y liderada por el director se acepta (y se proyecta)
    rtc = _id()
    assert mundo.programar("rtc", reunion("2020-06-12", directivo_id=director), rtc).nuevo
    fila = mundo.app.proyecciones.actividad(rtc)
    assert (fila["tipo"], fila["estado"], fila["datos"]["directivo_id"]) == ("rtc", "programada", director)


# --- A quién y cuánto dura una visita -----------------------------------------------------------

def test_visita_a_un_docente_que_no_es_suyo(mundo):
    # Dado un docente de la misma IE asignado a otro acompañante
    ajeno = _id()
    mundo.app.generar_plan(asignacion(ajeno, _id()), etapa=1)
    # Cuando este acompañante le programa o registra una visita, Entonces se rechaza
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(ajeno, "2020-06-10")),
                  f"El docente {ajeno} no está asignado a este acompañante en 2020")
    mundo.rechaza(lambda: mundo.app.realizar(RealizarActividad(mundo.acompanante, _id(), "visita",
                                             mundo.visita(ajeno, "2020-06-10", acciones=["observacion"]))),
                  "no está asignado a este acompañante")


@pytest.mark.parametrize("cual, desde, hasta, fragmento", [
    # §5.6.1 c: EIB "entre dos y tres días"
    ("eib", "2020-06-10", "2020-06-10", "dura entre 2 y 3 días según su protocolo (NT-026@1); se indicaron 1"),
    ("eib", "2020-06-08", "2020-06-11", "dura entre 2 y 3 días según su protocolo (NT-026@1); se indicaron 4"),
    # §5.6.3 c: primaria "una visita de dos días y seis visitas de un día"
    ("polidocente", "2020-06-08", "2020-06-10", "dura entre 1 y 2 días según su protocolo (NT-026@1); se indicaron 3"),
])
def test_duracion_de_la_visita_fuera_de_su_protocolo(mundo, cual, desde, hasta, fragmento):
    docente = mundo.eib if cual == "eib" else mundo.docentes[0]
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(docente, desde, hasta)), fragmento)


def test_duraciones_de_visita_dentro_del_protocolo(mundo):
    # EIB de 3 días y polidocente de 2 y de 1 día se aceptan
    assert mundo.programar("visita", mundo.visita(mundo.eib, "2020-06-08", "2020-06-10")).nuevo
    assert mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-11", "2020-06-12")).nuevo
    assert mundo.programar("visita", mundo.visita(mundo.docentes[1], "2020-06-15")).nuevo


@pytest.mark.parametrize("fecha", ["2020-01-10", "2020-03-13", "2020-12-18"])
def test_actividad_fuera_del_anio_escolar(mundo, fecha):
    # El año escolar de la NT-026 va del 15/03 al 17/12
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(mundo.docentes[0], fecha)),
                  "fuera del año escolar (15/03 al 17/12/2020)")
    mundo.rechaza(lambda: mundo.programar("gia", reunion(fecha)), "fuera del año escolar")


# --- Reprogramar, cancelar, reenviar --------------------------------------------------------------

def test_reprogramar_pide_motivo(mundo):
    visita = _id()
    mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-10"), visita)
    cambio = Cambios(fecha_inicio=dia("2020-06-11"), fecha_fin=dia("2020-06-11"))
    # Cuando se reprograma sin motivo, Entonces se rechaza
    mundo.rechaza(lambda: mundo.app.reprogramar(ReprogramarActividad(visita, cambio, "  ")), "Indique el motivo de la reprogramación")
    # y con motivo queda con la nueva fecha y su historia
    assert mundo.app.reprogramar(ReprogramarActividad(visita, cambio, "feriado regional")).nuevo
    fila = mundo.app.proyecciones.actividad(visita)
    assert str(fila["fecha_inicio"]) == "2020-06-11"
    assert [p["evento"] for p in fila["historial"]] == ["programada", "reprogramada"]
    assert fila["historial"][-1]["motivo"] == "feriado regional"


def test_no_se_cancela_una_visita_realizada(mundo):
    # Dada una visita programada y luego realizada
    visita = _id()
    mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-10"), visita)
    mundo.app.realizar(RealizarActividad(mundo.acompanante, visita, "visita", mundo.visita(mundo.docentes[0], "2020-06-10",
                                                                      acciones=["observacion", "asesoria"])))
    # Cuando se cancela o reprograma, Entonces es un conflicto: ya está realizada
    mundo.rechaza(lambda: mundo.app.cancelar(CancelarActividad(visita, "ya no")), "ya está realizada", Conflict)
    mundo.rechaza(lambda: mundo.app.reprogramar(ReprogramarActividad(visita, Cambios(fecha_inicio=dia("2020-06-12"),
                                                                                  fecha_fin=dia("2020-06-12")), "otra")), "ya está realizada", Conflict)
    assert mundo.app.proyecciones.actividad(visita)["estado"] == "realizada"


def test_programar_reenviado_no_registra_y_otro_contenido_es_conflicto(mundo):
    visita, entrada = _id(), mundo.visita(mundo.docentes[0], "2020-06-10")
    assert mundo.programar("visita", entrada, visita).nuevo
    antes = mundo.registrado()
    # Cuando el dispositivo reenvía lo mismo, Entonces no se registra nada nuevo
    assert mundo.programar("visita", replace(entrada), visita).nuevo is False
    assert mundo.registrado() == antes
    # y el mismo identificador con otro contenido es un conflicto
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-11"), visita),
                  f"El identificador {visita} ya se usó para otra actividad", Conflict)
    mundo.rechaza(lambda: mundo.programar("gia", reunion("2020-06-12"), visita), "ya se usó", Conflict)


def test_realizar_reenviado_no_registra_y_otro_contenido_es_conflicto(mundo):
    # Dada una visita realizada sin haberse programado antes
    visita = _id()
    entrada = mundo.visita(mundo.eib, "2020-06-10", "2020-06-11", acciones=["observacion", "asesoria"])
    assert mundo.app.realizar(RealizarActividad(mundo.acompanante, visita, "visita", entrada)).nuevo
    fila = mundo.app.proyecciones.actividad(visita)
    assert (fila["estado"], [p["evento"] for p in fila["historial"]]) == ("realizada", ["realizada"])
    antes = mundo.registrado()
    # Cuando se reenvía (aun con las acciones en otro orden), Entonces no se registra nada
    reenvio = replace(entrada, acciones=("asesoria", "observacion", "asesoria"))
    assert mundo.app.realizar(RealizarActividad(mundo.acompanante, visita, "visita", reenvio)).nuevo is False
    assert mundo.registrado() == antes
    # y con otros datos es un conflicto
    mundo.rechaza(lambda: mundo.app.realizar(RealizarActividad(mundo.acompanante, visita, "visita", replace(entrada, observaciones="x"))),
                  "ya fue registrada con otros datos", Conflict)


# --- Advertir (no rechazar) cuando el plan ya no cabe en el año ----------------------------------

def test_advertencia_cuando_el_plan_ya_no_puede_completarse(mundo):
    docente = mundo.docentes[0]
    # Dada una visita en junio: el año alcanza y no hay advertencias
    assert mundo.programar("visita", mundo.visita(docente, "2020-06-10")).advertencias == []
    # Cuando se programa otra el 10/12, a cinco días hábiles del fin del año escolar (17/12)
    visita = _id()
    r = mundo.programar("visita", mundo.visita(mundo.docentes[1], "2020-12-10"), visita)
    # Entonces se registra, pero se advierte que su plan (7 visitas, 8 días) ya no puede completarse
    assert r.nuevo and mundo.app.proyecciones.actividad(visita)["estado"] == "programada"
    avisos = [a for a in r.advertencias if mundo.docentes[1] in a]
    assert len(avisos) == 1 and "ya no puede completarse" in avisos[0]
    assert "le faltan 7 días de visita y quedan 5 días hábiles libres hasta el 17/12/2020" in avisos[0]


# --- Reasignar y retirar --------------------------------------------------------------------------

def test_reasignar_mueve_el_plan_y_cancela_sus_visitas_programadas(mundo):
    docente, otro = mundo.docentes[0], _id()
    programada, realizada = _id(), _id()
    mundo.programar("visita", mundo.visita(docente, "2020-07-10"), programada)
    mundo.app.realizar(RealizarActividad(mundo.acompanante, realizada, "visita", mundo.visita(docente, "2020-06-10", acciones=["observacion", "asesoria", "modelado"])))
    # Cuando se reasigna a otro acompañante
    assert mundo.app.reasignar(docente, mundo.acompanante, otro, "cambio de ruta") == 1
    # Entonces el plan es del nuevo, la visita programada con el anterior se cancela y la realizada queda
    assert [p["acompanante_id"] for p in mundo.app.proyecciones.planes(docente_id=docente)] == [otro]
    fila = mundo.app.proyecciones.actividad(programada)
    assert fila["estado"] == "cancelada" and "cambio de ruta" in fila["historial"][-1]["motivo"]
    assert mundo.app.proyecciones.actividad(realizada)["estado"] == "realizada"
    # el anterior ya no puede visitarlo y el nuevo sí
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(docente, "2020-07-14")), "no está asignado")
    assert mundo.app.programar(ProgramarActividad(otro, _id(), "visita", mundo.visita(docente, "2020-07-14"))).nuevo
    # y reasignar de nuevo desde el anterior no mueve nada
    assert mundo.app.reasignar(docente, mundo.acompanante, otro, "cambio de ruta") == 0


def test_retirar_deja_el_plan_inactivo(mundo):
    docente, visita = mundo.docentes[1], _id()
    mundo.programar("visita", mundo.visita(docente, "2020-07-10"), visita)
    # Cuando el docente se retira
    assert mundo.app.retirar(docente, "licencia por maternidad") == 1
    # Entonces su plan queda inactivo, su visita cancelada y ya no se le programa nada
    (plan,) = mundo.app.proyecciones.planes(docente_id=docente)
    assert plan["activo"] is False and plan["retirado_en"] is not None
    assert mundo.app.proyecciones.actividad(visita)["estado"] == "cancelada"
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(docente, "2020-07-14")), "no está asignado")
    assert mundo.app.proyecciones.planes(docente_id=docente, activos=True) == []
    # y retirarlo otra vez no cambia nada
    antes = mundo.registrado()
    assert mundo.app.retirar(docente, "licencia por maternidad") == 0
    assert mundo.registrado() == antes


# --- what review found: school days, moving a GIA by fecha_inicio, reassignment -------------------


def test_la_duracion_de_una_visita_se_cuenta_en_dias_lectivos(mundo):
    # Given an EIB docente (visits of 2 to 3 days): Friday 12 to Monday 15 June 2020 is two school days
    assert mundo.programar("visita", mundo.visita(mundo.eib, "2020-06-12", "2020-06-15")).nuevo
    # And a visit on a Saturday has no school day at all
    mundo.rechaza(lambda: mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-20")),
                  "días lectivos (de lunes a viernes)")


def test_un_gia_reprogramado_con_fecha_inicio_se_mueve(mundo):
    gia = _id()
    assert mundo.programar("gia", reunion("2020-06-17"), gia).nuevo
    # When it is moved giving fecha_inicio/fecha_fin instead of fecha
    assert mundo.app.reprogramar(ReprogramarActividad(gia, Cambios(fecha_inicio=dia("2020-06-19"), fecha_fin=dia("2020-06-19")),
                                                      "Lluvias")).nuevo
    # Then it moved
    assert mundo.app.proyecciones.actividad(gia)["datos"]["fecha_inicio"] == "2020-06-19"


def test_reasignar_al_mismo_acompanante_se_rechaza_sin_escribir(mundo):
    mundo.rechaza(lambda: mundo.app.reasignar(mundo.docentes[0], mundo.acompanante, mundo.acompanante, "x"),
                  "ya está con ese acompañante")


def test_lo_recibido_con_el_acompanante_anterior_cuenta_para_la_advertencia(mundo):
    # Given a docente who received 6 one-day visits from his first acompañante
    docente, dias = mundo.docentes[0], ["2020-04-06", "2020-04-07", "2020-04-08", "2020-04-09", "2020-04-13",
                                       "2020-04-14"]
    for d in dias:
        assert mundo.app.realizar(RealizarActividad(mundo.acompanante, _id(), "visita",
                                  mundo.visita(docente, d, acciones=["observacion", "asesoria"]))).nuevo
    # When he is reassigned and the new acompañante schedules his last (2-day) visit in December
    nuevo = _id()
    assert mundo.app.reasignar(docente, mundo.acompanante, nuevo, "Cambio de cartera") == 1
    resultado = mundo.app.programar(ProgramarActividad(nuevo, _id(), "visita", mundo.visita(docente, "2020-12-14", "2020-12-15")))
    # Then his plan (7 visits, 8 days) is complete: no warning that it cannot be completed
    assert resultado.nuevo
    assert not [a for a in resultado.advertencias if docente in a]


def test_un_identificador_no_puede_estar_en_la_agenda_de_dos_acompanantes(mundo):
    # Given a visit id in one acompañante's agenda
    visita = _id()
    assert mundo.programar("visita", mundo.visita(mundo.docentes[0], "2020-06-10"), visita).nuevo
    # When another acompañante, with his own docente, uses the same id
    otro, docente = _id(), _id()
    assert mundo.app.generar_plan(asignacion(docente, otro), etapa=1)
    mundo.rechaza(lambda: mundo.app.programar(ProgramarActividad(otro, visita, "visita", mundo.visita(docente, "2020-06-11"))),
                  "ya se usó en la agenda de otro acompañante", Conflict)


def test_participantes_repetidos_cuentan_una_vez(mundo):
    gia = _id()
    entrada = reunion("2020-06-17", docentes=[mundo.docentes[0], mundo.docentes[0], mundo.docentes[1]])
    assert mundo.app.realizar(RealizarActividad(mundo.acompanante, gia, "gia", entrada)).nuevo
    assert mundo.app.proyecciones.actividad(gia)["datos"]["docentes"] == sorted(mundo.docentes[:2])
    filas = mundo.app.proyecciones.cumplimiento(2020, date(2020, 12, 31), "docente")
    assert {f["docente_id"]: f["gia_realizado"] for f in filas}[mundo.docentes[0]] == 1


def test_en_un_taller_un_docente_sin_dias_de_asistencia_es_un_ausente(mundo):
    taller = _id()
    entrada = TallerPedido(dia("2020-07-06"), dia("2020-07-09"), sede="UGEL El Collao",
                           asistencia={mundo.docentes[0]: (dia("2020-07-06"), dia("2020-07-07")), mundo.docentes[1]: ()})
    assert mundo.app.realizar(RealizarActividad(mundo.acompanante, taller, "taller", entrada)).nuevo
    assert mundo.app.proyecciones.actividad(taller)["datos"]["docentes"] == [mundo.docentes[0]]


# --- what the second review found --------------------------------------------------------------


def test_una_etapa_fuera_de_las_tres_se_rechaza(app):
    antes = app.recorder.max_notification_id()
    with pytest.raises(AgendaInvalida, match="tres etapas"):
        app.generar_plan(asignacion(_id(), _id()), etapa=4)
    fuera = Asignacion(**{**vars(asignacion(_id(), _id())), "anio": 2024})
    with pytest.raises(AgendaInvalida, match="fuera de la convocatoria"):
        app.generar_plan(fuera, etapa=1)
    assert app.recorder.max_notification_id() == antes


@pytest.mark.parametrize("cambio", [{"anio_escolar": {"inicio": "03-15", "fin": "02-30"}},
                                    {"anio_escolar": {"inicio": "12-01", "fin": "03-01"}},
                                    {"anio_escolar": {"inicio": "02-29", "fin": "12-01"}}])
def test_un_protocolo_con_dias_que_no_existen_se_rechaza(cambio):
    from pydantic import ValidationError

    from services.agenda.protocolos import Protocolo, incluidos

    datos = {**incluidos()[0].model_dump(mode="json"), **cambio}
    with pytest.raises(ValidationError):
        Protocolo.model_validate(datos)


def test_reenviar_un_gia_para_todos_no_choca_si_llego_otro_docente(mundo):
    gia = _id()
    assert mundo.programar("gia", reunion("2020-06-17"), gia).nuevo
    assert mundo.app.generar_plan(asignacion(_id(), mundo.acompanante), etapa=1)
    assert not mundo.programar("gia", reunion("2020-06-17"), gia).nuevo


def test_reenviar_una_visita_realizada_tras_la_reasignacion_es_un_reenvio(mundo):
    visita, docente = _id(), mundo.docentes[0]
    entrada = mundo.visita(docente, "2020-06-10", acciones=["observacion", "asesoria"])
    assert mundo.app.realizar(RealizarActividad(mundo.acompanante, visita, "visita", entrada)).nuevo
    mundo.app.reasignar(docente, mundo.acompanante, _id(), "Cambio de cartera")
    assert not mundo.app.realizar(RealizarActividad(mundo.acompanante, visita, "visita", entrada)).nuevo


def test_un_gia_se_reprograma_aunque_un_participante_se_haya_retirado(mundo):
    gia = _id()
    assert mundo.programar("gia", reunion("2020-06-17"), gia).nuevo
    mundo.app.retirar(mundo.docentes[0], "Licencia")
    assert mundo.app.reprogramar(ReprogramarActividad(gia, Cambios(fecha=dia("2020-06-24")), "Lluvias")).nuevo
    assert mundo.docentes[0] not in mundo.app.proyecciones.actividad(gia)["datos"]["docentes"]


def test_lo_programado_no_cuenta_como_recibido_y_volver_no_duplica(mundo):
    docente, otro = mundo.docentes[0], _id()
    for d in ("2020-04-06", "2020-04-07", "2020-04-08"):
        mundo.app.realizar(RealizarActividad(mundo.acompanante, _id(), "visita",
                           mundo.visita(docente, d, acciones=["observacion", "asesoria"])))
    mundo.programar("gia", reunion("2020-06-17"))
    mundo.app.reasignar(docente, mundo.acompanante, otro, "ida")
    mundo.app.reasignar(docente, otro, mundo.acompanante, "vuelta")
    agenda = mundo.app.agenda(mundo.acompanante, 2020)
    assert agenda.previo(docente) == Entregado(visitas=0, dias_visita=0, gia=0, rtc=0)
    assert agenda.entregado(docente) == Entregado(visitas=3, dias_visita=3, gia=0, rtc=0)


def test_reprogramar_con_campos_que_no_corresponden_se_rechaza_y_una_visita_conserva_su_duracion(mundo):
    visita = _id()
    assert mundo.programar("visita", mundo.visita(mundo.eib, "2020-06-15", "2020-06-16"), visita).nuevo
    mundo.rechaza(lambda: mundo.app.reprogramar(ReprogramarActividad(visita, Cambios(fecha=dia("2020-06-22")), "Lluvias")), "sin horas")
    assert mundo.app.reprogramar(ReprogramarActividad(visita, Cambios(fecha_inicio=dia("2020-06-22")), "Lluvias")).nuevo
    assert mundo.app.proyecciones.actividad(visita)["datos"]["fecha_fin"] == "2020-06-23"


def test_una_visita_sin_asesoria_no_es_una_visita_en_aula(mundo):
    mundo.rechaza(lambda: mundo.app.realizar(RealizarActividad(mundo.acompanante, _id(), "visita",
                                             mundo.visita(mundo.docentes[0], "2020-06-10", acciones=["modelado"]))),
                  "observación y la asesoría")


def test_plan_de_modalidad_interna_de_la_iei_246(app):
    # Given the directivo of IEI N°246 plans his own monitoring (modalidad interna, 2024)
    docente, directivo = _id(), _id()
    plan = Asignacion(docente_id=docente, acompanante_id=directivo, convocatoria="2024-2024", anio=2024,
                      codigo_modular="0236885", anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO",
                      tipo_ie="polidocente_inicial", nivel="inicial")
    assert app.generar_plan(plan, etapa=1, modalidad="interna")
    # Then the school's own template applies: three visits, June, September and November
    fila = app.proyecciones.planes(docente_id=docente)[0]
    assert (fila["protocolo"], fila["modalidad"]) == ("PMA-IEI246@1", "interna")
    assert [g["mes"] for g in fila["plan"]["componentes"]["visitas"]["grupos"]] == [6, 9, 11]
    # And the directivo schedules his June visit on his own agenda
    assert app.programar(ProgramarActividad(directivo, _id(), "visita",
                         VisitaPedida(docente, dia("2024-06-10"), dia("2024-06-10")))).nuevo
