"""What the routes of agenda receive from the composition root (``main.py``), through ``request.app.state``.

A route declares what it uses in its signature (``agenda: AgendaApp``, ``vistas: Vistas``) instead of closing
over a factory's arguments, so every route module is a plain module-level ``router``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.agenda.application import Agenda
from services.agenda.projections import Proyecciones
from shared.autorizacion import Politica


def app_de(request: Request) -> Agenda:
    return request.app.state.agenda


def proyecciones_de(request: Request) -> Proyecciones:
    return request.app.state.proyecciones


def politica_de(request: Request) -> Politica:
    return request.app.state.politica


AgendaApp = Annotated[Agenda, Depends(app_de)]
Vistas = Annotated[Proyecciones, Depends(proyecciones_de)]
PoliticaDeAcceso = Annotated[Politica, Depends(politica_de)]
