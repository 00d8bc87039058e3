"""The desks' forms: read one (its CSRF token checked), send it to its service, and on a refusal show the
page again with the service's reason next to the field it names and what the user wrote.

One way for every desk: the page's own function re-renders it from ``errores`` (``{field: reason}``; a reason
about the whole request under ``""``). A 403 or a 404 is not a form's mistake: it goes to the application's
"no tiene permiso" / "no existe" pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.web.i18n import _
from services.web.servicios import Rechazo
from services.web.vistas import Contexto, comprobar_csrf

Reabrir = Callable[[dict[str, str]], Awaitable[Response]]


async def formulario(request: Request, ctx: Contexto) -> dict[str, str]:
    """The form's text fields, trimmed; refused unless it carries the session's CSRF token."""
    form = await request.form()
    comprobar_csrf(ctx, str(form.get("csrf") or ""))
    return {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}


def errores_de(exc: Rechazo) -> dict[str, str]:
    """The service's reason keyed by the form field it names ('body.descripcion' → 'descripcion'); a reason
    about the whole request goes under ''."""
    campo = (exc.campo or "").split(".")[-1] if exc.campo else ""
    return {"" if campo == "body" else campo: exc.motivo or _("No se pudo registrar.")}


async def enviar_o_reabrir(ctx: Contexto, servicio: str, ruta: str, cuerpo: dict[str, Any], volver: str,
                           reabrir: Reabrir) -> Response:
    """A form sent to its service: back to ``volver`` (with ``hecho=1``), or the page again (422) from
    ``reabrir`` with the reason next to the field it concerns."""
    try:
        await ctx.enviar(servicio, ruta, cuerpo)
    except Rechazo as exc:
        if exc.estado in (403, 404):
            raise
        return await reabrir(errores_de(exc))
    separador = "&" if "?" in volver else "?"
    return RedirectResponse(f"{volver}{separador}hecho=1", status_code=303)


async def enviar_formulario(ctx: Contexto, servicio: str, ruta: str, cuerpo: dict[str, Any], volver: str) -> Response:
    """A form of a page that cannot be shown again with its reason (a button in a list): back to the page, or
    the service's reason on the rejection page, with the field it names and a way back."""
    async def rechazo(errores: dict[str, str]) -> Response:
        campo, motivo = next(iter(errores.items()))
        return ctx.pagina("rechazo.html", 422, motivo=motivo, campo=campo or None, volver=volver)
    return await enviar_o_reabrir(ctx, servicio, ruta, cuerpo, volver, rechazo)
