"""Where the chain ledger (``shared.eslabones``) keeps its links: the ``cadena_eslabones`` table next to the
service's read models, and the SQL that reads and writes it a batch at a time.

This module stores and reads links; which state a link gets is ``shared.eslabones``'s rule. The statements are
text built once (building Core statements per fact cost more than running them). Over a batch, PostgreSQL's take
the batch's rows or keys as arrays (``unnest``, ``= ANY``): one short statement whatever the batch's size, which
psycopg converts once and the server prepares once (a multi-row VALUES of a few hundred named parameters was
longer than psycopg's cache of converted queries takes, and its conversion was most of the ledger's CPU per
batch). SQLite's take a power of two of rows or keys, so a few statements, each prepared once, serve every batch.
"""

from __future__ import annotations

from sqlalchemy import (
    Column, Connection, Engine, Integer, LargeBinary, MetaData, String, Table, Text, inspect, text,
)

from shared.engines import abrir, insert_de, nombre
from shared.settings import ServiceSettings
from shared.transacciones import ejecutar

_POR_SENTENCIA = 256  # rows or keys per statement (7 parameters a row: well under SQLite's limit)
_COLUMNAS = "posicion, anterior, hash, estado, motivo, canonico"
# WAL with NORMAL: a power loss (not a process crash) may lose the last commits, whose messages the
# ledger's consumer had already acknowledged. Nothing rebuilds the ledger from the stream: a link lost so
# stays missing, and a fact still to be applied at that position, or right after it, waits for it and is
# parked after ``espera`` (the dead letters name it).
_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000")
_TIPOS = (("posicion", "integer"), ("anterior", "integer"), ("hash", "text"), ("estado", "text"),
          ("motivo", "text"), ("canonico", "bytea"))


class TablaEslabones:
    """The ledger's tables, created (or brought up to date) when the service opens them."""

    def __init__(self, settings: ServiceSettings, productores: frozenset[str]) -> None:
        if settings.is_postgres:
            url, esquema = settings.views_url(), settings.views_schema
        else:
            ruta = settings.sqlite_path("-cadenas")
            ruta.parent.mkdir(parents=True, exist_ok=True)
            url, esquema = f"sqlite:///{ruta}", None
        # No pre-ping: every use of the ledger is retried when it fails (a batch's links are recorded again, its
        # messages come back), and a lost connection invalidates the pool, so the retry reconnects.
        self.engine = abrir(url, _PRAGMAS, pre_ping=False)
        self.pg = self.engine.dialect.name == "postgresql"
        metadata = MetaData(schema=esquema)
        self.t = Table("cadena_eslabones", metadata,
                       Column("servicio", String(20), primary_key=True),
                       Column("posicion", Integer, primary_key=True),
                       Column("anterior", Integer, nullable=False, index=True),
                       Column("hash", String(64), nullable=False),
                       Column("estado", String(12), nullable=False),
                       Column("motivo", Text, nullable=False),
                       Column("canonico", LargeBinary, nullable=True))  # kept only while it waits
        # One row per producer, only ever taken (``bloquear``): its chain's writer lock.
        self.cabezas = Table("cadena_servicios", metadata, Column("servicio", String(20), primary_key=True))
        e, k = nombre(self.t), nombre(self.cabezas)
        self._textos = {
            # Taking the producer's row serialises its chain's writers (replicas, two consumers at once).
            "bloquear": text(f"UPDATE {k} SET servicio = servicio WHERE servicio = :servicio"),
            "fila": text(f"SELECT {_COLUMNAS} FROM {e} WHERE servicio = :servicio AND posicion = :posicion"),
            "sucesor": text(f"SELECT {_COLUMNAS} FROM {e} WHERE servicio = :servicio "
                            "AND anterior = :anterior AND estado <> 'roto' LIMIT 1"),
            "resolver": text(f"UPDATE {e} SET estado = :estado, motivo = :motivo, canonico = NULL "
                             "WHERE servicio = :servicio AND posicion = :posicion"),
            # PostgreSQL's over a batch, its rows or keys as arrays
            "insertar[]": text(f"INSERT INTO {e} (servicio, {_COLUMNAS}) SELECT :servicio, * FROM unnest("
                               + ", ".join(f"CAST(:{c} AS {t}[])" for c, t in _TIPOS)
                               + ") ON CONFLICT (servicio, posicion) DO NOTHING"),
            "filas[]": text(f"SELECT {_COLUMNAS} FROM {e} WHERE servicio = :servicio "
                            "AND posicion = ANY(CAST(:p AS integer[]))"),
            "sucesores[]": text(f"SELECT {_COLUMNAS} FROM {e} WHERE servicio = :servicio "
                                "AND anterior = ANY(CAST(:p AS integer[])) AND estado <> 'roto'"),
            "estados[]": text(f"SELECT servicio, posicion, hash, estado, motivo FROM {e} "
                              "WHERE servicio = ANY(CAST(:s AS text[])) AND posicion = ANY(CAST(:p AS integer[]))"),
        }
        self._por_n: dict[tuple[str, int], object] = {}
        with self.engine.begin() as conn:
            if esquema:  # replicas starting together create the schema and tables one at a time
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:clave))"),
                             {"clave": f"acompana-esquema:{esquema}"})
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{esquema}"'))
            metadata.create_all(conn)
            if "ultima" in {c["name"] for c in inspect(conn).get_columns("cadena_servicios", esquema)}:
                # a ledger made when the lock row also held a position that nothing ever wrote
                conn.execute(text(f"ALTER TABLE {k} DROP COLUMN ultima"))
            conn.execute(insert_de(self.engine)(self.cabezas).on_conflict_do_nothing(),
                         [{"servicio": p} for p in sorted(productores)])

    def close(self) -> None:
        self.engine.dispose()

    def sql(self, nombre_: str):  # noqa: ANN201
        return self._textos[nombre_]

    def sql_n(self, nombre_: str, n: int):  # noqa: ANN201
        """A statement over ``n`` rows or keys (a power of two)."""
        clave = (nombre_, n)
        sentencia = self._por_n.get(clave)
        if sentencia is None:
            e = nombre(self.t)
            lista = ", ".join(f":p{j}" for j in range(n))
            if nombre_ == "insertar":  # the first record of a position stays (the writers are serialised)
                valores = ", ".join(f"(:servicio{j}, :posicion{j}, :anterior{j}, :hash{j}, :estado{j}, "
                                    f":motivo{j}, :canonico{j})" for j in range(n))
                sql = (f"INSERT INTO {e} (servicio, posicion, anterior, hash, estado, motivo, canonico) "
                       f"VALUES {valores} ON CONFLICT (servicio, posicion) DO NOTHING")
            elif nombre_ == "filas":  # the batch's positions and their predecessors
                sql = f"SELECT {_COLUMNAS} FROM {e} WHERE servicio = :servicio AND posicion IN ({lista})"
            elif nombre_ == "sucesores":  # the facts not broken that follow them
                sql = (f"SELECT {_COLUMNAS} FROM {e} WHERE {por_anterior(self.engine)} = :servicio "
                       f"AND anterior IN ({lista}) AND estado <> 'roto'")
            else:  # "estados": what is recorded at a batch's positions, of a few services
                servicios = ", ".join(f":s{j}" for j in range(n))
                sql = (f"SELECT servicio, posicion, hash, estado, motivo FROM {e} "
                       f"WHERE servicio IN ({servicios}) AND posicion IN ({lista})")
            sentencia = self._por_n[clave] = text(sql)
        return sentencia

    def bloquear(self, conn: Connection, servicios: set[str]) -> None:
        """Take the producers' rows in ``conn``'s transaction, always in the same order (no deadlock)."""
        for servicio in sorted(servicios):
            conn.execute(self.sql("bloquear"), {"servicio": servicio})

    def estados(self, servicios: list[str],
                posiciones: list[int]) -> dict[tuple[str, int], tuple[str, str, str]]:
        """The (hash, state, reason) recorded at ``posiciones`` of ``servicios``' chains: one query (on SQLite,
        one per few hundred positions)."""
        filas: dict[tuple[str, int], tuple[str, str, str]] = {}
        with self.engine.connect() as conn:
            if self.pg:
                partes = [(self.sql("estados[]"), {"s": servicios, "p": posiciones})]
            else:
                partes = []
                for i in range(0, len(posiciones), _POR_SENTENCIA):
                    n = _potencia(max(len(posiciones[i:i + _POR_SENTENCIA]), len(servicios)))
                    parte, nombres = _rellenar(posiciones[i:i + _POR_SENTENCIA], n), _rellenar(servicios, n)
                    parametros = {f"p{j}": v for j, v in enumerate(parte)}
                    parametros.update({f"s{j}": v for j, v in enumerate(nombres)})
                    partes.append((self.sql_n("estados", n), parametros))
            for sentencia, parametros in partes:
                for servicio, posicion, *fila in ejecutar(conn, sentencia, parametros):
                    filas[servicio, posicion] = tuple(fila)
        return filas

    def vecinas(self, conn: Connection, servicio: str, claves: list[int]) -> tuple[list[dict], list[dict]]:
        """The links of ``servicio`` at the positions ``claves``, and those not broken that follow them."""
        if self.pg:
            parametros = {"servicio": servicio, "p": claves}
            return ([dict(f) for f in ejecutar(conn, self.sql("filas[]"), parametros).mappings()],
                    [dict(f) for f in ejecutar(conn, self.sql("sucesores[]"), parametros).mappings()])
        en, despues = [], []
        for i in range(0, len(claves), _POR_SENTENCIA):
            parte = _rellenar(claves[i:i + _POR_SENTENCIA])
            parametros = {"servicio": servicio, **{f"p{j}": v for j, v in enumerate(parte)}}
            en.extend(dict(f) for f in ejecutar(conn, self.sql_n("filas", len(parte)), parametros).mappings())
            despues.extend(dict(f) for f in ejecutar(conn, self.sql_n("sucesores", len(parte)), parametros).mappings())
        return en, despues

    def insertar(self, conn: Connection, servicio: str, filas: list[dict]) -> None:
        """New links of ``servicio`` (a position already recorded keeps its first record)."""
        if self.pg:
            parametros = {c: [f[c] for f in filas] for c, _ in _TIPOS}
            ejecutar(conn, self.sql("insertar[]"), {"servicio": servicio, **parametros})
            return
        for i in range(0, len(filas), _POR_SENTENCIA):
            parte = _rellenar(filas[i:i + _POR_SENTENCIA])
            parametros = {f"{k}{j}": v for j, fila in enumerate(parte) for k, v in fila.items()}
            parametros.update({f"servicio{j}": servicio for j in range(len(parte))})
            ejecutar(conn, self.sql_n("insertar", len(parte)), parametros)


class CadenaEnLote:
    """One service's links as a batch sees them: what the ledger holds at the batch's positions and after them
    (read once, more only when settling reaches further), and what the batch adds and settles, written by
    ``escribir`` in the batch's transaction."""

    def __init__(self, tabla: TablaEslabones, conn: Connection, servicio: str,
                 claves: set[int]) -> None:
        self.tabla, self.conn, self.servicio = tabla, conn, servicio
        self.filas: dict[int, dict | None] = {}  # position -> its link (None: none recorded)
        self.sucesores: dict[int, int | None] = {}  # anterior -> the position of the link not broken after it
        self.nuevas: dict[int, dict] = {}  # links this batch inserts, by position, in order
        self.resueltas: dict[int, dict] = {}  # stored links this batch settles
        ordenadas = sorted(claves)
        en, despues = tabla.vecinas(conn, servicio, ordenadas)
        for fila in en:
            self.filas[fila["posicion"]] = fila
        for fila in despues:
            self.filas[fila["posicion"]] = fila
            self.sucesores.setdefault(fila["anterior"], fila["posicion"])
        for clave in ordenadas:
            self.filas.setdefault(clave, None)
            self.sucesores.setdefault(clave, None)

    def fila(self, posicion: int) -> dict | None:
        """The link at ``posicion``, as the batch left it (None: none recorded)."""
        if posicion not in self.filas:
            fila = self.conn.execute(self.tabla.sql("fila"),
                                     {"servicio": self.servicio, "posicion": posicion}).mappings().first()
            self.filas[posicion] = None if fila is None else dict(fila)
        return self.filas[posicion]

    def sucesor(self, anterior: int) -> int | None:
        """The position of the link recorded after ``anterior`` that was not broken when it was read or
        added (the caller checks its state now)."""
        if anterior not in self.sucesores:
            fila = self.conn.execute(self.tabla.sql("sucesor"),
                                     {"servicio": self.servicio, "anterior": anterior}).mappings().first()
            if fila is not None:
                self.filas[fila["posicion"]] = dict(fila)
            self.sucesores[anterior] = None if fila is None else fila["posicion"]
        return self.sucesores[anterior]

    def agregar(self, fila: dict, sigue: bool) -> None:
        """A new link; with ``sigue`` (not broken), the one after its predecessor."""
        self.filas[fila["posicion"]] = self.nuevas[fila["posicion"]] = fila
        if sigue:
            self.sucesores[fila["anterior"]] = fila["posicion"]

    def resolver(self, posicion: int, estado: str, motivo: str) -> None:
        """A waiting link settled: its content is no longer kept."""
        fila = self.filas[posicion]
        assert fila is not None
        fila.update(estado=estado, motivo=motivo, canonico=None)
        if posicion not in self.nuevas:
            self.resueltas[posicion] = fila

    def escribir(self) -> None:
        """The batch's new links (one multi-row INSERT per few hundred), then the stored ones it settled."""
        if self.nuevas:
            self.tabla.insertar(self.conn, self.servicio, list(self.nuevas.values()))
        if self.resueltas:
            self.conn.execute(self.tabla.sql("resolver"), [
                {"estado": f["estado"], "motivo": f["motivo"], "servicio": self.servicio, "posicion": p}
                for p, f in self.resueltas.items()])


def por_anterior(engine: Engine) -> str:
    """The service's column in a query of the links after some positions (``anterior IN (...)``), written so
    that SQLite reads them by the index on ``anterior``: with ``servicio = ...`` it took the primary key's
    prefix and read every link of the service for each batch (a ledger, and a rebuild, slowed as they grew).
    ``+servicio`` takes that term off any index in SQLite; PostgreSQL chooses by its statistics."""
    return "servicio" if engine.dialect.name == "postgresql" else "+servicio"


def _potencia(n: int) -> int:
    return 1 << (n - 1).bit_length()


def _rellenar(valores: list, n: int | None = None) -> list:
    """``valores`` padded with its last one to ``n`` (the next power of two by default)."""
    n = _potencia(len(valores)) if n is None else n
    return valores + [valores[-1]] * (n - len(valores))
