"""What every handler of evidencias's read models uses: whose an event's aggregate is (``origen``, filled from the
event that created it), a visit's or a GIA/RTC's JSON record, and who holds a docente now (``cartera``).

Each reads and writes only the tables it is given (``t``: the generation a handler fills), through its batch's
unit of work (``shared.unidad``): by key, or by a statement of its own (``u.execute``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, Table, bindparam, select

from services.evidencias import domainmodel as dm
from shared.cifrado import Cifrador
from shared.unidad import UnidadDeTrabajo
from shared.views import OwnLogProjection, Tablas


class Base(OwnLogProjection):
    cifrador: Cifrador  # only decrypts what a query returns

    def _origen(self, u: UnidadDeTrabajo, t: Tablas, e: Any, tipo: str, clave: str,
                docente: str | None = None) -> None:
        u.insertar(t.origen, {"agregado_id": str(e.originator_id), "tipo": tipo, "clave": clave,
                              "docente_id": docente})

    def _de(self, u: UnidadDeTrabajo, t: Tablas, e: Any) -> dict[str, Any]:
        """Whose the event's aggregate is: its ``origen`` row (tipo, clave, docente_id)."""
        return una(u.leer(t.origen, str(e.originator_id)))

    def _docente(self, u: UnidadDeTrabajo, t: Tablas, e: Any) -> str:
        return self._de(u, t, e)["clave"]

    def _seguir_al_docente(self, u: UnidadDeTrabajo, t: Tablas, docente: str) -> None:
        """Open commitments go with the docente to whoever holds him in his latest plan
        (they carry across reassignments and etapas): each changed by key through the batch, no UPDATE of its own."""
        actual = self._actual(u, t, docente)
        for (compromiso_id,) in u.consultar(sentencias_de(t).abiertos, {"docente": docente}):
            u.cambiar(t.compromiso, compromiso_id, acompanante_id=actual)

    def _actual(self, u: UnidadDeTrabajo, t: Tablas, docente: str) -> str | None:
        filas = u.consultar(sentencias_de(t).actual, {"docente": docente})
        return filas[0][0] if filas else None

    def _guardar(self, u: UnidadDeTrabajo, t: Tablas, tabla: str, clave: str, cambio: Any) -> None:
        """Change the JSON record of a visit or a GIA/RTC (``tabla``: "visita" or "reunion")."""
        fila = una(u.leer(t[tabla], clave))
        r = dict(fila["registro"])
        cambio(r)
        u.poner(t[tabla], {**fila, "registro": r})

    def _visita_de(self, u: UnidadDeTrabajo, t: Tablas, e: Any) -> dict[str, Any]:
        """The visit of the event's aggregate: its ``visita`` row (visita_id, docente_id, anio, ...)."""
        de = self._de(u, t, e)
        if de["tipo"] != "visita":
            raise LookupError(f"{e.originator_id} is not a visit")
        return una(u.leer(t.visita, de["clave"]))

    def _cancelado(self, u: UnidadDeTrabajo, t: Tablas, docente: str) -> bool:
        return u.leer(t.cancelado, docente) is not None

    def _por_purgar(self, u: UnidadDeTrabajo, t: Tablas, hashes: list[str]) -> None:
        for h in hashes:
            u.insertar(t.adjunto_por_purgar, {"sha256": h})

    def _legible(self, registro: dict[str, Any], sujeto: str) -> dict[str, Any]:
        """The record with its attachments' file names and descriptions decrypted (``MARCA`` once the key of
        ``sujeto`` is erased; a value stored before encryption existed reads as it is)."""
        if not registro["adjuntos"]:
            return registro
        return {**registro, "adjuntos": [self.cifrador.descifrar_campos(sujeto, a, dm.ConAdjuntos.personales)
                                         for a in registro["adjuntos"]]}


def cuando(e: Any) -> str:
    return e.timestamp.isoformat()


def una(fila: dict[str, Any] | None) -> dict[str, Any]:
    """The row the event's own earlier events wrote (there is one: the log is applied in order)."""
    if fila is None:
        raise LookupError("the row an earlier event wrote is not there")
    return fila


# --- what the handlers read by key, read for a whole batch at once (``OwnLogProjection.lecturas``) --------

def de_origen(_: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[Any, ...]], ...]:
    """The ``origen`` row of the event's aggregate."""
    return ((t.origen, (str(e.originator_id),)),)


_DE_ORIGEN = {"visita": "visita", "reunion": "reunion", "compromiso": "compromiso"}


def del_origen(u: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[Any, ...]], ...]:
    """The row the ``origen`` of the event's aggregate names (a visit, a GIA/RTC or a commitment), once that
    ``origen`` row was read (none if it is not there yet: an event earlier in the batch writes it)."""
    o = u.leer(t.origen, str(e.originator_id))
    if o is None or o["tipo"] not in _DE_ORIGEN:
        return ()
    return ((t[_DE_ORIGEN[o["tipo"]]], (o["clave"],)),)


def del_plan(u: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[Any, ...]], ...]:
    """The plan (``cartera``) of the year of the event's visit, once the visit was read."""
    o = u.leer(t.origen, str(e.originator_id))
    v = u.leer(t.visita, o["clave"]) if o is not None and o["tipo"] == "visita" else None
    return () if v is None else ((t.cartera, (v["docente_id"], v["anio"])),)


class _Sentencias(NamedTuple):
    """The statements by other columns than the key that events run, with parameters: building a statement
    for each event (and its cache key) cost more than running it."""

    actual: Select  # who holds a docente (``docente``) in his latest plan
    abiertos: Select  # the ids of a docente's open commitments
    canonicos: Select  # an instrument's items with their canonical keys (``clave``)


def sentencias_de(t: Tablas) -> _Sentencias:
    """The statements of ``t``'s tables (built the first time they are asked for)."""
    return _sentencias(t.cartera, t.compromiso, t.item)


@lru_cache(maxsize=8)  # a few table sets at a time: the live generation and one being rebuilt
def _sentencias(cartera: Table, compromiso: Table, item: Table) -> _Sentencias:
    docente, clave = bindparam("docente"), bindparam("clave")
    return _Sentencias(
        actual=select(cartera.c.acompanante_id).where(cartera.c.docente_id == docente)
        .order_by(cartera.c.anio.desc()).limit(1),
        abiertos=select(compromiso.c.compromiso_id).where(compromiso.c.docente_id == docente,
                                                          compromiso.c.estado == "abierto"),
        canonicos=select(item.c.item, item.c.canonico).where(item.c.instrumento == clave))
