"""What every handler of evidencias's read models uses: whose an event's aggregate is (``origen``, filled from the
event that created it), a visit's or a GIA/RTC's JSON record, and who holds a docente now (``cartera``).

Each reads and writes only the tables it is given (``t``: the generation a handler fills)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, Table, Update, bindparam, select, update

from services.evidencias import domainmodel as dm
from shared.cifrado import Cifrador
from shared.views import OwnLogProjection, Tablas


class Base(OwnLogProjection):
    cifrador: Cifrador  # only decrypts what a query returns

    def _origen(self, conn: Connection, t: Tablas, e: Any, tipo: str, clave: str, docente: str | None = None) -> None:
        self.escribir(conn, t.origen, {"agregado_id": str(e.originator_id), "tipo": tipo, "clave": clave,
                                       "docente_id": docente}, "agregado_id", actualizar=False)

    def _de(self, conn: Connection, t: Tablas, e: Any) -> Any:
        """Whose the event's aggregate is: its ``origen`` row (tipo, clave, docente_id)."""
        return conn.execute(sentencias_de(t).origen, {"id": str(e.originator_id)}).one()

    def _docente(self, conn: Connection, t: Tablas, e: Any) -> str:
        return self._de(conn, t, e).clave

    def _seguir_al_docente(self, conn: Connection, t: Tablas, docente: str) -> None:
        """Open commitments go with the docente to whoever holds him in his latest plan
        (they carry across reassignments and etapas)."""
        conn.execute(sentencias_de(t).seguir, {"docente": docente, "acompanante_id": self._actual(conn, t, docente)})

    def _actual(self, conn: Connection, t: Tablas, docente: str) -> str | None:
        return conn.execute(sentencias_de(t).actual, {"docente": docente}).scalar()

    def _guardar(self, conn: Connection, t: Tablas, tabla: str, clave: str, cambio: Any) -> None:
        """Change the JSON record of a visit or a GIA/RTC (``tabla``: "visita" or "reunion")."""
        leer, guardar = sentencias_de(t).registros[tabla]
        r = dict(conn.execute(leer, {"id": clave}).scalar_one())
        cambio(r)
        conn.execute(guardar, {"id": clave, "registro": r})

    def _visita_de(self, conn: Connection, t: Tablas, e: Any) -> Any:
        """The visit of the event's aggregate: visita_id, docente_id, anio, fecha_inicio."""
        return conn.execute(sentencias_de(t).visita, {"id": str(e.originator_id)}).one()

    def _cancelado(self, conn: Connection, t: Tablas, docente: str) -> bool:
        return conn.execute(sentencias_de(t).cancelado, {"id": docente}).first() is not None

    def _por_purgar(self, conn: Connection, t: Tablas, hashes: list[str]) -> None:
        for h in hashes:
            self.escribir(conn, t.adjunto_por_purgar, {"sha256": h}, "sha256", actualizar=False)

    def _legible(self, registro: dict[str, Any], sujeto: str) -> dict[str, Any]:
        """The record with its attachments' file names and descriptions decrypted (``MARCA`` once the key of
        ``sujeto`` is erased; a value stored before encryption existed reads as it is)."""
        if not registro["adjuntos"]:
            return registro
        return {**registro, "adjuntos": [self.cifrador.descifrar_campos(sujeto, a, dm.ConAdjuntos.personales)
                                         for a in registro["adjuntos"]]}


def cuando(e: Any) -> str:
    return e.timestamp.isoformat()


class _Sentencias(NamedTuple):
    """The statements most events run, with parameters: building a statement for each event (and its cache
    key) cost more than running it."""

    origen: Select
    visita: Select
    cancelado: Select
    registros: dict[str, tuple[Select, Update]]  # "visita" | "reunion" -> (read, write) of its JSON record
    actual: Select  # who holds a docente (``docente``) in his latest plan
    seguir: Update  # a docente's open commitments: SET the columns the parameters name
    etapa: Select  # a docente's etapa in a year (``docente``, ``anio``)
    canonicos: Select  # an instrument's items with their canonical keys (``clave``)
    compromiso: Select  # a commitment's data (``clave``)
    cambio_compromiso: Update  # a commitment's row (``clave``): SET the columns the parameters name


def sentencias_de(t: Tablas) -> _Sentencias:
    """The statements of ``t``'s tables (built the first time they are asked for)."""
    return _sentencias(t.origen, t.visita, t.reunion, t.cancelado, t.cartera, t.compromiso, t.item)


@lru_cache(maxsize=8)  # a few table sets at a time: the live generation and one being rebuilt
def _sentencias(origen: Table, visita: Table, reunion: Table, cancelado: Table, cartera: Table,
                compromiso: Table, item: Table) -> _Sentencias:
    docente, clave = bindparam("docente"), bindparam("clave")
    return _Sentencias(
        actual=select(cartera.c.acompanante_id).where(cartera.c.docente_id == docente)
        .order_by(cartera.c.anio.desc()).limit(1),
        seguir=update(compromiso).where(compromiso.c.docente_id == docente, compromiso.c.estado == "abierto"),
        etapa=select(cartera.c.etapa).where(cartera.c.docente_id == docente, cartera.c.anio == bindparam("anio")),
        canonicos=select(item.c.item, item.c.canonico).where(item.c.instrumento == clave),
        compromiso=select(compromiso.c.datos).where(compromiso.c.compromiso_id == clave),
        cambio_compromiso=update(compromiso).where(compromiso.c.compromiso_id == clave),
        origen=(select(origen.c.tipo, origen.c.clave, origen.c.docente_id)
                .where(origen.c.agregado_id == bindparam("id"))),
        visita=(select(visita.c.visita_id, visita.c.docente_id, visita.c.anio, visita.c.fecha_inicio)
                .join(origen, origen.c.clave == visita.c.visita_id)
                .where(origen.c.agregado_id == bindparam("id"), origen.c.tipo == "visita")),
        cancelado=select(cancelado.c.docente_id).where(cancelado.c.docente_id == bindparam("id")),
        registros={nombre: (select(tabla.c.registro).where(llave == bindparam("id")),
                            update(tabla).where(llave == bindparam("id")).values(registro=bindparam("registro")))
                   for nombre, tabla, llave in (("visita", visita, visita.c.visita_id),
                                                ("reunion", reunion, reunion.c.actividad_id))})
