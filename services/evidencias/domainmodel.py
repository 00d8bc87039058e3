"""evidencias's aggregates. They arrive with evidencias's own issue; the service already runs its store,
relay, HTTP API and probes so the backbone is the same in all four services."""

from shared.eventstore import Aggregate

__all__ = ["Aggregate"]
