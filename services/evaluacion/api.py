"""evaluacion's HTTP API, version 1."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from services.evaluacion.projections import Proyecciones


class VisitasDocenteAnio(BaseModel):
    docente_id: UUID
    anio: int
    visitas: int
    dias: int


def router(proyecciones: Proyecciones) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["seguimiento"])

    @r.get("/docentes/{docente_id}/visitas", summary="Visitas realizadas a un docente, por año")
    def visitas_docente(
        docente_id: Annotated[UUID, Path(description="Identificador del docente")],
    ) -> list[VisitasDocenteAnio]:
        return [VisitasDocenteAnio(**r) for r in proyecciones.visitas_por_docente(docente_id=docente_id)]

    @r.get("/visitas-por-docente", summary="Visitas realizadas por docente y año, filtrables por territorio")
    def visitas_por_docente(
        anio: Annotated[int | None, Query(description="Año escolar")] = None,
        dre: Annotated[str | None, Query(description="Código de la DRE")] = None,
        ugel: Annotated[str | None, Query(description="Código de la UGEL")] = None,
        limite: Annotated[int, Query(ge=1, le=1000, description="Filas por página")] = 100,
        desde: Annotated[int, Query(ge=0, description="Filas a saltar")] = 0,
    ) -> list[VisitasDocenteAnio]:
        rows = proyecciones.visitas_por_docente(anio=anio, dre=dre, ugel=ugel, limite=limite, desde=desde)
        return [VisitasDocenteAnio(**r) for r in rows]

    return r
