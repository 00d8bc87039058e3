"""A command's answer, the same in every service: 201 ``registrado``, or 200 ``ya_registrado`` when it was a
re-send that recorded nothing (the command's id was known)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import status
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Resultado(BaseModel):
    id: str
    estado: Literal["registrado", "ya_registrado"]


def estado(nuevo: bool) -> Literal["registrado", "ya_registrado"]:
    return "registrado" if nuevo else "ya_registrado"


def resultado(id_: str, nuevo: bool, **extra: Any) -> JSONResponse:
    """201 registrado, or 200 ya_registrado; ``extra``: what the command adds to its answer (e.g. warnings)."""
    return JSONResponse({**Resultado(id=id_, estado=estado(nuevo)).model_dump(), **extra},
                        status_code=status.HTTP_201_CREATED if nuevo else status.HTTP_200_OK)
