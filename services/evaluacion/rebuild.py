"""Rebuild evaluacion's projections from the stream, into a new generation, while the current one answers.

``python -m services.evaluacion.rebuild [--proyeccion progreso ...]`` works on the same read-model
database as the running service (its ``EVALUACION_...`` settings): it reads every published event
the projections consume from the first message of the stream, with a progress bar and an estimate
of the time left, writes in batches, catches up with what arrived meanwhile, switches (the service
answers from the new generation from its next request on) and prints each projection's checksum.
The service does the same in the background on ``POST /v1/proyecciones/{nombre}/reconstruccion``.

``--particiones N`` splits it into N local processes (the services' chains, then the facts by territory), and
``--indice I --clave K`` runs one process of a run (a pod of the indexed Job
``deploy/k8s/base/reconstruccion/evaluacion.yaml``): see ``services.evaluacion.particiones``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import nats
from nats.js import JetStreamContext

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.particiones import repartir, trabajar
from services.evaluacion.particiones_cadenas import cadenas_de
from services.evaluacion.particiones_control import Control, resumen
from services.evaluacion.projections import Proyecciones
from shared.eventstore import Conflict, DomainError
from shared.reconstruccion import Barra
from shared.replay import last_sequence, rebuild, territorios
from shared.runtime import SERVICIOS
from shared.stream_views import StreamView


ESPERA_SUMAS = 10.0  # seconds a checksum waits for the facts in flight
# The services whose chains evaluacion's live consumers follow (``ServiceRuntime.seguir_cadenas``): every
# other one, since the history reads every subject. A rebuild applies their facts to the matrices by the same
# rule: a fact that does not continue its service's chain counts in none of them, live or rebuilt.
PRODUCTORES = tuple(s for s in SERVICIOS if s != "evaluacion")


class Reconstrucciones:
    """Rebuilds started over HTTP, run in the service's event loop, one at a time."""

    def __init__(self, proyecciones: Proyecciones, js: Callable[[], JetStreamContext | None],
                 al_dia: Callable[[float], Awaitable[bool]] | None = None, gracia: float = 2.0) -> None:
        self.proyecciones = proyecciones
        self.gracia = gracia  # seconds the old generation is kept after the switch (``shared.replay.rebuild``)
        self.js = js
        # Waits (up to the seconds given) until the service has applied what the stream holds: a checksum
        # taken before that would miss the facts in flight a rebuild reads (``ServiceRuntime.al_dia``).
        self.al_dia = al_dia
        self.en_curso: dict[str, Any] | None = None
        self.ultima: dict[str, Any] | None = None
        self._tarea: asyncio.Task | None = None

    async def sumas(self, espera: float = ESPERA_SUMAS) -> tuple[dict[str, str], bool]:
        """Each projection's checksum once the service has applied every fact the stream holds (waiting up
        to ``espera`` seconds), and whether it had: only then may it be compared with a rebuild's."""
        al_dia = await self.al_dia(espera) if self.al_dia is not None else True
        return await asyncio.to_thread(self.proyecciones.checksums), al_dia

    def estado(self) -> list[dict[str, Any]]:
        filas = []
        for nombre, vista in self.proyecciones.todas.items():
            fila = vista.estado()
            if self.en_curso and nombre in self.en_curso["proyecciones"]:
                fila["reconstruccion"] = self.en_curso
            elif self.ultima and nombre in self.ultima["proyecciones"]:
                fila["reconstruccion"] = self.ultima
            filas.append(fila)
        return filas

    def iniciar(self, nombres: Sequence[str]) -> dict[str, Any]:
        if self.en_curso is not None:
            raise Conflict(f"Ya se reconstruye {', '.join(self.en_curso['proyecciones'])}; espere a que termine.")
        js = self.js()
        if js is None:
            raise DomainError("NATS no está disponible: la reconstrucción lee el stream.")
        self.en_curso = {"proyecciones": list(nombres), "estado": "en_curso", "leidos": 0, "total": None,
                         "inicio": time.time(), "segundos_restantes": None}
        self._tarea = asyncio.get_running_loop().create_task(self._correr(js, [self.proyecciones.todas[n] for n in nombres]))
        return self.en_curso

    async def _correr(self, js: JetStreamContext, vistas: list[StreamView]) -> None:
        progreso = self.en_curso
        assert progreso is not None

        def avance(leidos: int, total: int) -> None:
            transcurrido = time.time() - progreso["inicio"]
            progreso.update(leidos=leidos, total=total, segundos_restantes=round(
                transcurrido * (total - leidos) / leidos, 1) if leidos else None)

        try:
            generaciones = await rebuild(js, vistas, progress=avance, productores=PRODUCTORES, grace=self.gracia)
            if self.al_dia is not None:  # what the live consumers applied after the switch, as ``sumas``
                await self.al_dia(ESPERA_SUMAS)
            progreso.update(estado="terminada", generaciones=generaciones,
                            checksums={v.nombre: await asyncio.to_thread(v.checksum) for v in vistas})
        except Exception as exc:  # reported, and the current generation keeps answering
            progreso.update(estado="fallida", motivo=repr(exc)[:300])
        finally:
            progreso["segundos"] = round(time.time() - progreso["inicio"], 1)
            self.ultima, self.en_curso = progreso, None

    async def detener(self) -> None:
        if self._tarea is not None and not self._tarea.done():
            self._tarea.cancel()
            await asyncio.gather(self._tarea, return_exceptions=True)


async def reconstruir(settings: EvaluacionSettings, nats_url: str, nombres: Sequence[str], *, lote: int = 500,
                      quiet: bool = False) -> dict[str, str]:
    """Rebuild ``nombres`` (all when empty) and return each one's checksum."""
    proyecciones = Proyecciones(settings)
    nc = await nats.connect(nats_url)
    barra = Barra("reconstruyendo", " mensajes", quiet)
    try:
        vistas = [proyecciones.todas[n] for n in (nombres or proyecciones.todas)]
        generaciones = await rebuild(nc.jetstream(), vistas, batch=lote, progress=barra,
                                     productores=PRODUCTORES, grace=settings.reconstruccion_gracia_segundos)
        return {v.nombre: f"g{generaciones[v.nombre]} {v.checksum()}" for v in vistas}
    finally:
        barra.cerrar()
        await nc.close()
        proyecciones.close()


async def reconstruir_particionado(settings: EvaluacionSettings, nats_url: str, nombres: Sequence[str],
                                   particiones: int, *, lote: int = 500, lanzar: Lanzador | None = None,
                                   avisar: Callable[[str], None] | None = None, cada: float = 2.0,
                                   informe: list[Any] | None = None) -> dict[str, str]:
    """Rebuild ``nombres`` (all when empty) in ``particiones`` processes (``services.evaluacion.particiones``),
    each run by ``lanzar`` (a local process of its own by default), printing every task's progress and the
    total every ``cada`` seconds; returns each projection's checksum once the last partition has switched.
    ``informe`` receives the run's task rows at the end (events read, CPU seconds: the benchmark's)."""
    proyecciones = Proyecciones(settings)
    nc = await nats.connect(nats_url)
    try:
        control = Control(proyecciones.store.engine)
        vistas = [proyecciones.todas[n] for n in (nombres or proyecciones.todas)]
        clave = uuid.uuid4().hex
        hasta = await last_sequence(nc.jetstream())
        reparto = repartir(await territorios(nc.jetstream(), SERVICIOS), particiones)  # after ``hasta``: all of it
        await asyncio.to_thread(control.reservar, clave, particiones, vistas, hasta,
                                cadenas_de(vistas, PRODUCTORES, SERVICIOS), reparto)
        lanzar = lanzar or en_subproceso(settings, nats_url, lote)
        tareas = [asyncio.ensure_future(lanzar(clave, i, particiones, [v.nombre for v in vistas]))
                  for i in range(particiones)]
        pendientes = set(tareas)
        while pendientes:
            hechas, pendientes = await asyncio.wait(pendientes, timeout=cada)
            if any(t.exception() is not None or t.result() != 0 for t in hechas):
                for t in pendientes:  # the others would wait for its chains, or for it, forever
                    t.cancel()
                await asyncio.gather(*pendientes, return_exceptions=True)
                break
            if avisar is not None:
                avisar("\n".join(resumen(await asyncio.to_thread(control.estado, clave), time.time())))
        fallidas = [i for i, t in enumerate(tareas)
                    if t.cancelled() or t.exception() is not None or t.result() != 0]
        if informe is not None:
            informe.extend(await asyncio.to_thread(control.estado, clave))
        corrida = await asyncio.to_thread(control.corrida_de, clave)
        if fallidas or corrida.checksums is None:
            causa = next((t.exception() for t in tareas if not t.cancelled() and t.exception() is not None), None)
            raise RuntimeError(f"particiones fallidas: {fallidas}; la generación nueva no se activó") from causa
        return json.loads(corrida.checksums)
    finally:
        await nc.close()
        proyecciones.close()


Lanzador = Callable[[str, int, int, list[str]], Awaitable[int]]


def en_subproceso(settings: EvaluacionSettings, nats_url: str, lote: int, grace: float | None = None) -> Lanzador:
    """Each partition in a Python process of its own, with the same settings (a file only this user reads)."""
    async def lanzar(clave: str, indice: int, particiones: int, nombres: list[str]) -> int:
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="reconstruccion-") as ajustes:
            ajustes.write(settings.model_dump_json())
            ajustes.flush()
            orden = [sys.executable, "-m", "services.evaluacion.rebuild", "--particiones", str(particiones),
                     "--indice", str(indice), "--clave", clave, "--ajustes", ajustes.name, "--nats-url", nats_url,
                     "--lote", str(lote), "--gracia", str(settings.reconstruccion_gracia_segundos if grace is None else grace),
                     "--sin-avance",
                     *(f"--proyeccion={n}" for n in nombres)]
            proceso = await asyncio.create_subprocess_exec(*orden)
            try:
                return await proceso.wait()
            except asyncio.CancelledError:
                proceso.terminate()
                await proceso.wait()
                raise
    return lanzar


def en_proceso(settings: EvaluacionSettings, nats_url: str, lote: int, grace: float | None = None) -> Lanzador:
    """Each partition as a task of this process (the tests: the same work, without processes)."""
    async def lanzar(clave: str, indice: int, particiones: int, nombres: list[str]) -> int:
        await particion(settings, nats_url, clave, indice, particiones, nombres, lote=lote, grace=grace)
        return 0
    return lanzar


async def particion(settings: EvaluacionSettings, nats_url: str, clave: str, indice: int, particiones: int,
                    nombres: Sequence[str], *, lote: int = 500, grace: float | None = None,
                    avisar: Callable[[str], None] = lambda _: None) -> dict[str, str] | None:
    """Partition ``indice`` of run ``clave`` (``services.evaluacion.particiones.trabajar``)."""
    proyecciones = Proyecciones(settings)
    nc = await nats.connect(nats_url)
    try:
        return await trabajar(proyecciones, nc.jetstream(), clave, indice, particiones, list(nombres), PRODUCTORES,
                              SERVICIOS, lote=lote, avisar=avisar,
                              grace=settings.reconstruccion_gracia_segundos if grace is None else grace)
    finally:
        await nc.close()
        proyecciones.close()


def _stderr(texto: str) -> None:
    print(texto, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Reconstruye las proyecciones de evaluacion desde el stream, "
                                                 "sin dejar de responder con las actuales.")
    parser.add_argument("--proyeccion", action="append",
                        choices=["progreso", "seguimiento", "practica", "historia", "territorios"],
                        help="Proyección a reconstruir (repetible); por defecto, todas.")
    parser.add_argument("--nats-url", default=None, help="Por defecto, EVALUACION_NATS_URL.")
    parser.add_argument("--lote", type=int, default=500, help="Mensajes escritos por transacción.")
    parser.add_argument("--particiones", type=int, default=1,
                        help="Reparte la reconstrucción en N procesos: primero las cadenas de cada servicio, "
                             "repartidas entre ellos; después cada uno aplica los hechos de sus DRE; un solo "
                             "cambio de generación cuando terminan todos.")
    parser.add_argument("--indice", type=int, default=None,
                        help="Corre solo esta partición (0..N-1) de la corrida --clave: un pod de un Job indexado "
                             "(por defecto, JOB_COMPLETION_INDEX si está definido).")
    parser.add_argument("--clave", default=os.environ.get("RECONSTRUCCION_CLAVE"),
                        help="La corrida que comparten las particiones de un Job (por defecto, RECONSTRUCCION_CLAVE).")
    parser.add_argument("--ajustes", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sin-avance", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gracia", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = (EvaluacionSettings.model_validate_json(args.ajustes.read_text()) if args.ajustes
                else EvaluacionSettings())
    nats_url = args.nats_url or settings.nats_url
    indice = args.indice if args.indice is not None else (
        int(os.environ["JOB_COMPLETION_INDEX"]) if "JOB_COMPLETION_INDEX" in os.environ else None)
    try:
        if indice is not None:
            if not args.clave:
                parser.error("--indice necesita --clave (o RECONSTRUCCION_CLAVE): la corrida de las particiones")
            resultado = asyncio.run(particion(settings, nats_url, args.clave, indice, args.particiones,
                                              args.proyeccion or [], lote=args.lote, grace=args.gracia,
                                              avisar=(lambda _: None) if args.sin_avance else _stderr))
            if resultado is None:
                print(f"partición {indice}/{args.particiones}: terminada (otra hace el cambio de generación)")
                return
        elif args.particiones > 1:
            resultado = asyncio.run(reconstruir_particionado(settings, nats_url, args.proyeccion or [],
                                                             args.particiones, lote=args.lote, avisar=_stderr))
        else:
            resultado = asyncio.run(reconstruir(settings, nats_url, args.proyeccion or [], lote=args.lote))
    except (OSError, RuntimeError, TimeoutError, nats.errors.Error) as exc:
        print(f"No se pudo reconstruir: {exc!r}", file=sys.stderr)
        sys.exit(1)
    for nombre, suma in resultado.items():
        print(f"{nombre}: generación {suma}")


if __name__ == "__main__":
    main()
