"""Contracts published by agenda."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.contracts.base import IntegrationEvent

AccionVisita = Literal["observacion", "asesoria", "retroalimentacion", "modelado"]


class VisitaRealizadaV1(IntegrationEvent):
    """Una visita de acompañamiento en aula que se realizó (NT-026 §5.6): observación y asesoría."""

    servicio = "agenda"
    evento = "VisitaRealizada"
    version = 1

    visita_id: UUID = Field(description="Identificador de la visita (estable ante reenvíos).")
    docente_id: UUID = Field(description="Identificador del docente acompañado.")
    acompanante_id: UUID = Field(description="Identificador del acompañante que realizó la visita.")
    codigo_modular: str = Field(description="Código modular de la IE (7 dígitos).", examples=["0236885"])
    anexo: int = Field(0, description="Anexo de la IE (0 para la sede principal).")
    dre: str = Field(description="Código de la DRE.", examples=["DRE-PUNO"])
    ugel: str = Field(description="Código de la UGEL.", examples=["UGEL-EL-COLLAO"])
    anio: int = Field(description="Año escolar de la visita.", examples=[2025])
    fecha_inicio: date = Field(description="Primer día de la visita.")
    fecha_fin: date = Field(description="Último día de la visita.")
    dias: int = Field(description="Días de visita.", ge=1)
    acciones: list[AccionVisita] = Field(description="Lo que se hizo durante la visita.")
