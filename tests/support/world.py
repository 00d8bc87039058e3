"""Builders of the domain world shared by several tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from services.agenda.application import Agenda, DatosVisitaRealizada
from services.agenda.domainmodel import Visita

UGELES = [("DRE-PUNO", "UGEL-EL-COLLAO"), ("DRE-PUNO", "UGEL-PUNO"), ("DRE-CUSCO", "UGEL-CANCHIS")]


def datos_visita(i: int, docente_id: uuid.UUID | None = None) -> DatosVisitaRealizada:
    dre, ugel = UGELES[i % len(UGELES)]
    inicio = date(2025, 3, 1) + timedelta(days=i % 250)
    return DatosVisitaRealizada(
        docente_id=docente_id or uuid.uuid5(uuid.NAMESPACE_URL, f"docente/{i % 97}"),
        acompanante_id=uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante/{i % 11}"),
        codigo_modular=f"{1000000 + i % 500:07d}",
        anexo=0, dre=dre, ugel=ugel,
        fecha_inicio=inicio, fecha_fin=inicio + timedelta(days=i % 2),
        acciones=["observacion", "asesoria"],
    )


def registrar_visitas(agenda: Agenda, n: int, start: int = 0) -> list[uuid.UUID]:
    """Record n visits, saved in groups of 100 (fast setup; one command path)."""
    ids: list[uuid.UUID] = []
    pending = []
    for i in range(start, start + n):
        visita_id = uuid.uuid4()
        pending.append(Visita(id=visita_id, **vars(datos_visita(i))))
        ids.append(visita_id)
        if len(pending) == 100:
            agenda.save(*pending)
            pending = []
    if pending:
        agenda.save(*pending)
    return ids
