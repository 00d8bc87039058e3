"""What every handler of evidencias's read models uses: whose an event's aggregate is (``origen``, filled from the
event that created it), a visit's or a GIA/RTC's JSON record, and who holds a docente now (``cartera``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from services.evidencias import domainmodel as dm
from services.evidencias.tablas import CANCELADO, ORIGEN, REGISTROS, VISITA, adjunto_por_purgar, cartera, compromiso, origen
from shared.cifrado import Cifrador
from shared.views import OwnLogProjection


class Base(OwnLogProjection):
    cifrador: Cifrador  # only decrypts what a query returns

    def _origen(self, conn: Connection, e: Any, tipo: str, clave: str, docente: str | None = None) -> None:
        conn.execute(origen.insert().values(agregado_id=str(e.originator_id), tipo=tipo, clave=clave,
                                            docente_id=docente))

    def _de(self, conn: Connection, e: Any) -> Any:
        """Whose the event's aggregate is: its ``origen`` row (tipo, clave, docente_id)."""
        return conn.execute(ORIGEN, {"id": str(e.originator_id)}).one()

    def _docente(self, conn: Connection, e: Any) -> str:
        return self._de(conn, e).clave

    def _seguir_al_docente(self, conn: Connection, docente: str) -> None:
        """Open commitments go with the docente to whoever holds him in his latest plan
        (they carry across reassignments and etapas)."""
        conn.execute(update(compromiso).where(compromiso.c.docente_id == docente, compromiso.c.estado == "abierto")
                     .values(acompanante_id=self._actual(conn, docente)))

    def _actual(self, conn: Connection, docente: str) -> str | None:
        return conn.execute(select(cartera.c.acompanante_id).where(cartera.c.docente_id == docente)
                            .order_by(cartera.c.anio.desc()).limit(1)).scalar()

    def _guardar(self, conn: Connection, tabla: str, clave: str, cambio: Any) -> None:
        """Change the JSON record of a visit or a GIA/RTC."""
        leer, guardar = REGISTROS[tabla]
        r = dict(conn.execute(leer, {"id": clave}).scalar_one())
        cambio(r)
        conn.execute(guardar, {"id": clave, "registro": r})

    def _visita_de(self, conn: Connection, e: Any) -> Any:
        """The visit of the event's aggregate: visita_id, docente_id, anio, fecha_inicio."""
        return conn.execute(VISITA, {"id": str(e.originator_id)}).one()

    def _cancelado(self, conn: Connection, docente: str) -> bool:
        return conn.execute(CANCELADO, {"id": docente}).first() is not None

    def _por_purgar(self, conn: Connection, hashes: list[str]) -> None:
        if hashes:
            conn.execute(self.store.insert(adjunto_por_purgar).on_conflict_do_nothing(),
                         [{"sha256": h} for h in hashes])

    def _legible(self, registro: dict[str, Any], sujeto: str) -> dict[str, Any]:
        """The record with its attachments' file names and descriptions decrypted (``MARCA`` once the key of
        ``sujeto`` is erased; a value stored before encryption existed reads as it is)."""
        if not registro["adjuntos"]:
            return registro
        return {**registro, "adjuntos": [self.cifrador.descifrar_campos(sujeto, a, dm.ConAdjuntos.personales)
                                         for a in registro["adjuntos"]]}


def cuando(e: Any) -> str:
    return e.timestamp.isoformat()
