"""Every read by an auditor, recorded as a fact of the service that served it (``LecturaAuditada``).

The access policy (``shared.autorizacion``) calls ``registrar`` before the route runs, with the route, the
ids it names, its query and the docentes and territory they belong to: the read is saved in the service's
store (an aggregate created once per read, ``LecturaAuditor``) in the same way as any other fact, and its
relay publishes it on the service's own subject (``publicador`` wraps the service's mapper). Nothing is
answered unless the record was saved. A docente's reads reach evaluacion's history of that docente, and
he sees them with the reads of his history (``GET /v1/docentes/{id}/accesos``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from eventsourcing.domain import DomainEventProtocol, event

from shared.contracts.auditoria import POR_SERVICIO
from shared.contracts.base import TERRITORY_TOKEN
from shared.eventstore import Aggregate, ServiceApplication
from shared.outbox import EventMapper, Publication
from shared.telemetry import Actor

CAMPOS, LARGO = 30, 200  # what a read's query may bring into the record: names and values, cut


class LecturaAuditor(Aggregate):
    """One read by an auditor (its content is the published contract's, validated when it is recorded)."""

    @event("Registrada")
    def __init__(self, id: uuid.UUID, lectura: dict[str, Any]) -> None:  # noqa: A002
        self.lectura = lectura


def _uuids(valores: Iterable[str]) -> list[str]:
    validos = set()
    for v in valores:
        try:
            validos.add(str(uuid.UUID(str(v))))
        except ValueError:
            continue  # not an id any docente has: it names nobody
    return sorted(validos)


def _recortar(pares: dict[str, Any]) -> dict[str, str]:
    return {str(k)[:50]: str(v)[:LARGO] for k, v in list(pares.items())[:CAMPOS]}


def _unico(codigos: set[str | None]) -> str | None:
    codigos.discard(None)
    if len(codigos) == 1 and TERRITORY_TOKEN.match(codigo := next(iter(codigos))):
        return codigo
    return None


def registrar(app: ServiceApplication, actor: Actor, ruta: str, objetos: dict[str, str],
              consulta: dict[str, Any], docentes: Iterable[str], dres: set[str | None],
              ugeles: set[str | None]) -> None:
    contrato = POR_SERVICIO[app.settings.servicio]
    lectura = contrato(lectura_id=uuid.uuid4(), usuario=actor.usuario, rol=actor.rol, ruta=ruta[:LARGO],
                       objetos=_recortar(objetos), consulta=_recortar(consulta), docente_ids=_uuids(docentes),
                       leido_en=datetime.now(UTC), dre=_unico(dres), ugel=_unico(ugeles))
    app.save(LecturaAuditor(id=lectura.lectura_id, lectura=lectura.model_dump(mode="json")))


def publicador(servicio: str, del_servicio: EventMapper) -> EventMapper:
    """The service's mapper, plus its auditor reads on its own subject."""
    contrato = POR_SERVICIO[servicio]

    def mapear(evento: DomainEventProtocol) -> Publication | None:
        if isinstance(evento, LecturaAuditor.Registrada):
            lectura = contrato.model_validate(evento.lectura)
            primero = lectura.docente_ids[0] if lectura.docente_ids else None
            sujeto = f"docente/{primero}" if primero else f"usuario/{lectura.usuario}"
            return Publication(data=lectura, subject=sujeto, dre=lectura.dre, ugel=lectura.ugel)
        return del_servicio(evento)
    return mapear
