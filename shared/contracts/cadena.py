"""The seals of each service's chain of published facts (tamper evidence).

Every fact a service publishes carries ``ce-cadena``: the SHA-256 of the previous fact's hash
followed by this fact's canonical bytes (``Envelope.canonico``). Now and then the relay publishes
the head of its chain as a seal, on a subject of its own (``acompana.cadena.CadenaSellada.v1``),
so a third party can record it and later check that what it reads, or what the service still
stores, leads to the same hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.contracts.base import IntegrationEvent


class CadenaSelladaV1(IntegrationEvent):
    """El relay de un servicio selló la cabeza de su cadena de hechos publicados: hasta qué posición y con
    qué huella. Quien guarde los sellos puede comprobar después que nada se cambió, quitó ni reordenó."""

    servicio = "cadena"
    evento = "CadenaSellada"
    version = 1

    servicio_sellado: Literal["focalizacion", "agenda", "evidencias", "evaluacion"]
    posicion: int = Field(ge=1, description="Posición (id de notificación) del último hecho sellado.")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="Huella de la cadena en esa posición (ce-cadena).")
    hechos: int = Field(ge=1, description="Hechos publicados sellados desde el sello anterior.")
    sellado_en: datetime
