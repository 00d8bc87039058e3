"""What agenda publishes: the one place where its stored events become published contracts."""

from __future__ import annotations

from functools import singledispatch

from eventsourcing.domain import DomainEventProtocol

from services.agenda.domainmodel import Visita
from shared.contracts import VisitaRealizadaV1
from shared.outbox import Publication


@singledispatch
def to_publication(event: DomainEventProtocol) -> Publication | None:
    return None  # internal: not every stored event is a published fact


@to_publication.register
def _(event: Visita.Realizada) -> Publication:
    fecha_inicio, fecha_fin = event.fecha_inicio, event.fecha_fin
    return Publication(
        data=VisitaRealizadaV1(
            visita_id=event.originator_id,
            docente_id=event.docente_id,
            acompanante_id=event.acompanante_id,
            codigo_modular=event.codigo_modular,
            anexo=event.anexo,
            dre=event.dre,
            ugel=event.ugel,
            anio=fecha_inicio.year,
            fecha_inicio=fecha_inicio,
            fecha_fin=fecha_fin,
            dias=(fecha_fin - fecha_inicio).days + 1,
            acciones=event.acciones,
        ),
        subject=f"docente/{event.docente_id}",
        dre=event.dre,
        ugel=event.ugel,
    )
