"""agenda: what a visit costs on the HTTP path, in CPU of the service process, against a bare FastAPI endpoint.

    python -m bench.agenda_http [--visitas 1000] [--acompanantes 20] [--docentes 10] [--concurrencia 4]
                                [--store sqlite|postgres] [--perfil ARCHIVO] [--http auto|h11|httptools]
                                [--loop auto|asyncio|uvloop]

1. Setup (not timed): a nats-server with the streams, agenda's store with ``--acompanantes`` ×
   ``--docentes`` yearly plans (polidocente primaria, NT-026: 7 visits), made through the application.
2. agenda runs as its own process, as deployed (``uvicorn --factory services.agenda.main:create_app``:
   token verification against the local issuer's JWKS, the access policy, the rate budget in NATS KV,
   the outbox relay publishing every fact to NATS). Each visit is two requests, each with the
   acompañante's bearer token: ``POST /v1/acompanantes/{id}/visitas`` (scheduled) and then
   ``POST /v1/visitas-realizadas`` (done), ``--concurrencia`` acompañantes at a time, each sending his
   visits one after another as a device does; then one read of an acompañante's agenda, which brings the
   read model up to date (projecting the visits is part of what they cost, whenever it happens). Measured:
   the CPU time of agenda's process (user + system, ``/proc/<pid>/stat``) over the timed requests and the
   read, and each request's latency.
3. Raw limit: a bare FastAPI app (one ``POST`` route validating the same body with pydantic and answering
   201 with a small JSON) served the same way (its own uvicorn process), the same number of requests sent
   the same way by the same client: its CPU per request. The ratio is bare CPU / agenda CPU per request.
4. Checks (exit 1 when one fails): every request answered 201; agenda's store holds each visit once,
   scheduled and done; each process used some CPU.

``--perfil ARCHIVO`` attaches ``py-spy record --gil`` to agenda's process during the timed requests and
writes its collapsed stacks (``--format raw``) to ARCHIVO: samples of the thread holding the GIL, i.e.
where Python spends CPU (the figures of that run include the sampler's cost). ``--http`` is uvicorn's HTTP
parser for both processes (``auto``, as deployed: httptools when installed, else h11), ``--loop`` their event
loop (``auto``, as deployed: uvloop when installed, else asyncio's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
from fastapi import FastAPI, status
from pydantic import BaseModel, ConfigDict

from bench._common import bench_world, dias_lectivos, machine_line, percentiles, print_table
from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from tests.support.identidad import ajustes_de_autenticacion, emisor
from tests.support.servers import free_port
from tests.support.world import ANIO, asignacion

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


# --- the raw limit: a bare FastAPI endpoint ---------------------------------------------------------

desnuda = FastAPI()


class _VisitaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visita_id: uuid.UUID
    docente_id: uuid.UUID
    fecha_inicio: date
    fecha_fin: date
    acompanante_id: uuid.UUID | None = None
    acciones: list[str] | None = None


class _Registro(BaseModel):
    id: uuid.UUID
    estado: str
    advertencias: list[str] = []


@desnuda.post("/v1/acompanantes/{acompanante_id}/visitas", status_code=status.HTTP_201_CREATED)
def _programar(acompanante_id: uuid.UUID, body: _VisitaIn) -> _Registro:
    return _Registro(id=body.visita_id, estado="registrado")


@desnuda.post("/v1/visitas-realizadas", status_code=status.HTTP_201_CREATED)
def _realizar(body: _VisitaIn) -> _Registro:
    return _Registro(id=body.visita_id, estado="registrado")


@desnuda.get("/v1/acompanantes/{acompanante_id}/agenda")
def _agenda(acompanante_id: uuid.UUID) -> list[dict[str, str]]:
    return []


@desnuda.get("/readyz")
def _listo() -> dict[str, str]:
    return {"estado": "listo"}


# --- the world -----------------------------------------------------------------------------------


def visitas_de(docentes: list[str], cuantas: int) -> list[tuple[str, str, str, str]]:
    """An acompañante's visits in the order he makes them: (visita_id, docente, first day, last day),
    round after round over his docentes, each on days of its own (the first round of two days)."""
    libres = iter(dias_lectivos(date(ANIO, 3, 22), 2 * len(docentes) + 7 * len(docentes)))
    visitas = []
    for ronda in range(7):
        for docente in docentes:
            if len(visitas) == cuantas:
                return visitas
            inicio = next(libres)
            fin = next(libres) if ronda == 0 else inicio
            visitas.append((str(uuid.uuid4()), docente, inicio.isoformat(), fin.isoformat()))
    return visitas


def _py_spy() -> str:
    """py-spy next to this Python, else the first on the PATH."""
    junto = Path(sys.executable).parent / "py-spy"
    return str(junto) if junto.exists() else (shutil.which("py-spy") or str(junto))


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its threads so far."""
    campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(campos[11]) + int(campos[12])) / TICKS


class Proceso:
    """A uvicorn process serving ``objetivo`` on a free port of 127.0.0.1."""

    def __init__(self, objetivo: list[str], env: dict[str, str], registro: Path, http: str = "auto",
                 bucle: str = "auto") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = registro.open("a")
        self.proceso = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", *objetivo, "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning", "--no-access-log", "--http", http, "--loop", bucle],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get(
                "PYTHONPATH")))), **env}, stdout=self._log, stderr=self._log)
        self.registro = registro

    async def listo(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as http:
            while True:
                try:
                    if (await http.get(f"{self.url}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if self.proceso.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"no quedó listo: {self.registro.read_text()[-2000:]}")
                await asyncio.sleep(0.2)

    def detener(self) -> None:
        if self.proceso.poll() is None:
            self.proceso.terminate()
            try:
                self.proceso.wait(30)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(10)
        self._log.close()


async def enviar(url: str, trabajos: dict[str, list[tuple[str, str, str, str]]], tokens: dict[str, str],
                 concurrencia: int) -> tuple[list[float], Counter]:
    """Each acompañante's visits, scheduled then done, one request at a time; ``concurrencia`` acompañantes
    at once. Returns each request's latency (ms) and the count of status codes."""
    latencias: list[float] = []
    codigos: Counter = Counter()
    cola: asyncio.Queue[str] = asyncio.Queue()
    for acompanante in trabajos:
        cola.put_nowait(acompanante)
    limites = httpx.Limits(max_connections=concurrencia, max_keepalive_connections=concurrencia)
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limites) as http:
        async def post(ruta: str, token: str, cuerpo: dict) -> None:
            t0 = time.perf_counter()
            r = await http.post(ruta, json=cuerpo, headers={"Authorization": f"Bearer {token}"})
            latencias.append((time.perf_counter() - t0) * 1000)
            codigos[r.status_code] += 1
            if r.status_code != 201 and sum(c for k, c in codigos.items() if k != 201) <= 3:
                print(f"  {ruta} → {r.status_code}: {r.text[:300]}", file=sys.stderr)

        async def dispositivo() -> None:
            while not cola.empty():
                acompanante = cola.get_nowait()
                token = tokens[acompanante]
                for visita, docente, inicio, fin in trabajos[acompanante]:
                    await post(f"/v1/acompanantes/{acompanante}/visitas", token, {
                        "visita_id": visita, "docente_id": docente, "fecha_inicio": inicio, "fecha_fin": fin})
                    await post("/v1/visitas-realizadas", token, {
                        "visita_id": visita, "docente_id": docente, "acompanante_id": acompanante,
                        "fecha_inicio": inicio, "fecha_fin": fin, "acciones": ["observacion", "asesoria"]})

        await asyncio.gather(*(dispositivo() for _ in range(concurrencia)))
    return latencias, codigos


def repartir(acompanantes: dict[str, list[str]], visitas: int, desde: int = 0) -> dict[str, list]:
    """``visitas`` visits spread evenly over the acompañantes (a different slice of his year from ``desde``)."""
    por_cabeza, resto = divmod(visitas, len(acompanantes))
    trabajos = {}
    for i, (acompanante, docentes) in enumerate(acompanantes.items()):
        todas = visitas_de(docentes, 7 * len(docentes))
        cuantas = por_cabeza + (1 if i < resto else 0)
        trabajos[acompanante] = todas[desde:desde + cuantas]
    return trabajos


async def medir(args: argparse.Namespace) -> int:
    fallas: list[str] = []
    async with bench_world("bench-agenda-http-", args.store) as (tmp, nats_srv, st, _nc):
        settings = AgendaSettings(**st.settings(tmp / "data"), nats_url=nats_srv.url,
                                  postgres_schema="agenda",
                                  **ajustes_de_autenticacion())
        acompanantes = {str(uuid.uuid4()): [str(uuid.uuid4()) for _ in range(args.docentes)]
                        for _ in range(args.acompanantes)}
        t0 = time.perf_counter()
        app = Agenda(settings)
        app.publicar_protocolos_incluidos()
        for i, (acompanante, docentes) in enumerate(acompanantes.items()):
            for docente in docentes:
                app.generar_plan(asignacion(docente, acompanante, codigo_modular=f"{3000000 + i:07d}"),
                                 etapa=ANIO - 2019)
        app.proyecciones.ponerse_al_dia()
        app.close()
        print(f"preparado: {args.acompanantes * args.docentes} planes en {time.perf_counter() - t0:.1f}s (no medido)")

        tokens = {a: emisor().token(a, "acompanante") for a in acompanantes}
        calentamiento = max(args.concurrencia, min(50, args.visitas // 10))
        previas = repartir(acompanantes, calentamiento)
        trabajos = repartir(acompanantes, args.visitas, desde=max(len(v) for v in previas.values()))
        if sum(len(v) for v in trabajos.values()) != args.visitas:
            print(f"no caben {args.visitas} visitas en {args.acompanantes} × {args.docentes} docentes "
                  f"(7 por docente, menos las del calentamiento)", file=sys.stderr)
            return 2

        env = {"ACOMPANA_ENTORNO": "desarrollo", "AGENDA_NATS_URL": nats_srv.url,
               "AGENDA_DATA_DIR": str(tmp / "data"), "AGENDA_PERSISTENCE_MODULE": settings.persistence_module,
               "AGENDA_AUTH_EMISOR": settings.auth_emisor, "AGENDA_AUTH_JWKS_URL": settings.auth_jwks_url,
               "AGENDA_SOLICITUDES_POR_MINUTO": "1000000000"}
        if args.store == "postgres":
            env.update({"AGENDA_POSTGRES_HOST": str(settings.postgres_host),
                        "AGENDA_POSTGRES_PORT": str(settings.postgres_port),
                        "AGENDA_POSTGRES_USER": settings.postgres_user,
                        "AGENDA_POSTGRES_DBNAME": settings.postgres_dbname, "AGENDA_POSTGRES_SCHEMA": "agenda"})
        resultados = {}
        for nombre, objetivo in (("FastAPI desnudo", ["bench.agenda_http:desnuda"]),
                                 ("agenda", ["--factory", "services.agenda.main:create_app"])):
            proceso = Proceso(objetivo, env, tmp / f"{nombre.split()[0].lower()}.log", args.http, args.loop)
            try:
                await proceso.listo()
                await enviar(proceso.url, previas, tokens, args.concurrencia)  # warm-up: JWKS read, routes built
                await asyncio.sleep(1.0)  # the relay publishes the warm-up's facts
                espia = None
                if args.perfil and nombre == "agenda":
                    espia = subprocess.Popen([_py_spy(), "record", "--format", "raw",
                                              "--rate", "250", "--pid", str(proceso.proceso.pid), "--threads", "--gil",
                                              "--output", args.perfil], stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
                    await asyncio.sleep(1.5)
                cpu0, t1 = cpu_s(proceso.proceso.pid), time.perf_counter()
                latencias, codigos = await enviar(proceso.url, trabajos, tokens, args.concurrencia)
                # the read model brought up to date by a read (what the visits leave there is part of their cost)
                uno = next(iter(trabajos))
                async with httpx.AsyncClient(base_url=proceso.url, timeout=60.0) as http:
                    r = await http.get(f"/v1/acompanantes/{uno}/agenda",
                                       headers={"Authorization": f"Bearer {tokens[uno]}"})
                pared = time.perf_counter() - t1
                await asyncio.sleep(0.5)  # the relay's last wake-ups belong to these requests
                cpu = cpu_s(proceso.proceso.pid) - cpu0
                if espia is not None:
                    espia.send_signal(signal.SIGINT)
                    espia.wait(60)
            finally:
                proceso.detener()
            resultados[nombre] = (cpu, pared, latencias, codigos)
            suyas = len(previas.get(uno, [])) + len(trabajos[uno])
            if r.status_code != 200 or (nombre == "agenda" and len(r.json()) != suyas):
                fallas.append(f"{nombre}: la agenda de un acompañante respondió {r.status_code} con "
                              f"{len(r.json()) if r.status_code == 200 else '-'} actividades, se esperaban {suyas}")
            if codigos != Counter({201: 2 * args.visitas}):
                fallas.append(f"{nombre}: respuestas {dict(codigos)}, se esperaban {2 * args.visitas} × 201")
            if cpu <= 0:
                fallas.append(f"{nombre}: el proceso no registró CPU")

        app = Agenda(settings)
        contados = Counter(type(app.mapper.to_domain_event(n)).__qualname__
                           for n in app.recorder.select_notifications(0, 10_000_000))
        app.close()
        esperadas = args.visitas + sum(len(v) for v in previas.values())
        for evento in ("AgendaAcompanante.ActividadProgramada", "AgendaAcompanante.VisitaRealizada"):
            if contados[evento] != esperadas:
                fallas.append(f"agenda registró {contados[evento]} {evento}, se esperaban {esperadas}")

    print()
    print(machine_line(args.store))
    solicitudes = 2 * args.visitas
    filas = []
    for nombre, (cpu, pared, latencias, _) in resultados.items():
        filas.append((nombre, f"{solicitudes}", f"{cpu * 1000 / solicitudes:.2f}", f"{cpu * 1000 / args.visitas:.2f}",
                      f"{solicitudes / pared:,.0f}", *percentiles(latencias, 1)))
    print_table(f"{args.visitas} visitas (programar + realizar) por HTTP, {args.concurrencia} acompañantes a la vez, "
                f"{args.acompanantes} × {args.docentes} planes ({args.store}; HTTP de uvicorn: {args.http}; bucle: "
                f"{args.loop})", filas,
                ("proceso", "solicitudes", "CPU ms/solicitud", "CPU ms/visita", "solicitudes/s", "p50 ms", "p99 ms",
                 "máx ms"))
    desnudo, nuestro = resultados["FastAPI desnudo"][0], resultados["agenda"][0]
    print(f"\ndesnudo/agenda (CPU por solicitud) = {desnudo / nuestro:.3f}"
          f"  (agenda gasta {nuestro / desnudo:.1f}× el CPU de un endpoint FastAPI desnudo servido igual)")
    for falla in fallas:
        print(f"FALLA: {falla}")
    return 1 if fallas else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitas", type=int, default=1000)
    parser.add_argument("--acompanantes", type=int, default=20)
    parser.add_argument("--docentes", type=int, default=10)
    parser.add_argument("--concurrencia", type=int, default=4)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--perfil", help="archivo de pilas de py-spy (formato raw) del proceso de agenda")
    parser.add_argument("--http", choices=["auto", "h11", "httptools"], default="auto",
                        help="el analizador HTTP de uvicorn (auto: httptools si está instalado, como se despliega)")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto",
                        help="el bucle de eventos de uvicorn (auto: uvloop si está instalado, como se despliega)")
    return asyncio.run(medir(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
