"""Read models fed from the stream, kept in generations so they can be rebuilt while they answer.

A ``StreamView`` owns a few tables and an inbox. Its tables exist once per *generation*
(``<tabla>_g<N>``); a control table says which generation is active. Consumers apply each
event to the active generation, idempotently: its id goes into that generation's inbox
(``<vista>_inbox_g<N>``) in the same transaction as its effect, and an id already there means
the event is not applied again (a redelivery, a republication, a rebuild catching up). The live
consumers apply a fetched batch in one transaction (``shared.views.lote``), the active generation
read once for the batch; a view applies a batch's events together, at the batch's end
(``aplicar_varias``): one multi-row INSERT of their ids into the inbox, then each of its statements
run once for all the new events' rows, an executemany handed to the driver as compiled once
(``shared.views.ejecutar_varias``). A rebuild applies its batches the same way to generation N+1,
filled from the stream while N keeps answering, then switches (see ``shared.replay.rebuild``).

Every row must come from the events alone (their content and the time they were recorded,
``Envelope.time``), never from the moment they arrived: a rebuilt generation is then
identical to the live one, and ``checksum()`` proves it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    TextClause,
    inspect,
    select,
    text,
    update,
)

from shared.contracts import Envelope, IntegrationEvent
from shared.views import Tablas, ViewStore, diferir, digest_tablas, ejecutar_varias, hay_lote, lote, una_vez_por_lote
from shared.views import instante as instante  # the views' handlers import it from here

# A handler writes an event's rows through ``Filas`` (``conn.execute(sentencia, filas)``, run at the batch's end)
Handler = Callable[[Any, "Tablas", Envelope], None]
_POR_SENTENCIA = 512  # inbox ids per multi-row INSERT (well under SQLite's and PostgreSQL's parameter limits)


class Filas:
    """Writes grouped by statement: handlers ``execute`` into it as into a connection (writes only: nothing
    is read back), and ``vaciar`` runs each statement once for all its rows (an executemany), the statements
    in the order they first came, each one's rows in the order they came."""

    def __init__(self) -> None:
        self._grupos: dict[Any, tuple[Any, list[dict[str, Any]]]] = {}

    def execute(self, sentencia: Any, parametros: dict[str, Any] | list[dict[str, Any]] | None = None) -> None:
        clave = sentencia.text if isinstance(sentencia, TextClause) else sentencia
        grupo = self._grupos.get(clave)
        if grupo is None:
            grupo = self._grupos[clave] = (sentencia, [])
        if parametros is None or isinstance(parametros, dict):
            grupo[1].append(parametros or {})
        else:
            grupo[1].extend(parametros)

    def vaciar(self, conn: Connection) -> None:
        grupos, self._grupos = list(self._grupos.values()), {}
        for sentencia, filas in grupos:
            ejecutar_varias(conn, sentencia, filas)


class _Pendientes:
    """A view's events of the open batch, applied together when it commits (``shared.views.diferir``). It
    opens the batch's transaction on the view's store at once, so the batch knows it wrote a read model."""

    def __init__(self, vista: StreamView, generacion: int) -> None:
        self.vista, self.generacion = vista, generacion
        self.envelopes: list[Envelope] = []
        with vista.store.transaccion() as conn:
            self.conn = conn

    def vaciar(self) -> None:
        envelopes, self.envelopes = self.envelopes, []
        self.vista.aplicar_varias(self.conn, self.vista.tablas(self.generacion), envelopes)


def generaciones_table(metadata: MetaData) -> Table:
    return Table(
        "generaciones",
        metadata,
        Column("proyeccion", String(60), primary_key=True),
        Column("activa", Integer, nullable=False),
        Column("construyendo", Integer, nullable=True),
        Column("cambiada_en", DateTime(timezone=True), nullable=False),
    )


class StreamView:
    """A projection of published events. Subclasses set ``nombre``, define ``definir`` (the tables of
    one generation, without the inbox) and fill ``handlers`` (contract -> handler)."""

    nombre: ClassVar[str]
    # Its live consumers apply another service's fact only once its chain link is verified (shared.eslabones),
    # and so does its rebuild; a view that records every fact's link itself (a history) sets it False.
    sigue_cadenas: ClassVar[bool] = True

    def __init__(self, store: ViewStore, control: Table) -> None:
        self.store = store
        self.control = control
        self.handlers: dict[type[IntegrationEvent], Handler] = {}
        self._generaciones: dict[int, Tablas] = {}
        self._inbox: dict[tuple[str, int], TextClause] = {}  # by (inbox table, ids): the multi-row INSERT
        self._lock = threading.Lock()
        with store.engine.begin() as conn:
            existe = conn.execute(select(control.c.activa).where(control.c.proyeccion == self.nombre)).first()
            if existe is None:
                conn.execute(control.insert().values(proyeccion=self.nombre, activa=1, construyendo=None,
                                                     cambiada_en=datetime.now(UTC)))
        self.crear(self.activa())

    def definir(self, metadata: MetaData, nombre: Callable[[str], str]) -> list[Table]:
        """The tables of one generation; ``nombre(base)`` gives each table its name in that generation."""
        raise NotImplementedError

    @property
    def contratos(self) -> list[type[IntegrationEvent]]:
        return list(self.handlers)

    # --- generations ----------------------------------------------------------------------------

    def activa(self) -> int:
        c = self.control
        with self.store.engine.connect() as conn:
            return conn.execute(select(c.c.activa).where(c.c.proyeccion == self.nombre)).scalar_one()

    def vigente(self) -> int:
        """The active generation, read once per batch of the live consumers (``shared.views.lote``): a
        switch made meanwhile is caught up by the rebuild that made it (``shared.replay.rebuild``)."""
        return una_vez_por_lote((id(self.store), "activa", self.nombre), self.activa)

    def estado(self) -> dict[str, Any]:
        c = self.control
        with self.store.engine.connect() as conn:
            fila = conn.execute(select(c).where(c.c.proyeccion == self.nombre)).one()
        return {"proyeccion": self.nombre, "activa": fila.activa, "construyendo": fila.construyendo,
                "cambiada_en": fila.cambiada_en}

    def tablas(self, generacion: int) -> Tablas:
        with self._lock:
            if generacion not in self._generaciones:
                metadata = MetaData()
                prefijo, sufijo = f"{self.nombre}_", f"_g{generacion}"
                definidas = self.definir(metadata, lambda base: f"{prefijo}{base}{sufijo}")
                tablas = Tablas({t.name.removeprefix(prefijo).removesuffix(sufijo): t for t in definidas})
                tablas["inbox"] = Table(f"{prefijo}inbox{sufijo}", metadata,
                                        Column("evento_id", String(200), primary_key=True))
                self._generaciones[generacion] = tablas
            return self._generaciones[generacion]

    def crear(self, generacion: int) -> Tablas:
        tablas = self.tablas(generacion)
        next(iter(tablas.values())).metadata.create_all(self.store.engine)
        return tablas

    def borrar(self, generacion: int) -> None:
        tablas = self.tablas(generacion)
        next(iter(tablas.values())).metadata.drop_all(self.store.engine)
        with self._lock:
            self._generaciones.pop(generacion, None)
        self.store.olvidar_sentencias(tablas.values())

    def generaciones_guardadas(self) -> list[int]:
        """Generations whose tables exist in the database."""
        prefijo = f"{self.nombre}_inbox_g"
        nombres = inspect(self.store.engine).get_table_names(schema=self.store.schema)
        return sorted(int(n.removeprefix(prefijo)) for n in nombres if n.startswith(prefijo))

    def empezar_construccion(self) -> int:
        """Reserve the next generation, empty (a leftover of a failed rebuild is dropped)."""
        estado = self.estado()
        nueva = max([estado["activa"], estado["construyendo"] or 0, *self.generaciones_guardadas()]) + 1
        self.borrar(nueva)
        self.crear(nueva)
        self._marcar(construyendo=nueva)
        return nueva

    def activar(self, generacion: int) -> int:
        """Make ``generacion`` the one that answers; returns the one it replaces."""
        anterior = self.activa()
        self._marcar(activa=generacion, construyendo=None)
        return anterior

    def _marcar(self, **valores: Any) -> None:
        c = self.control
        with self.store.engine.begin() as conn:
            conn.execute(update(c).where(c.c.proyeccion == self.nombre)
                         .values(**valores, cambiada_en=datetime.now(UTC)))

    # --- applying events ------------------------------------------------------------------------

    def aplicar(self, envelope: Envelope) -> bool:
        """Apply one event to the active generation, once (the live consumer's path). Within a batch
        (``shared.views.lote``) it is kept for the batch's end and applied there with the batch's other events,
        in its transaction (``aplicar_varias``); outside one, in a transaction of its own. Returns whether this
        view reads it."""
        if type(envelope.data) not in self.handlers:
            return False
        if not hay_lote():
            with lote():
                return self.aplicar(envelope)
        generacion = self.vigente()
        pendientes = diferir((id(self), generacion), lambda: _Pendientes(self, generacion))
        assert pendientes is not None
        pendientes.envelopes.append(envelope)
        return True

    def aplicar_en(self, conn: Connection, envelope: Envelope, generacion: int) -> bool:
        """Apply one event to ``generacion`` within the caller's transaction."""
        return bool(self.aplicar_varias(conn, self.tablas(generacion), [envelope]))

    def aplicar_lote(self, envelopes: Iterable[Envelope], generacion: int) -> int:
        """Apply a batch to ``generacion`` in one transaction (the rebuild's path); returns how many took effect."""
        tablas = self.tablas(generacion)
        with self.store.engine.begin() as conn:
            return self.aplicar_varias(conn, tablas, list(envelopes))

    def aplicar_varias(self, conn: Connection, tablas: Tablas, envelopes: list[Envelope]) -> int:
        """Apply ``envelopes``, in order, each once: their ids go into the generation's inbox with one
        statement per few hundred (``INSERT ... ON CONFLICT DO NOTHING RETURNING``: an id already there, or
        one a concurrent transaction holds, is not returned, and its event is skipped), then the handlers of
        the new ones write through ``Filas``, each statement run once for all its rows. Returns how many
        took effect."""
        nuevos = self._nuevos(conn, tablas, [e for e in envelopes if type(e.data) in self.handlers])
        if nuevos:
            self._aplicar_nuevos(conn, tablas, nuevos)
        return len(nuevos)

    def _aplicar_nuevos(self, conn: Connection, tablas: Tablas, nuevos: list[Envelope]) -> None:
        """Run the handlers of events not applied before; a view whose handlers read what earlier events of
        the same batch wrote overrides this."""
        filas = Filas()
        for envelope in nuevos:
            self.handlers[type(envelope.data)](filas, tablas, envelope)  # type: ignore[arg-type]
        filas.vaciar(conn)

    def _nuevos(self, conn: Connection, tablas: Tablas, envelopes: list[Envelope]) -> list[Envelope]:
        primeros: dict[str, Envelope] = {}
        for envelope in envelopes:
            primeros.setdefault(envelope.id, envelope)
        ids = list(primeros)
        insertados: set[str] = set()
        for i in range(0, len(ids), _POR_SENTENCIA):
            parte = ids[i:i + _POR_SENTENCIA]
            # padded to a power of two with its last id again (a conflict within the statement: nothing): a
            # few statements per table, not one per batch size, each compiled and prepared once
            n = 1 << (len(parte) - 1).bit_length()
            parte += [parte[-1]] * (n - len(parte))
            sentencia = self._inbox_sql(tablas.inbox.name, n)
            insertados.update(conn.execute(sentencia, {f"e{j}": v for j, v in enumerate(parte)}).scalars())
        return [e for i, e in primeros.items() if i in insertados]

    def _inbox_sql(self, tabla: str, n: int) -> TextClause:
        clave = (tabla, n)
        sentencia = self._inbox.get(clave)
        if sentencia is None:
            valores = ", ".join(f"(:e{j})" for j in range(n))
            sentencia = self._inbox[clave] = text(
                f'INSERT INTO "{tabla}" (evento_id) VALUES {valores} ON CONFLICT (evento_id) DO NOTHING '
                "RETURNING evento_id")
        return sentencia

    def sentencia(self, tablas: Tablas, nombre: str, *claves: str, actualizar: bool = False) -> Any:
        """INSERT ... ON CONFLICT (``claves``) DO NOTHING (or DO UPDATE), cached (``ViewStore.insert_on_conflict``)."""
        return self.store.insert_on_conflict(tablas[nombre], claves, actualizar)

    # --- reading --------------------------------------------------------------------------------

    def leer(self, consulta: Callable[[Connection, Tablas], Any]) -> Any:
        """Run ``consulta`` against the active generation."""
        tablas = self.tablas(self.activa())
        with self.store.engine.connect() as conn:
            return consulta(conn, tablas)

    def checksum(self, generacion: int | None = None) -> str:
        """A digest of every table of a generation (the inbox aside), in primary-key order
        (``shared.views.digest_tablas``, the digest of ``OwnLogProjection.checksum`` too)."""
        tablas = self.tablas(self.activa() if generacion is None else generacion)
        with self.store.engine.connect() as conn:
            return digest_tablas(conn, [(n, t) for n, t in tablas.items() if n != "inbox"])
