"""What evaluacion's route modules share: the query parameters of its reports and the report's output (JSON, CSV
or XLSX). A command's answer is every service's, ``shared.http.resultado``.

Every report takes ``al`` (a date, the end of that day in Lima; or a date and time) and says which
moment it describes; ``formato`` gives it as JSON, CSV (one section, ``seccion``) or XLSX (every
section, one sheet each).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.evaluacion import columnas, exportar, reportes
from shared.eventstore import DomainError
from shared.telemetry import current_actor
from shared.territorios import Nombres


def _corte_en_rango(al: date | datetime | None) -> date | datetime | None:
    # a cut outside the years the programme can have records would overflow when taken to Lima or UTC
    if al is not None and not 2000 <= al.year <= 2100:
        raise ValueError("debe estar entre los años 2000 y 2100")
    return al


Id = Annotated[UUID, Path(description="Identificador")]
Al = Annotated[date | datetime | None, AfterValidator(_corte_en_rango), Query(
    description="Corte: lo registrado hasta esa fecha (fin del día en Lima) o fecha y hora, entre 2000 y 2100. "
                "Por defecto, ahora.")]
Formato = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv (una sección) o xlsx (todas).")]
# Codes of a convocatoria, DRE, UGEL or type of IE: what a report echoes into a file name or a spreadsheet cell.
CODIGO = r"^[A-Za-z0-9_-]{1,40}$"
Codigo = Annotated[str | None, Query(pattern=CODIGO)]
Convocatoria = Annotated[str, Query(pattern=CODIGO)]
Ie = Annotated[str | None, Query(pattern=r"^\d{7}-\d$",
                                 description="Una IE: «código modular-anexo» (el directivo, la suya).")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLAS: dict[int | str, dict[str, Any]] = {200: {
    "description": "El reporte en JSON, CSV (`formato=csv`, una sección) o XLSX (`formato=xlsx`, todas).",
    "content": {"text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}}}}
GRAFICO: dict[int | str, dict[str, Any]] = {200: {"content": {t: {} for t in exportar.FORMATOS_GRAFICO.values()}}}
Por = Literal["docente", "ie", "ugel", "dre", "tipo_ie", "nacional"]
Texto = Annotated[str, Field(max_length=4000)]


class Entrada(BaseModel):
    model_config = ConfigDict(extra="forbid")


def de_ie(ie: str | None) -> dict[str, Any]:
    """The rows of one school (``codigo_modular-anexo``): its plans' own columns."""
    if ie is None:
        return {}
    codigo_modular, anexo = ie.split("-")
    return {"codigo_modular": codigo_modular, "anexo": int(anexo)}


def salida(secciones: dict[str, list[dict[str, Any]]], corte: reportes.Corte, formato: str, nombre: str,
           seccion: str | None, extra: dict[str, Any], titulo: str = "",
           filtros: dict[str, Any] | None = None, nombres: Callable[[], Nombres] = Nombres) -> Any:
    """A report's sections as JSON, as one section's CSV or as an XLSX with a sheet each (and a cover); a file
    shows the DREs and UGELs by the names ``nombres`` reads (``Territorios.nombres``), JSON by their codes."""
    nota = corte.nota()
    if formato == "json":
        return {**extra, **nota, **secciones}
    lugares = nombres()
    portada = columnas.portada(titulo or nombre, corte.momento, nota["nota"], current_actor.get(),
                               {**extra, **(filtros or {})}, datetime.now(UTC), lugares)
    por = extra.get("por", "ie")  # the quarterly report: its fulfilment per school
    if formato == "csv":
        elegida = seccion or next(iter(secciones))
        if elegida not in secciones:
            raise DomainError(f"La sección {elegida!r} no existe: {', '.join(secciones)}.")
        return Response(exportar.csv_de(columnas.tabla(elegida, secciones[elegida], por, lugares), portada),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{nombre}-{elegida}.csv"'})
    return Response(exportar.xlsx_de(portada, [columnas.tabla(k, v, por, lugares) for k, v in secciones.items()]),
                    media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{nombre}.xlsx"'})
