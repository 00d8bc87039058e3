"""The names of the DREs and UGELs, which a person reads instead of their codes ("UGEL El Collao", not
"UGEL-EL-COLLAO"): focalizacion's ``/territorios``, named by the padrón (its D_DREUGEL and D_REGION columns) and
narrowed by focalizacion to what the caller sees. A territory the padrón gave no name, or a role that may not
read them, shows its code.

Names change only with a new padrón: a page and its downloads reuse them for ten minutes per user (what each
may read is his own), as ``escritorio_ugel.nombres_ugel`` reuses a UGEL's caseloads. The services' workbooks
(XLSX) and CSVs are passed on with the same names in their "DRE" and "UGEL" columns (``descargar_con_nombres``;
``niveles`` tells both which columns those are).
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response
from openpyxl import load_workbook

from services.web.servicios import Rechazo
from services.web.vistas import Contexto
from shared.hojas import celda

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
ENCABEZADOS = {"DRE": "dre", "UGEL": "ugel"}  # a column's header → the level whose codes it holds
_CAMPO = re.compile(r'"(?:[^"]+|"")*"|[^;"\n]*')  # a CSV's cell: quoted (its quotes doubled) or bare

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


async def descargar_con_nombres(ctx: Contexto, servicio: str, ruta: str, params: dict[str, Any],
                                archivo: str) -> Response:
    """A service's CSV or workbook (XLSX, by ``archivo``'s ending) passed on to the browser as a download, asked
    with the user's token (its parameters without the empty ones), its DREs and UGELs by name."""
    respuesta, lugares = await asyncio.gather(
        ctx.servicios.pedir(ctx.token, "GET", servicio, ruta,
                            params={k: v for k, v in params.items() if v is not None}),
        territorios(ctx))
    csv = archivo.endswith(".csv")
    contenido = await asyncio.to_thread(csv_con_nombres if csv else con_nombres, respuesta.content, lugares)
    return Response(contenido, media_type=CSV if csv else XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{archivo}"'})


def niveles(encabezados: Iterable[Any]) -> dict[int, str]:
    """The columns (by position, from 0) whose header is "DRE" or "UGEL", and the level each holds."""
    return {i: nivel for i, e in enumerate(encabezados) if (nivel := ENCABEZADOS.get(str(e or "").strip()))}


def nombre(lugares: Territorios, nivel: str, codigo: str) -> str:
    """A code in a "DRE" or "UGEL" column, by name; a name a spreadsheet would run as a formula, as text."""
    return celda(lugares.de(nivel, codigo))


def con_nombres(contenido: bytes, lugares: Territorios) -> bytes:
    """The workbook with each cell under a "DRE" or "UGEL" header (a sheet's first row) read by name."""
    if not (lugares.dres or lugares.ugeles):
        return contenido
    libro = load_workbook(io.BytesIO(contenido))
    for hoja in libro.worksheets:
        encabezados = [c.value for c in next(hoja.iter_rows(max_row=1), ())]
        for i, nivel in niveles(encabezados).items():
            for (c,) in hoja.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                if isinstance(c.value, str) and c.value:
                    c.value = nombre(lugares, nivel, c.value)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def csv_con_nombres(contenido: bytes, lugares: Territorios) -> bytes:
    """The CSV (as ``shared.hojas`` writes it: a BOM, maybe a first ``#`` line, the header, ``;`` between
    cells, texts quoted, numbers bare) with each text under a "DRE" or "UGEL" header read by name; every other
    cell and separator is passed on byte for byte. A text it cannot read is passed on as it came."""
    if not (lugares.dres or lugares.ugeles):
        return contenido
    try:
        texto = contenido.decode("utf-8")
    except UnicodeDecodeError:
        return contenido
    inicio = len(texto) - len(texto.lstrip("\ufeff"))
    if texto[inicio:].startswith("#"):
        inicio = texto.find("\n", inicio) + 1 or len(texto)
    registros = _registros(texto[inicio:])
    if registros is None:
        return contenido
    columnas = niveles(_texto(c) for c in registros[0])
    for fila in registros[1:]:
        for i, nivel in columnas.items():
            codigo = _texto(fila[i]) if i < len(fila) and fila[i].startswith('"') else ""
            if codigo:
                fila[i] = '"' + nombre(lugares, nivel, codigo).replace('"', '""') + '"'
    return (texto[:inicio] + "\n".join(";".join(fila) for fila in registros)).encode("utf-8")


def _registros(texto: str) -> list[list[str]] | None:
    """The CSV's rows, each cell as written (quoted or bare); None when a quote is out of place."""
    registros: list[list[str]] = [[]]
    pos = 0
    while True:
        campo = _CAMPO.match(texto, pos).group()  # type: ignore[union-attr]  # it matches the empty cell
        registros[-1].append(campo)
        pos += len(campo)
        if pos == len(texto):
            return registros
        if texto[pos] == "\n":
            registros.append([])
        elif texto[pos] != ";":
            return None
        pos += 1


def _texto(campo: str) -> str:
    return campo[1:-1].replace('""', '"') if len(campo) > 1 and campo[0] == campo[-1] == '"' else campo
