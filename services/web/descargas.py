"""A service's file (CSV or XLSX) handed to the browser as a download, as the service wrote it: the services
write their spreadsheets for people (each DRE and UGEL by the name the padrón gives it, ``shared.hojas``), so
nothing is rewritten on the way."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from services.web.vistas import Contexto

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


async def descargar(ctx: Contexto, servicio: str, ruta: str, params: dict[str, Any], archivo: str) -> Response:
    """The service's answer, asked with the user's token (its parameters without the empty ones), as a download
    named ``archivo`` (a CSV or a workbook, by its ending)."""
    respuesta = await ctx.servicios.pedir(ctx.token, "GET", servicio, ruta,
                                          params={k: v for k, v in params.items() if v is not None})
    return Response(respuesta.content, media_type=CSV if archivo.endswith(".csv") else XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{archivo}"'})
