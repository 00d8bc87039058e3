"""What the routes of focalizacion receive from the composition root (``main.py``), through ``request.app.state``.

A route declares what it uses in its signature (``app: FocalizacionApp``, ``vistas: Vistas``) instead of closing
over a factory's arguments, so every route module is a plain module-level ``router``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from services.focalizacion.application import Focalizacion
from services.focalizacion.projections import Proyecciones


def app_de(request: Request) -> Focalizacion:
    return request.app.state.focalizacion


def proyecciones_de(request: Request) -> Proyecciones:
    return request.app.state.focalizacion.proyecciones


FocalizacionApp = Annotated[Focalizacion, Depends(app_de)]
Vistas = Annotated[Proyecciones, Depends(proyecciones_de)]
Conv = Annotated[str, Path(description="Código de la convocatoria", examples=["2020-2022"])]
