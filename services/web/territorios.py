"""The names of the DREs and UGELs, which a person reads instead of their codes ("UGEL El Collao", not
"UGEL-EL-COLLAO"): focalizacion's ``/territorios``, named by the padrón (its D_DREUGEL and D_REGION columns) and
narrowed by focalizacion to what the caller sees. A territory the padrón gave no name, or a role that may not
read them, shows its code.

Names change only with a new padrón: a page and its downloads reuse them for ten minutes per user (what each
may read is his own), as ``escritorio_ugel.nombres_ugel`` reuses a UGEL's caseloads. The services' workbooks
(XLSX) are passed on with the same names in their "DRE" and "UGEL" columns (``descargar_xlsx``).
"""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response
from openpyxl import load_workbook

from services.web.servicios import Rechazo
from services.web.vistas import Contexto

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SEGUNDOS = 600.0
_GUARDADOS: dict[str, tuple[float, Territorios]] = {}  # user → (when, names)


@dataclass(frozen=True)
class Territorios:
    """The names of the DREs and UGELs by code; a code without a name reads as itself."""

    dres: dict[str, str] = field(default_factory=dict)
    ugeles: dict[str, str] = field(default_factory=dict)

    def dre(self, codigo: Any) -> str:  # noqa: ANN401 - a code as a service gives it (None: no territory)
        return self.dres.get(str(codigo), "") or str(codigo or "")

    def ugel(self, codigo: Any) -> str:  # noqa: ANN401
        return self.ugeles.get(str(codigo), "") or str(codigo or "")

    def de(self, nivel: str, codigo: Any) -> str:  # noqa: ANN401
        """The name of the ``nivel`` ("dre" or "ugel") with that code; any other level's value as it is."""
        if nivel == "dre":
            return self.dre(codigo)
        return self.ugel(codigo) if nivel == "ugel" else str(codigo or "")


def olvidar(usuario: str | None = None) -> None:
    """Forget the names kept (one user's, or everyone's: a new padrón was imported)."""
    if usuario is None:
        _GUARDADOS.clear()
    else:
        _GUARDADOS.pop(usuario, None)


async def territorios(ctx: Contexto) -> Territorios:
    """The names of the DREs and UGELs the caller sees (none for a role that may not read them)."""
    guardado = _GUARDADOS.get(ctx.usuario)
    if guardado and time.monotonic() - guardado[0] < SEGUNDOS:
        return guardado[1]
    try:
        filas = await ctx.leer("focalizacion", "/territorios")
    except Rechazo:  # a coach or a docente (403): codes, as before there were names
        filas = []
    nombres = Territorios(dres={t["codigo"]: t["nombre"] for t in filas if t["tipo"] == "DRE" and t.get("nombre")},
                          ugeles={t["codigo"]: t["nombre"] for t in filas if t["tipo"] == "UGEL" and t.get("nombre")})
    _GUARDADOS[ctx.usuario] = (time.monotonic(), nombres)
    return nombres


async def descargar_xlsx(ctx: Contexto, servicio: str, ruta: str, params: dict[str, Any], archivo: str) -> Response:
    """A service's workbook passed on as a download (as ``Contexto.descargar``), its DREs and UGELs by name."""
    respuesta, lugares = await asyncio.gather(
        ctx.servicios.pedir(ctx.token, "GET", servicio, ruta,
                            params={k: v for k, v in params.items() if v is not None}),
        territorios(ctx))
    contenido = await asyncio.to_thread(con_nombres, respuesta.content, lugares)
    return Response(contenido, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{archivo}"'})


def con_nombres(contenido: bytes, lugares: Territorios) -> bytes:
    """The workbook with each cell under a "DRE" or "UGEL" header (a sheet's first row) read by name."""
    if not (lugares.dres or lugares.ugeles):
        return contenido
    libro = load_workbook(io.BytesIO(contenido))
    for hoja in libro.worksheets:
        for encabezado in next(hoja.iter_rows(max_row=1), ()):
            nivel = {"DRE": "dre", "UGEL": "ugel"}.get(str(encabezado.value or "").strip())
            if nivel is None:
                continue
            for (celda,) in hoja.iter_rows(min_row=2, min_col=encabezado.column, max_col=encabezado.column):
                if isinstance(celda.value, str) and celda.value:
                    celda.value = lugares.de(nivel, celda.value)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()
