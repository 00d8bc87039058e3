"""A coach's visit as his device sends it over HTTP: realized in agenda, then observed in evidencias.

Each request is sent again until the service has heard, through the stream, of what it needs (agenda of the
docente's plan, evidencias of the realized visit), as a device retries while it waits.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import eventually

NIVELES = {"D1": {"nivel": "II", "evidencia": "Seis de veinte estudiantes participan."}}


async def visita_observada(agenda: httpx.AsyncClient, evidencias: httpx.AsyncClient, visita: dict[str, Any],
                           niveles: dict[str, Any] = NIVELES) -> str:
    """Record ``visita`` (the body of ``POST /v1/visitas-realizadas``) and an observation of it with
    ``niveles``; returns the observation's id."""
    async def realizada() -> bool:
        r = await agenda.post("/v1/visitas-realizadas", json=visita)
        assert r.status_code in (200, 201), r.text
        return True
    await eventually(realizada)
    observacion = str(uuid.uuid4())

    async def observada() -> bool:
        r = await evidencias.post(f"/v1/visitas/{visita['visita_id']}/observaciones", json={
            "observacion_id": observacion, "acompanante_id": visita["acompanante_id"], "niveles": niveles})
        assert r.status_code == 201, r.text
        return True
    await eventually(observada)
    return observacion
