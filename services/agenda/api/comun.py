"""What agenda's route modules share: path and field types, the base of every body, the answer to a command
and the files its routes return."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.agenda.application import Resultado
from services.agenda.calendario import HORA
from shared.http import estado, resultado

Id = Annotated[UUID, Path(description="Identificador")]
IE = Annotated[str, Path(pattern=r"^\d{7}-\d$", description="Código modular y anexo: 0236885-0")]
IeFiltro = Annotated[str | None, Query(pattern=r"^\d{7}-\d$", description="IE: código modular-anexo.")]
Hora = Annotated[str, Field(pattern=HORA, examples=["15:00"])]
Anio = Annotated[int, Query(ge=2000, le=2100, description="Año escolar (etapa).")]
Modalidad = Literal["externa", "interna"]
Cargo = Literal["director", "subdirector", "docente_encargado"]

# what every route that records something declares: 201, or 200 for a re-send
CREADO: dict[str, Any] = {
    "status_code": status.HTTP_201_CREATED,
    "responses": {200: {"description": "Ya estaba registrado (reenvío)"},
                  409: {"description": "El identificador ya se usó con otros datos"},
                  422: {"description": "Datos no válidos o contrarios a la norma (motivo en el mensaje)"}}}


class Entrada(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Registro(BaseModel):
    id: UUID
    estado: Literal["registrado", "ya_registrado"]
    advertencias: list[str] = Field(default_factory=list, description="Avisos que no impiden el registro.")


def registro(id_: UUID, r: Resultado) -> Any:
    """A command's answer (``shared.http.resultado``): 201 registrado, or 200 ya_registrado (a re-send that
    recorded nothing), with the warnings that did not stop it."""
    return resultado(str(id_), r.nuevo, advertencias=r.advertencias)


def cambio(id_: UUID, r: Resultado) -> Registro:
    """The answer to a change of an activity (reprogramming, cancelling): always 200, ``estado`` says whether it
    recorded something."""
    return Registro(id=id_, estado=estado(r.nuevo), advertencias=r.advertencias)


def csv(texto: str, nombre: str) -> Response:
    return Response(texto.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{nombre}"'})


def pdf(contenido: bytes, nombre: str) -> Response:
    return Response(contenido, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{nombre}"'})
