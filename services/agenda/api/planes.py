"""The templates of the yearly plan (protocols), the docentes' yearly plans and a school's directivo over HTTP."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import Field

from services.agenda import exportar
from services.agenda.api.comun import CREADO, Anio, Cargo, Entrada, Id, IeFiltro, Modalidad, csv
from services.agenda.api.dependencias import AgendaApp, Vistas
from services.agenda.comandos import DesignarDirectivo
from services.agenda.cumplimiento import planificado
from services.agenda.protocolos import Protocolo
from shared.autorizacion import NACIONALES
from shared.hojas import Tabla
from shared.http import estado
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1")


class DirectivoIn(Entrada):
    directivo_id: UUID
    cargo: Cargo = "director"


class GeneracionIn(Entrada):
    anio: int = Field(ge=2000, le=2100, description="Año (etapa) cuyos planes se generan.")
    ugel: str | None = None


# --- templates ------------------------------------------------------------------------------------------

@router.get("/protocolos", tags=["protocolos"], summary="Protocolos publicados (plantillas del plan anual)")
def protocolos(vistas: Vistas) -> list[dict[str, Any]]:
    return vistas.protocolos()


@router.post("/protocolos", tags=["protocolos"], summary="Publicar un protocolo (nueva versión)", **CREADO)
def publicar(body: Protocolo, response: Response, agenda: AgendaApp) -> dict[str, Any]:
    if "ambito" not in body.model_fields_set and current_actor.get().rol not in NACIONALES:
        # the policy reads the ámbito from the body (acceso.py): a territorial caller must name it
        raise RequestValidationError([{"loc": ("body", "ambito"), "type": "value_error", "msg": (
            "es obligatorio para quien publica desde una DRE o UGEL: indique DRE:<código>, UGEL:<código> "
            "o IE:<código modular>-<anexo> de su territorio")}])
    if not agenda.publicar_protocolo(body):
        response.status_code = status.HTTP_200_OK
    return body.model_dump(mode="json")


# --- plans ----------------------------------------------------------------------------------------------

@router.get("/planes", tags=["planes"], summary="Planes anuales")
def planes(anio: Anio, vistas: Vistas, dre: str | None = None, ugel: str | None = None,
           acompanante_id: UUID | None = None, limite: Annotated[int, Query(ge=1, le=5000)] = 500,
           desde: Annotated[int, Query(ge=0, le=10_000_000)] = 0, ie: IeFiltro = None,
           modalidad: Modalidad | None = None) -> list[dict[str, Any]]:
    return vistas.planes(anio=anio, dre=dre, ugel=ugel, limite=limite, desde=desde, ie=ie, modalidad=modalidad,
                         acompanante_id=str(acompanante_id) if acompanante_id else None)


@router.get("/planes.csv", tags=["planes"], summary="Planes anuales en CSV", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def planes_csv(anio: Anio, vistas: Vistas, dre: str | None = None, ugel: str | None = None,
               ie: IeFiltro = None) -> Response:
    filas = [{**{k: p[k] for k in exportar.PLANES_CLAVES}, **planificado(p["plan"])}
             for p in vistas.planes(anio=anio, dre=dre, ugel=ugel, ie=ie)]
    return csv(exportar.csv_de(Tabla("planes", exportar.PLANES, filas)), f"planes-{anio}.csv")


@router.get("/docentes/{docente_id}/planes", tags=["planes"], summary="Planes de un docente, etapa por etapa")
def planes_docente(docente_id: Id, vistas: Vistas) -> list[dict[str, Any]]:
    return vistas.planes(docente_id=str(docente_id))


@router.post("/planes/generacion", tags=["planes"], summary="Generar los planes de la etapa siguiente")
def generar(body: GeneracionIn, agenda: AgendaApp) -> dict[str, int]:
    return agenda.generar_planes_del_anio(body.anio, body.ugel)


# --- the school's directivo -----------------------------------------------------------------------------

@router.put("/instituciones/{codigo_modular}/{anexo}/directivo", tags=["planes"],
            summary="Registrar al directivo de una IE (lidera sus RTC)")
def directivo(codigo_modular: Annotated[str, Path(pattern=r"^\d{7}$")], anexo: Annotated[int, Path(ge=0, le=9)],
              body: DirectivoIn, agenda: AgendaApp) -> dict[str, Any]:
    cambiado = agenda.designar_directivo(DesignarDirectivo(codigo_modular, anexo, str(body.directivo_id), body.cargo))
    return {"ie": f"{codigo_modular}-{anexo}", "directivo_id": body.directivo_id, "cargo": body.cargo,
            "estado": estado(cambiado)}
