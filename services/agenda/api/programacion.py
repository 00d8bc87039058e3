"""Scheduling an acompañante's activities (visits, GIA, RTC, workshops), changing or cancelling them with a
reason, and reading his agenda (also as iCalendar, to subscribe from the phone)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.agenda import exportar
from services.agenda.api import actividades as a
from services.agenda.api.comun import CREADO, Id, Registro, cambio, registro
from services.agenda.api.dependencias import AgendaApp, Vistas
from shared.eventstore import NotFound

router = APIRouter(prefix="/v1", tags=["programación"])


@router.post("/acompanantes/{acompanante_id}/visitas", summary="Programar una visita", **CREADO)
def post_visita(acompanante_id: Id, body: a.VisitaProgramadaIn, agenda: AgendaApp) -> Registro:
    return registro(*a.programar_visita(agenda, str(acompanante_id), body))


@router.post("/acompanantes/{acompanante_id}/gia", summary="Programar un GIA", **CREADO)
def post_gia(acompanante_id: Id, body: a.ReunionProgramadaIn, agenda: AgendaApp) -> Registro:
    return registro(*a.programar_reunion(agenda, "gia", str(acompanante_id), body))


@router.post("/acompanantes/{acompanante_id}/rtc", summary="Programar una RTC", **CREADO)
def post_rtc(acompanante_id: Id, body: a.ReunionProgramadaIn, agenda: AgendaApp) -> Registro:
    return registro(*a.programar_reunion(agenda, "rtc", str(acompanante_id), body))


@router.post("/acompanantes/{acompanante_id}/talleres", summary="Programar un taller", **CREADO)
def post_taller(acompanante_id: Id, body: a.TallerProgramadoIn, agenda: AgendaApp) -> Registro:
    return registro(*a.programar_taller(agenda, str(acompanante_id), body))


@router.post("/actividades/{actividad_id}/reprogramacion", summary="Reprogramar (con motivo)")
def post_reprogramar(actividad_id: Id, body: a.ReprogramacionIn, agenda: AgendaApp) -> Registro:
    return cambio(*a.reprogramar(agenda, actividad_id, body))


@router.post("/actividades/{actividad_id}/cancelacion", summary="Cancelar (con motivo)")
def post_cancelar(actividad_id: Id, body: a.CancelacionIn, agenda: AgendaApp) -> Registro:
    return cambio(*a.cancelar(agenda, actividad_id, body))


@router.get("/actividades/{actividad_id}", summary="Una actividad y su historia")
def get_actividad(actividad_id: Id, vistas: Vistas) -> dict[str, Any]:
    fila = vistas.actividad(str(actividad_id))
    if fila is None:
        raise NotFound(f"No existe la actividad {actividad_id}.")
    return fila


@router.get("/acompanantes/{acompanante_id}/agenda", summary="Agenda de un acompañante")
def get_agenda(acompanante_id: Id, vistas: Vistas,
               anio: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> list[dict[str, Any]]:
    return vistas.actividades(str(acompanante_id), anio)


@router.get("/acompanantes/{acompanante_id}/agenda.ics", response_class=Response,
            summary="Agenda en iCalendar (para suscribirse desde el teléfono)",
            responses={200: {"content": {"text/calendar": {}}}})
def get_ics(acompanante_id: Id, vistas: Vistas) -> Response:
    contenido = exportar.icalendar(str(acompanante_id), vistas.actividades(str(acompanante_id)))
    return Response(contenido, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="agenda-{acompanante_id}.ics"'})
