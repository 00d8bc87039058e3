"""focalizacion's HTTP API, version 1."""

from fastapi import APIRouter


def router() -> APIRouter:
    return APIRouter(prefix="/v1", tags=["focalizacion"])
