"""evaluacion's read models, rebuilt from published events only.

Visits per docente per school year: one row per delivered visit (so a repeated event is
recognised by its visit as well as by its event id), counted on read.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, Date, Integer, MetaData, String, Table, func, select

from shared.contracts import Envelope, VisitaRealizadaV1
from shared.settings import ServiceSettings
from shared.views import ViewStore, inbox_table

metadata = MetaData()
inbox_table(metadata)
visitas = Table(
    "visitas_realizadas",
    metadata,
    Column("visita_id", String(36), primary_key=True),
    Column("docente_id", String(36), nullable=False, index=True),
    Column("acompanante_id", String(36), nullable=False),
    Column("codigo_modular", String(7), nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
    Column("anio", Integer, nullable=False),
    Column("fecha_inicio", Date, nullable=False),
    Column("dias", Integer, nullable=False),
)

CONSUMIDOR_VISITAS = "evaluacion-visitas"


class Proyecciones:
    def __init__(self, settings: ServiceSettings) -> None:
        self.store = ViewStore(settings, metadata)
        self.store.create_all()

    def close(self) -> None:
        self.store.dispose()

    # --- handlers (idempotent by event id) ------------------------------------------------

    def aplicar_visita(self, envelope: Envelope) -> None:
        visita: VisitaRealizadaV1 = envelope.data  # type: ignore[assignment]

        def effect(conn: Connection) -> None:
            conn.execute(
                self.store.insert(visitas).values(
                    visita_id=str(visita.visita_id), docente_id=str(visita.docente_id),
                    acompanante_id=str(visita.acompanante_id), codigo_modular=visita.codigo_modular,
                    dre=visita.dre, ugel=visita.ugel, anio=visita.anio,
                    fecha_inicio=visita.fecha_inicio, dias=visita.dias,
                ).on_conflict_do_nothing()
            )

        self.store.apply_once(CONSUMIDOR_VISITAS, envelope.id, effect)

    # --- queries --------------------------------------------------------------------------

    def visitas_por_docente(
        self, *, docente_id: UUID | None = None, anio: int | None = None,
        dre: str | None = None, ugel: str | None = None, limite: int = 500, desde: int = 0,
    ) -> list[dict[str, Any]]:
        query = (
            select(visitas.c.docente_id, visitas.c.anio, func.count().label("visitas"),
                   func.sum(visitas.c.dias).label("dias"))
            .group_by(visitas.c.docente_id, visitas.c.anio)
            .order_by(visitas.c.docente_id, visitas.c.anio)
            .limit(limite).offset(desde)
        )
        for column, value in ((visitas.c.docente_id, docente_id and str(docente_id)),
                              (visitas.c.anio, anio), (visitas.c.dre, dre), (visitas.c.ugel, ugel)):
            if value is not None:
                query = query.where(column == value)
        with self.store.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def checksum(self) -> str:
        """A digest of the read model's content, to compare a rebuild with the live one."""
        digest = hashlib.sha256()
        with self.store.engine.connect() as conn:
            for row in conn.execute(select(visitas).order_by(visitas.c.visita_id)):
                digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()
