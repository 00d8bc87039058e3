"""A rebuild of evaluacion's projections split into N partitions, run by N processes, in two phases.

``python -m services.evaluacion.rebuild --particiones N`` (local processes) or the indexed Job
``deploy/k8s/base/reconstruccion/evaluacion.yaml`` (N pods): every process (pod) ``indice`` of N runs

1. the chains (``services.evaluacion.particiones_tramos``): it reads its slice of the stream (the ``indice``-th
   of N equal ranges of sequences) of the services' subjects, records their links in the history's ledger and
   checks that each service's facts there continue its chain one after the other; once every slice is read, it
   joins the slices of the services that fall to it (the ``k``-th of the run's ``cadenas_de`` when ``k % N ==
   indice``): a clean chain has no exceptions; one that is not (broken, waiting, forked facts) is read again in
   one process (``services.evaluacion.particiones_cadenas.Cadena``), which stores the facts a live consumer
   would not apply where they came in the run's exceptions. Then it waits until every chain is joined;
2. its apply partition: it reads only the facts of the territories given to it (``<dre>.<ugel>``, the last two
   tokens of the subjects: a DRE and a UGEL, ``nacional`` for none, ``SIN_TERRITORIO``; by UGEL rather than DRE, so that a large DRE,
   Lima's, does not bound the split), with a consumer filtered by those subjects. The territories are dealt
   out once, when the run is reserved, by how many messages each has in the stream (``repartir``: the
   largest first, each to the partition with the fewest so far), and kept in the run's control tables, and writes their matrices' rows and history facts and seals. A matrix
   gets what the chains' verdict lets through, in the order a one-process rebuild applies it (a fact that
   waited for its predecessor goes just before the fact that settled it). Every fact belongs to one
   partition and the rows of a fact depend on it alone, so the union is what one process writes.

The processes meet in the read-model database (``services.evaluacion.particiones_control``). The run's
generations are reserved once (by the local coordinator, or by partition 0 of a Job); the last partition to
finish takes the switch: it catches up with the stream from the sequence every task read up to (fixed when
the generations were reserved), following the producers' chains from the heads the chain tasks left
(``AlDia``), switches every projection at once, catches up with what the live consumers applied to the old
generation meanwhile, drops the old one and records each projection's checksum.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import time
from collections.abc import Callable, Collection
from typing import Any

from nats.js import JetStreamContext

from services.evaluacion.historia import Historia
from services.evaluacion.particiones_cadenas import AlDia, Cadena, cadenas_de
from services.evaluacion.particiones_control import PARTICION, Control, nombre_particion, resumen
from services.evaluacion.particiones_tramos import Tramo, correr_tramo, unir_cadena
from services.evaluacion.projections import Proyecciones
from shared.contracts import Envelope
from shared.replay import CATCH_UP_ROUNDS, last_sequence, replay, territorios
from shared.stream_views import StreamView, aplicar_juntas

ESPERA_RESERVA = 600.0  # seconds a partition of a Job waits for partition 0 to reserve the generations
MAX_FILTROS = 256  # subject filters of one partition's consumer before it takes every subject of its territories


def repartir(conteos: dict[str, int], particiones: int) -> dict[str, int]:
    """Each territory's partition, the territories dealt out by their number of messages: the largest first,
    each to the partition with the fewest so far (the lowest index on a tie)."""
    cargas = [(0, i) for i in range(particiones)]
    reparto = {}
    for territorio, n in sorted(conteos.items(), key=lambda kv: (-kv[1], kv[0])):
        carga, indice = heapq.heappop(cargas)
        reparto[territorio] = indice
        heapq.heappush(cargas, (carga + n, indice))
    return reparto


def filtros(vistas: list[StreamView], territorios: Collection[str]) -> list[str]:
    """The subjects of the views' contracts in ``territorios`` (``<dre>.<ugel>``); every subject of them when
    the views take every contract (the history), or when the list would be too long for a consumer."""
    contratos = {k for v in vistas for k in v.contratos}
    if any(isinstance(v, Historia) for v in vistas) or len(contratos) * len(territorios) > MAX_FILTROS:
        return [f"acompana.*.*.*.{t}" for t in sorted(territorios)]
    return sorted(k.subject(*t.split(".")) for k in contratos for t in territorios)


class Particion:
    """What apply partition ``indice`` of ``particiones`` writes, and how."""

    def __init__(self, vistas: list[StreamView], generaciones: dict[str, int], indice: int, particiones: int,
                 hasta: int, excepciones: list[Any], territorios: Collection[str]) -> None:
        self.vistas, self.generaciones, self.hasta = vistas, generaciones, hasta
        self.indice, self.particiones = indice, particiones
        self.territorios = frozenset(territorios)  # ``<dre>.<ugel>``
        self.contratos = sorted({k for v in vistas for k in v.contratos}, key=lambda k: k.ce_type())
        self.excepciones = {e.secuencia: e for e in excepciones}  # facts not applied where they came
        self.en_espera: list[tuple[int, int, int, Envelope]] = []  # (applied before sequence, order, seq, fact)
        self.eventos = 0

    def territorio(self, env: Envelope) -> bool:
        return f"{env.dre}.{env.ugel}" in self.territorios

    def aplicables(self, envelopes: list[Envelope]) -> list[Envelope]:
        """The batch's facts as the chains' verdict lets them through, in the order of a one-process rebuild."""
        if not self.excepciones and not self.en_espera:
            return envelopes
        salida = []
        for env in envelopes:
            secuencia = env.sequence or 0
            while self.en_espera and self.en_espera[0][0] <= secuencia:
                salida.append(heapq.heappop(self.en_espera)[3])
            excepcion = self.excepciones.get(secuencia)
            if excepcion is None:
                salida.append(env)
            elif excepcion.liberado_en is not None:
                heapq.heappush(self.en_espera, (excepcion.liberado_en, excepcion.orden, secuencia, env))
        return salida

    def aplicar(self, envelopes: list[Envelope]) -> None:
        """This partition's share of a batch: its territories' facts (the consumer's filters read no others)."""
        self.eventos += len(envelopes)
        propios = [e for e in envelopes if self.territorio(e)]
        self._escribir(propios, self.aplicables(propios))

    def restantes(self) -> list[Envelope]:
        """The facts still held: applied after a fact of another partition that came after this one's last."""
        return [heapq.heappop(self.en_espera)[3] for _ in range(len(self.en_espera))]

    def vaciar(self) -> None:
        ultimos = self.restantes()
        if ultimos:
            self._escribir([], ultimos)

    def _escribir(self, propios: list[Envelope], aplicables: list[Envelope]) -> None:
        juntas = []
        for vista in self.vistas:
            lote = aplicables if vista.sigue_cadenas else propios
            if isinstance(vista, Historia):  # its rows; the links are the chain tasks'
                vista.aplicar_particion(lote, self.generaciones[vista.nombre], lambda _: True, lambda _: False)
            else:
                juntas.append((vista, lote, self.generaciones[vista.nombre]))
        if juntas:
            aplicar_juntas(juntas)

    async def llenar(self, js: JetStreamContext, lote: int, progress: Callable[[int, int], None]) -> None:
        await replay(js, (), self.aplicar, subjects=filtros(self.vistas, self.territorios), to_sequence=self.hasta,
                     batch=lote, progress=progress)
        await asyncio.to_thread(self.vaciar)
        progress(self.hasta, self.hasta)

    async def cambiar(self, js: JetStreamContext, al_dia: AlDia | None, lote: int, grace: float = 2.0) -> None:
        """Catch up from the run's sequence with every partition's share, switch every projection, catch up with
        what the live consumers applied to the old generations, drop them."""
        async def ponerse_al_dia(desde: int) -> int:
            leidos: list[Envelope] = []
            hasta = await replay(js, self.contratos, leidos.extend, subjects=["acompana.>"] if al_dia else (),
                                 from_sequence=desde, batch=lote)
            if al_dia is not None:
                await al_dia.preparar(js, leidos, lote)
            aplicables = al_dia.aplicables(leidos) if al_dia else leidos
            for vista in self.vistas:
                todos = aplicables if vista.sigue_cadenas else leidos
                for i in range(0, len(todos), lote):
                    await asyncio.to_thread(vista.aplicar_lote, todos[i:i + lote], self.generaciones[vista.nombre])
            return hasta

        hasta = await ponerse_al_dia(self.hasta + 1)
        for _ in range(CATCH_UP_ROUNDS):
            if await last_sequence(js) <= hasta:
                break
            hasta = await ponerse_al_dia(hasta + 1)
        anteriores = {}
        for vista in self.vistas:  # a view already switched (the switch taken up again) keeps its generation
            if await asyncio.to_thread(vista.activa) != self.generaciones[vista.nombre]:
                anteriores[vista.nombre] = await asyncio.to_thread(vista.activar, self.generaciones[vista.nombre])
        await ponerse_al_dia(hasta + 1)
        await asyncio.sleep(grace)  # queries that started on the old generation finish
        for vista in self.vistas:
            if vista.nombre in anteriores:
                await asyncio.to_thread(vista.borrar, anteriores[vista.nombre])


async def trabajar(proyecciones: Proyecciones, js: JetStreamContext, clave: str, indice: int, particiones: int,
                   nombres: list[str], productores: tuple[str, ...], servicios: tuple[str, ...], *, lote: int = 500,
                   grace: float = 2.0, avisar: Callable[[str], None] = lambda _: None,
                   cada: float = 10.0) -> dict[str, str] | None:
    """Process ``indice`` of run ``clave``: its chain tasks, then (once every chain task has finished) its apply
    partition; the last partition to finish switches and returns each projection's checksum (the others return
    None). Partition 0 reserves the run's generations when nobody has."""
    control = Control(proyecciones.store.engine)
    vistas = [proyecciones.todas[n] for n in (nombres or proyecciones.todas)]
    cadenas = cadenas_de(vistas, productores, servicios)
    corrida = await asyncio.to_thread(control.corrida_de, clave)
    limite = time.monotonic() + ESPERA_RESERVA
    while corrida is None:
        if indice == 0:
            hasta = await last_sequence(js)
            reparto = repartir(await territorios(js, servicios), particiones)
            await asyncio.to_thread(control.reservar, clave, particiones, vistas, hasta, cadenas, reparto)
        elif time.monotonic() > limite:
            raise TimeoutError(f"la partición 0 no reservó las generaciones de {clave} en {ESPERA_RESERVA:.0f} s")
        else:
            await asyncio.sleep(1.0)
        corrida = await asyncio.to_thread(control.corrida_de, clave)
    generaciones = json.loads(corrida.generaciones)
    vistas = [proyecciones.todas[n] for n in generaciones]
    hasta = corrida.hasta
    dicho = [time.monotonic()]

    def decir(forzar: bool = False) -> None:  # every task's progress and the total, from the database
        if forzar or time.monotonic() - dicho[0] >= cada:
            dicho[0] = time.monotonic()
            avisar("\n".join(resumen(control.estado(clave), time.time())))

    # phase 1: this process's slice of the chains' facts (not again when a restarted pod had finished it: a join
    # may be reading a chain again meanwhile), then (all slices read) the join of the chains that fall to it,
    # again if it restarted before they were joined (their writes are idempotent, or replaced)
    hechas = await asyncio.to_thread(control.cadenas_terminadas, clave, cadenas)
    if cadenas and len(hechas) < len(cadenas):
        if not await asyncio.to_thread(control.tramo_terminado, clave, indice):
            tramo = Tramo(cadenas, vistas, generaciones, indice, particiones, hasta)
            await correr_tramo(control, js, clave, indice, tramo, lote, decir)
            avisar(f"tramo {indice}/{particiones}: {tramo.eventos:,} hechos de las cadenas leídos, secuencias "
                   f"{tramo.desde}..{tramo.hasta}")
        while await asyncio.to_thread(control.tramos_terminados, clave) < particiones:
            await asyncio.to_thread(decir)
            await asyncio.sleep(0.5)
        for k, servicio in enumerate(cadenas):
            if k % particiones == indice and servicio not in hechas:
                cadena = Cadena(servicio, vistas, generaciones, productores, hasta)
                if not await unir_cadena(control, js, clave, cadena, lote, decir):
                    avisar(f"cadena {servicio}: sus tramos no se unen en una cadena limpia; leída de nuevo en un "
                           f"proceso ({cadena.eventos:,} hechos)")
    while len(hechas := await asyncio.to_thread(control.cadenas_terminadas, clave, cadenas)) < len(cadenas):
        await asyncio.to_thread(decir)
        await asyncio.sleep(0.5)

    # phase 2: this partition's territories, with the chains' verdict
    excepciones = await asyncio.to_thread(control.excepciones_de, clave)
    propios = await asyncio.to_thread(control.territorios_de, clave, indice)
    particion = Particion(vistas, generaciones, indice, particiones, hasta, excepciones, propios)
    nombre, inicio, cpu = nombre_particion(indice), time.time(), time.process_time()
    ultimo = [0.0]

    def progreso(leidos: int, total: int) -> None:
        ahora = time.monotonic()
        if ahora - ultimo[0] >= 1.0 or leidos >= total:
            ultimo[0] = ahora
            control.avance(clave, nombre, PARTICION, leidos, total, inicio, eventos=particion.eventos,
                           cpu=time.process_time() - cpu)
        decir()

    await asyncio.to_thread(control.avance, clave, nombre, PARTICION, 0, hasta, inicio)
    await particion.llenar(js, lote, progreso)
    avisar(f"partición {indice}/{particiones}: {particion.eventos:,} hechos de sus territorios leídos hasta la "
           f"secuencia {hasta} en {time.time() - inicio:.1f} s")
    if not await asyncio.to_thread(control.terminar, clave, indice, eventos=particion.eventos,
                                   cpu=time.process_time() - cpu):
        return None
    avisar(f"partición {indice}/{particiones}: la última en terminar; se pone al día y cambia de generación")
    seguidos = [s for s in productores if s in hechas] if any(v.sigue_cadenas for v in vistas) else []
    al_dia = AlDia(seguidos, hechas, hasta) if seguidos else None
    await particion.cambiar(js, al_dia, lote, grace)
    sumas = {v.nombre: f"g{generaciones[v.nombre]} {await asyncio.to_thread(v.checksum)}" for v in vistas}
    await asyncio.to_thread(control.guardar_checksums, clave, sumas)
    return sumas
