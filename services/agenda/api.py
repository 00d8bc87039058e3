"""agenda's HTTP API, version 1: translates requests into commands and queries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.agenda.application import Agenda, DatosVisitaRealizada

CodigoTerritorio = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class VisitaRealizadaIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "visita_id": "6f1c2f7e-2d0a-4c55-9a53-3f7c1b2a9e10",
            "docente_id": "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55",
            "acompanante_id": "4a2e6d9c-1b3f-5e7a-8c0d-9f1e2a3b4c5d",
            "codigo_modular": "0236885", "anexo": 0,
            "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO",
            "fecha_inicio": "2025-06-10", "fecha_fin": "2025-06-11",
            "acciones": ["observacion", "asesoria"],
        }]},
    )

    visita_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar la misma visita no crea otra.")
    docente_id: UUID = Field(description="Docente acompañado.")
    acompanante_id: UUID = Field(description="Acompañante que realizó la visita.")
    codigo_modular: str = Field(pattern=r"^\d{7}$", description="Código modular de la IE (7 dígitos).")
    anexo: int = Field(0, ge=0, le=9, description="Anexo de la IE (0: sede principal).")
    dre: CodigoTerritorio = Field(description="Código de la DRE.")
    ugel: CodigoTerritorio = Field(description="Código de la UGEL.")
    fecha_inicio: date = Field(description="Primer día de la visita.")
    fecha_fin: date = Field(description="Último día de la visita.")
    acciones: list[Literal["observacion", "asesoria", "retroalimentacion", "modelado"]] = Field(
        min_length=1, description="Lo que se hizo: observación, asesoría, retroalimentación, modelado.")


class VisitaOut(BaseModel):
    visita_id: UUID
    docente_id: UUID
    acompanante_id: UUID
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    fecha_inicio: date
    fecha_fin: date
    acciones: list[str]
    dias: int
    anio: int
    version: int


def router(agenda: Agenda) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["visitas"])

    @r.post(
        "/visitas-realizadas",
        status_code=status.HTTP_201_CREATED,
        summary="Registrar una visita realizada",
        description="Registra una visita de acompañamiento ya realizada. Idempotente: reenviar la "
        "misma visita (mismo `visita_id` y datos) responde 200 sin crear otra; el mismo "
        "`visita_id` con otros datos responde 409.",
        responses={200: {"description": "La visita ya estaba registrada"},
                   409: {"description": "El identificador ya se usó para otra visita"},
                   422: {"description": "Datos no válidos"}},
    )
    def registrar(body: VisitaRealizadaIn, response: Response) -> VisitaOut:
        datos = DatosVisitaRealizada(**body.model_dump(exclude={"visita_id"}))
        if not agenda.registrar_visita_realizada(body.visita_id, datos):
            response.status_code = status.HTTP_200_OK
        return VisitaOut(**agenda.visita(body.visita_id))

    @r.get("/visitas/{visita_id}", summary="Consultar una visita",
           responses={404: {"description": "No existe la visita"}})
    def consultar(visita_id: Annotated[UUID, Path(description="Identificador de la visita")]) -> VisitaOut:
        return VisitaOut(**agenda.visita(visita_id))

    return r
