"""The whole system for the browser tests: five services, nats-server and the local issuer as separate
processes on free ports, with a temporary data folder and the demo data — started by the embedded
default's own launcher (deploy/local/supervisor.py), once for all the web tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CAPTURAS = ROOT / "var" / "capturas"  # git-ignored (/var/), for review
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TELEFONO = {"width": 360, "height": 740}
ESCRITORIO = {"width": 1366, "height": 900}  # an office desktop
# Peru's users: pages, numbers and times as in Lima (every context) and the browser's own language Spanish, so a
# date field reads 31/12/2020 as theirs do, not 12/31/2020 (Debian's chromium takes it from LANGUAGE, and has it
# with the chromium-l10n package). Playwright's ``fill`` on a date field still takes ISO (2020-12-31).
LIMA = {"locale": "es-PE", "timezone_id": "America/Lima"}
IDIOMA = "es_PE:es"
LISTO = "Acompaña está listo"


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sistema:
    web: str
    emisor: str
    servicios: dict[str, str]
    datos: Path
    proceso: subprocess.Popen

    def token(self, usuario: str, rol: str, **territorio: str) -> str:
        """A token from the local issuer's development endpoint, to read the APIs as a role."""
        pedido = urllib.request.Request(f"{self.emisor}/token", json.dumps({"usuario": usuario, "rol": rol,
                                                                           **territorio}).encode(),
                                        headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(pedido, timeout=10) as r:
            return json.load(r)["access_token"]

    def api(self, servicio: str, ruta: str, token: str) -> object:
        pedido = urllib.request.Request(self.servicios[servicio] + "/v1" + ruta,
                                        headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(pedido, timeout=30) as r:
            return json.load(r)


@pytest.fixture(scope="session")
def sistema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sistema]:
    datos = tmp_path_factory.mktemp("acompana")
    puertos = {s: puerto_libre() for s in ("focalizacion", "agenda", "evidencias", "evaluacion")}
    web, emisor, nats = puerto_libre(), puerto_libre(), puerto_libre()
    salida = open(datos / "supervisor.log", "w")  # noqa: SIM115 - lives as long as the system
    proceso = subprocess.Popen(
        [sys.executable, str(ROOT / "deploy" / "local" / "supervisor.py"), "--datos", str(datos),
         "--nats-port", str(nats), "--web-puerto", str(web), "--emisor-puerto", str(emisor),
         "--puertos", ",".join(str(p) for p in puertos.values()), "--espera", "240"],
        cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=salida, stderr=subprocess.STDOUT)
    limite = time.monotonic() + 600  # a machine shared by many: starting and loading the demo can be slow
    while LISTO not in (datos / "supervisor.log").read_text():
        if proceso.poll() is not None or time.monotonic() > limite:
            proceso.kill()
            pytest.fail("el sistema no arrancó:\n" + (datos / "supervisor.log").read_text()[-3000:])
        time.sleep(0.1)
    registro = (datos / "supervisor.log").read_text()
    if "estados" in registro:  # the demo prints the answers other than 200/201 it got: none may be lost
        proceso.kill()
        pytest.fail("la demostración no se cargó entera:\n" + registro[-3000:])
    yield Sistema(f"http://127.0.0.1:{web}", f"http://127.0.0.1:{emisor}",
                  {s: f"http://127.0.0.1:{p}" for s, p in puertos.items()}, datos, proceso)
    proceso.send_signal(signal.SIGTERM)
    try:
        proceso.wait(30)
    except subprocess.TimeoutExpired:
        proceso.kill()
    salida.close()


@pytest.fixture(scope="session")
def navegador() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ruta = shutil.which("chromium")
    assert ruta, "Debian's chromium is not installed (tests/run.sh installs it)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=ruta, args=ARGS, env={**os.environ, "LANGUAGE": IDIOMA})
        yield browser
        browser.close()


@pytest.fixture
def telefono(navegador: object) -> Iterator[object]:
    """A fresh phone-sized browser context (no cookies, no storage)."""
    contexto = navegador.new_context(viewport=TELEFONO, **LIMA, device_scale_factor=1,  # type: ignore[attr-defined]
                                     is_mobile=True, has_touch=True)
    yield contexto
    contexto.close()


@pytest.fixture
def escritorio(navegador: object) -> Iterator[object]:
    """A fresh desktop-sized browser context (no cookies, no storage) that accepts downloads."""
    contexto = navegador.new_context(viewport=ESCRITORIO, **LIMA,  # type: ignore[attr-defined]
                                     accept_downloads=True)
    yield contexto
    contexto.close()


def filas(page: object, tabla: str) -> list[list[str]]:
    """The cells of each row of a table's body, as the page shows them."""
    return [[c.strip() for c in fila.split("\t")]
            for fila in page.locator(f"{tabla} tbody tr").all_inner_texts()]  # type: ignore[attr-defined]


def ingresar(page: object, sistema: Sistema, rol: str, indice: int = 0) -> str:
    """Log in through the local issuer's login page as its ``indice``-th demo user of ``rol``; answers the
    name shown on the button."""
    page.goto(sistema.web + "/entrar")  # type: ignore[attr-defined]
    botones = page.locator("button[name=indice]").filter(has_text=rol)  # type: ignore[attr-defined]
    boton = botones.nth(indice)
    nombre = boton.locator("strong").inner_text()
    boton.click()
    page.wait_for_url(lambda url: url.startswith(sistema.web) and "/entrar" not in url)  # type: ignore[attr-defined]
    return nombre


def capturar(page: object, nombre: str) -> Path:
    CAPTURAS.mkdir(parents=True, exist_ok=True)
    ruta = CAPTURAS / f"{nombre}.png"
    page.screenshot(path=str(ruta), full_page=True)  # type: ignore[attr-defined]
    return ruta
