"""agenda's aggregates: the activities of the yearly protocol of each docente (NT-026 §5.6)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from shared.eventstore import Aggregate, DomainError

ACCIONES_VISITA = ("observacion", "asesoria", "retroalimentacion", "modelado")
# A classroom visit lasts one to three days (NT-026 §5.6, tables of visits per school type).
DIAS_MAXIMOS_VISITA = 3


class VisitaInvalida(DomainError):
    pass


class Visita(Aggregate):
    """A classroom visit of an acompañante to a docente: observation and advice."""

    @event("Realizada")
    def __init__(  # noqa: PLR0913 - the facts of a visit
        self,
        id: UUID,  # noqa: A002 - the client's id (idempotent re-sends); eventsourcing keeps it
        docente_id: UUID,
        acompanante_id: UUID,
        codigo_modular: str,
        anexo: int,
        dre: str,
        ugel: str,
        fecha_inicio: date,
        fecha_fin: date,
        acciones: list[str],
    ) -> None:
        self.docente_id = docente_id
        self.acompanante_id = acompanante_id
        self.codigo_modular = codigo_modular
        self.anexo = anexo
        self.dre = dre
        self.ugel = ugel
        self.fecha_inicio = fecha_inicio
        self.fecha_fin = fecha_fin
        self.acciones = list(acciones)

    @property
    def dias(self) -> int:
        return (self.fecha_fin - self.fecha_inicio).days + 1

    @property
    def anio(self) -> int:
        return self.fecha_inicio.year

    @staticmethod
    def check_realizacion(fecha_inicio: date, fecha_fin: date, acciones: list[str]) -> None:
        if fecha_fin < fecha_inicio:
            raise VisitaInvalida("La fecha de fin de la visita es anterior a la de inicio.")
        if fecha_inicio.year != fecha_fin.year:
            raise VisitaInvalida("Una visita no puede abarcar dos años escolares.")
        if (fecha_fin - fecha_inicio).days + 1 > DIAS_MAXIMOS_VISITA:
            raise VisitaInvalida(f"Una visita dura como máximo {DIAS_MAXIMOS_VISITA} días (NT-026 §5.6).")
        if not acciones:
            raise VisitaInvalida("La visita debe registrar al menos una acción (observación, asesoría...).")
        desconocidas = sorted(set(acciones) - set(ACCIONES_VISITA))
        if desconocidas:
            raise VisitaInvalida(f"Acciones desconocidas: {', '.join(desconocidas)}.")
