"""What a route receives from its service's composition root: what ``main.py`` put on ``request.app.state``.

A route declares what it uses in its signature (``app: AgendaApp``, ``vistas: Vistas``) instead of closing
over a factory's arguments, so every route module is a plain module-level ``router``. Each service names what
it hands its routes in ``api/dependencias.py``, one ``Annotated`` type each, read with ``del_estado``; what
every service hands alike (its access policy, ``PoliticaDeAcceso``) is declared here once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from shared.autorizacion import Politica


def del_estado(nombre: str) -> Callable[[Request], Any]:
    """A FastAPI dependency that gives ``request.app.state.<nombre>``."""
    async def dependencia(request: Request) -> Any:  # noqa: ANN401 - on the event loop: a sync one costs a thread hop
        return getattr(request.app.state, nombre)

    dependencia.__name__ = dependencia.__qualname__ = f"{nombre}_del_estado"
    return dependencia


PoliticaDeAcceso = Annotated[Politica, Depends(del_estado("politica"))]
