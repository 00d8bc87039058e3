"""What focalizacion publishes: the one place where its stored events become published contracts."""

from __future__ import annotations

from eventsourcing.domain import DomainEventProtocol

from shared.outbox import Publication


def to_publication(event: DomainEventProtocol) -> Publication | None:
    return None  # no published facts until focalizacion's domain is built
