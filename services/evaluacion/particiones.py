"""A rebuild of evaluacion's projections split by territory into N partitions, run by N processes.

``python -m services.evaluacion.rebuild --particiones N`` (local processes) or the indexed Job
``deploy/k8s/evaluacion-reconstruccion.yaml`` (N pods): each partition reads every fact the projections
consume, from the first message of the stream, and writes its share of the new generation:

- the matrices' rows, and the history's facts and seals, of the facts whose DRE (the subject's territory
  token) falls in it (``parte(dre) == indice``); every fact belongs to one partition, and the rows of a
  fact depend on it alone, so the union is what one process writes;
- the history's ledger (each fact's link in its service's chain) of the services that fall in it
  (``parte("cadena:" + servicio)``): a chain is checked in order by one partition, against every fact of
  its service.

Every partition also reads the producers' chains in full (``shared.eslabones.Lectura``): a matrix applies a
producer's fact only when it continues its chain, as a live consumer and a one-process rebuild do.

The partitions meet in the read-model database: the run (``reconstruccion``: its key, the generations it
fills, who switched) and each partition's progress (``reconstruccion_partes``: events read of how many, the
stream sequence it read up to, when it finished). The run's generations are reserved once (by the local
coordinator, or by partition 0 of a Job); the last partition to finish takes the switch: it catches up with
the stream from the sequence every partition read up to (fixed when the generations were reserved), switches every projection at once, catches up with what the live consumers applied to the
old generation meanwhile, drops the old one and records each projection's checksum.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text, func, or_, select, update

from services.evaluacion.historia import Historia
from services.evaluacion.projections import Proyecciones
from shared.contracts import Envelope
from shared.eslabones import Lectura
from shared.replay import CATCH_UP_ROUNDS, last_sequence, replay
from shared.stream_views import StreamView

ESPERA_RESERVA = 600.0  # seconds a partition of a Job waits for partition 0 to reserve the generations


def parte(clave: str, particiones: int) -> int:
    """The partition of a territory (or of ``cadena:<servicio>``): the same in every process and pod (a digest,
    not Python's ``hash``, which changes between processes)."""
    return int.from_bytes(hashlib.blake2b(clave.encode(), digest_size=8).digest(), "big") % particiones


def tablas_control(metadata: MetaData) -> tuple[Table, Table]:
    corrida = Table("reconstruccion", metadata,
                    Column("clave", String(64), primary_key=True),
                    Column("particiones", Integer, nullable=False),
                    Column("generaciones", Text, nullable=False),  # JSON: projection -> generation being filled
                    Column("hasta", Integer, nullable=False),  # every partition reads the stream up to this sequence
                    Column("activada_por", Integer, nullable=True),
                    Column("checksums", Text, nullable=True),
                    Column("creada_en", DateTime(timezone=True), nullable=False))
    partes = Table("reconstruccion_partes", metadata,
                   Column("clave", String(64), primary_key=True),
                   Column("indice", Integer, primary_key=True),
                   Column("leidos", Integer, nullable=False),
                   Column("total", Integer, nullable=False),
                   Column("inicio", Float, nullable=False),
                   Column("hasta", Integer, nullable=True),  # the stream sequence it read up to, once finished
                   Column("terminada_en", DateTime(timezone=True), nullable=True))
    return corrida, partes


class Control:
    """The run's and the partitions' rows, in the read-model database."""

    def __init__(self, proyecciones: Proyecciones) -> None:
        metadata = MetaData()
        self.corrida, self.partes = tablas_control(metadata)
        self.engine = proyecciones.store.engine
        metadata.create_all(self.engine)

    def reservar(self, clave: str, particiones: int, vistas: list[StreamView], hasta: int) -> dict[str, int]:
        generaciones = {v.nombre: v.empezar_construccion() for v in vistas}
        with self.engine.begin() as conn:
            conn.execute(self.corrida.insert().values(clave=clave, particiones=particiones, hasta=hasta,
                                                      generaciones=json.dumps(generaciones),
                                                      creada_en=datetime.now(UTC)))
        return generaciones

    def corrida_de(self, clave: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(self.corrida).where(self.corrida.c.clave == clave)).first()

    def avance(self, clave: str, indice: int, leidos: int, total: int, inicio: float) -> None:
        p = self.partes
        with self.engine.begin() as conn:
            hecho = conn.execute(update(p).where(p.c.clave == clave, p.c.indice == indice)
                                 .values(leidos=leidos, total=total))
            if not hecho.rowcount:
                conn.execute(p.insert().values(clave=clave, indice=indice, leidos=leidos, total=total, inicio=inicio))

    def terminar(self, clave: str, indice: int, hasta: int) -> bool:
        """Record that the partition finished; whether it is the one that switches (the last to finish)."""
        p, c = self.partes, self.corrida
        with self.engine.begin() as conn:
            conn.execute(update(p).where(p.c.clave == clave, p.c.indice == indice)
                         .values(hasta=hasta, terminada_en=datetime.now(UTC)))
        with self.engine.begin() as conn:
            n = conn.execute(select(c.c.particiones).where(c.c.clave == clave)).scalar_one()
            hechas = conn.execute(select(func.count()).select_from(p)
                                  .where(p.c.clave == clave, p.c.terminada_en.is_not(None))).scalar_one()
            if hechas < n:
                return False
            # the same partition again (its pod restarted mid-switch) takes it up where it stopped
            return bool(conn.execute(update(c).where(c.c.clave == clave, or_(c.c.activada_por.is_(None),
                                                                               c.c.activada_por == indice))
                                     .values(activada_por=indice)).rowcount)

    def guardar_checksums(self, clave: str, sumas: dict[str, str]) -> None:
        c = self.corrida
        with self.engine.begin() as conn:
            conn.execute(update(c).where(c.c.clave == clave).values(checksums=json.dumps(sumas)))

    def estado(self, clave: str) -> list[Any]:
        p = self.partes
        with self.engine.connect() as conn:
            return list(conn.execute(select(p).where(p.c.clave == clave).order_by(p.c.indice)))


class Particion:
    """What partition ``indice`` of ``particiones`` writes, and how."""

    def __init__(self, vistas: list[StreamView], generaciones: dict[str, int], indice: int, particiones: int,
                 productores: tuple[str, ...], hasta: int) -> None:
        self.vistas, self.generaciones, self.hasta = vistas, generaciones, hasta
        self.indice, self.particiones = indice, particiones
        self.lectura = Lectura(productores) if productores and any(v.sigue_cadenas for v in vistas) else None
        self.contratos = sorted({k for v in vistas for k in v.contratos}, key=lambda k: k.ce_type())
        self.sujetos = [f"acompana.{p}.>" for p in sorted(productores)] if self.lectura else []
        self._territorios: dict[str, bool] = {}
        self._cadenas: dict[str, bool] = {}

    def territorio(self, env: Envelope) -> bool:
        mia = self._territorios.get(env.dre)
        if mia is None:
            mia = self._territorios[env.dre] = parte(env.dre, self.particiones) == self.indice
        return mia

    def cadena(self, servicio: str) -> bool:
        mia = self._cadenas.get(servicio)
        if mia is None:
            mia = self._cadenas[servicio] = parte(f"cadena:{servicio}", self.particiones) == self.indice
        return mia

    def aplicar(self, envelopes: list[Envelope], todo: bool = False) -> None:
        """This partition's share of a batch (all of it with ``todo``: the switch's catch-up). Every partition
        reads up to the run's ``hasta``: what came after is the switch's catch-up."""
        if not todo:
            envelopes = [e for e in envelopes if (e.sequence or 0) <= self.hasta]
        aplicables = self.lectura.aplicables(envelopes) if self.lectura else envelopes
        for vista in self.vistas:
            lote = aplicables if vista.sigue_cadenas else envelopes
            generacion = self.generaciones[vista.nombre]
            if todo:
                vista.aplicar_lote(lote, generacion)
            elif isinstance(vista, Historia):
                vista.aplicar_particion(lote, generacion, self.territorio, self.cadena)
            else:
                vista.aplicar_lote([e for e in lote if self.territorio(e)], generacion)

    async def llenar(self, js: JetStreamContext, lote: int, progress: Callable[[int, int], None]) -> None:
        def avance(leidos: int, total: int) -> None:
            progress(min(leidos, self.hasta), self.hasta)

        await replay(js, self.contratos, self.aplicar, subjects=self.sujetos, batch=lote, progress=avance)

    async def cambiar(self, js: JetStreamContext, desde: int, lote: int, grace: float = 2.0) -> None:
        """Catch up from ``desde`` with every partition's share, switch every projection, catch up with what
        the live consumers applied to the old generations, drop them."""
        def todo(envelopes: list[Envelope]) -> None:
            self.aplicar(envelopes, todo=True)

        hasta = await replay(js, self.contratos, todo, subjects=self.sujetos, from_sequence=desde, batch=lote)
        for _ in range(CATCH_UP_ROUNDS):
            if await last_sequence(js) <= hasta:
                break
            hasta = await replay(js, self.contratos, todo, subjects=self.sujetos, from_sequence=hasta + 1,
                                 batch=lote)
        anteriores = {}
        for vista in self.vistas:  # a view already switched (the switch taken up again) keeps its generation
            if await asyncio.to_thread(vista.activa) != self.generaciones[vista.nombre]:
                anteriores[vista.nombre] = await asyncio.to_thread(vista.activar, self.generaciones[vista.nombre])
        await replay(js, self.contratos, todo, subjects=self.sujetos, from_sequence=hasta + 1, batch=lote)
        await asyncio.sleep(grace)  # queries that started on the old generation finish
        for vista in self.vistas:
            if vista.nombre in anteriores:
                await asyncio.to_thread(vista.borrar, anteriores[vista.nombre])


async def trabajar(proyecciones: Proyecciones, js: JetStreamContext, clave: str, indice: int, particiones: int,
                   nombres: list[str], productores: tuple[str, ...], *, lote: int = 500, grace: float = 2.0,
                   avisar: Callable[[str], None] = lambda _: None, cada: float = 10.0) -> dict[str, str] | None:
    """Fill partition ``indice`` of run ``clave``; the last partition to finish switches and returns each
    projection's checksum (the others return None). Partition 0 reserves the run's generations when nobody has."""
    control = Control(proyecciones)
    vistas = [proyecciones.todas[n] for n in (nombres or proyecciones.todas)]
    corrida = await asyncio.to_thread(control.corrida_de, clave)
    limite = time.monotonic() + ESPERA_RESERVA
    while corrida is None:
        if indice == 0:
            await asyncio.to_thread(control.reservar, clave, particiones, vistas, await last_sequence(js))
        elif time.monotonic() > limite:
            raise TimeoutError(f"la partición 0 no reservó las generaciones de {clave} en {ESPERA_RESERVA:.0f} s")
        else:
            await asyncio.sleep(1.0)
        corrida = await asyncio.to_thread(control.corrida_de, clave)
    generaciones = json.loads(corrida.generaciones)
    vistas = [proyecciones.todas[n] for n in generaciones]
    hasta = corrida.hasta
    particion = Particion(vistas, generaciones, indice, particiones, productores, hasta)
    inicio = time.time()
    ultimo, dicho = [0.0], [time.monotonic()]

    def progreso(leidos: int, total: int) -> None:
        ahora = time.monotonic()
        if ahora - ultimo[0] >= 1.0 or leidos >= total:
            ultimo[0] = ahora
            control.avance(clave, indice, leidos, total, inicio)
        if ahora - dicho[0] >= cada:  # every partition's progress and the total, from the database
            dicho[0] = ahora
            avisar("\n".join(resumen(control.estado(clave), time.time())))

    await asyncio.to_thread(control.avance, clave, indice, 0, hasta, inicio)
    await particion.llenar(js, lote, progreso)
    await asyncio.to_thread(control.avance, clave, indice, hasta, hasta, inicio)
    avisar(f"partición {indice}/{particiones}: leída hasta la secuencia {hasta} en {time.time() - inicio:.1f} s")
    if not await asyncio.to_thread(control.terminar, clave, indice, hasta):
        return None
    avisar(f"partición {indice}/{particiones}: la última en terminar; se pone al día y cambia de generación")
    await particion.cambiar(js, hasta + 1, lote, grace)
    sumas = {v.nombre: f"g{generaciones[v.nombre]} {await asyncio.to_thread(v.checksum)}" for v in vistas}
    await asyncio.to_thread(control.guardar_checksums, clave, sumas)
    return sumas


def resumen(filas: list[Any], ahora: float) -> list[str]:
    """One line per partition and one for the total: read, of how many, and the time left at its pace."""
    def linea(nombre: str, leidos: int, total: int, inicio: float, terminada: bool) -> str:
        s = ahora - inicio
        resto = "terminada" if terminada else (
            f"quedan ~{s * (total - leidos) / leidos:,.0f} s" if leidos and total else "empezando")
        pct = 100 * leidos / total if total else 0.0
        return f"{nombre}: {leidos:,}/{total:,} ({pct:.0f}%), {s:,.0f} s, {resto}"

    lineas = [linea(f"partición {f.indice}", f.leidos, f.total, f.inicio, f.terminada_en is not None) for f in filas]
    if filas:
        lineas.append(linea("total", sum(f.leidos for f in filas), sum(f.total for f in filas),
                            min(f.inicio for f in filas), all(f.terminada_en is not None for f in filas)))
    return lineas
