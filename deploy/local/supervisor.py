"""The embedded default: every part of Acompaña as local processes, data under ``var/``.

Starts a nats-server (JetStream, ``sync_interval: always``), declares the streams, starts the
four services (SQLite stores) and the web application, and loads the demo data. The local
development issuer runs in this process: its login page lists the demo users of every role,
taken from the demo data. Ctrl-C stops everything; starting again continues from the stored data.
Every port is an option, so the web tests start the same system on free ports.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from demo_carga import CargaDemo  # noqa: E402 - next to this launcher

from shared.emisor import EmisorLocal  # noqa: E402 - the project's package

SERVICES = {"focalizacion": 8001, "agenda": 8002, "evidencias": 8003, "evaluacion": 8004}


def nats_binary() -> str:
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    return str(candidate) if candidate.exists() else (shutil.which("nats-server") or "nats-server")


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    return False



EMISOR_PUERTO = 8009  # the local development token issuer (shared.emisor); the services' default
WEB_PUERTO = 8000
WEB_CLIENTE = "acompana-web"


def como(nats_url: str, usuario: str) -> str:
    """The URL with a development user of deploy/nats/cuentas.conf (its password: ``<usuario>-desarrollo``)."""
    return nats_url.replace("nats://", f"nats://{usuario}:{usuario}-desarrollo@")


def argumentos() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Arranca Acompaña completo en esta máquina.")
    parser.add_argument("--datos", default=str(ROOT / "var"), help="Carpeta de datos (por defecto var/)")
    parser.add_argument("--nats-port", type=int, default=int(os.environ.get("ACOMPANA_NATS_PORT", 4223)))
    parser.add_argument("--web-puerto", type=int, default=WEB_PUERTO, help="Puerto de la aplicación web")
    parser.add_argument("--emisor-puerto", type=int, default=EMISOR_PUERTO, help="Puerto del emisor local")
    parser.add_argument("--puertos", default=",".join(str(p) for p in SERVICES.values()),
                        help="Puertos de focalizacion, agenda, evidencias y evaluacion (separados por comas)")
    parser.add_argument("--sin-demo", action="store_true", help="No cargar los datos de demostración")
    parser.add_argument("--espera", type=float, default=60.0,
                        help="Segundos que se espera a que cada proceso quede listo (más en una máquina cargada)")
    return parser.parse_args()


class Sistema:
    """The processes started, in order; stopped in the reverse order."""

    def __init__(self, data: Path) -> None:
        self.data, self.logs = data, data / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def lanzar(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.logs / f"{name}.log", "a")  # noqa: SIM115 - lives as long as the process
        self.processes.append((name, subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)))

    def stop(self, *_: object) -> None:
        print("\nDeteniendo Acompaña...")
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for name, process in reversed(self.processes):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
            print(f"  {name}: detenido")
        sys.exit(0)

    def vigilar(self) -> None:
        """Stops everything when a process ends."""
        while True:
            for name, process in self.processes:
                if process.poll() is not None:
                    print(f"{name} terminó (código {process.returncode}); vea {self.logs}", file=sys.stderr)
                    self.stop()
            time.sleep(1)


def iniciar_nats(sistema: Sistema, port: int) -> str:
    """The nats-server (JetStream, ``sync_interval: always``, the development accounts) and the streams."""
    (sistema.data / "nats").mkdir(parents=True, exist_ok=True)
    nats_url = f"nats://127.0.0.1:{port}"
    conf = sistema.data / "nats" / "nats.conf"
    cuentas = os.path.relpath(ROOT / "deploy" / "nats" / "cuentas.conf", conf.parent)
    conf.write_text(f'listen: "127.0.0.1:{port}"\n'
                    f'jetstream {{ store_dir: "{sistema.data / "nats" / "js"}", sync_interval: always }}\n'
                    f'include "{cuentas}"  # each service its own (development) user; external systems read only\n')
    sistema.lanzar("nats-server", [nats_binary(), "-c", str(conf)])
    declarar = [sys.executable, "-m", "shared.streams", "--nats-url", como(nats_url, "streams")]
    streams = subprocess.run(declarar, cwd=ROOT, capture_output=True, text=True)
    for _ in range(50):
        if streams.returncode == 0:
            break
        time.sleep(0.1)
        streams = subprocess.run(declarar, cwd=ROOT, capture_output=True, text=True)
    if streams.returncode != 0:
        print(f"No se pudo declarar los streams en {nats_url}:\n{streams.stderr}", file=sys.stderr)
        sistema.stop()
    print(f"  nats-server   {nats_url}  ({streams.stdout.strip()})")
    return nats_url


def iniciar_servicios(sistema: Sistema, puertos: dict[str, int], nats_url: str, emisor: EmisorLocal) -> None:
    """The four services, each on its SQLite stores under the data folder, trusting the local issuer."""
    auth = {"AUTH_EMISOR": emisor.url, "AUTH_JWKS_URL": f"{emisor.url}/.well-known/jwks.json"}
    for servicio, port in puertos.items():
        prefix = servicio.upper()
        env = dict(os.environ, **{
            "ACOMPANA_ENTORNO": "desarrollo",  # the embedded default: development secrets and issuer
            f"{prefix}_NATS_URL": como(nats_url, servicio), f"{prefix}_DATA_DIR": str(sistema.data / "data"),
            f"{prefix}_PERSISTENCE_MODULE": "eventsourcing.sqlite", f"{prefix}_HTTP_PORT": str(port),
            **{f"{prefix}_{k}": v for k, v in auth.items()},
        })
        sistema.lanzar(servicio, [sys.executable, "-m", "uvicorn", "--factory", f"services.{servicio}.main:create_app",
                                  "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env)


def iniciar_web(sistema: Sistema, puertos: dict[str, int], port: int, web_url: str, emisor: EmisorLocal) -> None:
    """The web application, a client of the local issuer with this run's secret (handed only to it)."""
    web_secreto = secrets.token_urlsafe(32)
    emisor.registrar_cliente(WEB_CLIENTE, web_secreto, [f"{web_url}/entrar/retorno"],
                             cuenta={"usuario": "web-calendario", "rol": "sistema"})
    env = dict(os.environ, WEB_DATA_DIR=str(sistema.data / "data"), WEB_HTTP_PORT=str(port), WEB_URL_PUBLICA=web_url,
               WEB_COOKIE_SEGURA="false", WEB_OIDC_EMISOR=emisor.url, WEB_OIDC_CLIENTE=WEB_CLIENTE,
               WEB_OIDC_SECRETO=web_secreto,
               **{f"WEB_{s.upper()}_URL": f"http://127.0.0.1:{p}" for s, p in puertos.items()})
    sistema.lanzar("web", [sys.executable, "-m", "uvicorn", "--factory", "services.web.main:create_app",
                           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env)


def main() -> int:
    args = argumentos()
    puertos = dict(zip(SERVICES, (int(p) for p in args.puertos.split(",")), strict=True))
    web_url = f"http://127.0.0.1:{args.web_puerto}"
    print(f"Acompaña: abra {web_url}  (la aplicación web; ingrese con un usuario de demostración)", flush=True)
    sistema = Sistema(Path(args.datos).resolve())
    emisor = EmisorLocal(f"http://127.0.0.1:{args.emisor_puerto}")
    emisor.servir("127.0.0.1", args.emisor_puerto)
    demo = CargaDemo(emisor, {s: f"http://127.0.0.1:{p}/v1" for s, p in puertos.items()})
    emisor.usuarios = demo.usuarios([])
    print(f"  emisor local  {emisor.url}  (tokens de desarrollo: POST /token con usuario y rol)")
    signal.signal(signal.SIGINT, sistema.stop)
    signal.signal(signal.SIGTERM, sistema.stop)
    print(f"Datos en {sistema.data}")

    nats_url = iniciar_nats(sistema, args.nats_port)
    iniciar_servicios(sistema, puertos, nats_url, emisor)
    iniciar_web(sistema, puertos, args.web_puerto, web_url, emisor)
    for servicio, port in [*puertos.items(), ("web", args.web_puerto)]:
        if not wait_http(f"http://127.0.0.1:{port}/readyz", args.espera):
            print(f"{servicio} no quedó listo; vea {sistema.logs / (servicio + '.log')}", file=sys.stderr)
            sistema.stop()
        print(f"  {servicio:13} http://127.0.0.1:{port}" + ("" if servicio == "web" else "/docs"))
    if not args.sin_demo:
        emisor.usuarios = demo.usuarios(demo.cargar())
    print(f"Acompaña está listo en {web_url} . Ctrl-C para detener.", flush=True)
    sistema.vigilar()
    return 0


if __name__ == "__main__":
    sys.exit(main())
