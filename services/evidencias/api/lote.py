"""A device's offline queue over HTTP (``shared.lote``): each item one of the single routes of a visit's record or
of an acta, applied in order with the same rule of access, validation and answer as that route."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal, get_args
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from services.evidencias.api import registro as r
from services.evidencias.api.comun import Entrada, Id
from services.evidencias.api.dependencias import EvidenciasApp
from services.evidencias.application import Evidencias
from shared.http.dependencias import PoliticaDeAcceso
from shared.lote import Lote, Operacion, ResultadoItem
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1", tags=["evidencias"])


Operaciones = Literal["observacion", "correccion", "retroalimentacion", "compromiso", "verificacion", "necesidad",
                      "acta", "correccion_acta"]


class ItemLote(Entrada):
    operacion: Operaciones
    visita_id: UUID | None = Field(None, description="observacion, correccion, retroalimentacion, compromiso.")
    observacion_id: UUID | None = Field(None, description="correccion: la observación que corrige.")
    compromiso_id: UUID | None = Field(None, description="verificacion: el compromiso.")
    docente_id: UUID | None = Field(None, description="necesidad: el docente.")
    actividad_id: UUID | None = Field(None, description="acta, correccion_acta: el GIA o la RTC.")
    datos: dict[str, Any] = Field(description="El cuerpo de la ruta individual.")


class LoteIn(Entrada):
    items: list[ItemLote] = Field(min_length=1, max_length=2000, description="En el orden en que se hicieron.")


def cola(app: Evidencias) -> Lote:
    """The offline queue: each item is one of the single routes, with the arguments the executor passes."""
    return Lote({
        "observacion": Operacion("POST /v1/visitas/{visita_id}/observaciones", r.ObservacionIn,
                                 partial(r.observacion, app)),
        "correccion": Operacion("POST /v1/visitas/{visita_id}/observaciones/{observacion_id}/correcciones",
                                r.CorreccionIn, partial(r.correccion, app), id="observacion_id"),
        "retroalimentacion": Operacion("POST /v1/visitas/{visita_id}/retroalimentacion", r.RetroalimentacionIn,
                                       partial(r.retroalimentacion, app)),
        "compromiso": Operacion("POST /v1/visitas/{visita_id}/compromisos", r.CompromisoIn,
                                partial(r.compromiso, app)),
        "verificacion": Operacion("POST /v1/compromisos/{compromiso_id}/verificacion", r.VerificacionIn,
                                  partial(r.verificacion, app), id="compromiso_id"),
        "necesidad": Operacion("POST /v1/docentes/{docente_id}/necesidades", r.NecesidadIn, partial(r.necesidad, app)),
        "acta": Operacion("POST /v1/reuniones/{actividad_id}/acta", r.ActaIn, partial(r.acta, app), autor="autor_id"),
        "correccion_acta": Operacion("POST /v1/reuniones/{actividad_id}/acta/correcciones", r.CorreccionActaIn,
                                     partial(r.correccion_acta, app), autor="autor_id"),
    })


@router.post("/acompanantes/{acompanante_id}/lote", summary="Cola de un dispositivo que estuvo sin conexión",
             description="Cada elemento es una de las rutas individuales (``operacion``: " + ", ".join(get_args(Operaciones))
                         + "), con sus identificadores de ruta al nivel del elemento y su cuerpo en ``datos``. Se "
                         "aplican por separado y en orden, con la misma regla de acceso, validación y respuesta que "
                         "la ruta individual; uno rechazado no impide los demás, uno ``en_espera`` se reenvía solo. "
                         "Reenviar la misma cola, en cualquier orden, no registra nada dos veces.")
def post_lote(acompanante_id: Id, body: LoteIn, app: EvidenciasApp, politica: PoliticaDeAcceso) -> list[ResultadoItem]:
    return cola(app).ejecutar(politica, current_actor.get(), str(acompanante_id), body.items)
