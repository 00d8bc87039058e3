"""focalizacion's HTTP API for personal data (Ley 29733): the cancellation of a docente's data.

Only the ``administrador`` role cancels (``acceso.REGLAS``). The request records the cancellation (its reference and
legal ground, no personal data), erases the key of the docente's personal fields and publishes
``DatosPersonalesCancelados`` so every service erases its own (docs/datos-personales.md).
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.focalizacion.comandos import CancelarDatosPersonales
from services.focalizacion.dependencias import FocalizacionApp
from services.focalizacion.domainmodel import Docente


class CancelacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referencia: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]{2,59}$", examples=["EXP-2024-000123"],
                            description="Número del expediente de la solicitud (nunca nombres ni DNI: queda en la "
                                        "historia).")
    motivo: Literal["solicitud_titular", "mandato_autoridad"] = Field(
        "solicitud_titular", description="solicitud_titular: el docente lo pidió; mandato_autoridad: lo ordenó la "
                                         "Autoridad Nacional de Protección de Datos Personales.")


router = APIRouter(prefix="/v1", tags=["datos personales"])


@router.post("/docentes/{docente_id}/cancelacion-datos", status_code=201,
             summary="Cancelar los datos personales de un docente (Ley 29733; rol administrador)",
             responses={200: {"description": "Ya estaban cancelados"}, 403: {"description": "Rol no autorizado"},
                        404: {"description": "No existe el docente"}})
def cancelar(docente_id: UUID, body: CancelacionIn, response: Response, app: FocalizacionApp) -> dict[str, Any]:
    if not app.cancelar_datos_personales(CancelarDatosPersonales(docente_id, body.referencia, body.motivo)):
        response.status_code = status.HTTP_200_OK
    return {"docente_id": str(docente_id), "datos_personales": "cancelados",
            "llave_suprimida": app.cifrador.llavero.suprimida(Docente.sujeto_de(docente_id))}
