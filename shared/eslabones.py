"""A consumer applies another service's fact only when it continues that service's hash chain.

What a verified link proves: the fact's content is the content hashed into its link (``ce-cadena``), that
link follows from the link of the fact it names as its predecessor, and so on back to the producer's first
fact; and no fact received before it claimed the same position or the same predecessor. The facts applied
from one producer thus form one unbroken sequence without forks: a fact changed or reordered on its way or in
the stream without its links recomputed, a fork, an unchained fact, or a fact whose predecessor never comes
(a gap; a lost last fact leaves none) is parked with its reason instead of applied.

What it does not prove: who wrote the fact. The chain is an unkeyed SHA-256 over content anyone who reads
the stream sees, so whoever can publish on a service's subjects (its NATS user, or a leaked credential of
it) can chain a forged fact after the head: the forgery is verified and applied, and the genuine fact the
relay then publishes at that position is refused as a fork. Only NATS permissions keep each service to its
own subjects (``deploy/nats/permisos.conf``); telling genuine facts from forged ones would need a signature
with a key only the relay holds, which the chain does not have.

``Eslabones`` is the ledger of the chains of the services this one consumes from, in its own table
(``cadena_eslabones``, next to its read models). A durable consumer per producing service
(``<servicio>-cadena-<productor>``, on ``acompana.<productor>.>``) records every fact's link as it
arrives, in stream order: ``verificado`` when its hash follows from its predecessor's hash and its own
content, ``pendiente`` while its predecessor has not arrived or is not verified yet (it is settled when it
is: verified, or broken after a broken one), ``roto`` with the reason otherwise (no link, content that does
not match its hash, a second fact claiming a position or a predecessor already taken, a fact following a
broken one). A consumer may hand the ledger a batch's facts in any order: the states are the same.
Within a batch (``shared.views.lote``) ``registrar`` keeps the fact for the batch's end, where the batch's
links are recorded together in its transaction on the ledger (``registrar_varios``): one read of what the
ledger holds at the batch's positions and after them, one multi-row INSERT of the new links, the states
those recording them one at a time in the batch's order would give; nothing is written if the batch rolls
back, and the consumer acknowledges the batch after the commit.

``IdempotentConsumers`` asks the states of a batch's facts (``estados``, one query) before running their
handlers, and ``exigir`` of a fact applied on its own: verified (the same hash as recorded)
runs it, so a redelivery or a duplicate of a genuine fact is applied as before (idempotently); broken
parks it on the dead-letter subject with the reason; not yet known or waiting for its predecessor is
asked again a moment later (``nak`` with a delay), and parked only when its redeliveries have waited
longer than ``espera`` seconds in all (the predecessor never came).

``Lectura`` applies the same rule, in memory, to a producer's facts read back from the stream in order: a
rebuild of read models applies what a live consumer would have applied (``shared.replay.rebuild``), so a
broken fact stays out of them whether they were fed live or rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS
from shared.settings import ServiceSettings
from shared.views import diferir, lote, transaccion

VERIFICADO, PENDIENTE, ROTO, DESCONOCIDO = "verificado", "pendiente", "roto", "desconocido"
NO_SIGUE = "su huella no sigue de la del hecho anterior y su contenido: no continúa la cadena"
SIN_ESLABON = "el hecho no lleva su eslabón de la cadena (ce-cadena)"


def vigilado(productores: Collection[str], envelope: Envelope) -> bool:
    """Whether a fact's chain is checked (a producer's fact; seals and the consumer's own are not)."""
    return envelope.data.servicio in productores and envelope.id.startswith(f"{envelope.data.servicio}:")


def verificar(env: Envelope, eslabon: Callable[[int], tuple[str, str] | None],
              sucesor: Callable[[int], int | None]) -> tuple[str, str]:
    """The state of ``env``'s link as it arrives, and the reason when it is not verified.
    ``eslabon(posicion)`` is the (hash, state) recorded at a position of its service's chain, if any;
    ``sucesor(anterior)`` the position of a fact not broken that already follows ``anterior``, if any."""
    if not env.cadena:
        return ROTO, SIN_ESLABON
    anterior = env.cadena_anterior
    if anterior >= env.position:
        return ROTO, f"el eslabón apunta a una posición posterior ({anterior})"
    otro = sucesor(anterior)
    if otro is not None:
        return ROTO, f"bifurca la cadena: el hecho de la posición {otro} ya sigue a la posición {anterior}"
    if anterior == 0:
        previo = GENESIS
    else:
        fila = eslabon(anterior)
        if fila is None:
            return PENDIENTE, f"espera el hecho anterior de la cadena (posición {anterior})"
        previo, estado = fila
        if estado == ROTO:
            return ROTO, f"sigue a un hecho que no continúa la cadena (posición {anterior})"
        if estado == PENDIENTE:  # verified only when every link back to the first one is
            return PENDIENTE, f"espera que se verifique el hecho anterior de la cadena (posición {anterior})"
    return enlaza(previo, env.canonico(), env.cadena)


def enlaza(previo: str, canonico: bytes, hash_: str) -> tuple[str, str]:
    """A link after the hash ``previo``: verified when ``hash_`` follows from it and the content."""
    return (VERIFICADO, "") if Envelope.enlace(previo, canonico) == hash_ else (ROTO, NO_SIGUE)


def asentar(posicion: int, hash_: str, estado: str, esperando: Callable[[int], list[tuple[int, str, bytes]]],
            resolver: Callable[[int, str, str], None]) -> list[int]:
    """Settle the facts that waited for the fact at ``posicion`` now that it is verified or broken, and in
    turn those that waited for them: verified when their link follows, broken when it does not or when the
    fact they follow is broken (as when they arrive after it, whatever order the ledger saw them in).
    ``esperando(anterior)``: the (position, hash, content) of the facts waiting for ``anterior``;
    ``resolver(posicion, estado, motivo)`` records one's state. Returns the positions verified now."""
    verificados, resueltos = [], [(posicion, hash_, estado)]
    while resueltos:
        anterior, previo, estado_previo = resueltos.pop()
        for siguiente, hash_siguiente, canonico in esperando(anterior):
            if estado_previo == ROTO:
                estado, motivo = ROTO, f"sigue a un hecho que no continúa la cadena (posición {anterior})"
            else:
                estado, motivo = enlaza(previo, canonico, hash_siguiente)
            resolver(siguiente, estado, motivo)
            if estado == VERIFICADO:
                verificados.append(siguiente)
            resueltos.append((siguiente, hash_siguiente, estado))
    return verificados


class CadenaRota(Exception):
    """The fact does not continue its service's chain (the message says why): it is parked, not applied."""


class CadenaPendiente(Exception):
    """The fact's link is not verified yet (its predecessor, or the ledger, has not caught up)."""


class Eslabones:
    """The links of the producing services' chains as this service received them."""

    def __init__(self, settings: ServiceSettings, productores: list[str]) -> None:
        self.productores = frozenset(productores)
        if settings.is_postgres:
            url, esquema = settings.views_url(), settings.views_schema
        else:
            ruta = settings.sqlite_path("-cadenas")
            ruta.parent.mkdir(parents=True, exist_ok=True)
            url, esquema = f"sqlite:///{ruta}", None
        self.engine = create_engine(url, pool_pre_ping=True)
        self._insert = postgresql.insert if esquema else sqlite.insert
        if not esquema:
            event.listen(self.engine, "connect", _sqlite_lento)
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
        self._textos: dict[str, object] = {}
        self._por_n: dict[tuple[str, int], object] = {}
        with self.engine.begin() as conn:
            if esquema:  # replicas starting together create the schema and tables one at a time
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:clave))"),
                             {"clave": f"acompana-esquema:{esquema}"})
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{esquema}"'))
            metadata.create_all(conn)
            if "ultima" in {c["name"] for c in inspect(conn).get_columns("cadena_servicios", esquema)}:
                # a ledger made when the lock row also held a position that nothing ever wrote
                conn.execute(text(f"ALTER TABLE {_nombre(self.cabezas)} DROP COLUMN ultima"))
            conn.execute(self._insert(self.cabezas).on_conflict_do_nothing(),
                         [{"servicio": p} for p in sorted(self.productores)])

    def close(self) -> None:
        self.engine.dispose()

    def vigila(self, envelope: Envelope) -> bool:
        """Whether this fact's chain is checked here (a fact of a producer; seals and own facts are not)."""
        return vigilado(self.productores, envelope)

    # --- recording, by the ledger's consumers ---------------------------------------------------

    def _sql(self, nombre: str):  # noqa: ANN202
        """The ledger's statements as text, built once (building Core statements per fact cost more than
        running them)."""
        if not self._textos:
            e, k = _nombre(self.t), _nombre(self.cabezas)
            columnas = "posicion, anterior, hash, estado, motivo, canonico"
            self._textos.update({
                # Taking the producer's row serialises its chain's writers (replicas, two consumers at once).
                "bloquear": text(f"UPDATE {k} SET servicio = servicio WHERE servicio = :servicio"),
                "fila": text(f"SELECT {columnas} FROM {e} WHERE servicio = :servicio AND posicion = :posicion"),
                "sucesor": text(f"SELECT {columnas} FROM {e} WHERE servicio = :servicio AND anterior = :anterior "
                                "AND estado <> 'roto' LIMIT 1"),
                "resolver": text(f"UPDATE {e} SET estado = :estado, motivo = :motivo, canonico = NULL "
                                 "WHERE servicio = :servicio AND posicion = :posicion"),
            })
        return self._textos[nombre]

    def _sql_n(self, nombre: str, n: int):  # noqa: ANN202
        """A statement over ``n`` rows or keys (a power of two: a few statements, each prepared once)."""
        clave = (nombre, n)
        sentencia = self._por_n.get(clave)
        if sentencia is None:
            e = _nombre(self.t)
            columnas = "posicion, anterior, hash, estado, motivo, canonico"
            lista = ", ".join(f":p{j}" for j in range(n))
            if nombre == "insertar":  # the first record of a position stays (the writers are serialised)
                valores = ", ".join(f"(:servicio{j}, :posicion{j}, :anterior{j}, :hash{j}, :estado{j}, :motivo{j}, "
                                    f":canonico{j})" for j in range(n))
                sql = (f"INSERT INTO {e} (servicio, posicion, anterior, hash, estado, motivo, canonico) "
                       f"VALUES {valores} ON CONFLICT (servicio, posicion) DO NOTHING")
            elif nombre == "filas":  # the batch's positions and their predecessors
                sql = f"SELECT {columnas} FROM {e} WHERE servicio = :servicio AND posicion IN ({lista})"
            elif nombre == "sucesores":  # the facts not broken that follow them
                sql = (f"SELECT {columnas} FROM {e} WHERE servicio = :servicio AND anterior IN ({lista}) "
                       "AND estado <> 'roto'")
            else:  # "estados": what is recorded at a batch's positions, of a few services
                servicios = ", ".join(f":s{j}" for j in range(n))
                sql = (f"SELECT servicio, posicion, hash, estado, motivo FROM {e} "
                       f"WHERE servicio IN ({servicios}) AND posicion IN ({lista})")
            sentencia = self._por_n[clave] = text(sql)
        return sentencia

    def registrar(self, env: Envelope) -> None:
        """Record ``env``'s link (idempotent: a fact seen again changes nothing). Within a batch
        (``shared.views.lote``) it is recorded with the batch's other facts when the batch commits, in the
        batch's transaction on the ledger (``registrar_varios``); outside one, in a transaction of its own."""
        with lote():
            pendientes = diferir((id(self), "eslabones"), lambda: _Pendientes(self))
            assert pendientes is not None
            pendientes.envelopes.append(env)

    def registrar_varios(self, conn: Connection, envs: list[Envelope]) -> None:
        """Record the links of ``envs`` in ``conn``'s transaction with the states ``registrar`` gives them one at
        a time in this order: one read of what the ledger holds at their positions and after them, one
        multi-row INSERT of the new links per few hundred, and an UPDATE of the stored links they settle."""
        por_servicio: dict[str, list[Envelope]] = {}
        for env in envs:
            por_servicio.setdefault(env.data.servicio, []).append(env)
        for servicio in sorted(por_servicio):  # always in the same order: no deadlock between writers
            conn.execute(self._sql("bloquear"), {"servicio": servicio})
        for servicio, hechos in por_servicio.items():
            cadena = _Cadena(self, conn, servicio, hechos)
            for env in hechos:
                cadena.registrar(env)
            cadena.escribir()

    # --- asking, before a handler runs ----------------------------------------------------------

    def estado(self, env: Envelope) -> tuple[str, str]:
        """Whether ``env`` is the fact the ledger verified at its position: (state, reason)."""
        return self.estados([env])[0]

    def estados(self, envs: list[Envelope]) -> list[tuple[str, str]]:
        """``estado`` of each of ``envs``, read with one query (per few hundred facts)."""
        if not envs:
            return []
        servicios = sorted({env.data.servicio for env in envs})
        posiciones = sorted({env.position for env in envs})
        filas: dict[tuple[str, int], tuple[str, str, str]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(posiciones), _POR_SENTENCIA):
                n = _potencia(max(len(posiciones[i:i + _POR_SENTENCIA]), len(servicios)))
                parte, nombres = _rellenar(posiciones[i:i + _POR_SENTENCIA], n), _rellenar(servicios, n)
                parametros = {f"p{j}": v for j, v in enumerate(parte)}
                parametros.update({f"s{j}": v for j, v in enumerate(nombres)})
                for servicio, posicion, hash_, estado, motivo in conn.execute(
                        self._sql_n("estados", len(parte)), parametros):
                    filas[servicio, posicion] = (hash_, estado, motivo)
        resultado = []
        for env in envs:
            fila = filas.get((env.data.servicio, env.position))
            if fila is None:
                resultado.append((DESCONOCIDO, "la cadena de su servicio aún no registra este hecho"))
            elif fila[0] != (env.cadena or ""):
                resultado.append((ROTO, "otro hecho ocupa ya esa posición de la cadena de su servicio"))
            else:
                resultado.append((fila[1], fila[2]))
        return resultado

    def exigir(self, env: Envelope) -> None:
        """Raise ``CadenaRota`` or ``CadenaPendiente`` unless ``env`` continues its service's chain."""
        if not self.vigila(env):
            return
        estado, motivo = self.estado(env)
        if estado == ROTO:
            raise CadenaRota(f"cadena: {motivo}")
        if estado != VERIFICADO:
            raise CadenaPendiente(motivo)


class _Pendientes:
    """The links of the open batch's facts, recorded together when it commits (``shared.views.diferir``). It
    opens the batch's transaction on the ledger at once, so the batch knows it wrote (``shared.views.en_lote``)."""

    def __init__(self, eslabones: Eslabones) -> None:
        self.eslabones = eslabones
        self.envelopes: list[Envelope] = []
        with transaccion(eslabones, eslabones.engine) as conn:
            self.conn = conn

    def vaciar(self) -> None:
        envelopes, self.envelopes = self.envelopes, []
        self.eslabones.registrar_varios(self.conn, envelopes)


class _Cadena:
    """One service's links as a batch records them: what the ledger holds at the batch's positions and after
    them (read once, more only when settling reaches further), and what the batch adds and settles."""

    def __init__(self, eslabones: Eslabones, conn: Connection, servicio: str, envs: list[Envelope]) -> None:
        self.eslabones, self.conn, self.servicio = eslabones, conn, servicio
        self.filas: dict[int, dict | None] = {}  # position -> its link (None: none recorded)
        self.sucesores: dict[int, int | None] = {}  # anterior -> the position of the link not broken after it
        self.nuevas: dict[int, dict] = {}  # links this batch inserts, by position, in order
        self.resueltas: dict[int, dict] = {}  # stored links this batch settles
        claves = sorted({e.position for e in envs} | {e.cadena_anterior for e in envs})
        for i in range(0, len(claves), _POR_SENTENCIA):
            parte = _rellenar(claves[i:i + _POR_SENTENCIA])
            parametros = {"servicio": servicio, **{f"p{j}": v for j, v in enumerate(parte)}}
            for fila in conn.execute(eslabones._sql_n("filas", len(parte)), parametros).mappings():
                self.filas[fila["posicion"]] = dict(fila)
            for fila in conn.execute(eslabones._sql_n("sucesores", len(parte)), parametros).mappings():
                self.filas[fila["posicion"]] = dict(fila)
                self.sucesores.setdefault(fila["anterior"], fila["posicion"])
        for clave in claves:
            self.filas.setdefault(clave, None)
            self.sucesores.setdefault(clave, None)

    def fila(self, posicion: int) -> dict | None:
        if posicion not in self.filas:
            fila = self.conn.execute(self.eslabones._sql("fila"),
                                     {"servicio": self.servicio, "posicion": posicion}).mappings().first()
            self.filas[posicion] = None if fila is None else dict(fila)
        return self.filas[posicion]

    def sucesor(self, anterior: int) -> int | None:
        if anterior not in self.sucesores:
            fila = self.conn.execute(self.eslabones._sql("sucesor"),
                                     {"servicio": self.servicio, "anterior": anterior}).mappings().first()
            if fila is not None:
                self.filas[fila["posicion"]] = dict(fila)
            self.sucesores[anterior] = None if fila is None else fila["posicion"]
        posicion = self.sucesores[anterior]
        if posicion is None or (self.filas.get(posicion) or {}).get("estado") == ROTO:
            return None
        return posicion

    def registrar(self, env: Envelope) -> None:
        """As ``Eslabones.registrar`` alone would record it, after the batch's facts before it."""
        if self.fila(env.position) is not None:
            return  # seen already; a different fact at a taken position is reported by ``estado``

        def eslabon(posicion: int) -> tuple[str, str] | None:
            fila = self.fila(posicion)
            return None if fila is None else (fila["hash"], fila["estado"])

        estado, motivo = verificar(env, eslabon, self.sucesor)
        fila = self.filas[env.position] = self.nuevas[env.position] = {
            "posicion": env.position, "anterior": env.cadena_anterior, "hash": env.cadena or "",
            "estado": estado, "motivo": motivo, "canonico": env.canonico() if estado == PENDIENTE else None}
        if estado != ROTO:
            self.sucesores[env.cadena_anterior] = env.position
        if estado == PENDIENTE:
            return

        def esperando(anterior: int) -> list[tuple[int, str, bytes]]:
            posicion = self.sucesor(anterior)
            espera = None if posicion is None else self.filas[posicion]
            if espera is None or espera["estado"] != PENDIENTE:
                return []
            return [(posicion, espera["hash"], bytes(espera["canonico"] or b""))]

        def resolver(posicion: int, resuelto: str, motivo_: str) -> None:
            espera = self.filas[posicion]
            assert espera is not None
            espera.update(estado=resuelto, motivo=motivo_, canonico=None)
            if posicion not in self.nuevas:
                self.resueltas[posicion] = espera

        asentar(env.position, fila["hash"], estado, esperando, resolver)

    def escribir(self) -> None:
        """The batch's new links (one multi-row INSERT per few hundred), then the stored ones it settled."""
        nuevas = list(self.nuevas.values())
        for i in range(0, len(nuevas), _POR_SENTENCIA):
            parte = _rellenar(nuevas[i:i + _POR_SENTENCIA])
            parametros = {f"{k}{j}": v for j, fila in enumerate(parte) for k, v in fila.items()}
            parametros.update({f"servicio{j}": self.servicio for j in range(len(parte))})
            self.conn.execute(self.eslabones._sql_n("insertar", len(parte)), parametros)
        if self.resueltas:
            self.conn.execute(self.eslabones._sql("resolver"), [
                {"estado": f["estado"], "motivo": f["motivo"], "servicio": self.servicio, "posicion": p}
                for p, f in self.resueltas.items()])


class Lectura:
    """The ledger's rule over the producers' facts read back from the stream in order (a rebuild), kept in
    memory for one reading: which facts a live consumer applies (those ``Eslabones.exigir`` passes)."""

    def __init__(self, productores: Collection[str]) -> None:
        self.productores = frozenset(productores)
        self._eslabones: dict[tuple[str, int], tuple[str, str]] = {}  # (servicio, posicion) -> (hash, estado)
        self._sucesores: dict[tuple[str, int], int] = {}  # (servicio, anterior) -> the unbroken fact after it
        self._esperan: dict[tuple[str, int], list[Envelope]] = {}  # facts waiting, by (servicio, anterior)

    def aplicables(self, envelopes: Iterable[Envelope]) -> list[Envelope]:
        """Record each fact's link, in order, and return the facts a live consumer applies: those whose chain
        is not checked, the verified ones, and those that waited for a predecessor that has now arrived."""
        aplicables = []
        for env in envelopes:
            if not vigilado(self.productores, env):
                aplicables.append(env)
                continue
            visto = self._eslabones.get((env.data.servicio, env.position))
            if visto is None:
                estado = self._registrar(env, aplicables)
            else:  # the same fact again has the state recorded; another one at a taken position is broken
                estado = visto[1] if visto[0] == (env.cadena or "") else ROTO
            if estado == VERIFICADO:
                aplicables.append(env)
        return aplicables

    def _registrar(self, env: Envelope, liberados: list[Envelope]) -> str:
        servicio = env.data.servicio
        estado, _ = verificar(env, lambda posicion: self._eslabones.get((servicio, posicion)),
                              lambda anterior: self._sucesores.get((servicio, anterior)))
        self._eslabones[servicio, env.position] = (env.cadena or "", estado)
        if estado != ROTO:
            self._sucesores[servicio, env.cadena_anterior] = env.position
        if estado == PENDIENTE:
            self._esperan.setdefault((servicio, env.cadena_anterior), []).append(env)
            return estado
        en_espera: dict[int, Envelope] = {}

        def esperando(anterior: int) -> list[tuple[int, str, bytes]]:
            hechos = self._esperan.pop((servicio, anterior), [])
            en_espera.update((h.position, h) for h in hechos)
            return [(h.position, h.cadena or "", h.canonico()) for h in hechos]

        def resolver(posicion: int, resuelto: str, _motivo: str) -> None:
            hecho = en_espera[posicion]
            self._eslabones[servicio, posicion] = (hecho.cadena or "", resuelto)
            if resuelto == ROTO:
                self._sucesores.pop((servicio, hecho.cadena_anterior), None)

        verificados = asentar(env.position, env.cadena or "", estado, esperando, resolver)
        liberados.extend(en_espera[p] for p in verificados)
        return estado


_POR_SENTENCIA = 256  # rows or keys per statement (7 parameters a row: well under SQLite's limit)


def _potencia(n: int) -> int:
    return 1 << (n - 1).bit_length()


def _rellenar(valores: list, n: int | None = None) -> list:
    """``valores`` padded with its last one to ``n`` (the next power of two by default)."""
    n = _potencia(len(valores)) if n is None else n
    return valores + [valores[-1]] * (n - len(valores))


def _nombre(t: Table) -> str:
    return f'"{t.schema}"."{t.name}"' if t.schema else f'"{t.name}"'


def _sqlite_lento(dbapi_conn, _record) -> None:  # noqa: ANN001
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with NORMAL: a power loss (not a process crash) may lose the last commits, whose messages the
    # ledger's consumer had already acknowledged. Nothing rebuilds the ledger from the stream: a link lost
    # so stays missing, and a fact still to be applied at that position, or right after it, waits for it
    # and is parked after ``espera`` (the dead letters name it).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
