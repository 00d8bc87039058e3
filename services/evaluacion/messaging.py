"""What evaluacion consumes and publishes."""

from __future__ import annotations

from eventsourcing.domain import DomainEventProtocol

from services.evaluacion.projections import CONSUMIDOR_VISITAS, Proyecciones
from shared.consumer import IdempotentConsumers
from shared.contracts import VisitaRealizadaV1
from shared.outbox import Publication

# (durable consumer, contract, handler name on Proyecciones): the rebuild uses the same table.
SUSCRIPCIONES = [(CONSUMIDOR_VISITAS, VisitaRealizadaV1, "aplicar_visita")]


def subscribe(consumers: IdempotentConsumers, proyecciones: Proyecciones) -> None:
    for durable, contract, handler in SUSCRIPCIONES:
        consumers.subscribe(durable, contract, getattr(proyecciones, handler))


def to_publication(event: DomainEventProtocol) -> Publication | None:
    return None  # evaluacion publishes its valuation events with their own issue
