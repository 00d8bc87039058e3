"""A device's offline queue: each item applied in order as its single route would apply it
(``shared.lote.Lote``), answered item by item."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.agenda.api import actividades as a
from services.agenda.api.comun import Id
from services.agenda.api.dependencias import AgendaApp
from services.agenda.application import Agenda
from shared.eventstore import Conflict
from shared.http.dependencias import PoliticaDeAcceso
from shared.lote import Lote, Operacion, ResultadoItem
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1", tags=["realización"])


class ItemLote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operacion: Literal["programar_visita", "programar_gia", "programar_rtc", "programar_taller", "reprogramar",
                       "cancelar", "visita_realizada", "gia_completado", "rtc_realizada", "taller_realizado",
                       "curso_virtual_completado"]
    actividad_id: UUID | None = Field(None, description="reprogramar / cancelar: la actividad.")
    datos: dict[str, Any]


class LoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemLote] = Field(min_length=1, max_length=2000, description="En el orden en que se hicieron.")


@router.post("/acompanantes/{acompanante_id}/lote", summary="Cola de un dispositivo que estuvo sin conexión",
             description="Aplica cada elemento por separado y en orden, y responde por elemento: uno rechazado "
                         "no impide los demás. Reenviar el mismo lote no crea duplicados.")
def post_lote(acompanante_id: Id, body: LoteIn, agenda: AgendaApp, politica: PoliticaDeAcceso) -> list[ResultadoItem]:
    acompanante = str(acompanante_id)
    return _lote(agenda, acompanante).ejecutar(politica, current_actor.get(), acompanante, body.items)


def _lote(agenda: Agenda, acompanante: str) -> Lote:
    """Each kind of item: the single route it stands for, its body and the operation that applies it."""
    def propia(actividad_id: UUID) -> UUID:
        if agenda.acompanante_de(str(actividad_id)) != acompanante:
            raise Conflict(f"La actividad {actividad_id} es de la agenda de otro acompañante.")
        return actividad_id

    p = "POST /v1/acompanantes/{acompanante_id}"
    return Lote({
        "programar_visita": Operacion(f"{p}/visitas", a.VisitaProgramadaIn,
                                      lambda b, acompanante_id: a.programar_visita(agenda, acompanante_id, b)),
        "programar_gia": Operacion(f"{p}/gia", a.ReunionProgramadaIn,
                                   lambda b, acompanante_id: a.programar_reunion(agenda, "gia", acompanante_id, b)),
        "programar_rtc": Operacion(f"{p}/rtc", a.ReunionProgramadaIn,
                                   lambda b, acompanante_id: a.programar_reunion(agenda, "rtc", acompanante_id, b)),
        "programar_taller": Operacion(f"{p}/talleres", a.TallerProgramadoIn,
                                      lambda b, acompanante_id: a.programar_taller(agenda, acompanante_id, b)),
        "reprogramar": Operacion("POST /v1/actividades/{actividad_id}/reprogramacion", a.ReprogramacionIn,
                                 lambda b, actividad_id: a.reprogramar(agenda, propia(actividad_id), b)),
        "cancelar": Operacion("POST /v1/actividades/{actividad_id}/cancelacion", a.CancelacionIn,
                              lambda b, actividad_id: a.cancelar(agenda, propia(actividad_id), b)),
        "visita_realizada": Operacion("POST /v1/visitas-realizadas", a.VisitaRealizadaIn,
                                      lambda b: a.visita_realizada(agenda, b)),
        "gia_completado": Operacion("POST /v1/gia-completados", a.ReunionRealizadaIn,
                                    lambda b: a.reunion_realizada(agenda, "gia", b)),
        "rtc_realizada": Operacion("POST /v1/rtc-realizadas", a.ReunionRealizadaIn,
                                   lambda b: a.reunion_realizada(agenda, "rtc", b)),
        "taller_realizado": Operacion("POST /v1/talleres-realizados", a.TallerRealizadoIn,
                                      lambda b: a.taller_realizado(agenda, b)),
        "curso_virtual_completado": Operacion("POST /v1/cursos-virtuales-completados", a.CursoVirtualIn,
                                              lambda b: a.curso(agenda, b)),
    })
