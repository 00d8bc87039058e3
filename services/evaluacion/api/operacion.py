"""Operating evaluacion's projections over HTTP: each one's active generation, its checksum, and a rebuild
from the stream while the current one keeps answering."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from services.evaluacion.api.dependencias import Rebuilds, Vistas

router = APIRouter(prefix="/v1", tags=["operación"])


@router.get("/proyecciones", summary="Generación activa de cada proyección y reconstrucciones")
async def get_proyecciones(reconstrucciones: Rebuilds, suma: Annotated[bool, Query(description=(
        "Incluir la suma de verificación de la generación activa (recorre cada tabla), una vez aplicados los "
        "hechos que el stream ya tiene (espera hasta 10 s; «al_dia» dice si alcanzó a aplicarlos)"))] = False,
                           ) -> list[dict[str, Any]]:
    if suma:
        sumas, al_dia = await reconstrucciones.sumas()
    filas = await asyncio.to_thread(reconstrucciones.estado)
    if suma:
        for fila in filas:
            fila.update(checksum=sumas[fila["proyeccion"]], al_dia=al_dia)
    return filas


@router.post("/proyecciones/{nombre}/reconstruccion", status_code=202,
             summary="Reconstruir una proyección desde el stream (sigue respondiendo la actual hasta que la nueva "
                     "la alcance)", responses={403: {"description": "Rol no autorizado"},
                                               409: {"description": "Ya hay una reconstrucción en curso"}})
async def post_reconstruccion(nombre: Literal["progreso", "seguimiento", "practica", "historia", "territorios",
                                             "todas"],
                              vistas: Vistas, reconstrucciones: Rebuilds) -> dict[str, Any]:
    nombres = list(vistas.todas) if nombre == "todas" else [nombre]
    return reconstrucciones.iniciar(nombres)
