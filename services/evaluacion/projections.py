"""evaluacion's read models, fed only from published events (the stream), in generations.

Five projections, each rebuildable on its own (``python -m services.evaluacion.rebuild``):

- ``progreso``: the formative evaluation of each docente (plans, initial situation, valuations,
  etapa closes, metas): competency progress and the per-etapa results.
- ``seguimiento``: the seguimiento matrix (NT-026 §5.5.2): strategies delivered against the plan,
  the acompañantes' semestral performance, satisfaction surveys.
- ``practica``: the evaluación matrix (§5.5.3): the pedagogical practice seen in the observations
  of each year, and each acompañante's performance at the start and the end.
- ``historia``: every fact about each docente, from every service, and the ledger of the services'
  hash chains (``services.evaluacion.historia``).
- ``territorios``: the names of the DREs and UGELs its reports and charts show (``shared.territorios``).

Rows are facts with the time they were recorded (``registrado_en``, the event's own time), so a
report "as of" a moment reads only what had been recorded by then, and a late or repeated event
changes nothing once its id is in the generation's inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, MetaData, func, select

from services.evaluacion.historia import Historia
from services.evaluacion.matrices import PLANIFICADO, Practica, Progreso, Seguimiento
from services.evaluacion.vista_comun import _Base
from shared.contracts import Envelope
from shared.generaciones import control_table
from shared.settings import ServiceSettings
from shared.stream_views import StreamView, Tablas
from shared.territorios import Territorios
from shared.transacciones import hay_lote, lote
from shared.views import ViewStore

__all__ = ["PLANIFICADO", "Practica", "Progreso", "Proyecciones", "Seguimiento", "_Base"]


class Proyecciones:
    """evaluacion's read-model database and its five projections: the three matrices, the history and the names
    of the territories."""

    def __init__(self, settings: ServiceSettings) -> None:
        metadata = MetaData()
        control = self.control = control_table(metadata)
        self.store = ViewStore(settings, metadata)
        self.store.create_all()
        self.progreso = Progreso(self.store, control)
        self.seguimiento = Seguimiento(self.store, control)
        self.practica = Practica(self.store, control)
        self.historia = Historia(self.store, control)
        self.territorios = Territorios(self.store, control)  # the names of the DREs and UGELs, for people
        self.matrices: dict[str, StreamView] = {p.nombre: p for p in (self.progreso, self.seguimiento, self.practica)}
        self.todas: dict[str, StreamView] = {**self.matrices, self.historia.nombre: self.historia,
                                             self.territorios.nombre: self.territorios}

    def close(self) -> None:
        self.store.dispose()

    def aplicar(self, envelope: Envelope) -> None:
        """The live consumers' handler: each matrix projection that reads this contract, once, in the open
        batch (``shared.transacciones.lote``; one of its own outside one), where each projection applies the batch's
        events together at its end, in one transaction (the history has a consumer of its own, on every subject)."""
        if not hay_lote():
            with lote():
                return self.aplicar(envelope)
        for proyeccion in self.matrices.values():
            proyeccion.aplicar(envelope)

    def checksums(self) -> dict[str, str]:
        return {nombre: p.checksum() for nombre, p in self.todas.items()}

    def leer(self, nombre: str, consulta: Callable[[Connection, Tablas], Any]) -> Any:
        return self.todas[nombre].leer(consulta)

    def visitas_por_docente(self, *, docente_id: str | None = None, anio: int | None = None, dre: str | None = None,
                            ugel: str | None = None, limite: int = 500, desde: int = 0) -> list[dict[str, Any]]:
        """Visits delivered per docente and year (what has arrived so far)."""
        def consulta(conn: Connection, t: Tablas) -> list[dict[str, Any]]:
            e = t.entregas
            q = (select(e.c.persona_id.label("docente_id"), e.c.anio, func.count().label("visitas"),
                        func.sum(e.c.dias).label("dias"))
                 .where(e.c.tipo == "visita").group_by(e.c.persona_id, e.c.anio)
                 .order_by(e.c.persona_id, e.c.anio).limit(limite).offset(desde))
            docente = str(docente_id) if docente_id is not None else None
            for columna, valor in ((e.c.persona_id, docente), (e.c.anio, anio), (e.c.dre, dre), (e.c.ugel, ugel)):
                if valor is not None:
                    q = q.where(columna == valor)
            return [dict(f._mapping) for f in conn.execute(q)]
        return self.seguimiento.leer(consulta)
