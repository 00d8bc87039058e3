"""What the routes of evidencias receive from the composition root (``main.py``), through ``request.app.state``.

A route declares what it uses in its signature (``app: EvidenciasApp``, ``vistas: Vistas``) instead of closing
over a factory's arguments, so every route module is a plain module-level ``router``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.evidencias.adjuntos import AlmacenAdjuntos
from services.evidencias.application import Evidencias
from services.evidencias.projections import Proyecciones
from shared.autorizacion import Politica


def app_de(request: Request) -> Evidencias:
    return request.app.state.evidencias


def proyecciones_de(request: Request) -> Proyecciones:
    return request.app.state.proyecciones


def politica_de(request: Request) -> Politica:
    return request.app.state.politica


def almacen_de(request: Request) -> AlmacenAdjuntos:
    return request.app.state.almacen


def max_bytes_de(request: Request) -> int:
    return request.app.state.adjunto_max_bytes


EvidenciasApp = Annotated[Evidencias, Depends(app_de)]
Vistas = Annotated[Proyecciones, Depends(proyecciones_de)]
PoliticaDeAcceso = Annotated[Politica, Depends(politica_de)]
Almacen = Annotated[AlmacenAdjuntos, Depends(almacen_de)]
MaxBytes = Annotated[int, Depends(max_bytes_de)]
