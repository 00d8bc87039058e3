"""The acompañante's agenda as a calendar his phone subscribes to: a secret address per user.

Calendar apps send no cookie and no ``Authorization`` header, so the address itself is the credential:
a random secret (256 bits) shown once in the app; only its SHA-256 is stored, a new one replaces the old
and the coach can revoke it. A request with a known secret reads that coach's agenda and his caseload's
names with the web service's own token, obtained from the identity provider by the client credentials
grant (its client is configured there with a read account): the user's token cannot serve, since no
session comes with the request, and a long-lived user token would outlive the session it was given for.
The calendar shows only that coach's activities, with the school and docente names he sees in the app.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from icalendar import Calendar, Event

from services.web import frases
from services.web.i18n import _
from services.web.paginas import nombres_de
from services.web.servicios import Rechazo
from services.web.vistas import comprobar_csrf, contexto

COACH = frozenset({"acompanante"})


def ics(actividades: list[dict[str, Any]], titulo: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Acompaña//agenda//ES")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", titulo)
    for a in actividades:
        if a.get("estado") == "cancelada":
            continue
        evento = Event()
        evento.add("uid", f"{a['actividad_id']}@acompana")
        evento.add("summary", a["frase"])
        evento.add("location", a["escuela"])
        evento.add("dtstart", date.fromisoformat(a["fecha_inicio"]))
        evento.add("dtend", date.fromisoformat(a.get("fecha_fin") or a["fecha_inicio"]) + timedelta(days=1))
        evento.add("dtstamp", datetime.now(UTC))
        cal.add_component(evento)
    return cal.to_ical()


router = APIRouter()


@router.get("/calendario", include_in_schema=False)
async def pagina(request: Request) -> Response:
    ctx = await contexto(request, COACH)
    return ctx.pagina("calendario.html", activo=request.app.state.sesiones.tiene_calendario(ctx.usuario))


@router.post("/calendario", include_in_schema=False)
async def nuevo(request: Request, csrf: str = Form("")) -> Response:
    ctx = await contexto(request, COACH)
    comprobar_csrf(ctx, csrf)
    secreto = request.app.state.sesiones.nuevo_calendario(ctx.usuario)
    direccion = f"{ctx.settings.url_publica.rstrip('/')}/calendario/{secreto}.ics"
    return ctx.pagina("calendario.html", activo=True, direccion=direccion,
                      webcal="webcal://" + direccion.split("://", 1)[1])


@router.post("/calendario/revocacion", include_in_schema=False)
async def revocar(request: Request, csrf: str = Form("")) -> Response:
    ctx = await contexto(request, COACH)
    comprobar_csrf(ctx, csrf)
    request.app.state.sesiones.revocar_calendario(ctx.usuario)
    return RedirectResponse("/calendario", status_code=303)


@router.get("/calendario/{secreto}.ics", include_in_schema=False)
async def suscripcion(secreto: str, request: Request) -> Response:
    app = request.app.state
    usuario = app.sesiones.dueno_de_calendario(secreto)
    if usuario is None:
        return Response(_("No existe"), status_code=404, media_type="text/plain; charset=utf-8")
    token = await app.proveedor.token_propio()
    try:
        cartera, agenda = await asyncio.gather(
            app.servicios.leer(token, "focalizacion", f"/acompanantes/{usuario}/cartera"),
            app.servicios.leer(token, "agenda", f"/acompanantes/{usuario}/agenda"))
    except Rechazo:
        return Response(_("No existe"), status_code=404, media_type="text/plain; charset=utf-8")
    docentes, escuelas = nombres_de(cartera)
    actividades = [frases.actividad(a, docentes, escuelas) for a in agenda]
    return Response(ics(actividades, _("Mi agenda de Acompaña")), media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})

