"""evidencias's write side."""

from shared.eventstore import ServiceApplication


class Evidencias(ServiceApplication):
    name = "Evidencias"
