"""The norm's rules for one activity on an acompañante's agenda (NT-026 §5.2.6, §5.2.7, §5.6.1–§5.6.3), and the
warnings when what remains of his docentes' plans no longer fits in the school year.

``actividad`` (run by ``domainmodel.AgendaAcompanante.check_actividad``) checks what every activity must respect
(its dates, its docentes, no overlap) and asks ``REGLAS[tipo]`` for the rules of its kind; each reads the agenda's
typed state (``Agenda``: its docentes and activities, ``services.agenda.estado``) and the activity's typed data
(``services.agenda.valores``), and raises ``AgendaInvalida`` with the norm's reason. Nothing here records anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from services.agenda import mezcla
from services.agenda.calendario import Franja
from services.agenda.estado import Actividad, DocenteEnAgenda
from services.agenda.valores import DatosActividad, Entregado, Reunion, Taller, Visita
from shared.eventstore import DomainError

NOMBRE = {"visita": "La visita", "gia": "El GIA", "rtc": "La RTC", "taller": "El taller"}


class AgendaInvalida(DomainError):
    """A scheduling or delivery that breaks a rule of the norm; the message says which."""


class Agenda(Protocol):
    """What the rules read of an acompañante's agenda (``domainmodel.AgendaAcompanante``)."""

    acompanante_id: str
    anio: int
    docentes: dict[str, DocenteEnAgenda]
    actividades: dict[str, Actividad]

    def previo(self, docente_id: str) -> Entregado: ...

    def ies(self) -> set[str]: ...

    def tiene(self, docente_id: str) -> bool: ...


Otras = dict[str, Actividad]  # the agenda's other activities a rule weighs, by id


def actividad(agenda: Agenda, actividad_id: str, tipo: str, d: DatosActividad, directivo: str | None,
              *, solo_realizadas: bool) -> None:
    """What every activity must respect (its dates, its docentes, no overlap with another), then ``REGLAS[tipo]``;
    ``solo_realizadas``: a realized activity is weighed against realized ones only."""
    inicio, fin = date.fromisoformat(d.fecha_inicio), date.fromisoformat(d.fecha_fin)
    if fin < inicio:
        raise AgendaInvalida("La fecha de fin es anterior a la de inicio.")
    if inicio.year != agenda.anio or fin.year != agenda.anio:
        raise AgendaInvalida(f"La actividad debe caer en el año escolar {agenda.anio} de esta agenda.")
    if isinstance(d, Reunion) and d.hora_inicio and d.hora_fin <= d.hora_inicio:
        raise AgendaInvalida("La hora de fin debe ser posterior a la de inicio.")
    for docente in d.docentes:
        if not agenda.tiene(docente):
            raise AgendaInvalida(f"El docente {docente} no está asignado a este acompañante en {agenda.anio}.")
    franja = Franja.de(d)
    anio_escolar(agenda, franja, d.docentes)
    otras = {i: a for i, a in agenda.actividades.items() if i != actividad_id and a.vigente()
             and (a.estado == "realizada" or not solo_realizadas)}
    REGLAS[tipo](agenda, franja, d, otras, directivo)
    for otra_id, otra in otras.items():
        otra_franja = Franja.de(otra.datos)
        if franja.se_cruza(otra_franja):
            raise AgendaInvalida(
                f"Se cruza con {NOMBRE[otra.tipo].split()[1]} {otra_id} ({otra.estado}) "
                f"{otra_franja.describir()}: un acompañante no puede estar en dos actividades a la vez.")


def anio_escolar(agenda: Agenda, franja: Franja, docentes: list[str]) -> None:
    for docente in docentes:
        inicio, fin = (date.fromisoformat(x) for x in agenda.docentes[docente].plan.anio_escolar)
        if min(franja.dias()) < inicio or max(franja.dias()) > fin:
            raise AgendaInvalida(f"La actividad cae fuera del año escolar ({inicio:%d/%m} al {fin:%d/%m/%Y}).")


def visita(agenda: Agenda, franja: Franja, d: Visita, otras: Otras, _: str | None) -> None:
    if len(d.docentes) != 1:
        raise AgendaInvalida("Una visita en aula es a un solo docente.")
    if d.acciones is not None and not {"observacion", "asesoria"} <= set(d.acciones):
        raise AgendaInvalida("Una visita en aula comprende la observación y la asesoría de la práctica "
                             "pedagógica (NT-026 §5.2.6 a): registre ambas.")
    req = agenda.docentes[d.docentes[0]].plan.requisitos
    dias = franja.dias_lectivos()
    if dias == 0:
        raise AgendaInvalida("Una visita en aula se realiza en días lectivos (de lunes a viernes).")
    if not req.visita_dias_min <= dias <= req.visita_dias_max:
        raise AgendaInvalida(
            f"Una visita a este docente dura entre {req.visita_dias_min} y {req.visita_dias_max} días "
            f"según su protocolo ({req.protocolo}); se indicaron {dias}.")
    mezcla_de_visitas(agenda, d.docentes[0], dias, otras)
    for otra_id, otra in otras.items():
        if otra.tipo in ("gia", "rtc") and otra.datos.ie == d.ie and Franja.de(otra.datos).inicio.date() in franja.dias():
            raise AgendaInvalida(
                f"{NOMBRE[otra.tipo]} {otra_id} de esta IE es {Franja.de(otra.datos).describir()}: "
                "GIA y RTC se realizan en un día distinto al periodo de visitas (NT-026 §5.2.6 b, §5.2.7).")


def mezcla_de_visitas(agenda: Agenda, docente: str, dias: int, otras: Otras) -> None:
    """NT-026 §5.6.1 c, §5.6.2 c, §5.6.3 c and their tables: the year's visits must still fit the
    protocol's mix of lengths and its days in the year (see ``mezcla``)."""
    req = agenda.docentes[docente].plan.requisitos
    grupos = req.visita_grupos or [[req.visitas, req.visita_dias_min, req.visita_dias_max]]
    duraciones = [Franja.de(a.datos).dias_lectivos() for a in otras.values()
                  if a.tipo == "visita" and a.es_de(docente)] + [dias]
    previo = agenda.previo(docente)
    if not mezcla.posible(grupos, req.dias_visita, duraciones, previo.visitas, previo.dias_visita):
        hechas = ", ".join(str(x) for x in duraciones[:-1]) or "ninguna"
        raise AgendaInvalida(
            f"Con esta visita de {dias} días el año ya no cumple la mezcla de su protocolo ({req.protocolo}): "
            f"{mezcla.describir(grupos, req.dias_visita)}. Visitas ya registradas en esta agenda, en días: "
            f"{hechas}" + (f"; y {previo.visitas} con su acompañante anterior ({previo.dias_visita} días)."
                           if previo.visitas else "."))


def reunion(agenda: Agenda, tipo: str, franja: Franja, d: Reunion, otras: Otras) -> None:
    if d.ie not in agenda.ies():
        raise AgendaInvalida(f"{NOMBRE[tipo]} se realiza en una IE que usted acompaña; la IE {d.ie} no lo es.")
    minimo = max((getattr(v.plan.requisitos, f"{tipo}_horas_min") for v in agenda.docentes.values()
                  if v.activo and v.ie == d.ie), default=3.0)
    if franja.horas < minimo:
        raise AgendaInvalida(f"{NOMBRE[tipo]} dura como mínimo {minimo:g} horas (NT-026 §5.6.1–§5.6.3 "
                             f"{'d' if tipo == 'gia' else 'f'}); "
                             f"se indicaron {franja.horas:g} h.")
    for otra_id, otra in otras.items():
        if otra.tipo == "visita" and otra.datos.ie == d.ie and franja.inicio.date() in Franja.de(otra.datos).dias():
            raise AgendaInvalida(
                f"{NOMBRE[tipo]} debe realizarse en un día distinto al periodo de visitas en la IE "
                f"(NT-026 §5.2.6 b, §5.2.7): la visita {otra_id} ocupa {Franja.de(otra.datos).describir()}.")


def gia(agenda: Agenda, franja: Franja, d: Reunion, otras: Otras, _: str | None) -> None:
    reunion(agenda, "gia", franja, d, otras)


def rtc(agenda: Agenda, franja: Franja, d: Reunion, otras: Otras, directivo: str | None) -> None:
    if directivo is None:
        raise AgendaInvalida(f"La IE {d.ie} no tiene directivo registrado, y la RTC la lidera el directivo "
                             "(NT-026 §5.2.7): registre primero al directivo de la IE.")
    if d.directivo_id != directivo:
        raise AgendaInvalida("La RTC la lidera el directivo de la IE (NT-026 §5.2.7); "
                             f"el indicado ({d.directivo_id}) no es el directivo registrado.")
    reunion(agenda, "rtc", franja, d, otras)


def taller(agenda: Agenda, franja: Franja, d: Taller, otras: Otras, _: str | None) -> None:
    if d.destinatarios == "docentes" and not d.docentes:
        raise AgendaInvalida("Un taller para docentes necesita al menos un docente que participe.")
    for docente, dias in (d.asistencia or {}).items():
        if docente != agenda.acompanante_id and docente not in d.docentes:
            raise AgendaInvalida(f"La asistencia nombra a {docente}, que no participa del taller.")
        fuera = sorted(x for x in dias if date.fromisoformat(x) not in franja.dias())
        if fuera:
            raise AgendaInvalida(f"Asistencia en días fuera del taller: {', '.join(fuera)}.")


# the rules of each kind of activity: (agenda, its time, its data, the other activities, the school's directivo)
REGLAS: dict[str, Callable[[Agenda, Franja, Any, Otras, str | None], None]] = {
    "visita": visita, "gia": gia, "rtc": rtc, "taller": taller}


def advertencias(agenda: Agenda, referencia: date) -> list[str]:
    """Warnings (never refusals) when what remains of the plans no longer fits in the free
    school days left from ``referencia``."""
    activos = {k: v for k, v in agenda.docentes.items() if v.activo}
    if not activos:
        return []
    fin = max(date.fromisoformat(v.plan.anio_escolar[1]) for v in activos.values())
    vigentes = [a for a in agenda.actividades.values() if a.vigente()]
    franjas = {id(a): Franja.de(a.datos) for a in vigentes}  # each activity's span, read once
    desde = max(referencia, date(agenda.anio, 1, 1))
    ocupados = set().union(*(f.dias() for f in franjas.values()))
    # the free school days left: Monday to Friday from ``desde`` to ``fin``, less those an activity occupies
    libres = cuantos_habiles(desde, fin) - sum(1 for x in ocupados if desde <= x <= fin and x.weekday() < 5)
    avisos, total = [], 0
    pendientes_ie: dict[tuple[str, str], int] = {}
    for docente, v in activos.items():
        req, suyas = v.plan.requisitos, [a for a in vigentes if a.es_de(docente)]
        visitas = [a for a in suyas if a.tipo == "visita"]
        previo = agenda.previo(docente)  # delivered by another acompañante of his this year
        dias_hechos = sum(franjas[id(a)].dias_lectivos() for a in visitas) + previo.dias_visita
        hechas = len(visitas) + previo.visitas
        faltan = max(req.dias_visita - dias_hechos, (req.visitas - hechas) * req.visita_dias_min, 0)
        total += faltan
        if faltan > libres:
            avisos.append(f"El plan del docente {docente} ya no puede completarse en el año escolar: le faltan "
                          f"{faltan} días de visita y quedan {libres} días hábiles libres hasta el {fin:%d/%m/%Y}.")
        for tipo in ("gia", "rtc"):
            reuniones = sum(1 for a in suyas if a.tipo == tipo) + getattr(previo, tipo)
            clave = (v.ie, tipo)
            pendientes_ie[clave] = max(pendientes_ie.get(clave, 0), getattr(req, tipo) - reuniones)
    total += sum(max(n, 0) for n in pendientes_ie.values())
    if total > libres:
        avisos.insert(0, f"Con lo programado, los planes de sus docentes ya no caben en el año escolar: faltan "
                         f"{total} días de actividades y quedan {libres} días hábiles libres hasta el {fin:%d/%m/%Y}.")
    return avisos


def cuantos_habiles(desde: date, hasta: date) -> int:
    """How many days Monday to Friday lie between two dates, both included (``len(dias_habiles(...))``)."""
    semanas, resto = divmod((hasta - desde).days + 1, 7)
    if semanas < 0:
        return 0
    return 5 * semanas + sum(1 for i in range(resto) if (desde.weekday() + i) % 7 < 5)
