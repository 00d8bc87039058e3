"""National-scale figures: the whole system as separate processes, on SQLite and on PostgreSQL, under load.

``python -m tests.sistema.capacidad [--almacenes sqlite,postgres] [--sostenido 120] [--duracion 600]
[--rodilla-desde 40 --rodilla-paso 40 --rodilla-hasta 600 --rodilla-duracion 60] [--copias N]
[--operaciones visita] [--informe bench/capacidad.md]``

For each store: one system (``Sistema``: nats-server, the token issuer, the four services; PostgreSQL is the
harness's own cluster), the year prepared with a padrón of ``--copias`` UGELs like El Collao (by default as
many as the planned operations need), then:

1. the knee: the load (``carga.Carga``, open loop, its requests sent by ``cliente.ClienteLigero``) at ``--rodilla-desde`` operations/s for
   ``--rodilla-duracion`` seconds, then ``--rodilla-paso`` more, and so on, until visibility p99 passes 2 s or
   the achieved rate falls under 95 % of the target; the knee is the last rate that held;
2. sustained: each rate of ``--sostenido`` (the national peak, ≈ 100–150 commands/s) and then the knee,
   ``--duracion`` seconds each (``--sin-maximo``: not the knee).

Between steps the system drains (quiescence). Each step reports: operations issued and their outcome, the
achieved rate (operations finished per second of the step), command latency p50/p95/p99 (request sent to
answer; and p99 from the moment the open loop scheduled it, queueing in the generator included),
end-to-end visibility of an acknowledged visit in evaluacion p50/p99 (answer received → evaluacion's durable
consumer, on every subject, has acknowledged, i.e. applied to its read model, the stream message that carries it),
relay lag over time (each service's unpublished events, ``acompana_outbox_pendientes``, and the consumers'
pending messages, sampled every second), the CPU seconds each process spent during the step (user + system of
all its threads, ``/proc/<pid>/stat``, read when the step starts and when its load ends; PostgreSQL: the sum over
the processes alive at both reads; "máquina": every core's busy time, ``/proc/stat``, other work on the machine
included), and the resident memory of each process (sampled, maximum; PostgreSQL: the PSS of all its processes).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import importlib.util
import json
import math
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tests.sistema.carga import Carga, Historia
from tests.sistema.cliente import ClienteLigero
from tests.sistema.informe_capacidad import LOGRO_MINIMO, VISIBILIDAD_MAXIMA, escribir_informe
from tests.sistema.postgres import PostgresPropio
from tests.sistema.procesos import cpu_maquina_s, cpu_s, memoria_mib
from tests.sistema.sistema import SERVICIOS, Sistema

STREAM = "ACOMPANA"
VISITAS_POR_COPIA = 121 * 6.5 * 3  # an El Collao: docentes assigned × visits a year × the years
PARTE_VISITAS = 0.6  # of the operations: visits, and two new ones in each offline batch


def percentil(valores: list[float], p: float) -> float | None:
    if not valores:
        return None
    orden = sorted(valores)
    return orden[min(len(orden) - 1, max(0, math.ceil(p / 100 * len(orden)) - 1))]


class Muestreo:
    """Every second: relay and consumer lag, and each process's memory; every 0.1 s: how far evaluacion's
    consumer of visits has acknowledged. A plain nats-py reader notes each visit's stream sequence."""

    def __init__(self, sistema: Sistema) -> None:
        self.sistema = sistema
        self.retraso: list[dict] = []  # {"t", "outbox:<servicio>": n, "consumidores": n}
        self.memoria: dict[str, float] = {}  # process -> max MiB
        self.confirmado: list[tuple[float, int]] = []  # (time, ack floor of evaluacion's visits consumer)
        self.secuencia: dict[str, int] = {}  # visita_id -> stream sequence
        self._tareas: list[asyncio.Task] = []
        self._nc = None
        self._http: httpx.AsyncClient | None = None

    async def iniciar(self) -> None:
        self._nc = await nats.connect(self.sistema.nats.url)
        self._http = httpx.AsyncClient(timeout=5.0)
        js = self._nc.jetstream()
        self.consumidor = "evaluacion-hechos"  # evaluacion's one durable, on every subject

        async def anotar(msg) -> None:
            with contextlib.suppress(ValueError, KeyError):
                self.secuencia[json.loads(msg.data)["visita_id"]] = msg.metadata.sequence.stream

        await js.subscribe("acompana.agenda.VisitaRealizada.>", stream=STREAM, cb=anotar,
                           ordered_consumer=True, config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW,
                                                                        ack_policy=AckPolicy.NONE))
        self._tareas = [asyncio.create_task(self._cada_segundo()),
                        asyncio.create_task(self._confirmaciones(js))]

    async def detener(self) -> None:
        for t in self._tareas:
            t.cancel()
        await asyncio.gather(*self._tareas, return_exceptions=True)
        if self._nc is not None:
            await self._nc.close()
        if self._http is not None:
            await self._http.aclose()

    def _procesos(self) -> dict[str, list[int]]:
        s = self.sistema
        procesos = {n: [x.proceso.pid] for n, x in s.servicios.items()
                    if x.proceso and x.proceso.poll() is None}
        if s.nats.process is not None:
            procesos["nats-server"] = [s.nats.process.pid]
        if s.postgres is not None:
            with contextlib.suppress(Exception):
                procesos["postgresql"] = s.postgres.procesos()
        procesos["generador de carga"] = [os.getpid()]
        return procesos

    def cpu(self) -> dict[str, dict[int, float]]:
        """Each process's CPU seconds so far, per pid (PostgreSQL: one per backend), and the machine's."""
        lecturas = {nombre: {p: t for p in pids if (t := cpu_s(p)) is not None}
                    for nombre, pids in self._procesos().items()}
        lecturas["máquina"] = {0: cpu_maquina_s()}
        return lecturas

    async def _cada_segundo(self) -> None:
        while True:
            for nombre, pids in self._procesos().items():
                campo = "Pss" if len(pids) > 1 else "Rss"  # PostgreSQL: its processes share memory
                usada = sum(memoria_mib(p, campo) for p in pids)
                self.memoria[nombre] = max(self.memoria.get(nombre, 0.0), usada)
            with contextlib.suppress(Exception):
                pendientes = await self.sistema.pendientes(self._http, self._nc)
                self.retraso.append({
                    "t": time.time(), **{k: v for k, v in pendientes.items() if k.startswith("outbox")},
                    "consumidores": sum(v for k, v in pendientes.items() if k.startswith("consumidor"))})
            await asyncio.sleep(1.0)

    async def _confirmaciones(self, js) -> None:
        while True:
            with contextlib.suppress(Exception):
                info = await js.consumer_info(STREAM, self.consumidor)
                self.confirmado.append((time.time(), info.ack_floor.stream_seq))
            await asyncio.sleep(0.1)

    def visibles(self) -> Callable[[str], float | None]:
        """For a visit: when evaluacion's consumer had acknowledged its message (the first sample that shows
        it), or None. The ack floor only grows: a binary search over the samples taken so far."""
        tiempos, pisos = [], []
        for t, piso in self.confirmado:
            tiempos.append(t)
            pisos.append(max(piso, pisos[-1]) if pisos else piso)

        def cuando(visita: str) -> float | None:
            seq = self.secuencia.get(visita)
            i = bisect.bisect_left(pisos, seq) if seq is not None else len(pisos)
            return tiempos[i] if i < len(pisos) else None
        return cuando


def cpu_del_paso(antes: dict[str, dict[int, float]], despues: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each process spent between two ``Muestreo.cpu`` reads (the pids alive at both)."""
    return {nombre: round(sum(t - antes[nombre][p] for p, t in pids.items() if p in antes.get(nombre, {})), 2)
            for nombre, pids in despues.items()}


def cifras(ops: list[dict], muestreo: Muestreo, desde: float, hasta: float, objetivo: float,
           cpu: dict[str, float] | None = None) -> dict:
    """One step's figures from its history lines, the samples taken meanwhile and the CPU seconds each process
    spent (``cpu``: also per second of the step, in cores, and per operation, in ms)."""
    comandos = [o for o in ops if o["tipo"] not in ("generacion",)]
    ok = [o for o in comandos if o["resultado"] == "ok"]
    duracion = max(1e-6, max((o["fin"] for o in comandos), default=hasta) - desde)
    latencias = [o["fin"] - o["inicio"] for o in ok]
    con_espera = [o["fin"] - o.get("programada", o["inicio"]) for o in ok]
    visibles = []
    sin_ver = 0
    visible_en = muestreo.visibles()
    for o in ok:
        if o["tipo"] != "visita":
            continue
        t = visible_en(o["efectos"][0]["valor"])
        if t is None:
            sin_ver += 1
        else:
            visibles.append(max(0.0, t - o["fin"]))
    retraso = [r for r in muestreo.retraso if desde <= r["t"] <= hasta]
    outbox = {s: max((r.get(f"outbox:{s}", 0) for r in retraso), default=0) for s in SERVICIOS}
    serie = []
    if retraso:
        paso = max(1, len(retraso) // 10)
        serie = [{"s": round(r["t"] - desde), **{s: int(r.get(f"outbox:{s}", 0)) for s in SERVICIOS},
                  "consumidores": int(r["consumidores"])} for r in retraso[::paso]]
    ms = lambda x: None if x is None else round(x * 1000)  # noqa: E731
    return {
        "objetivo": objetivo, "operaciones": len(comandos), "ok": len(ok),
        "fail": sum(o["resultado"] == "fail" for o in comandos),
        "unknown": sum(o["resultado"] == "unknown" for o in comandos),
        "logrado": round(len(comandos) / duracion, 1),
        "latencia_ms": {p: ms(percentil(latencias, p)) for p in (50, 95, 99)},
        "latencia_con_espera_p99_ms": ms(percentil(con_espera, 99)),
        "visibilidad_ms": {p: ms(percentil(visibles, p)) for p in (50, 99)},
        "visitas_medidas": len(visibles), "visitas_no_vistas": sin_ver,
        "outbox_max": outbox, "consumidores_max": int(max((r["consumidores"] for r in retraso), default=0)),
        "serie": serie,
        "cpu_s": cpu or {},
        "cpu_nucleos": {n: round(v / max(1e-6, hasta - desde), 2) for n, v in (cpu or {}).items()},
        "cpu_ms_por_operacion": {n: round(1000 * v / max(1, len(comandos)), 2) for n, v in (cpu or {}).items()},
    }


def sostiene(c: dict) -> bool:
    p99 = c["visibilidad_ms"][99]
    return (c["logrado"] >= LOGRO_MINIMO * c["objetivo"] and p99 is not None
            and p99 <= VISIBILIDAD_MAXIMA * 1000 and c["visitas_no_vistas"] == 0)


class Token:
    """One bearer token reused for a few minutes: signing one per request would load the generator's CPU."""

    def __init__(self, sistema: Sistema) -> None:
        self.sistema = sistema
        self._token, self._hasta = "", 0.0

    def __call__(self, rol: str = "sistema") -> str:
        if rol != "sistema":
            return self.sistema.token(rol)
        if time.monotonic() > self._hasta:
            self._token, self._hasta = self.sistema.token(), time.monotonic() + 300
        return self._token


async def medir_almacen(almacen: str, args: argparse.Namespace, informar) -> dict:
    """One system on ``almacen``; the knee search, then the sustained steps. Returns its figures."""
    carpeta = Path(tempfile.mkdtemp(prefix=f"acompana-capacidad-{almacen}-"))
    sistema = Sistema(carpeta, postgres=PostgresPropio() if almacen == "postgres" else None)
    historia = Historia(carpeta / "historia.jsonl")
    muestreo = Muestreo(sistema)
    resultado: dict = {"almacen": almacen, "pasos": [], "datos": str(carpeta)}
    carga = None
    try:
        inicio = time.monotonic()
        await sistema.iniciar()
        token = Token(sistema)
        carga = Carga({n: s.url for n, s in sistema.servicios.items()}, token, historia, ritmo=1.0,
                      duracion=1.0, max_operaciones=1, concurrencia=args.concurrencia, copias=args.copias)
        if args.operaciones:  # a load of some operations only (the visits: what agenda takes), their weights kept
            carga.PESOS = tuple((tipo, peso) for tipo, peso in Carga.PESOS if tipo in args.operaciones)
        await carga.preparar(timeout=300.0)
        carga.cliente = ClienteLigero(carga.timeout)  # the steps' operations: httpx cost the generator more CPU
        resultado["preparacion_s"] = round(time.monotonic() - inicio, 1)
        resultado["docentes"] = len(carga.docentes)
        informar(f"{almacen}: listo en {resultado['preparacion_s']} s, {len(carga.docentes)} docentes")
        await sistema.esperar_quietud(timeout=600.0)
        await muestreo.iniciar()

        async def paso(nombre: str, ritmo: float, duracion: float) -> dict:
            carga.ritmo, carga.duracion = ritmo, duracion
            carga.max_operaciones = int(ritmo * duracion) + 1
            antes = len(Historia.leer(historia.ruta))
            renovaciones = len(carga.renovaciones)
            desde, cpu_antes = time.time(), muestreo.cpu()
            await carga.correr()
            hasta, cpu_despues = time.time(), muestreo.cpu()
            drenado = time.monotonic()
            try:  # the visits acknowledged late in the step become visible meanwhile
                await sistema.esperar_quietud(timeout=max(120.0, duracion))
                drenado_s: float | str = round(time.monotonic() - drenado, 1)
            except TimeoutError as exc:
                drenado_s = f"sin quietud: {exc}"
            await asyncio.sleep(1.0)
            ops = Historia.leer(historia.ruta)[antes:]
            c = {"paso": nombre, "ritmo": ritmo, "duracion_s": duracion,
                 **cifras(ops, muestreo, desde, hasta, ritmo, cpu_del_paso(cpu_antes, cpu_despues)),
                 "renovaciones": carga.renovaciones[renovaciones:], "drenado_s": drenado_s}
            c["sostiene"] = sostiene(c)
            resultado["pasos"].append(c)
            informar(linea(almacen, c))
            return c

        rodilla = None
        if args.rodilla_duracion > 0:
            ritmo = args.rodilla_desde
            while ritmo <= args.rodilla_hasta:
                if not (await paso("rodilla", ritmo, args.rodilla_duracion))["sostiene"]:
                    break
                rodilla = ritmo
                ritmo += args.rodilla_paso
            else:  # every step held: the knee lies beyond the search
                resultado["rodilla_mas_alla"] = True
        resultado["rodilla"] = rodilla
        for ritmo in args.sostenido:
            await paso("sostenido", ritmo, args.duracion)
        if rodilla and not args.sin_maximo:
            await paso("máximo", rodilla, args.duracion)
        resultado["memoria_max_mib"] = {k: round(v) for k, v in muestreo.memoria.items()}
    except Exception as exc:
        resultado["error"] = repr(exc)[:500]
        informar(f"{almacen}: error {exc!r}")
    finally:
        await muestreo.detener()
        if carga is not None:
            await carga.cerrar()
            if carga.cliente is not None:
                await carga.cliente.aclose()
        historia.cerrar()
        await asyncio.to_thread(sistema.terminar)
        if not args.conservar and "error" not in resultado:
            shutil.rmtree(carpeta, ignore_errors=True)
    return resultado


def linea(almacen: str, c: dict) -> str:
    return (f"{almacen:8} {c['paso']:9} {c['ritmo']:>5g}/s × {c['duracion_s']:g} s: "
            f"logrado {c['logrado']}/s, ok {c['ok']} fail {c['fail']} unknown {c['unknown']}; latencia "
            f"p50/p95/p99 {c['latencia_ms'][50]}/{c['latencia_ms'][95]}/{c['latencia_ms'][99]} ms; "
            f"visibilidad p50/p99 {c['visibilidad_ms'][50]}/{c['visibilidad_ms'][99]} ms "
            f"({c['visitas_no_vistas']} sin ver); outbox máx {max(c['outbox_max'].values(), default=0)}; "
            f"drenado {c.get('drenado_s')} s; "
            f"{'sostiene' if c.get('sostiene') else 'NO sostiene'}; CPU núcleos (ms/op): "
            + ", ".join(f"{n} {v:.2f} ({c['cpu_ms_por_operacion'][n]:.2f})" for n, v in c.get("cpu_nucleos", {}).items()))


def copias_necesarias(args: argparse.Namespace) -> int:
    """UGELs like El Collao whose three years hold every visit the planned steps will send, counting the knee
    search to its last rate: at most 60 (7 260 docentes; preparing more takes longer than it is worth, and once
    the three years' visits are spent the load goes on with observations, commitments, corrections and
    valuations)."""
    rodilla = sum(args.rodilla_desde + i * args.rodilla_paso for i in range(
        int((args.rodilla_hasta - args.rodilla_desde) // args.rodilla_paso) + 1)) * args.rodilla_duracion
    sostenido = (sum(args.sostenido) + (0 if args.sin_maximo else args.rodilla_hasta)) * args.duracion
    parte = 1.0 if args.operaciones else PARTE_VISITAS  # of the operations sent, visits (some only: all, at most)
    return min(60, max(1, math.ceil((rodilla + sostenido) * parte / VISITAS_POR_COPIA)))


def main() -> int:
    if importlib.util.find_spec("sniffio") is None:  # httpcore imports it on every request: a failed import
        sys.modules["sniffio"] = None  # searches sys.path each time; None fails it at once (the same outcome)
    parser = argparse.ArgumentParser(description="Mide el sistema completo bajo carga sostenida y su rodilla.")
    parser.add_argument("--almacenes", default="sqlite,postgres", help="sqlite, postgres o ambos")
    parser.add_argument("--sostenido", default="120", help="ritmos sostenidos (operaciones/s), con comas")
    parser.add_argument("--duracion", type=float, default=600.0, help="segundos de cada paso sostenido")
    parser.add_argument("--sin-maximo", action="store_true", help="no sostener el ritmo de la rodilla")
    parser.add_argument("--rodilla-desde", type=float, default=40.0)
    parser.add_argument("--rodilla-paso", type=float, default=40.0)
    parser.add_argument("--rodilla-hasta", type=float, default=600.0)
    parser.add_argument("--rodilla-duracion", type=float, default=60.0, help="segundos por paso (0: sin rodilla)")
    parser.add_argument("--concurrencia", type=int, default=64, help="solicitudes a la vez, como máximo")
    parser.add_argument("--copias", type=int, default=0, help="UGEL como El Collao (0: las necesarias)")
    parser.add_argument("--conservar", action="store_true", help="conservar los datos (historia, registros)")
    parser.add_argument("--operaciones", default="", help="solo estas operaciones de la carga, con comas (p. ej. "
                        "visita; vacío: todas, con sus pesos)")
    parser.add_argument("--informe", type=Path, help="el informe Markdown (p. ej. bench/capacidad.md)")
    args = parser.parse_args()
    args.sostenido = [float(x) for x in args.sostenido.split(",") if x]
    args.operaciones = [x for x in args.operaciones.split(",") if x]
    if set(args.operaciones) - {tipo for tipo, _ in Carga.PESOS}:
        parser.error(f"operaciones: {', '.join(tipo for tipo, _ in Carga.PESOS)}")
    args.copias = args.copias or copias_necesarias(args)
    almacenes = [a for a in args.almacenes.split(",") if a]
    if set(almacenes) - {"sqlite", "postgres"}:
        parser.error("almacenes: sqlite y/o postgres")
    inicio = time.monotonic()
    print(f"padrón: {args.copias} UGEL como El Collao", flush=True)
    resultados = []
    for almacen in almacenes:
        r = asyncio.run(medir_almacen(almacen, args, lambda texto: print(texto, flush=True)))
        r["concurrencia"], r["operaciones"] = args.concurrencia, args.operaciones
        resultados.append(r)
        if args.informe:  # written after each store: a long run interrupted keeps what it measured
            comando = "python -m tests.sistema.capacidad " + shlex.join(sys.argv[1:])  # "" stays ""
            escribir_informe(args.informe, resultados, comando, time.monotonic() - inicio)
    (Path(tempfile.gettempdir()) / "acompana-capacidad.json").write_text(json.dumps(resultados, indent=1))
    return 0 if all("error" not in r for r in resultados) else 1


if __name__ == "__main__":
    sys.exit(main())
