"""Read models fed from the stream, kept in generations so they can be rebuilt while they answer.

A ``StreamView`` owns a few tables and an inbox, in generations (``shared.generaciones``): the active one
under the base names ``<vista>_<tabla>`` (the inbox ``<vista>_inbox``), where the live consumers write and
every query reads; a rebuild's under ``<vista>_<tabla>_g<N>`` until the switch renames them. Each event is
applied idempotently: its id goes into the generation's inbox in the same transaction as its effect, and an
id already there means the event is not applied again (a redelivery, a republication, a rebuild catching
up). The live consumers apply a fetched batch in one transaction (``shared.transacciones.lote``); a view
applies a batch's events together, at the batch's end (``aplicar_varias``): one multi-row INSERT of their
ids into the inbox, then each of its statements run once for all the new events' rows, an executemany
handed to the driver as compiled once (``shared.transacciones.ejecutar_varias``). A rebuild applies its
batches the same way to generation N, filled from the stream while the active one keeps answering, then
switches (``shared.replay.rebuild``, ``services.evaluacion.particiones``).

Every row must come from the events alone (their content and the time they were recorded,
``Envelope.time``), never from the moment they arrived: a rebuilt generation is then
identical to the live one, and ``checksum()`` proves it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from sqlalchemy import Column, Connection, MetaData, String, Table, TextClause, select

from shared.contracts import Envelope, IntegrationEvent
from shared.generaciones import Generaciones, sufijo
from shared.recoleccion import sin_recolector
from shared.transacciones import diferir, ejecutar_varias, hay_lote, lote
from shared.views import Tablas, ViewStore, digest_tablas
from shared.views import instante  # noqa: F401  (the views' handlers import it from here)

# A handler writes an event's rows through ``Filas`` (``conn.execute(sentencia, filas)``, run at the batch's end)
Handler = Callable[[Any, "Tablas", Envelope], None]
_POR_SENTENCIA = 512  # inbox ids per multi-row INSERT (well under SQLite's and PostgreSQL's parameter limits)
_ANALIZAR = 2_000  # events applied to a generation under construction before its first statistics (PostgreSQL)


def marca(conn: Connection) -> str:
    """The driver's positional placeholder (``?`` for sqlite3, ``%s`` for psycopg): a statement over hundreds
    of keys run with ``exec_driver_sql`` and a tuple, without SQLAlchemy binding each key by name on every
    run (that cost several times the query itself)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


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
    """A view's events of the open batch, applied together when it commits (``shared.transacciones.diferir``). It
    opens the batch's transaction on the view's store at once, so the batch knows it wrote a read model, and
    keeps the view's switch out until the batch ends (``Generaciones.compartir``)."""

    def __init__(self, vista: StreamView) -> None:
        self.vista = vista
        self.envelopes: list[Envelope] = []
        with vista.store.transaccion() as conn:
            self.conn = conn
        vista.generaciones.compartir(conn, vista.nombre)

    def vaciar(self) -> None:
        envelopes, self.envelopes = self.envelopes, []
        self.vista.aplicar_varias(self.conn, self.vista.tablas(), envelopes)


class StreamView:
    """A projection of published events. Subclasses set ``nombre``, define ``definir`` (the tables of
    one generation, without the inbox) and fill ``handlers`` (contract -> handler)."""

    nombre: ClassVar[str]
    # Its live consumers apply another service's fact only once its chain link is verified (shared.eslabones),
    # and so does its rebuild; a view that records every fact's link itself (a history) sets it False.
    sigue_cadenas: ClassVar[bool] = True

    def __init__(self, store: ViewStore, control: Table) -> None:
        self.store = store
        self.generaciones = Generaciones(store, control)
        self.handlers: dict[type[IntegrationEvent], Handler] = {}
        self._base = self._definir(None)
        self._copias: dict[int, Tablas] = {}  # generations under construction, by number
        self._analisis: dict[int, tuple[int, int]] = {}  # one under construction: (events applied, next ANALYZE)
        self._inbox: dict[tuple[str, int, str], str] = {}  # (table, ids, placeholder): the multi-row INSERT
        self._lock = threading.Lock()
        self.generaciones.asegurar(self.nombre)
        # a store kept when the active generation lived under <vista>_<tabla>_g<N>: renamed once
        self.generaciones.a_nombres_base(self.nombre, self._bases(), self._base.inbox.name)
        self.generaciones.descartar_anteriores(self.nombre, self._bases())
        self.crear(self.activa())

    def definir(self, metadata: MetaData, nombre: Callable[[str], str]) -> list[Table]:
        """The tables of one generation; ``nombre(base)`` gives each table its name in that generation."""
        raise NotImplementedError

    @property
    def contratos(self) -> list[type[IntegrationEvent]]:
        return list(self.handlers)

    # --- generations ----------------------------------------------------------------------------

    def _definir(self, generacion: int | None) -> Tablas:
        """The tables of the active generation (None) or of generation ``generacion`` under construction."""
        metadata = MetaData()
        prefijo = f"{self.nombre}_"

        def nombre(base: str) -> str:
            return prefijo + (base if generacion is None else sufijo(base, generacion))

        tablas = Tablas()
        for tabla in [*self.definir(metadata, nombre), Table(nombre("inbox"), metadata,
                                                             Column("evento_id", String(200), primary_key=True))]:
            base = tabla.name.removeprefix(prefijo)
            tablas[base if generacion is None else base.removesuffix(f"_g{generacion}")] = tabla
        return tablas

    def _bases(self) -> list[str]:
        return [t.name for t in self._base.values()]

    def activa(self) -> int:
        return self.generaciones.activa(self.nombre)

    def estado(self) -> dict[str, Any]:
        return self.generaciones.estado(self.nombre)

    def tablas(self, generacion: int | None = None, conn: Connection | None = None) -> Tablas:
        """A generation's tables by base name: the base names for the active one (None, or its number),
        ``<vista>_<tabla>_g<N>`` for one under construction (the active one read in ``conn``, if given)."""
        activa = None if generacion is None else self.generaciones.activa(self.nombre, conn)
        return self._tablas(generacion, activa)

    def _tablas(self, generacion: int | None, activa: int | None) -> Tablas:
        if generacion is None or generacion == activa:
            return self._base
        with self._lock:
            if generacion not in self._copias:
                self._copias[generacion] = self._definir(generacion)
            return self._copias[generacion]

    def crear(self, generacion: int) -> Tablas:
        tablas = self.tablas(generacion)
        next(iter(tablas.values())).metadata.create_all(self.store.engine)
        return tablas

    def borrar(self, generacion: int) -> None:
        """Drop the tables of a generation that does not answer (an old one, or a failed rebuild's)."""
        if generacion == self.activa():
            raise ValueError(f"{self.nombre}: la generación {generacion} es la activa")
        with self._lock:
            tablas = self._copias.pop(generacion, None) or self._definir(generacion)
        self.generaciones.borrar(t.name for t in tablas.values())
        self.store.olvidar_sentencias(tablas.values())

    def generaciones_guardadas(self) -> list[int]:
        """Generations whose tables exist in the database (the active one included)."""
        return sorted(self.generaciones.guardadas([self._base.inbox.name]) | {self.activa()})

    def empezar_construccion(self) -> int:
        """Reserve the next generation, empty, under ``<vista>_<tabla>_g<N>`` (a rebuild starts)."""
        nueva = self.generaciones.reservar(self.nombre, self._bases())
        self.borrar(nueva)  # a leftover of a failed rebuild
        self.crear(nueva)
        return nueva

    def activar(self, generacion: int) -> int:
        """Make ``generacion`` the one that answers (``Generaciones.cambiar``: its tables renamed to the base
        names, the active one's to ``_g<N>``); returns the one it replaced (drop it with ``borrar``)."""
        anterior = self.generaciones.cambiar(self.nombre, generacion, self._bases())
        with self._lock:
            for g in (generacion, anterior):
                self._analisis.pop(g, None)
                tablas = self._copias.pop(g, None)
                if tablas is not None:
                    self.store.olvidar_sentencias(tablas.values())
        return anterior

    # --- applying events ------------------------------------------------------------------------

    def aplicar(self, envelope: Envelope) -> bool:
        """Apply one event to the active generation, once (the live consumer's path). Within a batch
        (``shared.transacciones.lote``) it is kept for the batch's end and applied there with the batch's other events,
        in its transaction (``aplicar_varias``); outside one, in a transaction of its own. Returns whether this
        view reads it."""
        if type(envelope.data) not in self.handlers:
            return False
        if not hay_lote():
            with lote():
                return self.aplicar(envelope)
        pendientes = diferir(id(self), lambda: _Pendientes(self))
        assert pendientes is not None
        pendientes.envelopes.append(envelope)
        return True

    def aplicar_lote(self, envelopes: Iterable[Envelope], generacion: int) -> int:
        """Apply a batch to ``generacion`` in one transaction (the rebuild's path); returns how many took effect."""
        return aplicar_juntas([(self, list(envelopes), generacion)])[0]

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

    def _analizar(self, generacion: int, aplicados: int) -> None:
        """PostgreSQL's statistics of a generation under construction, taken when ``_ANALIZAR`` events have been
        applied to it and each time they double. It plans by them, and its autovacuum takes them a minute or
        more after new tables start to fill: until then it read every link of a service for a batch's few
        positions in the history's ledger (the primary key's prefix, as if a service had few)."""
        aplicados += self._analisis.get(generacion, (0, _ANALIZAR))[0]
        siguiente = self._analisis.get(generacion, (0, _ANALIZAR))[1]
        if aplicados >= siguiente:
            with self.store.engine.begin() as conn:
                for tabla in self.tablas(generacion).values():
                    conn.exec_driver_sql(f'ANALYZE "{tabla.name}"')
            siguiente = 2 * aplicados
        self._analisis[generacion] = (aplicados, siguiente)

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
            sentencia = self._inbox_sql(tablas.inbox.name, n, marca(conn))
            insertados.update(f[0] for f in conn.exec_driver_sql(sentencia, tuple(parte)))
        return [e for i, e in primeros.items() if i in insertados]

    def _inbox_sql(self, tabla: str, n: int, marca_: str) -> str:
        clave = (tabla, n, marca_)
        sentencia = self._inbox.get(clave)
        if sentencia is None:
            valores = ", ".join([f"({marca_})"] * n)
            sentencia = self._inbox[clave] = (
                f'INSERT INTO "{tabla}" (evento_id) VALUES {valores} ON CONFLICT (evento_id) DO NOTHING '
                "RETURNING evento_id")
        return sentencia

    def sentencia(self, tablas: Tablas, nombre: str, *claves: str, actualizar: bool = False) -> Any:
        """INSERT ... ON CONFLICT (``claves``) DO NOTHING (or DO UPDATE), cached (``ViewStore.insert_on_conflict``)."""
        return self.store.insert_on_conflict(tablas[nombre], claves, actualizar)

    # --- reading --------------------------------------------------------------------------------

    def leer(self, consulta: Callable[[Connection, Tablas], Any]) -> Any:
        """Run ``consulta`` against the active generation (its base names)."""
        with self.store.engine.connect() as conn:
            return consulta(conn, self._base)

    def checksum(self, generacion: int | None = None) -> str:
        """A digest of every table of a generation (the inbox aside), in primary-key order
        (``shared.views.digest_tablas``, the digest of ``OwnLogProjection.checksum`` too)."""
        tablas = self.tablas(generacion)
        with self.store.engine.connect() as conn:
            return digest_tablas(conn, [(n, t) for n, t in tablas.items() if n != "inbox"])


def aplicar_juntas(partes: list[tuple[StreamView, list[Envelope], int]]) -> list[int]:
    """Each (view, batch, generation): the batch applied to that generation of the view (``aplicar_varias``),
    the views of one store in one transaction, one commit for all of them (a rebuild of several views: a
    commit each cost about a tenth of the batch on SQLite). Returns how many took effect in each."""
    por_store: dict[int, list[int]] = {}
    for i, (vista, _, _) in enumerate(partes):
        por_store.setdefault(id(vista.store), []).append(i)
    hechos = [0] * len(partes)
    for indices in por_store.values():
        primera = partes[indices[0]][0]
        control = primera.generaciones.control
        with sin_recolector(), primera.store.engine.begin() as conn:  # (``shared.recoleccion``)
            for i in indices:
                partes[i][0].generaciones.compartir(conn, partes[i][0].nombre)
            activas = dict(conn.execute(select(control.c.proyeccion, control.c.activa).where(
                control.c.proyeccion.in_(sorted({partes[i][0].nombre for i in indices})))).tuples().all())
            for i in indices:
                vista, envelopes, generacion = partes[i]
                tablas = vista._tablas(generacion, activas[vista.nombre])
                hechos[i] = vista.aplicar_varias(conn, tablas, envelopes)
        if primera.store.engine.dialect.name == "postgresql":
            for i in indices:
                vista, envelopes, generacion = partes[i]
                if generacion != activas[vista.nombre]:
                    vista._analizar(generacion, len(envelopes))
    return hechos
