"""What the routes of focalizacion receive from the composition root (``main.py``): what it put on
``request.app.state``, read with ``shared.http.dependencias.del_estado`` (the access policy,
``PoliticaDeAcceso``, is declared there for every service).

A route declares what it uses in its signature (``app: FocalizacionApp``, ``vistas: Vistas``) instead of closing
over a factory's arguments, so every route module is a plain module-level ``router``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from services.focalizacion.application import Focalizacion
from services.focalizacion.projections import Proyecciones
from shared.http.dependencias import del_estado

FocalizacionApp = Annotated[Focalizacion, Depends(del_estado("focalizacion"))]
Vistas = Annotated[Proyecciones, Depends(del_estado("proyecciones"))]
Conv = Annotated[str, Path(description="Código de la convocatoria", examples=["2020-2022"])]
