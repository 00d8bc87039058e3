"""Published event contracts: one pydantic model per (evento, version), one subject each."""

from shared.contracts.agenda import VisitaRealizadaV1
from shared.contracts.focalizacion import (
    AcompananteIncorporadoV1,
    AcompananteRetiradoV1,
    DocenteAsignadoV1,
    DocenteReasignadoV1,
    DocenteRetiradoV1,
    ExcepcionRatioRegistradaV1,
    IEExcluidaV1,
    IEFocalizadaV1,
)
from shared.contracts.base import (
    SIN_TERRITORIO,
    ContractError,
    IntegrationEvent,
    territory_token,
)
from shared.contracts.envelope import Envelope

__all__ = [
    "AcompananteIncorporadoV1",
    "AcompananteRetiradoV1",
    "DocenteAsignadoV1",
    "DocenteReasignadoV1",
    "DocenteRetiradoV1",
    "ExcepcionRatioRegistradaV1",
    "IEExcluidaV1",
    "IEFocalizadaV1",
    "SIN_TERRITORIO",
    "ContractError",
    "Envelope",
    "IntegrationEvent",
    "VisitaRealizadaV1",
    "territory_token",
]
