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
(``cadena_eslabones``, next to its read models; ``shared.eslabones_tabla`` reads and writes it). The durable
consumer that records the chains itself on a producer's subjects (evaluacion's history, on every subject)
records each of that producer's facts' links as they arrive, in stream order, before its handler runs and in a
transaction of its own (``registrar_lote``); a producer no such durable reads gets a durable of its own
(``<servicio>-cadena-<productor>``, on ``acompana.<productor>.>``; ``IdempotentConsumers.follow_chains``). A
link is ``verificado`` when its hash follows from its predecessor's hash and its own content, ``pendiente``
while its predecessor has not arrived or is not verified yet (it is settled when it is: verified, or broken
after a broken one), ``roto`` with the reason otherwise (no link, content that does
not match its hash, a second fact claiming a position or a predecessor already taken, a fact following a
broken one). A consumer may hand the ledger a batch's facts in any order: the states are the same.
Within a batch (``shared.transacciones.lote``) ``registrar`` keeps the fact for the batch's end, where the batch's
links are recorded together in its transaction on the ledger (``registrar_varios``): one read of what the
ledger holds at the batch's positions and after them, one INSERT of the new links, the states
those recording them one at a time in the batch's order would give; nothing is written if the batch rolls
back, and the consumer acknowledges the batch after the commit.

``IdempotentConsumers`` asks the states of a batch's facts (``separar``: ``estados``, one query) before running
their handlers, and ``exigir`` of a fact applied on its own: verified (the same hash as recorded)
runs it, so a redelivery or a duplicate of a genuine fact is applied as before (idempotently); broken
parks it on the dead-letter subject with the reason; not yet known or waiting for its predecessor is
asked again a moment later (``nak`` with a delay), and parked only when its redeliveries have waited
longer than ``espera`` seconds in all (the predecessor never came).

``Lectura`` applies the same rule, in memory, to a producer's facts read back from the stream in order: a
rebuild of read models applies what a live consumer would have applied (``shared.replay.rebuild``), so a
broken fact stays out of them whether they were fed live or rebuilt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection

from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS
from shared.eslabones_tabla import CadenaEnLote, TablaEslabones
from shared.settings import ServiceSettings
from shared.transacciones import diferir, lote, transaccion

if TYPE_CHECKING:
    from shared.eslabones_veredictos import Veredictos

T = TypeVar("T")
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
        self.tabla = TablaEslabones(settings, self.productores)
        self.engine = self.tabla.engine
        # The verified and broken links the last batch of ``registrar_lote`` committed (those never change):
        # ``estados`` answers them without reading the ledger again, right after it recorded them.
        self._asentados: dict[tuple[str, int], tuple[str, str, str]] = {}

    def close(self) -> None:
        self.tabla.close()

    def vigila(self, envelope: Envelope) -> bool:
        """Whether this fact's chain is checked here (a fact of a producer; seals and own facts are not)."""
        return vigilado(self.productores, envelope)

    # --- recording, by the ledger's consumers ---------------------------------------------------

    def registrar(self, env: Envelope) -> None:
        """Record ``env``'s link (idempotent: a fact seen again changes nothing). Within a batch
        (``shared.transacciones.lote``) it is recorded with the batch's other facts when the batch commits, in the
        batch's transaction on the ledger (``registrar_varios``); outside one, in a transaction of its own."""
        with lote():
            self._pendientes().envelopes.append(env)

    def _pendientes(self) -> _Pendientes:
        pendientes = diferir((id(self), "eslabones"), lambda: _Pendientes(self))
        assert pendientes is not None
        return pendientes

    def registrar_varios(self, conn: Connection,
                         envs: list[Envelope]) -> dict[tuple[str, int], tuple[str, str, str]]:
        """Record the links of ``envs`` in ``conn``'s transaction with the states ``registrar`` gives them one
        at a time in this order: one read of what the ledger holds at their positions and after them, one
        INSERT of the new links, and an UPDATE of the stored links they settle. Returns the (hash, state, reason)
        of the verified and broken links it read or wrote, by (service, position)."""
        asentados: dict[tuple[str, int], tuple[str, str, str]] = {}
        por_servicio: dict[str, list[Envelope]] = {}
        for env in envs:
            por_servicio.setdefault(env.data.servicio, []).append(env)
        self.tabla.bloquear(conn, set(por_servicio))
        for servicio, hechos in por_servicio.items():
            claves = {e.position for e in hechos} | {e.cadena_anterior for e in hechos}
            cadena = CadenaEnLote(self.tabla, conn, servicio, claves)
            for env in hechos:
                _registrar(cadena, env)
            cadena.escribir()
            asentados.update(((servicio, p), (f["hash"], f["estado"], f["motivo"]))
                             for p, f in cadena.filas.items() if f is not None and f["estado"] != PENDIENTE)
        return asentados

    def registrar_lote(self, envs: list[Envelope]) -> None:
        """Record the links of ``envs`` in a batch of their own (``shared.transacciones.lote``), committed here
        (in the open batch, when there is one)."""
        if not envs:
            return
        with lote() as propio:
            pendientes = self._pendientes()
            pendientes.envelopes.extend(envs)
        if propio:  # committed: what it settled is what ``estados`` reads back
            self._asentados = pendientes.asentados

    # --- asking, before a handler runs ----------------------------------------------------------

    async def separar(self, mensajes: list[tuple[T, Envelope]]) -> tuple[list[tuple[T, Envelope]],
                                                                         list[tuple[T, Envelope]]]:
        """A batch's (message, fact) pairs whose chain link is verified (or not checked here), in order, and the
        others (broken, or still waiting). The ledger usually records a link within milliseconds of its arrival:
        wait for it a moment (without holding a worker thread; never long, the batch waits)."""
        por_ver = [i for i, (_, env) in enumerate(mensajes) if self.vigila(env)]
        aparte: set[int] = set()
        for intento in range(4):
            if intento:
                await asyncio.sleep(0.02 * 2 ** (intento - 1))
            estados = [e for e, _ in await asyncio.to_thread(self.estados, [mensajes[i][1] for i in por_ver])]
            aparte.update(i for i, estado in zip(por_ver, estados, strict=True)
                          if estado not in (VERIFICADO, DESCONOCIDO, PENDIENTE))  # broken: ``exigir`` says why
            por_ver = [i for i, estado in zip(por_ver, estados, strict=True) if estado in (DESCONOCIDO, PENDIENTE)]
            if not por_ver:
                break
        aparte.update(por_ver)
        return ([m for i, m in enumerate(mensajes) if i not in aparte],
                [m for i, m in enumerate(mensajes) if i in aparte])

    def estado(self, env: Envelope) -> tuple[str, str]:
        """Whether ``env`` is the fact the ledger verified at its position: (state, reason)."""
        return self.estados([env])[0]

    def estados(self, envs: list[Envelope]) -> list[tuple[str, str]]:
        """``estado`` of each of ``envs``, read with one query (per few hundred facts)."""
        if not envs:
            return []
        filas = self._asentados
        faltan = [env for env in envs if (env.data.servicio, env.position) not in filas]
        if faltan:
            filas = {**filas, **self.tabla.estados(sorted({env.data.servicio for env in faltan}),
                                                   sorted({env.position for env in faltan}))}
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
    """The links of the open batch's facts, recorded together when it commits (``shared.transacciones.diferir``).
    It opens the batch's transaction on the ledger at once, so the batch knows it wrote
    (``shared.transacciones.en_lote``)."""

    def __init__(self, eslabones: Eslabones) -> None:
        self.eslabones = eslabones
        self.envelopes: list[Envelope] = []
        self.asentados: dict[tuple[str, int], tuple[str, str, str]] = {}
        with transaccion(eslabones, eslabones.engine) as conn:
            self.conn = conn

    def vaciar(self) -> None:
        envelopes, self.envelopes = self.envelopes, []
        self.asentados.update(self.eslabones.registrar_varios(self.conn, envelopes))


def _registrar(cadena: CadenaEnLote, env: Envelope) -> None:
    """Record ``env``'s link as ``Eslabones.registrar`` alone would, after the batch's facts before it."""
    if cadena.fila(env.position) is not None:
        return  # seen already; a different fact at a taken position is reported by ``estado``

    def eslabon(posicion: int) -> tuple[str, str] | None:
        fila = cadena.fila(posicion)
        return None if fila is None else (fila["hash"], fila["estado"])

    def sucesor(anterior: int) -> int | None:  # a link since broken in the batch no longer counts
        posicion = cadena.sucesor(anterior)
        return None if posicion is None or (cadena.fila(posicion) or {}).get("estado") == ROTO else posicion

    estado, motivo = verificar(env, eslabon, sucesor)
    canonico = env.canonico() if estado == PENDIENTE else None  # kept only while it waits
    cadena.agregar({"posicion": env.position, "anterior": env.cadena_anterior, "hash": env.cadena or "",
                    "estado": estado, "motivo": motivo, "canonico": canonico}, sigue=estado != ROTO)
    if estado == PENDIENTE:
        return

    def esperando(anterior: int) -> list[tuple[int, str, bytes]]:
        posicion = sucesor(anterior)
        espera = None if posicion is None else cadena.fila(posicion)
        if espera is None or espera["estado"] != PENDIENTE:
            return []
        return [(posicion, espera["hash"], bytes(espera["canonico"] or b""))]

    asentar(env.position, env.cadena or "", estado, esperando, cadena.resolver)


class Lectura:
    """The ledger's rule over the producers' facts read back from the stream in order (a rebuild), kept in
    memory for one reading: which facts a live consumer applies (those ``Eslabones.exigir`` passes)."""

    def __init__(self, productores: Collection[str]) -> None:
        self.productores = frozenset(productores)
        self._eslabones: dict[tuple[str, int], tuple[str, str]] = {}  # (servicio, posicion) -> (hash, estado)
        self._sucesores: dict[tuple[str, int], int] = {}  # (servicio, anterior) -> the unbroken fact after it
        self._esperan: dict[tuple[str, int], list[Envelope]] = {}  # facts waiting, by (servicio, anterior)
        self._cabezas: dict[str, int] = {}  # servicio -> the highest position recorded

    def aplicables(self, envelopes: Iterable[Envelope], veredictos: Veredictos | None = None) -> list[Envelope]:
        """Record each fact's link, in order, and return the facts a live consumer applies: those whose chain
        is not checked, the verified ones, and those that waited for a predecessor that has now arrived (just
        before the fact that settled them). ``veredictos`` notes the facts not applied where they came, and
        where those applied later were."""
        aplicables: list[Envelope] = []
        for env in envelopes:
            if not vigilado(self.productores, env):
                aplicables.append(env)
                continue
            visto = self._eslabones.get((env.data.servicio, env.position))
            if visto is None:
                antes = len(aplicables)
                estado = self._registrar(env, aplicables)
                if veredictos is not None and len(aplicables) > antes:
                    veredictos.liberados(aplicables[antes:], env)
            else:  # the same fact again has the state recorded; another one at a taken position is broken
                estado = visto[1] if visto[0] == (env.cadena or "") else ROTO
            if estado == VERIFICADO:
                aplicables.append(env)
            elif veredictos is not None:
                veredictos.retenido(env, estado)
        return aplicables

    def cabeza(self, servicio: str) -> tuple[int, str, str]:
        """The highest position of ``servicio``'s chain recorded, and the (hash, state) recorded there
        ((0, GENESIS, verified) when none): what a fact that continues the chain after this reading needs."""
        posicion = self._cabezas.get(servicio, 0)
        if not posicion:
            return 0, GENESIS, VERIFICADO
        return (posicion, *self._eslabones[servicio, posicion])

    def esperando(self, servicio: str) -> int:
        """How many of ``servicio``'s facts still wait for their predecessor."""
        return sum(len(v) for (s, _), v in self._esperan.items() if s == servicio)

    def sembrar(self, servicio: str, posicion: int, hash_: str, estado: str) -> None:
        """Start from the head of ``servicio``'s chain as another reading left it (``cabeza``), when the facts
        to come need no more of it: each follows the head or a fact after it, at a position after it, and no
        fact waits (``services.evaluacion.particiones_cadenas``)."""
        if posicion:
            self._eslabones[servicio, posicion] = (hash_, estado)
            self._cabezas[servicio] = max(self._cabezas.get(servicio, 0), posicion)

    def _registrar(self, env: Envelope, liberados: list[Envelope]) -> str:
        servicio = env.data.servicio
        estado, _ = verificar(env, lambda posicion: self._eslabones.get((servicio, posicion)),
                              lambda anterior: self._sucesores.get((servicio, anterior)))
        self._eslabones[servicio, env.position] = (env.cadena or "", estado)
        if env.position > self._cabezas.get(servicio, 0):
            self._cabezas[servicio] = env.position
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
