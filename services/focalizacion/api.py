"""focalizacion's HTTP API, version 1: rule sets, convocatorias, the focalization's decisions and the padrón's
territories with their names.

Each ``api_*`` module is one use case with its module-level ``router``, included by ``main.py``; routes only
translate a request into one command or query (``dependencias`` hands them the application and its read models).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from services.focalizacion.comandos import AbrirConvocatoria
from services.focalizacion.dependencias import Conv, FocalizacionApp, Vistas
from services.focalizacion.reglas import ConjuntoReglas
from shared.autorizacion import NACIONALES
from shared.eventstore import NotFound
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1", tags=["focalizacion"])


class TerritorioOut(BaseModel):
    codigo: str = Field(description="Código de la DRE o de la UGEL en el padrón (COD_DRE, CODOOII).",
                        examples=["UGEL-EL-COLLAO"])
    tipo: Literal["DRE", "UGEL"]
    nombre: str | None = Field(description="Su nombre según el último padrón importado que lo trajo (D_DREUGEL, "
                                           "D_REGION); null si ninguno lo trajo.", examples=["UGEL El Collao"])
    dre: str = Field(description="La DRE a la que pertenece (la propia, en una DRE).", examples=["DRE-PUNO"])


class ConvocatoriaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codigo: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["2020-2022"])
    anio_inicio: int = Field(ge=2000, le=2100, examples=[2020])
    anio_fin: int = Field(ge=2000, le=2100, examples=[2022])
    reglas: str = Field(description="Código del conjunto de reglas; se usa la versión vigente.", examples=["NT-026"])


@router.get("/reglas", summary="Conjuntos de reglas publicados")
def listar_reglas(vistas: Vistas) -> list[dict[str, Any]]:
    return vistas.reglas_publicadas()


@router.post("/reglas", status_code=201, summary="Publicar un conjunto de reglas (versión nueva)",
             responses={200: {"description": "Ya estaba publicado igual"}, 409: {"description": "Versión ya usada"}})
def publicar_reglas(reglas: ConjuntoReglas, response: Response, app: FocalizacionApp) -> dict[str, str]:
    if "ambito" not in reglas.model_fields_set and current_actor.get().rol not in NACIONALES:
        # the policy reads the ámbito from the body (acceso.py): a DRE must name it, and name its own
        raise RequestValidationError([{"loc": ("body", "ambito"), "type": "value_error", "msg": (
            "es obligatorio para quien publica desde una DRE: indique el código de su DRE")}])
    if not app.publicar_reglas(reglas):
        response.status_code = status.HTTP_200_OK
    return {"reglas": reglas.clave}


@router.get("/convocatorias", summary="Convocatorias")
def convocatorias(vistas: Vistas) -> list[dict[str, Any]]:
    return vistas.convocatorias()


@router.post("/convocatorias", status_code=201, summary="Abrir una convocatoria",
             responses={200: {"description": "Ya estaba abierta igual"}})
def abrir(body: ConvocatoriaIn, response: Response, app: FocalizacionApp) -> dict[str, Any]:
    if not app.abrir_convocatoria(AbrirConvocatoria(body.codigo, body.anio_inicio, body.anio_fin, body.reglas)):
        response.status_code = status.HTTP_200_OK
    conv = app.convocatoria(body.codigo)
    return {"codigo": conv.codigo, "anio_inicio": conv.anio_inicio, "anio_fin": conv.anio_fin,
            "reglas": conv.reglas, "ambito": conv.ambito}


@router.post("/convocatorias/{convocatoria}/focalizacion", summary="Ejecutar la focalización")
def focalizar(convocatoria: Conv, app: FocalizacionApp) -> dict[str, Any]:
    return app.ejecutar_focalizacion(convocatoria)


@router.get("/convocatorias/{convocatoria}/decisiones", summary="Decisiones de focalización, con sus motivos")
def decisiones(convocatoria: Conv, app: FocalizacionApp, focalizada: bool | None = None, dre: str | None = None,
               ugel: str | None = None, tipo: str | None = None,
               limite: Annotated[int, Query(ge=1, le=1000)] = 100,
               desde: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[dict[str, Any]]:
    app.convocatoria(convocatoria)
    return app.proyecciones.decisiones(convocatoria, focalizada=focalizada, dre=dre, ugel=ugel, tipo=tipo,
                                       limite=limite, desde=desde)


@router.get("/convocatorias/{convocatoria}/focalizadas", summary="IIEE focalizadas por DRE, UGEL o tipo")
def focalizadas(convocatoria: Conv, app: FocalizacionApp,
                por: Literal["dre", "ugel", "tipo"] = "ugel") -> list[dict[str, Any]]:
    app.convocatoria(convocatoria)
    return app.proyecciones.focalizadas_por_territorio(convocatoria, por)


@router.get("/convocatorias/{convocatoria}/ies/{codigo_modular}/{anexo}",
            summary="Por qué una IE quedó focalizada o excluida")
def explicar(convocatoria: Conv, codigo_modular: Annotated[str, Path(pattern=r"^\d{7}$")],
             anexo: Annotated[int, Path(ge=0, le=9)], vistas: Vistas) -> dict[str, Any]:
    d = vistas.decision(convocatoria, codigo_modular, anexo)
    if d is not None:
        return d
    raise NotFound(f"La IE {codigo_modular}-{anexo} no tiene decisión en la convocatoria {convocatoria}.")


@router.get("/territorios", summary="DRE y UGEL del padrón, con sus nombres", response_model=list[TerritorioOut])
def territorios(vistas: Vistas, dre: str | None = None, ugel: str | None = None,
                ie: Annotated[str | None, Query(pattern=r"^\d{7}-\d$", description="Una IE ('codigo_modular-anexo'): "
                                                "su DRE y su UGEL.", examples=["0236885-0"])] = None,
                ) -> list[dict[str, Any]]:
    """Each DRE and UGEL of the registered padrón (of the DRE, the UGEL or the IE asked; a specialist's, his own)
    with the name the padrón gave it, for people to read instead of its code."""
    escuela = (ie[:7], int(ie[8:])) if ie else None
    return vistas.territorios(dre=dre, ugel=ugel, escuela=escuela)
