"""evaluacion's aggregates: the formative evaluation of each docente (NT-026 §5.3, §5.5).

The valuation aggregates (initial situation, stage goals, valuations, stage close) arrive with
their own issue; until then evaluacion only projects the events of the other services.
"""

from shared.eventstore import Aggregate

__all__ = ["Aggregate"]
