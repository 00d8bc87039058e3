"""focalizacion's HTTP API, version 1: translates requests into commands and queries."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.focalizacion.application import Focalizacion
from services.focalizacion.reglas import ConjuntoReglas
from shared.eventstore import NotFound

Conv = Annotated[str, Path(description="Código de la convocatoria", examples=["2020-2022"])]


class ConvocatoriaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codigo: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["2020-2022"])
    anio_inicio: int = Field(ge=2000, le=2100, examples=[2020])
    anio_fin: int = Field(ge=2000, le=2100, examples=[2022])
    reglas: str = Field(description="Código del conjunto de reglas; se usa la versión vigente.", examples=["NT-026"])


class AsignacionMasivaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ugel: str | None = Field(None, description="Solo esta UGEL (vacío: todas).")
    anio: int | None = Field(None, description="Año escolar desde el que rigen (por defecto, el primero).")


class Excepcion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limite: int = Field(ge=1, le=40, description="Nuevo límite de docentes del acompañante.")
    justificacion: str = Field(min_length=10, description="Por qué se excede la ratio.")


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


def router(app: Focalizacion) -> APIRouter:  # noqa: C901, PLR0915 - one route per use case
    r = APIRouter(prefix="/v1", tags=["focalizacion"])

    @r.get("/reglas", summary="Conjuntos de reglas publicados")
    def listar_reglas() -> list[dict[str, Any]]:
        return app.proyecciones.reglas_publicadas()

    @r.post("/reglas", status_code=201, summary="Publicar un conjunto de reglas (versión nueva)",
            responses={200: {"description": "Ya estaba publicado igual"}, 409: {"description": "Versión ya usada"}})
    def publicar_reglas(reglas: ConjuntoReglas, response: Response) -> dict[str, str]:
        if not app.publicar_reglas(reglas):
            response.status_code = status.HTTP_200_OK
        return {"reglas": reglas.clave}

    @r.get("/convocatorias", summary="Convocatorias")
    def convocatorias() -> list[dict[str, Any]]:
        return app.proyecciones.convocatorias()

    @r.post("/convocatorias", status_code=201, summary="Abrir una convocatoria",
            responses={200: {"description": "Ya estaba abierta igual"}})
    def abrir(body: ConvocatoriaIn, response: Response) -> dict[str, Any]:
        if not app.abrir_convocatoria(body.codigo, body.anio_inicio, body.anio_fin, body.reglas):
            response.status_code = status.HTTP_200_OK
        conv = app.convocatoria(body.codigo)
        return {"codigo": conv.codigo, "anio_inicio": conv.anio_inicio, "anio_fin": conv.anio_fin,
                "reglas": conv.reglas, "ambito": conv.ambito}

    @r.post("/convocatorias/{convocatoria}/focalizacion", summary="Ejecutar la focalización")
    def focalizar(convocatoria: Conv) -> dict[str, Any]:
        return app.ejecutar_focalizacion(convocatoria)

    @r.get("/convocatorias/{convocatoria}/decisiones", summary="Decisiones de focalización, con sus motivos")
    def decisiones(convocatoria: Conv, focalizada: bool | None = None, dre: str | None = None,
                   ugel: str | None = None, tipo: str | None = None,
                   limite: Annotated[int, Query(ge=1, le=1000)] = 100,
                   desde: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[dict[str, Any]]:
        app.convocatoria(convocatoria)
        return app.proyecciones.decisiones(convocatoria, focalizada=focalizada, dre=dre, ugel=ugel, tipo=tipo,
                                           limite=limite, desde=desde)

    @r.get("/convocatorias/{convocatoria}/focalizadas", summary="IIEE focalizadas por DRE, UGEL o tipo")
    def focalizadas(convocatoria: Conv, por: Literal["dre", "ugel", "tipo"] = "ugel") -> list[dict[str, Any]]:
        app.convocatoria(convocatoria)
        return app.proyecciones.focalizadas_por_territorio(convocatoria, por)

    @r.get("/convocatorias/{convocatoria}/ies/{codigo_modular}/{anexo}",
           summary="Por qué una IE quedó focalizada o excluida")
    def explicar(convocatoria: Conv, codigo_modular: Annotated[str, Path(pattern=r"^\d{7}$")],
                 anexo: Annotated[int, Path(ge=0, le=9)]) -> dict[str, Any]:
        d = app.proyecciones.decision(convocatoria, codigo_modular, anexo)
        if d is not None:
            return d
        raise NotFound(f"La IE {codigo_modular}-{anexo} no tiene decisión en la convocatoria {convocatoria}.")

    @r.post("/convocatorias/{convocatoria}/asignacion", summary="Asignar docentes a acompañantes (por UGEL)")
    def asignar_carteras(convocatoria: Conv, body: Annotated[AsignacionMasivaIn, Body()] = AsignacionMasivaIn()
                         ) -> dict[str, Any]:
        return app.asignar_carteras(convocatoria, ugel=body.ugel, anio=body.anio)

    @r.post("/convocatorias/{convocatoria}/asignaciones", status_code=201, summary="Asignar un docente")
    def asignar(convocatoria: Conv, body: AsignacionIn) -> dict[str, Any]:
        app.asignar_docente(convocatoria, body.docente_id, body.acompanante_id, body.anio,
                            body.excepcion.model_dump() if body.excepcion else None)
        return app.proyecciones.asignacion_de(str(body.docente_id))

    @r.post("/convocatorias/{convocatoria}/reasignaciones", summary="Reasignar un docente a otro acompañante")
    def reasignar(convocatoria: Conv, body: ReasignacionIn) -> dict[str, Any]:
        app.reasignar_docente(convocatoria, body.docente_id, body.acompanante_id, body.motivo,
                              body.excepcion.model_dump() if body.excepcion else None)
        return app.proyecciones.asignacion_de(str(body.docente_id))

    @r.post("/convocatorias/{convocatoria}/docentes/{docente_id}/retiro", summary="Retirar un docente")
    def retirar_docente(convocatoria: Conv, docente_id: UUID, body: MotivoIn) -> dict[str, Any]:
        app.retirar_docente(convocatoria, docente_id, body.motivo)
        return app.proyecciones.asignacion_de(str(docente_id))

    @r.post("/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/incorporacion", status_code=201,
            summary="Incorporar un acompañante registrado a la convocatoria")
    def incorporar(convocatoria: Conv, acompanante_id: UUID, response: Response,
                   body: Annotated[IncorporacionIn, Body()] = IncorporacionIn()) -> dict[str, str]:
        if not app.incorporar_acompanante(convocatoria, acompanante_id, body.anio):
            response.status_code = status.HTTP_200_OK
        return {"acompanante_id": str(acompanante_id)}

    @r.post("/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/retiro",
            summary="Retirar un acompañante y traspasar su cartera")
    def retirar_acompanante(convocatoria: Conv, acompanante_id: UUID, body: RetiroAcompananteIn) -> dict[str, Any]:
        return app.retirar_acompanante(convocatoria, acompanante_id, body.motivo, body.reemplazo_id)

    @r.post("/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/excepciones", status_code=201,
            summary="Registrar una excepción a la ratio (roles autorizados)")
    def excepcion(convocatoria: Conv, acompanante_id: UUID, body: Excepcion) -> dict[str, Any]:
        app.registrar_excepcion(convocatoria, acompanante_id, body.limite, body.justificacion)
        return {"acompanante_id": str(acompanante_id), "limite": body.limite}

    @r.get("/convocatorias/{convocatoria}/carteras", summary="Cartera de cada acompañante, con su ratio y estado")
    def carteras(convocatoria: Conv, ugel: str | None = None) -> list[dict[str, Any]]:
        app.convocatoria(convocatoria)
        return app.proyecciones.carteras(convocatoria, ugel)

    @r.get("/docentes/{docente_id}/asignacion", summary="Acompañante actual de un docente y su historial")
    def asignacion(docente_id: UUID) -> dict[str, Any]:
        return app.proyecciones.asignacion_de(str(docente_id))

    return r
