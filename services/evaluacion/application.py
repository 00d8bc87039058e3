"""evaluacion's write side."""

from shared.eventstore import ServiceApplication


class Evaluacion(ServiceApplication):
    name = "Evaluacion"
