"""A GIA's or an RTC's acta over HTTP (NT-026 §5.2.7, §5.3): recorded by who led it, corrected with a reason
(the original stays), read with its corrections, and printed to be archived and signed."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import Field

from services.evidencias import documentos
from services.evidencias.api import registro as r
from services.evidencias.api.comun import Entrada, Id, registrado
from services.evidencias.api.dependencias import EvidenciasApp, Vistas
from services.evidencias.application import Evidencias
from services.evidencias.projections import Proyecciones
from shared.eventstore import NotFound

router = APIRouter(prefix="/v1", tags=["evidencias"])
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


class NombresActaIn(Entrada):
    nombres: dict[UUID, Annotated[str, Field(min_length=2, max_length=200)]] = Field(
        default_factory=dict, max_length=200, description="Por persona (docente, acompañante, directivo), su nombre.")
    ie: str | None = Field(None, min_length=3, max_length=200, description="Nombre de la IE.")


@router.post("/reuniones/{actividad_id}/acta", status_code=201, summary="Registrar el acta de un GIA o una RTC")
def acta(actividad_id: Id, entrada: r.ActaIn, app: EvidenciasApp) -> dict[str, Any]:
    return registrado(*r.acta(app, entrada, actividad_id))  # type: ignore[return-value]


@router.post("/reuniones/{actividad_id}/acta/correcciones", status_code=201,
             summary="Corregir el acta (queda la original)")
def corregir_acta(actividad_id: Id, entrada: r.CorreccionActaIn, app: EvidenciasApp) -> dict[str, Any]:
    return registrado(*r.correccion_acta(app, entrada, actividad_id))  # type: ignore[return-value]


@router.get("/reuniones/{actividad_id}", summary="Un GIA o una RTC con su acta y sus correcciones")
def reunion(actividad_id: Id, vistas: Vistas) -> dict[str, Any]:
    registro = vistas.reunion(str(actividad_id))
    if registro is None:
        raise NotFound(f"No consta la reunión {actividad_id}.")
    return registro


def acta_pdf(app: Evidencias, vistas: Proyecciones, actividad_id: UUID, nombres: dict[str, str],
             ie: str | None) -> Response:
    registro = vistas.reunion(str(actividad_id))
    if registro is None:
        raise NotFound(f"No consta la reunión {actividad_id}.")
    ultima = registro["actas"][-1] if registro["actas"] else None
    lista = app.instrumento(ultima["instrumento"], ultima["version"]) if ultima else None
    reunion = registro["reunion"]
    return Response(documentos.pdf_acta(registro, lista, nombres, ie), media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="acta-{reunion["tipo"]}-{reunion["fecha"]}.pdf"',
        "Cache-Control": "private, no-store"})


@router.get("/reuniones/{actividad_id}/acta.pdf", summary="El acta de un GIA o una RTC, para archivar (PDF)",
            description="Con una línea por docente para escribir su nombre y firmar (evidencias no guarda nombres); "
                        "`POST` a la misma ruta la imprime con los nombres que se indiquen.",
            response_class=Response, responses=PDF)
def get_acta_pdf(actividad_id: Id, app: EvidenciasApp, vistas: Vistas) -> Response:
    return acta_pdf(app, vistas, actividad_id, {}, None)


@router.post("/reuniones/{actividad_id}/acta.pdf", summary="El acta de un GIA o una RTC con los nombres (PDF)",
             description="Los nombres de las personas y de la IE se usan solo para imprimir: no se guardan.",
             response_class=Response, responses=PDF)
def post_acta_pdf(actividad_id: Id, entrada: NombresActaIn, app: EvidenciasApp, vistas: Vistas) -> Response:
    return acta_pdf(app, vistas, actividad_id, {str(k): v for k, v in entrada.nombres.items()}, entrada.ie)
