"""What the routes of evaluacion receive from the composition root (``main.py``): what it put on
``request.app.state``, read with ``shared.http.dependencias.del_estado`` (the access policy,
``PoliticaDeAcceso``, is declared there for every service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.evaluacion.application import Evaluacion
from services.evaluacion.projections import Proyecciones
from services.evaluacion.rebuild import Reconstrucciones
from shared.http.dependencias import del_estado

EvaluacionApp = Annotated[Evaluacion, Depends(del_estado("evaluacion"))]
Vistas = Annotated[Proyecciones, Depends(del_estado("proyecciones"))]
Rebuilds = Annotated[Reconstrucciones, Depends(del_estado("reconstrucciones"))]
