"""Phase 1 of a partitioned rebuild split by stream sequence: each of the N processes reads one slice of the
stream (``tramo <i>``: sequences ``i*hasta/N + 1 .. (i+1)*hasta/N``) of the chains' services, then one process
per service joins the slices' summaries of its chain.

A slice records each fact's link in the history's ledger (``Historia.aplicar_particion``, the links only): the
ledger checks a link against its predecessor's recorded hash whatever the order the facts come in, a fact
whose predecessor is in another slice waiting until that slice records it. And it checks, per service, that
its facts form one clean run: each with its link, at a position after the one before it, naming it as its
predecessor and whose hash follows from it and its own content (``Limpio``); it keeps the first fact's link
(its predecessor is in an earlier slice) and the last one's.

The join (``unir``) goes through the slices in order: the chain is clean when every slice is and each slice's
first fact follows the last fact of the slices before it. Then every fact of the service continues its chain,
at a position after every earlier one: a reading of the whole stream (``shared.eslabones.Lectura``) verifies
each where it comes, so there are no exceptions, and the history's ledger holds what a reading in order
records. Otherwise (a fact broken, waiting, repeated, forked: normally never) the service's chain is read
again in one process from the start, as before (``services.evaluacion.particiones_cadenas.Cadena``), its
ledger rows of this generation written again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import delete

from services.evaluacion.historia import Historia
from services.evaluacion.particiones_cadenas import Cadena, verificar_cadena
from services.evaluacion.particiones_control import CADENA, Control, nombre_cadena, nombre_tramo
from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS
from shared.eslabones import VERIFICADO
from shared.replay import replay
from shared.stream_views import StreamView


class Limpio:
    """One service's facts in a slice, checked to form one clean run of its chain."""

    def __init__(self, servicio: str) -> None:
        self.servicio = servicio
        self.limpio = True
        self.primera: dict[str, Any] | None = None
        self.ultima: tuple[int, str] | None = None

    def ver(self, env: Envelope) -> None:
        if not self.limpio:
            return
        try:
            posicion = env.position if env.id.startswith(f"{self.servicio}:") and env.cadena else 0
        except ValueError:
            posicion = 0
        if posicion <= env.cadena_anterior:
            self.limpio = False
        elif self.ultima is None:
            self.primera = {"primera": posicion, "primera_anterior": env.cadena_anterior,
                            "primera_hash": env.cadena, "primera_canonico": env.canonico()}
        elif env.cadena_anterior != self.ultima[0] or Envelope.enlace(self.ultima[1], env.canonico()) != env.cadena:
            self.limpio = False
        self.ultima = (posicion, env.cadena)

    def resumen(self) -> dict[str, Any]:
        primera = self.primera or dict.fromkeys(("primera", "primera_anterior", "primera_hash", "primera_canonico"))
        return {"servicio": self.servicio, "limpio": int(self.limpio), **primera,
                "ultima": self.ultima[0] if self.ultima else None,
                "ultima_hash": self.ultima[1] if self.ultima else None}


def unir(tramos: Sequence[Any]) -> tuple[int, str] | None:
    """The head (position, hash) of a chain whose slices, in order, join into one clean run from its first fact;
    None when they do not."""
    posicion, hash_ = 0, GENESIS
    for t in tramos:
        if not t.limpio:
            return None
        if t.primera is None:  # no fact of the service in this slice
            continue
        if t.primera_anterior != posicion or Envelope.enlace(hash_, bytes(t.primera_canonico)) != t.primera_hash:
            return None
        posicion, hash_ = t.ultima, t.ultima_hash
    return posicion, hash_


class Tramo:
    """Slice ``indice`` of ``particiones`` of the chains' services' facts up to the run's sequence."""

    def __init__(self, cadenas: Sequence[str], vistas: Sequence[StreamView], generaciones: dict[str, int],
                 indice: int, particiones: int, hasta: int) -> None:
        self.cadenas = set(cadenas)
        self.desde, self.hasta = indice * hasta // particiones + 1, (indice + 1) * hasta // particiones
        self.historia = next((v for v in vistas if isinstance(v, Historia)), None)
        self.generacion = self.historia and generaciones[self.historia.nombre]
        self.limpios = {s: Limpio(s) for s in cadenas}
        self.eventos = 0

    def aplicar(self, envelopes: list[Envelope]) -> None:
        self.eventos += len(envelopes)
        for env in envelopes:
            limpio = self.limpios.get(env.data.servicio)
            if limpio is not None:
                limpio.ver(env)
        if self.historia is not None:  # a transaction per service: it holds that chain's lock (the ranges of one
            por_servicio: dict[str, list[Envelope]] = {}  # chain take turns; of different chains, not)
            for env in envelopes:
                por_servicio.setdefault(env.data.servicio, []).append(env)
            for servicio, suyos in sorted(por_servicio.items()):
                self.historia.aplicar_particion(suyos, self.generacion, lambda _: False,
                                                lambda s, servicio=servicio: s == servicio)

    async def correr(self, js: JetStreamContext, lote: int, progress: Callable[[int, int], None]) -> None:
        if self.hasta >= self.desde:
            await replay(js, (), self.aplicar, subjects=[f"acompana.{s}.>" for s in sorted(self.cadenas)],
                         from_sequence=self.desde, to_sequence=self.hasta, batch=lote, progress=progress)


async def correr_tramo(control: Control, js: JetStreamContext, clave: str, indice: int, tramo: Tramo, lote: int,
                       avisar: Callable[[], None]) -> None:
    """Run slice ``indice``, its progress in its row (every second at most), its summaries stored at the end."""
    nombre, total = nombre_tramo(indice), max(tramo.hasta - tramo.desde + 1, 0)
    inicio, cpu = time.time(), time.process_time()
    ultimo = [0.0]

    def avance(leidos: int, _: int) -> None:
        ahora = time.monotonic()
        if ahora - ultimo[0] >= 1.0:
            ultimo[0] = ahora
            control.avance(clave, nombre, CADENA, leidos - tramo.desde + 1, total, inicio, eventos=tramo.eventos,
                           cpu=time.process_time() - cpu)
            avisar()

    await asyncio.to_thread(control.avance, clave, nombre, CADENA, 0, total, inicio)
    await tramo.correr(js, lote, avance)
    await asyncio.to_thread(control.terminar_tramo, clave, indice, [x.resumen() for x in tramo.limpios.values()],
                            leidos=total, eventos=tramo.eventos, cpu=time.process_time() - cpu)


async def unir_cadena(control: Control, js: JetStreamContext, clave: str, cadena: Cadena, lote: int,
                      avisar: Callable[[], None]) -> bool:
    """Join the slices' summaries of ``cadena``'s service: clean, its task ends with no exceptions and the
    chain's head; otherwise the chain is read again in one process (its ledger rows written again). Returns
    whether the slices sufficed."""
    inicio, cpu = time.time(), time.process_time()
    cabeza = unir(await asyncio.to_thread(control.tramos_de, clave, cadena.servicio))
    if cabeza is None:
        if cadena.historia is not None:
            await asyncio.to_thread(_borrar_eslabones, cadena.historia, cadena.generacion, cadena.servicio)
        await verificar_cadena(control, js, clave, cadena, lote, avisar)
        return False
    await asyncio.to_thread(control.avance, clave, nombre_cadena(cadena.servicio), CADENA, cadena.hasta,
                            cadena.hasta, inicio)
    final = {"cabeza": cabeza[0], "cabeza_hash": cabeza[1] if cabeza[0] else None,
             "cabeza_estado": VERIFICADO if cabeza[0] else None, "esperando": 0}
    await asyncio.to_thread(control.terminar_cadena, clave, cadena.servicio, [], eventos=0,
                            cpu=time.process_time() - cpu, **final)
    return True


def _borrar_eslabones(historia: Historia, generacion: int, servicio: str) -> None:
    t = historia.tablas(generacion)
    with historia.store.engine.begin() as conn:
        conn.execute(delete(t.eslabones).where(t.eslabones.c.servicio == servicio))
        conn.execute(delete(t.cadenas).where(t.cadenas.c.servicio == servicio))
