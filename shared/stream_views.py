"""Read models fed from the stream, kept in generations so they can be rebuilt while they answer.

A ``StreamView`` owns a few tables and an inbox. Its tables exist once per *generation*
(``<tabla>_g<N>``); a control table says which generation is active. Consumers apply each
event to the active generation, idempotently: its id goes into that generation's inbox
(``<vista>_inbox_g<N>``) in the same transaction as its effect, and an id already there means
the event is not applied again (a redelivery, a republication, a rebuild catching up). The live
consumers apply a fetched batch in one transaction (``shared.views.lote``), the active generation
read once for the batch. A rebuild fills generation N+1 from the stream while N keeps answering,
then switches (see ``shared.replay.rebuild``).

Every row must come from the events alone (their content and the time they were recorded,
``Envelope.time``), never from the moment they arrived: a rebuilt generation is then
identical to the live one, and ``checksum()`` proves it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    select,
    update,
)

from shared.contracts import Envelope, IntegrationEvent
from shared.views import ViewStore, una_vez_por_lote

Handler = Callable[[Connection, "Tablas", Envelope], None]


def generaciones_table(metadata: MetaData) -> Table:
    return Table(
        "generaciones",
        metadata,
        Column("proyeccion", String(60), primary_key=True),
        Column("activa", Integer, nullable=False),
        Column("construyendo", Integer, nullable=True),
        Column("cambiada_en", DateTime(timezone=True), nullable=False),
    )


def instante(t: datetime) -> str:
    """A recorded time as fixed-width UTC text: sorts and compares the same in SQLite and PostgreSQL."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Tablas(dict):
    """The tables of one generation, by their base name (``tablas.valoraciones``)."""

    def __getattr__(self, name: str) -> Table:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


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
        """Apply one event to the active generation, once (the live consumer's path), in the open batch's
        transaction if there is one (``shared.views.lote``)."""
        if type(envelope.data) not in self.handlers:
            return False
        tablas = self.tablas(self.vigente())
        with self.store.transaccion() as conn:
            return self._aplicar_una(conn, tablas, envelope)

    def aplicar_en(self, conn: Connection, envelope: Envelope, generacion: int) -> bool:
        """Apply one event to ``generacion`` within the caller's transaction (several views, one commit)."""
        if type(envelope.data) not in self.handlers:
            return False
        return self._aplicar_una(conn, self.tablas(generacion), envelope)

    def aplicar_lote(self, envelopes: Iterable[Envelope], generacion: int) -> int:
        """Apply a batch to ``generacion`` in one transaction (the rebuild's path); returns how many took effect."""
        tablas = self.tablas(generacion)
        hechos = 0
        with self.store.engine.begin() as conn:
            for envelope in envelopes:
                if type(envelope.data) in self.handlers:
                    hechos += self._aplicar_una(conn, tablas, envelope)
        return hechos

    def _aplicar_una(self, conn: Connection, tablas: Tablas, envelope: Envelope) -> bool:
        nuevo = conn.execute(self.sentencia(tablas, "inbox", "evento_id"), {"evento_id": envelope.id}).rowcount
        if not nuevo:
            return False
        self.handlers[type(envelope.data)](conn, tablas, envelope)
        return True

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
        """A digest of every table of a generation (the inbox aside), in primary-key order."""
        tablas = self.tablas(self.activa() if generacion is None else generacion)
        digest = hashlib.sha256()
        with self.store.engine.connect() as conn:
            for nombre in sorted(tablas):
                if nombre == "inbox":
                    continue
                tabla = tablas[nombre]
                digest.update(nombre.encode())
                for fila in conn.execute(select(tabla).order_by(*tabla.primary_key.columns)):
                    digest.update(json.dumps([_normal(v) for v in fila], default=str).encode())
        return digest.hexdigest()


def _normal(valor: Any) -> Any:
    if isinstance(valor, datetime):
        return instante(valor if valor.tzinfo else valor.replace(tzinfo=UTC))
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, float):
        return round(valor, 9)
    return valor
