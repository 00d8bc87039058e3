"""What the routes of agenda receive from the composition root (``main.py``): what it put on
``request.app.state``, read with ``shared.http.dependencias.del_estado`` (the access policy,
``PoliticaDeAcceso``, is declared there for every service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.agenda.application import Agenda
from services.agenda.projections import Proyecciones
from shared.http.dependencias import del_estado
from shared.territorios import Territorios

AgendaApp = Annotated[Agenda, Depends(del_estado("agenda"))]
Vistas = Annotated[Proyecciones, Depends(del_estado("proyecciones"))]
VistaTerritorios = Annotated[Territorios, Depends(del_estado("territorios"))]  # names of DREs and UGELs
