"""What the routes of evaluacion receive from the composition root (``main.py``), through ``request.app.state``.

A route declares what it uses in its signature (``app: EvaluacionApp``, ``vistas: Vistas``) instead of closing
over a factory's arguments, so every route module is a plain module-level ``router``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.evaluacion.application import Evaluacion
from services.evaluacion.projections import Proyecciones
from services.evaluacion.rebuild import Reconstrucciones
from shared.autorizacion import Politica


def app_de(request: Request) -> Evaluacion:
    return request.app.state.evaluacion


def proyecciones_de(request: Request) -> Proyecciones:
    return request.app.state.proyecciones


def reconstrucciones_de(request: Request) -> Reconstrucciones:
    return request.app.state.reconstrucciones


def politica_de(request: Request) -> Politica:
    return request.app.state.politica


EvaluacionApp = Annotated[Evaluacion, Depends(app_de)]
Vistas = Annotated[Proyecciones, Depends(proyecciones_de)]
Rebuilds = Annotated[Reconstrucciones, Depends(reconstrucciones_de)]
PoliticaDeAcceso = Annotated[Politica, Depends(politica_de)]
