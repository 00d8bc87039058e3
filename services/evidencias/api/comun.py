"""What evidencias's route modules share: path and body types, the input models' base and the answer to a
command ("registrado" or "ya registrado"), and which of a docente's visits a caller sees in his lists."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.evidencias import acceso
from services.evidencias.projections import Proyecciones
from shared.autorizacion import Politica
from shared.http import resultado
from shared.telemetry import current_actor

Id = Annotated[UUID, Path(description="Identificador")]
Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="Huella SHA-256 del adjunto.")]
Texto = Annotated[str, Field(min_length=3, max_length=4000)]
Lista = Annotated[list[Annotated[str, Field(min_length=2, max_length=1000)]], Field(max_length=30)]
Idioma = Annotated[Literal["es", "qu", "ay"], Query(description="es, qu o ay")]
NO_PUBLICO = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


class Entrada(BaseModel):
    model_config = ConfigDict(extra="forbid")


def registrado(id_: str, nuevo: bool, **cuerpo: Any) -> JSONResponse:
    """A command's answer (``shared.http.resultado``): 201 registrado, or 200 ya_registrado (a re-send that
    recorded nothing), with the record's id; and, as evidencias has always answered, ``registrado`` (true or
    false) and what each command adds (the observation's id, the attachment's hash...)."""
    return resultado(id_, nuevo, registrado=nuevo, **cuerpo)


def visitas_propias(vistas: Proyecciones, politica: Politica, docente_id: UUID) -> set[str] | None:
    """The visits to the docente that the caller may see in his lists: those he made himself when he
    evaluates the docente for his career (``acceso.solo_autor``), or None for all."""
    autor = acceso.solo_autor(current_actor.get(), politica.separacion)
    return None if autor is None else vistas.visitas_de(str(docente_id), autor)
