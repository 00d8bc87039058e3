"""focalizacion's write side."""

from shared.eventstore import ServiceApplication


class Focalizacion(ServiceApplication):
    name = "Focalizacion"
