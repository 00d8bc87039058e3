"""focalizacion's HTTP API for the caseloads: assigning docentes to acompañantes, and their changes (NT-026 §5.6)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.focalizacion import comandos as c
from services.focalizacion.dependencias import Conv, FocalizacionApp, Vistas

router = APIRouter(prefix="/v1", tags=["focalizacion"])


class AsignacionMasivaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ugel: str | None = Field(None, description="Solo esta UGEL (vacío: todas).")
    anio: int | None = Field(None, description="Año escolar desde el que rigen (por defecto, el primero).")


class Excepcion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limite: int = Field(ge=1, le=40, description="Nuevo límite de docentes del acompañante.")
    justificacion: str = Field(min_length=10, description="Por qué se excede la ratio.")

    def comando(self) -> c.ExcepcionRatio:
        return c.ExcepcionRatio(self.limite, self.justificacion)


class AsignacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    docente_id: UUID
    acompanante_id: UUID
    anio: int | None = None
    excepcion: Excepcion | None = Field(None, description="Solo si el rol del usuario autoriza excepciones.")


class ReasignacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    docente_id: UUID
    acompanante_id: UUID
    motivo: str = Field(min_length=3)
    excepcion: Excepcion | None = None


class MotivoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    motivo: str = Field(min_length=3)


class RetiroAcompananteIn(MotivoIn):
    reemplazo_id: UUID | None = Field(None, description="Quién recibe toda la cartera; vacío: se reparte.")


class IncorporacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    anio: int | None = None


@router.post("/convocatorias/{convocatoria}/asignacion", summary="Asignar docentes a acompañantes (por UGEL)")
def asignar_carteras(convocatoria: Conv, app: FocalizacionApp,
                     body: Annotated[AsignacionMasivaIn, Body()] = AsignacionMasivaIn()) -> dict[str, Any]:
    return app.asignar_carteras(convocatoria, ugel=body.ugel, anio=body.anio)


@router.post("/convocatorias/{convocatoria}/asignaciones", status_code=201, summary="Asignar un docente")
def asignar(convocatoria: Conv, body: AsignacionIn, app: FocalizacionApp) -> dict[str, Any]:
    app.asignar_docente(c.AsignarDocente(convocatoria, body.docente_id, body.acompanante_id, body.anio,
                                         body.excepcion.comando() if body.excepcion else None))
    return app.proyecciones.asignacion_de(str(body.docente_id))


@router.post("/convocatorias/{convocatoria}/reasignaciones", summary="Reasignar un docente a otro acompañante")
def reasignar(convocatoria: Conv, body: ReasignacionIn, app: FocalizacionApp) -> dict[str, Any]:
    app.reasignar_docente(c.ReasignarDocente(convocatoria, body.docente_id, body.acompanante_id, body.motivo,
                                             body.excepcion.comando() if body.excepcion else None))
    return app.proyecciones.asignacion_de(str(body.docente_id))


@router.post("/convocatorias/{convocatoria}/docentes/{docente_id}/retiro", summary="Retirar un docente")
def retirar_docente(convocatoria: Conv, docente_id: UUID, body: MotivoIn, app: FocalizacionApp) -> dict[str, Any]:
    app.retirar_docente(c.RetirarDocente(convocatoria, docente_id, body.motivo))
    return app.proyecciones.asignacion_de(str(docente_id))


@router.post("/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/incorporacion", status_code=201,
             summary="Incorporar un acompañante registrado a la convocatoria")
def incorporar(convocatoria: Conv, acompanante_id: UUID, response: Response, app: FocalizacionApp,
               body: Annotated[IncorporacionIn, Body()] = IncorporacionIn()) -> dict[str, str]:
    if not app.incorporar_acompanante(c.IncorporarAcompanante(convocatoria, acompanante_id, body.anio)):
        response.status_code = status.HTTP_200_OK
    return {"acompanante_id": str(acompanante_id)}


@router.post("/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/retiro",
             summary="Retirar un acompañante y traspasar su cartera")
def retirar_acompanante(convocatoria: Conv, acompanante_id: UUID, body: RetiroAcompananteIn,
                        app: FocalizacionApp) -> dict[str, Any]:
    return app.retirar_acompanante(c.RetirarAcompanante(convocatoria, acompanante_id, body.motivo, body.reemplazo_id))


@router.post("/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/excepciones", status_code=201,
             summary="Registrar una excepción a la ratio (roles autorizados)")
def excepcion(convocatoria: Conv, acompanante_id: UUID, body: Excepcion, app: FocalizacionApp) -> dict[str, Any]:
    app.registrar_excepcion(c.RegistrarExcepcion(convocatoria, acompanante_id, body.comando()))
    return {"acompanante_id": str(acompanante_id), "limite": body.limite}


@router.get("/convocatorias/{convocatoria}/carteras", summary="Cartera de cada acompañante, con su ratio y estado")
def carteras(convocatoria: Conv, app: FocalizacionApp, ugel: str | None = None) -> list[dict[str, Any]]:
    app.convocatoria(convocatoria)
    return app.proyecciones.carteras(convocatoria, ugel)


@router.get("/docentes/{docente_id}/asignacion", summary="Acompañante actual de un docente y su historial")
def asignacion(docente_id: UUID, vistas: Vistas) -> dict[str, Any]:
    return vistas.asignacion_de(str(docente_id))
