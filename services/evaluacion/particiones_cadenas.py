"""A service's hash chain read in one process, for a partitioned rebuild (``services.evaluacion.particiones``):
when the ranges of phase 1 do not join into a clean chain (``services.evaluacion.particiones_tramos``), and for
the switch's catch-up (``AlDia``).

A ``Cadena`` task reads its service's facts (``acompana.<servicio>.>``) up to the run's sequence, and

- records each fact's link in the history's ledger (``Historia.aplicar_particion``, the links only), when the
  history is rebuilt: a chain is checked in order by one task, against every fact of its service;
- follows the chain as a live consumer does (``shared.eslabones.Lectura``), when the service is a producer
  whose chain the matrices follow: the facts not applied where they came (broken, waiting, or applied later
  once their predecessor came: ``shared.eslabones.Veredictos``) go to the run's exceptions, normally none,
  which the apply partitions read; and the chain's head is left in the task's row for the switch's catch-up.

A ``Lectura`` keeps each service's chain apart (its states are keyed by service, and a service's facts are
on its subjects only), so one per service decides of every fact what one over the whole stream decides.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

from nats.js import JetStreamContext

from services.evaluacion.historia import Historia
from services.evaluacion.particiones_control import CADENA, Control, nombre_cadena
from shared.contracts import Envelope
from shared.eslabones import Lectura, vigilado
from shared.eslabones_veredictos import Veredictos
from shared.replay import replay
from shared.stream_views import StreamView


def cadenas_de(vistas: Sequence[StreamView], productores: Collection[str], servicios: Collection[str]) -> list[str]:
    """The services whose chains a run reads in phase 1: every service's when the history is rebuilt (its
    ledger), the producers' when a view follows their chains."""
    historia = any(isinstance(v, Historia) for v in vistas)
    sigue = any(v.sigue_cadenas for v in vistas)
    return sorted(set(servicios if historia else ()) | set(productores if sigue else ()))


class Cadena:
    """One service's chain task."""

    def __init__(self, servicio: str, vistas: Sequence[StreamView], generaciones: dict[str, int],
                 productores: Collection[str], hasta: int) -> None:
        self.servicio, self.hasta = servicio, hasta
        self.historia = next((v for v in vistas if isinstance(v, Historia)), None)
        self.generacion = self.historia and generaciones[self.historia.nombre]
        sigue = servicio in productores and any(v.sigue_cadenas for v in vistas)
        self.lectura = Lectura([servicio]) if sigue else None
        self.veredictos = Veredictos()
        self.eventos = 0

    def aplicar(self, envelopes: list[Envelope]) -> None:
        self.eventos += len(envelopes)
        if self.lectura is not None:
            self.lectura.aplicables(envelopes, self.veredictos)
        if self.historia is not None:
            self.historia.aplicar_particion(envelopes, self.generacion, lambda _: False,
                                            lambda servicio: servicio == self.servicio)

    async def correr(self, js: JetStreamContext, lote: int, progress: Callable[[int, int], None]) -> None:
        await replay(js, (), self.aplicar, subjects=[f"acompana.{self.servicio}.>"], to_sequence=self.hasta,
                     batch=lote, progress=progress)

    def final(self) -> dict[str, Any]:
        """Where the chain ended: its head and how many facts still wait (the task's row)."""
        if self.lectura is None:
            return {"cabeza": 0, "cabeza_hash": None, "cabeza_estado": None, "esperando": 0}
        posicion, hash_, estado = self.lectura.cabeza(self.servicio)
        return {"cabeza": posicion, "cabeza_hash": hash_, "cabeza_estado": estado,
                "esperando": self.lectura.esperando(self.servicio)}


async def verificar_cadena(control: Control, js: JetStreamContext, clave: str, cadena: Cadena, lote: int,
                           avisar: Callable[[], None]) -> None:
    """Run ``cadena``'s task, its progress in its row (every second at most), its exceptions stored at the end."""
    nombre = nombre_cadena(cadena.servicio)
    inicio, cpu = time.time(), time.process_time()
    ultimo = [0.0]

    def avance(leidos: int, total: int) -> None:
        ahora = time.monotonic()
        if ahora - ultimo[0] >= 1.0:
            ultimo[0] = ahora
            control.avance(clave, nombre, CADENA, leidos, total, inicio, eventos=cadena.eventos,
                           cpu=time.process_time() - cpu)
            avisar()

    await asyncio.to_thread(control.avance, clave, nombre, CADENA, 0, cadena.hasta, inicio)
    await cadena.correr(js, lote, avance)
    await asyncio.to_thread(control.terminar_cadena, clave, cadena.servicio, cadena.veredictos.excepciones(),
                            leidos=cadena.hasta, eventos=cadena.eventos, cpu=time.process_time() - cpu,
                            **cadena.final())


class AlDia:
    """The producers' chains for the switch's catch-up (the facts after the run's sequence), as a ``Lectura`` of
    the whole stream would go on: each service's starts from the head its chain task left (``Lectura.sembrar``),
    which is all a fact that continues the chain needs; a service whose new facts need more (a fact at or before
    the head's position, one after an earlier fact, or facts still waiting) has its chain read again up to the
    run's sequence first."""

    def __init__(self, productores: Collection[str], filas: dict[str, Any], hasta: int) -> None:
        self.hasta = hasta
        self.lecturas: dict[str, Lectura] = {}
        self.cabezas: dict[str, tuple[int, int]] = {}  # servicio -> (head position, facts waiting)
        self.completas: set[str] = set()
        self.vistos: dict[str, list[Envelope]] = {}  # each service's catch-up facts so far
        for servicio in productores:
            fila = filas[servicio]
            self.lecturas[servicio] = lectura = Lectura([servicio])
            lectura.sembrar(servicio, fila.cabeza or 0, fila.cabeza_hash or "", fila.cabeza_estado or "")
            self.cabezas[servicio] = (fila.cabeza or 0, fila.esperando or 0)

    async def preparar(self, js: JetStreamContext, envelopes: list[Envelope], lote: int) -> None:
        """Before ``envelopes`` are handed to ``aplicables``: read again up to the run's sequence the chains
        whose new facts need more than their head."""
        for servicio, lectura in list(self.lecturas.items()):
            if servicio in self.completas:
                continue
            cabeza, esperando = self.cabezas[servicio]
            nuevos = [e for e in envelopes if vigilado(lectura.productores, e)]
            if not nuevos or (not esperando and all(e.position > cabeza and (not cabeza or e.cadena_anterior >= cabeza)
                                                    for e in nuevos)):
                continue
            entera = Lectura([servicio])
            await replay(js, (), entera.aplicables, subjects=[f"acompana.{servicio}.>"], to_sequence=self.hasta,
                         batch=lote)
            entera.aplicables(self.vistos.get(servicio, []))  # decided as before: the head sufficed for them
            self.lecturas[servicio] = entera
            self.completas.add(servicio)

    def aplicables(self, envelopes: list[Envelope]) -> list[Envelope]:
        """What ``Lectura.aplicables`` over the whole stream gives for ``envelopes`` (after ``preparar``)."""
        salida: list[Envelope] = []
        for env in envelopes:
            lectura = self.lecturas.get(env.data.servicio)
            if lectura is None:
                salida.append(env)
                continue
            self.vistos.setdefault(env.data.servicio, []).append(env)
            salida.extend(lectura.aplicables([env]))
        return salida
