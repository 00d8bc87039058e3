"""Acompaña as separate processes on this machine, for the fault scenarios: only 127.0.0.1.

Stores: SQLite files in the data folder, or (``postgres``) the harness's own PostgreSQL cluster, one schema per
service in one database; a service may reach it through its own port (``Servicio.pg_puerto``: a proxy)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats

from shared.emisor import EmisorLocal
from shared.streams import STREAM, ensure_streams
from tests.sistema.postgres import BASE, PostgresPropio
from tests.support.servers import NatsServer, free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICIOS = ("focalizacion", "agenda", "evidencias", "evaluacion")


@dataclass
class Servicio:
    nombre: str
    puerto: int
    nats_url: str
    proceso: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)
    pg_puerto: int | None = None  # where it reaches PostgreSQL, if not the cluster's own port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.puerto}"


class Sistema:
    """nats-server, the token issuer and the four services; ``datos`` holds every store and log."""

    def __init__(self, datos: Path, *, max_file_store: str | None = None,
                 postgres: PostgresPropio | None = None) -> None:
        self.datos = datos
        self.postgres = postgres
        (datos / "nats").mkdir(parents=True, exist_ok=True)
        (datos / "logs").mkdir(exist_ok=True)
        self.nats = NatsServer(datos / "nats")
        self._configurar_nats(max_file_store)
        self.emisor = EmisorLocal("http://127.0.0.1:0")
        servidor = self.emisor.servir("127.0.0.1", 0)
        self.emisor.url = f"http://127.0.0.1:{servidor.server_address[1]}"
        self._servidor_emisor = servidor
        self.servicios = {n: Servicio(n, free_port(), self.nats.url) for n in SERVICIOS}
        self.replicas: dict[str, subprocess.Popen] = {}  # a second process of a service: its name -> it

    # --- NATS -------------------------------------------------------------------------------

    def _configurar_nats(self, max_file_store: str | None) -> None:
        limite = f", max_file_store: {max_file_store}" if max_file_store else ""
        self.nats.config.write_text(
            f'listen: "127.0.0.1:{self.nats.port}"\n'
            f'jetstream {{ store_dir: "{self.nats.store_dir / "js"}", sync_interval: always{limite} }}\n')

    def limitar_nats(self, max_file_store: str | None) -> None:
        """Restart nats-server with (or without) a limit on its file store."""
        self.nats.stop()
        self._configurar_nats(max_file_store)
        self.nats.start()

    async def declarar_streams(self) -> None:
        nc = await nats.connect(self.nats.url)
        try:
            await ensure_streams(nc.jetstream())
        finally:
            await nc.close()

    async def borrar_stream(self) -> None:
        nc = await nats.connect(self.nats.url)
        try:
            await nc.jetstream().delete_stream(STREAM)
        finally:
            await nc.close()

    # --- the services -----------------------------------------------------------------------

    def _almacen(self, s: Servicio) -> dict[str, str]:
        p = s.nombre.upper()
        if self.postgres is None:
            return {f"{p}_PERSISTENCE_MODULE": "eventsourcing.sqlite"}
        return {f"{p}_PERSISTENCE_MODULE": "eventsourcing.postgres", f"{p}_POSTGRES_HOST": "127.0.0.1",
                f"{p}_POSTGRES_PORT": str(s.pg_puerto or self.postgres.puerto),
                f"{p}_POSTGRES_USER": self.postgres.usuario, f"{p}_POSTGRES_DBNAME": BASE}

    def _env(self, s: Servicio) -> dict[str, str]:
        p = s.nombre.upper()
        return {**os.environ, "PYTHONPATH": str(ROOT), "ACOMPANA_ENTORNO": "desarrollo",  # development secrets
                f"{p}_NATS_URL": s.nats_url, f"{p}_DATA_DIR": str(self.datos / "data"), **self._almacen(s),
                f"{p}_HTTP_PORT": str(s.puerto),
                f"{p}_AUTH_EMISOR": self.emisor.url, f"{p}_AUTH_JWKS_URL": f"{self.emisor.url}/.well-known/jwks.json",
                f"{p}_SOLICITUDES_POR_MINUTO": "10000000",
                # a message a killed process held is redelivered in seconds, not after the production 30 s
                f"{p}_CONSUMER_ACK_WAIT": "3", f"{p}_CONSUMER_BACKOFF": "[0.2,0.5,1,2]",
                f"{p}_RELAY_LEASE_SECONDS": "3", f"{p}_RECONSTRUCCION_GRACIA_SEGUNDOS": "0.1", **s.env}

    def _proceso(self, s: Servicio, puerto: int, log_nombre: str) -> subprocess.Popen:
        log = open(self.datos / "logs" / f"{log_nombre}.log", "a")  # noqa: SIM115 - as long as the process
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", f"services.{s.nombre}.main:create_app",
             "--host", "127.0.0.1", "--port", str(puerto), "--log-level", "warning"],
            cwd=ROOT, env={**self._env(s), f"{s.nombre.upper()}_HTTP_PORT": str(puerto)}, stdout=log, stderr=log)

    def arrancar(self, nombre: str) -> None:
        s = self.servicios[nombre]
        s.proceso = self._proceso(s, s.puerto, nombre)

    def arrancar_replica(self, nombre: str) -> str:
        """A second process of ``nombre`` on the same stores and NATS, on its own port; returns its URL."""
        puerto = free_port()
        self.replicas[nombre] = self._proceso(self.servicios[nombre], puerto, f"{nombre}-2")
        return f"http://127.0.0.1:{puerto}"

    def detener_replica(self, nombre: str) -> None:
        _terminar(self.replicas.pop(nombre, None))

    def posicion_publicada(self, nombre: str) -> int:
        """How far ``nombre``'s relay saved that it published (its tracking record in the store)."""
        if self.postgres is not None:
            with self.postgres.conectar() as pg:
                fila = pg.execute(f'SELECT notification_id FROM "{nombre}"."{nombre}_tracking" '
                                  "WHERE application_name = 'outbox-jetstream'").fetchone()
            return fila[0] if fila else 0
        conn = sqlite3.connect(f"file:{self.datos / 'data' / f'{nombre}.sqlite'}?mode=ro", uri=True, timeout=10)
        try:
            fila = conn.execute("SELECT notification_id FROM tracking WHERE application_name = 'outbox-jetstream'"
                                ).fetchone()
        finally:
            conn.close()
        return fila[0] if fila else 0

    def matar(self, nombre: str) -> None:
        """SIGKILL: no clean shutdown, like a crash."""
        proceso = self.servicios[nombre].proceso
        if proceso is not None and proceso.poll() is None:
            proceso.send_signal(signal.SIGKILL)
            proceso.wait(10)

    def detener(self, nombre: str) -> None:
        _terminar(self.servicios[nombre].proceso)

    async def iniciar(self) -> None:
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.iniciar)
        self.nats.start()
        await self.declarar_streams()
        for nombre in SERVICIOS:
            self.arrancar(nombre)
        await self.esperar_listos()

    async def esperar_listos(self, timeout: float = 120.0, nombres: tuple[str, ...] = SERVICIOS) -> None:
        for nombre in nombres:
            await self.esperar_listo(self.servicios[nombre].url, nombre, timeout)

    async def esperar_listo(self, url: str, log_nombre: str, timeout: float = 120.0) -> None:
        async with httpx.AsyncClient(timeout=2.0) as http:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} no quedó listo; vea {self.datos / 'logs' / log_nombre}.log")
                await asyncio.sleep(0.2)

    def terminar(self) -> None:
        for nombre in list(self.replicas):
            self.detener_replica(nombre)
        for nombre in reversed(SERVICIOS):
            self.detener(nombre)
        self.nats.stop()
        self._servidor_emisor.shutdown()
        if self.postgres is not None:
            self.postgres.borrar()

    # --- waiting for quiescence ---------------------------------------------------------------

    def token(self, rol: str = "sistema", usuario: str = "sistema-de-carga") -> str:
        return self.emisor.token(usuario, rol)

    async def pendientes(self, http: httpx.AsyncClient | None = None, nc: nats.NATS | None = None
                         ) -> dict[str, float]:
        """Each service's unpublished events (``acompana_outbox_pendientes``) and the stream's unacknowledged
        messages per durable consumer (the services' live consumers). An ephemeral consumer is a one-off
        reader (a replay, a rebuild, the checker's own read) that stays on the server until its inactivity
        threshold after its reader left: what it has not delivered, nobody waits for. ``http`` and ``nc``: a
        client and a connection to ask with (a sampler asking every second keeps its own), else new ones."""
        resultado: dict[str, float] = {}
        async with contextlib.AsyncExitStack() as pila:
            if http is None:
                http = await pila.enter_async_context(httpx.AsyncClient(timeout=5.0))
            for s in self.servicios.values():
                texto = (await http.get(f"{s.url}/metrics")).text
                m = re.search(r"^acompana_outbox_pendientes(?:\{[^}]*\})? ([0-9.e+]+)$", texto, re.M)
                resultado[f"outbox:{s.nombre}"] = float(m.group(1)) if m else -1.0
            if nc is None:
                nc = await nats.connect(self.nats.url)
                pila.push_async_callback(nc.close)
            for info in await nc.jetstream().consumers_info(STREAM):
                if not info.config.durable_name:
                    continue
                resultado[f"consumidor:{info.name}"] = info.num_pending + info.num_ack_pending
        return resultado

    async def esperar_quietud(self, timeout: float = 180.0, intervalo: float = 0.2) -> None:
        """Until nothing is left to publish nor to consume, twice in a row one second apart (asked every
        ``intervalo`` seconds until it first looks quiet; then again one second later)."""
        deadline = time.monotonic() + timeout
        quieta_desde: float | None = None  # when it first looked quiet, since the last time it did not
        ultimo: dict[str, float] = {}
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"el sistema no quedó quieto: { {k: v for k, v in ultimo.items() if v}}")
            try:
                ultimo = await self.pendientes()
                quieta = not any(ultimo.values())
            except Exception:  # a service still starting
                quieta = False
            if not quieta:
                quieta_desde = None
            elif quieta_desde is None:
                quieta_desde = time.monotonic()
            elif time.monotonic() - quieta_desde >= 1.0:
                return
            await asyncio.sleep(intervalo if quieta_desde is None else
                                max(0.0, quieta_desde + 1.0 - time.monotonic()))


def _terminar(proceso: subprocess.Popen | None) -> None:
    """SIGTERM, and SIGKILL if it has not ended in 20 s."""
    if proceso is not None and proceso.poll() is None:
        proceso.terminate()
        try:
            proceso.wait(20)
        except subprocess.TimeoutExpired:
            proceso.kill()
            proceso.wait(10)
