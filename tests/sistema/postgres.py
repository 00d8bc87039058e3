"""The harness's own throwaway PostgreSQL cluster (Debian's PostgreSQL 15 binaries): never the shared one.

``initdb`` into the scenario's data folder, ``pg_ctl`` on a free port of 127.0.0.1 (its socket in the same
folder), run as the ``postgres`` user when this process is root (PostgreSQL refuses to run as root).
Durability as in production: ``fsync`` and ``synchronous_commit`` on, ``full_page_writes`` on.
``matar`` is a crash: SIGKILL to the postmaster and every backend at once, mid-transaction under load;
``arrancar`` starts it again on the same data and port, which runs crash recovery from the WAL.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.support.servers import free_port

BINARIOS = Path("/usr/lib/postgresql/15/bin")
BASE = "acompana"


def disponible() -> bool:
    return (BINARIOS / "initdb").exists() and (os.geteuid() != 0 or _usuario() is not None)


def _usuario() -> str | None:
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return None


class PostgresPropio:
    def __init__(self) -> None:
        # its own folder under the temporary directory: the postgres user must reach it, and a scenario's
        # data folder (private to this user) it cannot
        self.carpeta = Path(tempfile.mkdtemp(prefix="acompana-pg-"))
        self.datos = self.carpeta / "pgdata"
        self.puerto = free_port()
        self.usuario = "postgres"

    def _como_dueno(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        prefijo = ["runuser", "-u", _usuario() or "postgres", "--"] if os.geteuid() == 0 else []
        r = subprocess.run([*prefijo, *args], capture_output=True, text=True, **kwargs)
        if r.returncode:
            raise RuntimeError(f"{' '.join(args[:1])} falló ({r.returncode}): {r.stderr.strip()[-500:]}")
        return r

    def iniciar(self) -> None:
        if os.geteuid() == 0:
            cuenta = pwd.getpwnam(_usuario() or "postgres")
            shutil.chown(self.carpeta, cuenta.pw_uid, cuenta.pw_gid)
        self._como_dueno(str(BINARIOS / "initdb"), "-D", str(self.datos), "-U", self.usuario, "--auth=trust",
                         "-E", "UTF8", "--locale=C")
        with (self.datos / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.puerto}\n"
                       f"unix_socket_directories = '{self.carpeta}'\nmax_connections = 300\n"
                       "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\nshared_buffers = 128MB\n")
        self.arrancar()
        with self.conectar("postgres") as conn:
            conn.execute(f'CREATE DATABASE "{BASE}"')

    def arrancar(self) -> None:
        self._como_dueno(str(BINARIOS / "pg_ctl"), "-D", str(self.datos), "-l",
                         str(self.carpeta / "postgres.log"), "-w", "-t", "120", "start")

    def conectar(self, base: str = BASE) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.puerto, user=self.usuario, dbname=base,
                               autocommit=True, connect_timeout=5)

    def pid(self) -> int:
        return int((self.datos / "postmaster.pid").read_text().split()[0])

    def procesos(self) -> list[int]:
        """The postmaster and its children (backends, checkpointer, WAL writer...)."""
        principal = self.pid()
        hijos = []
        for estado in Path("/proc").glob("[0-9]*/stat"):
            try:
                campos = estado.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(campos[1]) == principal:
                hijos.append(int(estado.parent.name))
        return [principal, *hijos]

    def en_transaccion(self) -> int:
        """How many of the services' backends are inside a transaction that has written (holds an xid) now."""
        with self.conectar() as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND "
                                "pid <> pg_backend_pid() AND backend_xid IS NOT NULL", (BASE,)).fetchone()[0]

    def matar(self) -> list[int]:
        """SIGKILL to every process of the cluster at once; returns their pids."""
        procesos = self.procesos()
        for pid in procesos:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30
        # gone, not only a zombie: PostgreSQL takes a postmaster.pid whose pid still answers for a live server
        while any(Path(f"/proc/{p}").exists() for p in procesos):
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL no terminó: {procesos}")
            time.sleep(0.1)
        return procesos

    def detener(self) -> None:
        if (self.datos / "postmaster.pid").exists():
            try:
                self._como_dueno(str(BINARIOS / "pg_ctl"), "-D", str(self.datos), "-m", "immediate", "-w",
                                 "stop")
            except RuntimeError:
                pass

    def borrar(self) -> None:
        self.detener()
        shutil.rmtree(self.carpeta, ignore_errors=True)
