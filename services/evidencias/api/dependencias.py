"""What the routes of evidencias receive from the composition root (``main.py``): what it put on
``request.app.state``, read with ``shared.http.dependencias.del_estado`` (its access policy, ``PoliticaDeAcceso``,
every service's alike, is declared there)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.evidencias.adjuntos import AlmacenAdjuntos
from services.evidencias.application import Evidencias
from services.evidencias.projections import Proyecciones
from shared.http.dependencias import del_estado

EvidenciasApp = Annotated[Evidencias, Depends(del_estado("evidencias"))]
Vistas = Annotated[Proyecciones, Depends(del_estado("proyecciones"))]
Almacen = Annotated[AlmacenAdjuntos, Depends(del_estado("almacen"))]
MaxBytes = Annotated[int, Depends(del_estado("adjunto_max_bytes"))]
