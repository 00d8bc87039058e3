"""agenda's write side: the only way to change agenda's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.agenda.domainmodel import Visita
from shared.eventstore import Conflict, NotFound, ServiceApplication


@dataclass(frozen=True)
class DatosVisitaRealizada:
    docente_id: UUID
    acompanante_id: UUID
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    fecha_inicio: date
    fecha_fin: date
    acciones: list[str]


class VisitaNoEncontrada(NotFound):
    def __init__(self, visita_id: UUID) -> None:
        super().__init__(f"No existe la visita {visita_id}.")


class Agenda(ServiceApplication):
    name = "Agenda"

    def registrar_visita_realizada(self, visita_id: UUID, datos: DatosVisitaRealizada) -> bool:
        """Record a delivered visit under the client's id. Returns False when the very same
        visit was already recorded (a retried request); a different one under that id is a
        conflict."""
        Visita.check_realizacion(datos.fecha_inicio, datos.fecha_fin, datos.acciones)
        if self._existing_matches(visita_id, datos):
            return False
        try:
            self.save(Visita(id=visita_id, **vars(datos)))
        except IntegrityError:
            # Another request with the same id won the race; same content means same visit.
            if self._existing_matches(visita_id, datos):
                return False
            raise
        return True

    def _existing_matches(self, visita_id: UUID, datos: DatosVisitaRealizada) -> bool:
        try:
            visita = self.repository.get(visita_id)
        except AggregateNotFoundError:
            return False
        if _datos(visita) != datos:
            raise Conflict(f"La visita {visita_id} ya fue registrada con otros datos.")
        return True

    def visita(self, visita_id: UUID) -> dict[str, Any]:
        try:
            visita: Visita = self.repository.get(visita_id)
        except AggregateNotFoundError:
            raise VisitaNoEncontrada(visita_id) from None
        return {"visita_id": visita.id, **vars(_datos(visita)), "dias": visita.dias,
                "anio": visita.anio, "version": visita.version}


def _datos(visita: Visita) -> DatosVisitaRealizada:
    return DatosVisitaRealizada(
        docente_id=visita.docente_id, acompanante_id=visita.acompanante_id,
        codigo_modular=visita.codigo_modular, anexo=visita.anexo, dre=visita.dre,
        ugel=visita.ugel, fecha_inicio=visita.fecha_inicio, fecha_fin=visita.fecha_fin,
        acciones=list(visita.acciones),
    )
