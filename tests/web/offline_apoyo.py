"""What the offline tests share: a real chromium (Debian's) with a profile that survives a restart,
the outbox as the person sees it on /pendientes, a phone photo, and the browser's own timings."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import BrowserContext, Page

from tests.web.conftest import ARGS, IDIOMA, LIMA, TELEFONO


def chromium() -> str:
    ruta = shutil.which("chromium")
    assert ruta, "Debian's chromium is not installed (tests/run.sh installs it)"
    return ruta


def abrir_perfil(navegador: Any, perfil: Path) -> BrowserContext:
    """A phone browser whose IndexedDB, caches and service worker survive closing it (a persistent
    profile), from the session's one Playwright."""
    return navegador.browser_type.launch_persistent_context(
        str(perfil), executable_path=chromium(), args=ARGS, viewport=TELEFONO, **LIMA,
        env={**os.environ, "LANGUAGE": IDIOMA})


def esperar(
    condicion: Callable[[], Any],
    timeout: float = 30.0,
    cada: float = 0.25,
    que: str = "",
    page: Page | None = None,
) -> Any:
    """Poll until the condition gives something true; its last value otherwise fails the test. With a page,
    the pause lets Playwright run its handlers (routes, dialogs) meanwhile."""
    limite = time.monotonic() + timeout
    valor = None
    while time.monotonic() < limite:
        valor = condicion()
        if valor:
            return valor
        if page is not None:
            page.wait_for_timeout(cada * 1000)
        else:
            time.sleep(cada)
    raise AssertionError(f"no se cumplió en {timeout:.0f} s: {que} (último valor: {valor!r})")


def items_de_la_cola(page: Page) -> list[dict[str, Any]]:
    """The outbox as stored in this browser's IndexedDB (every user), oldest first."""
    return page.evaluate("""() => Acompana.todosLosItems().then(l => l
        .sort((a, b) => a.creado - b.creado)
        .map(i => ({id: i.id, tipo: i.tipo, estado: i.estado, motivo: i.motivo, campo: i.campo,
                    usuario: i.usuario, tamano: i.blob ? i.blob.size : null, sha256: i.sha256 || null})))""")


def estados_en_pendientes(page: Page) -> list[tuple[str, str]]:
    """What the person reads on /pendientes: each item's kind and status, as rendered."""
    return page.eval_on_selector_all(".item-cola", "els => els.map(e => [e.dataset.tipo, e.dataset.estado])")


def esperar_estados(
    page: Page, aceptar: Callable[[list[tuple[str, str]]], bool], timeout: float = 60.0, que: str = ""
) -> list[tuple[str, str]]:
    vistos: list[Any] = []

    def ver() -> list[tuple[str, str]] | None:
        estados = [tuple(e) for e in estados_en_pendientes(page)]
        vistos[:] = [(i["tipo"], i["estado"], i["motivo"]) for i in items_de_la_cola(page)]
        return estados if estados and aceptar(estados) else None  # type: ignore[arg-type]

    try:
        return esperar(ver, timeout, 0.25, que or "estados en /pendientes", page)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; en el teléfono: {vistos}") from None


def foto_12_megapixeles(ruta: Path) -> Path:
    """A 4000x3000 JPEG like a phone's: smooth light with sensor noise (several MB)."""
    alto, ancho = 3000, 4000
    # broadcast rows and columns into one int16 image (full int64 grids took ~1 GB and many seconds)
    y = np.arange(alto, dtype=np.int32)[:, None]
    x = np.arange(ancho, dtype=np.int32)[None, :]
    img = np.empty((alto, ancho, 3), np.int16)
    img[..., 0] = x * 255 // ancho
    img[..., 1] = y * 255 // alto
    img[..., 2] = (x + y) * 127 // (ancho + alto)
    img += np.random.default_rng(7).integers(-24, 24, (alto, ancho, 3), dtype=np.int16)
    np.clip(img, 0, 255, out=img)
    Image.fromarray(img.astype(np.uint8)).save(ruta, quality=92)
    return ruta


def sin_desborde_lateral(page: Page) -> int:
    """How many CSS pixels the page scrolls sideways (0: nothing does)."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def paquete(page: Page) -> dict[str, Any]:
    """The field kit the coach's browser would prepare (GET /sin-conexion/paquete, with his cookie)."""
    return page.evaluate("() => fetch('/sin-conexion/paquete').then(r => r.json())")


def urls_de_visita_nueva(page: Page) -> list[str]:
    return [u for u in paquete(page)["urls"] if u.endswith("/visita")]


def esperar_guardado(page: Page, tipo: str, cuantos: int = 1, timeout: float = 30.0) -> None:
    """Wait until the form of ``tipo`` shows ``cuantos`` items saved on the phone."""
    formulario = "form:has(input[data-foto-de])" if tipo == "adjunto" else f"form[data-cola={tipo}]"
    selector = f"{formulario} .cola-estados li"
    page.wait_for_selector(f"{selector} >> nth={cuantos - 1}", state="attached", timeout=timeout * 1000)


_DIAS = iter(d for d in (date(2020, 10, 1) + timedelta(n) for n in range(90)) if d.weekday() < 5)


def dia_libre() -> str:
    """A school day of 2020 (the demo's year) no other visit of this test session uses: one coach's
    visits never share a day."""
    return next(_DIAS).isoformat()


def registrar_realizacion(page: Page, fecha: str | None = None) -> str:
    """Step 1 of the visit page: the visit happened on ``fecha``. Answers the visit's id."""
    form = page.locator("form[data-cola=visita_realizada]")
    visita_id = form.locator("input[name=id]").input_value()
    fecha = fecha or dia_libre()
    form.locator("input[name=fecha_inicio]").fill(fecha)
    form.locator("input[name=fecha_fin]").fill(fecha)
    form.locator("button[type=submit]").click()
    esperar_guardado(page, "visita_realizada")
    return visita_id


def registrar_observacion(
    page: Page, evidencia: str = "La docente recoge saberes previos con preguntas abiertas."
) -> str:
    form = page.locator("form[data-cola=observacion]")
    observacion_id = form.locator("input[name=id]").input_value()
    nivel = form.locator("select[name^=nivel_]").first
    nivel.select_option(index=2)
    clave = nivel.get_attribute("name").removeprefix("nivel_")
    if evidencia:
        form.locator(f"textarea[name=evidencia_{clave}]").fill(evidencia)
    form.locator("button[type=submit]").click()
    esperar_guardado(page, "observacion")
    return observacion_id


def registrar_compromiso(page: Page, descripcion: str = "Usar la lista de cotejo en cada sesión") -> str:
    form = page.locator("form[data-cola=compromiso]")
    compromiso_id = form.locator("input[name=id]").input_value()
    form.locator("textarea[name=descripcion]").fill(descripcion)
    form.locator("input[name=fecha_limite]").fill("2026-12-31")
    form.locator("input[name=verificacion]").fill("Revisión de la lista en la próxima visita")
    form.locator("button[type=submit]").click()
    esperar_guardado(page, "compromiso")
    return compromiso_id


def registrar_foto(page: Page, foto: Path) -> None:
    form = page.locator("form:has(input[data-foto-de])")
    form.locator("input[data-foto-de]").set_input_files(str(foto))
    form.locator("button[type=submit]").click()
    esperar_guardado(page, "adjunto")


def url_de_nats(datos: Path) -> str:
    """The fixture's nats-server, as its launcher configured it (``<datos>/nats/nats.conf``)."""
    conf = (datos / "nats" / "nats.conf").read_text()
    return "nats://" + conf.split('listen: "', 1)[1].split('"', 1)[0]


def temas_en_el_stream(nats_url: str, ids: list[str]) -> dict[str, list[str]]:
    """For each id, the subjects of the published facts whose payload names it (the whole stream, once)."""
    import asyncio

    import nats
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    async def leer() -> dict[str, list[str]]:
        nc = await nats.connect(nats_url, user="streams", password="streams-desarrollo")  # deploy/nats/cuentas.conf
        try:
            js = nc.jetstream()
            sub = await js.pull_subscribe(
                "acompana.>",
                stream="ACOMPANA",
                config=ConsumerConfig(
                    deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=60.0
                ),
            )
            encontrados: dict[str, list[str]] = {i: [] for i in ids}
            pendientes = (await sub.consumer_info()).num_pending
            while pendientes:
                for msg in await sub.fetch(min(pendientes, 500), timeout=10):
                    for i in ids:
                        if i.encode() in msg.data:
                            encontrados[i].append(msg.subject)
                    pendientes = msg.metadata.num_pending
            await sub.unsubscribe()
            return encontrados
        finally:
            await nc.close()

    # Playwright's sync API keeps an event loop in this thread: read the stream from another one.
    with ThreadPoolExecutor(1) as hilo:
        return hilo.submit(lambda: asyncio.run(leer())).result()


def esperar_service_worker(page: Page, timeout: float = 60.0) -> None:
    """Until the page is controlled by the app's service worker (polled: the CSP forbids eval). A page that
    was loading while the worker activated is reloaded: the next load is controlled."""
    activo = "() => navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))"
    esperar(lambda: page.evaluate(activo), timeout, que="el service worker activo", page=page)
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    esperar(
        lambda: page.evaluate("() => !!navigator.serviceWorker.controller"),
        timeout,
        que="el service worker controla la página",
        page=page,
    )


def preparar_sin_conexion(page: Page, web: str) -> None:
    """What the coach does before leaving: /preparar, "Preparar sin conexión", until it says it is ready."""
    page.goto(web + "/preparar")
    esperar_service_worker(page)
    page.click("main [data-preparar]")
    page.wait_for_selector("html[data-preparado]", state="attached", timeout=120000)
    assert page.get_attribute("html", "data-preparado") == "si", page.inner_text("#estado-red")


def _hijos(pid: int) -> list[int]:
    hijos = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            campos = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(campos[1]) == pid:
            hijos.append(int(stat.parent.name))
    return hijos


def procesos_del_sistema(raiz: int, nombre: str | None = None) -> list[int]:
    """The launcher and every process under it (or only those whose command is ``nombre``), parents first."""
    todos, pendientes = [], [raiz]
    while pendientes:
        pid = pendientes.pop(0)
        todos.append(pid)
        pendientes += _hijos(pid)
    if nombre:
        todos = [p for p in todos if Path(f"/proc/{p}/comm").read_text().strip() == nombre]
    return todos


def detener(pids: list[int]) -> None:
    """Stop the processes (SIGSTOP): they answer nothing until ``reanudar``, as with no signal."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)


def reanudar(pids: list[int]) -> None:
    for pid in reversed(pids):
        os.kill(pid, signal.SIGCONT)


def expirar_sesiones(datos: Path, usuario: str) -> None:
    """The user's sessions on the web server end (as when their time runs out while he is in the field)."""
    with sqlite3.connect(datos / "data" / "web.sqlite") as db:
        db.execute("UPDATE web_sesion SET expira = 0 WHERE usuario = ?", (usuario,))
