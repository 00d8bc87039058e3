"""The fulfilment of the protocol at a cut-off date: planned, expected by then and realized by then, per
component, by docente, acompañante, IE, UGEL or DRE; as JSON, CSV or XLSX (with a cover)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.agenda import exportar
from services.agenda.api.comun import Anio, Id, IeFiltro, Modalidad, csv
from services.agenda.api.dependencias import Vistas, VistaTerritorios
from services.agenda.cumplimiento import COMPONENTES, NIVELES
from services.agenda.projections import Proyecciones
from shared.eventstore import NotFound
from shared.hojas import Portada, Tabla, autor
from shared.telemetry import current_actor
from shared.territorios import Nombres

router = APIRouter(prefix="/v1", tags=["cumplimiento"])
Nivel = Annotated[Literal[NIVELES], Query()]  # type: ignore[valid-type]


@router.get("/cumplimiento", summary="Cumplimiento del protocolo a una fecha",
            description="Planificado, esperado a la fecha y realizado hasta la fecha (por la fecha de cada "
                        "actividad), por componente: " + ", ".join(COMPONENTES) + ".")
def get_cumplimiento(anio: Anio, vistas: Vistas, nivel: Nivel = "ugel",
                     fecha: Annotated[date | None, Query(description="Fecha de corte (por defecto, hoy).")] = None,
                     dre: str | None = None, ugel: str | None = None, acompanante_id: UUID | None = None,
                     solo_atrasados: bool = False, ie: IeFiltro = None,
                     modalidad: Modalidad | None = None) -> dict[str, Any]:
    corte = fecha or date.today()
    filas = vistas.cumplimiento(anio, corte, nivel, dre=dre, ugel=ugel, ie=ie, modalidad=modalidad,
                                acompanante_id=str(acompanante_id) if acompanante_id else None)
    if solo_atrasados:
        filas = [f for f in filas if f["docentes_atrasados"]]
    return {"anio": anio, "fecha_corte": corte, "nivel": nivel, "filas": filas}


@router.get("/cumplimiento.csv", summary="Cumplimiento en CSV", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def get_cumplimiento_csv(anio: Anio, vistas: Vistas, territorios: VistaTerritorios, nivel: Nivel = "ugel",
                         fecha: date | None = None, dre: str | None = None, ugel: str | None = None,
                         ie: IeFiltro = None, acompanante_id: UUID | None = None, solo_atrasados: bool = False,
                         modalidad: Modalidad | None = None) -> Response:
    corte = fecha or date.today()
    tabla = _hoja(vistas, anio, nivel, corte, dre, ugel, ie, acompanante_id, solo_atrasados, modalidad,
                  territorios.nombres())
    return csv(exportar.csv_de(tabla), f"cumplimiento-{anio}-{nivel}-{corte}.csv")


@router.get("/cumplimiento.xlsx", summary="Cumplimiento en Excel (XLSX)", response_class=Response,
            responses={200: {"content": {exportar.XLSX: {}}}})
def get_cumplimiento_xlsx(anio: Anio, vistas: Vistas, territorios: VistaTerritorios, nivel: Nivel = "ugel",
                          fecha: date | None = None, dre: str | None = None, ugel: str | None = None,
                          ie: IeFiltro = None, acompanante_id: UUID | None = None, solo_atrasados: bool = False,
                          modalidad: Modalidad | None = None) -> Response:
    corte = fecha or date.today()
    nombres = territorios.nombres()
    tabla = _hoja(vistas, anio, nivel, corte, dre, ugel, ie, acompanante_id, solo_atrasados, modalidad, nombres)
    filtros = {"Año": anio, "Nivel": exportar.NIVELES[nivel], "DRE": dre and nombres.de("dre", dre),
               "UGEL": ugel and nombres.de("ugel", ugel), "IE": ie,
               "Acompañante (identificador)": acompanante_id, "Modalidad": modalidad,
               "Solo los atrasados": "Sí" if solo_atrasados else None}
    portada = Portada(f"Cumplimiento del protocolo {anio}", corte, autor(current_actor.get()), datetime.now(UTC),
                      "Planificado, esperado a la fecha de corte y realizado hasta ella (por la fecha de cada "
                      "actividad), por componente.", [(k, v) for k, v in filtros.items() if v is not None])
    return Response(exportar.xlsx_de(portada, [tabla]), media_type=exportar.XLSX, headers={
        "Content-Disposition": f'attachment; filename="cumplimiento-{anio}-{nivel}-{corte}.xlsx"'})


@router.get("/docentes/{docente_id}/cumplimiento", summary="Cumplimiento de un docente")
def get_cumplimiento_docente(docente_id: Id, anio: Anio, vistas: Vistas, fecha: date | None = None) -> dict[str, Any]:
    filas = vistas.cumplimiento(anio, fecha or date.today(), "docente", docente_id=str(docente_id))
    if not filas:
        raise NotFound(f"El docente {docente_id} no tiene plan en {anio}.")
    return filas[0]


def _hoja(vistas: Proyecciones, anio: int, nivel: str, corte: date, dre: str | None, ugel: str | None,
          ie: str | None, acompanante_id: UUID | None, solo_atrasados: bool, modalidad: str | None,
          nombres: Nombres) -> Tabla:
    filas = vistas.cumplimiento(anio, corte, nivel, dre=dre, ugel=ugel, ie=ie, modalidad=modalidad,
                                acompanante_id=str(acompanante_id) if acompanante_id else None)
    filas = [{**f, "fecha_corte": corte} for f in filas if f["docentes_atrasados"] or not solo_atrasados]
    return Tabla("cumplimiento", exportar.columnas_cumplimiento(nivel, filas, nombres), filas,
                 f"Cumplimiento del protocolo al {corte:%d/%m/%Y}, por {exportar.NIVELES[nivel]}"
                 + (", solo los atrasados" if solo_atrasados else ""))
