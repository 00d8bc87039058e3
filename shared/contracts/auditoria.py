"""Auditor reads: every read by the ``auditor`` role, in any service, is a published fact.

One shape, declared once here and published by each service on its own subject
(``acompana.<servicio>.LecturaAuditada.v1.<dre>.<ugel>``): a service publishes only its own subjects, and
a subscriber follows the reads of one service or, with ``acompana.*.LecturaAuditada.>``, of all. A read
about docentes names them (``docente_ids``), so each docente's history lists it and the docente sees it
among the reads of his data (evaluacion's ``GET /v1/docentes/{id}/accesos``; Ley 29733).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from shared.contracts.base import IntegrationEvent


class _LecturaAuditada(IntegrationEvent):
    evento = "LecturaAuditada"

    lectura_id: UUID
    usuario: str = Field(max_length=100, description="Quién leyó (el sujeto de su token).")
    rol: str = Field(max_length=50, description="Con qué rol leyó.", examples=["auditor"])
    ruta: str = Field(max_length=200, description="Qué leyó: método y plantilla de la ruta.",
                      examples=["GET /v1/docentes/{docente_id}/observaciones"])
    objetos: dict[str, str] = Field(description="Los identificadores que nombró la ruta o el cuerpo.")
    consulta: dict[str, str] = Field(description="Los parámetros de la consulta (filtros, fechas, formato).")
    docente_ids: list[UUID] = Field(description="Los docentes cuyos datos leyó (vacía si la lectura no es de "
                                                "un docente en particular).")
    leido_en: datetime
    dre: str | None = Field(None, description="Código de la DRE de lo leído, si es una sola.",
                            examples=["DRE-PUNO"])
    ugel: str | None = Field(None, description="Código de la UGEL de lo leído, si es una sola.",
                             examples=["UGEL-EL-COLLAO"])


class LecturaAuditadaFocalizacionV1(_LecturaAuditada):
    """Un auditor leyó datos de focalizacion: quién, qué ruta, qué objetos y consulta, de qué docentes."""

    servicio = "focalizacion"
    version = 1


class LecturaAuditadaAgendaV1(_LecturaAuditada):
    """Un auditor leyó datos de agenda: quién, qué ruta, qué objetos y consulta, de qué docentes."""

    servicio = "agenda"
    version = 1


class LecturaAuditadaEvidenciasV1(_LecturaAuditada):
    """Un auditor leyó datos de evidencias: quién, qué ruta, qué objetos y consulta, de qué docentes."""

    servicio = "evidencias"
    version = 1


class LecturaAuditadaEvaluacionV1(_LecturaAuditada):
    """Un auditor leyó datos de evaluacion: quién, qué ruta, qué objetos y consulta, de qué docentes."""

    servicio = "evaluacion"
    version = 1


POR_SERVICIO: dict[str, type[_LecturaAuditada]] = {
    c.servicio: c for c in (LecturaAuditadaFocalizacionV1, LecturaAuditadaAgendaV1,
                            LecturaAuditadaEvidenciasV1, LecturaAuditadaEvaluacionV1)}
