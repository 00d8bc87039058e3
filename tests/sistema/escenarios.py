"""Fault scenarios against the system as separate processes; each heals, waits for quiescence and checks.

One system (``Sistema``, agenda reaching NATS through the TCP proxy) is started and the year prepared once;
then each scenario in turn plays the load open loop for ``duracion`` seconds, injects its fault at about a
third of it and heals it, waits for quiescence and runs the checker over the whole history so far (a
finding stays in the verdicts of the scenarios after the one that caused it). ``correr`` returns each
scenario's outcome: its operations issued, ok, fail and unknown, and the checker's findings by kind.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import nats
from nats.js.errors import NotFoundError

from tests.sistema.carga import Carga, Historia
from tests.sistema.postgres import BINARIOS, PostgresPropio
from tests.sistema.proxy import Proxy
from tests.sistema.sistema import Sistema
from shared.streams import STREAM
from tests.sistema.verificador import como_json, informe, leer_estado, verificar
from tests.support.servers import nats_server_binary


@dataclass
class Contexto:
    sistema: Sistema
    proxy: Proxy  # agenda <-> NATS
    proxy_pg: Proxy | None = None  # agenda <-> PostgreSQL, on the PostgreSQL system
    carga: Carga | None = None  # the load, for a fault that needs more of it while it strikes


Falla = Callable[[Contexto], Awaitable[dict | None]]  # what it saw, for the outcome (``detalle``)


async def _republicar_como_el_manual(c: Contexto) -> None:
    """deploy/README.md, "Releer el stream tras una pérdida": declare the streams, then republish on each."""
    await c.sistema.declarar_streams()
    async with httpx.AsyncClient(timeout=600.0) as http:
        for s in c.sistema.servicios.values():
            for _ in range(30):  # a relay still waiting for the stream answers 422: repeat, as the runbook says
                r = await http.post(f"{s.url}/v1/cadena/republicacion", json={"desde": 1},
                                    headers={"Authorization": f"Bearer {c.sistema.token('administrador')}"})
                if r.status_code == 200:
                    break
                await asyncio.sleep(1.0)
            else:
                raise RuntimeError(f"{s.nombre}: la republicación no respondió: {r.status_code} {r.text}")
        # historia keeps each fact's stream sequence, which the refill changed: rebuild it from the new stream
        r = await http.post(f"{c.sistema.servicios['evaluacion'].url}/v1/proyecciones/todas/reconstruccion",
                            headers={"Authorization": f"Bearer {c.sistema.token('administrador')}"})
        r.raise_for_status()


async def stream_perdido(c: Contexto) -> None:
    await c.sistema.borrar_stream()
    await asyncio.sleep(3.0)
    await _republicar_como_el_manual(c)


async def nats_muerto(c: Contexto) -> None:
    c.sistema.nats.kill()
    await asyncio.sleep(3.0)
    c.sistema.nats.start()


async def nats_muerto_dos_veces(c: Contexto) -> None:
    c.sistema.nats.kill()
    await asyncio.sleep(1.0)
    c.sistema.nats.start()
    await asyncio.sleep(1.0)
    c.sistema.nats.kill()
    await asyncio.sleep(1.0)
    c.sistema.nats.start()


def servicio_muerto(nombre: str) -> Falla:
    async def falla(c: Contexto) -> None:
        c.sistema.matar(nombre)
        await asyncio.sleep(1.0)
        c.sistema.arrancar(nombre)
        await c.sistema.esperar_listos(nombres=(nombre,))
    falla.__name__ = f"{nombre}_muerto"
    return falla


async def almacen_lleno(c: Contexto) -> None:
    """JetStream's file store is left no room (restart with ``max_file_store`` just above its use), the load
    goes on for a while, then it is given room again (restart without the limit)."""
    nc = await nats.connect(c.sistema.nats.url)
    try:
        usado = (await nc.jetstream().account_info()).storage
    finally:
        await nc.close()
    c.sistema.limitar_nats(str(usado + 32 * 1024))
    await asyncio.sleep(6.0)
    c.sistema.limitar_nats(None)


async def red_cortada(c: Contexto) -> None:
    c.proxy.cortar()
    await asyncio.sleep(8.0)
    c.proxy.restablecer()


async def red_lenta(c: Contexto) -> None:
    c.proxy.latencia = 0.2
    await asyncio.sleep(8.0)
    c.proxy.restablecer()


async def _cabeza_en_stream(js, servicio: str) -> int:
    """The position (``ce-id`` ``<servicio>:<n>``) of ``servicio``'s newest fact in the stream; 0: none."""
    try:
        msg = await js.get_last_msg(STREAM, f"acompana.{servicio}.>")
    except NotFoundError:
        return 0
    return int((msg.headers or {})["ce-id"].rsplit(":", 1)[1])


async def relay_muerto(c: Contexto) -> dict:
    """agenda's relay killed at its worst moment: after the stream stored a batch, before the relay saved its
    position. agenda's process is frozen (SIGSTOP) again and again under load until it is caught with its
    newest fact in the stream past the position saved in its store; it is killed (SIGKILL) right there and
    restarted. 500 ms of latency between agenda and NATS delay each PubAck so that such a moment comes often,
    and a few more visits every 0.2 s (in the history like the rest) keep agenda publishing while it is sought.
    On restart the relay must advance its position to what the stream holds, not publish it twice."""
    sistema = c.sistema
    proceso = sistema.servicios["agenda"].proceso
    assert proceso is not None
    c.proxy.latencia = 0.5
    nc = await nats.connect(sistema.nats.url)
    visto: dict = {}

    parar = asyncio.Event()

    async def mas_visitas() -> None:  # agenda keeps publishing until it is caught, even after the load ends
        while c.carga is not None and not parar.is_set():
            await asyncio.gather(*(c.carga.visita() for _ in range(3)), return_exceptions=True)
            await asyncio.sleep(0.2)

    trafico = asyncio.create_task(mas_visitas())
    try:
        js = nc.jetstream()
        for intento in range(1, 1201):
            os.kill(proceso.pid, signal.SIGSTOP)
            posicion = await asyncio.to_thread(sistema.posicion_publicada, "agenda")
            cabeza = await _cabeza_en_stream(js, "agenda")
            if cabeza > posicion:
                sistema.matar("agenda")  # SIGKILL ends a stopped process too
                visto = {"intentos": intento, "en_stream_hasta": cabeza, "posicion_guardada": posicion}
                break
            os.kill(proceso.pid, signal.SIGCONT)
            await asyncio.sleep(0.03)
        else:
            raise RuntimeError("el relay de agenda nunca quedó entre publicar un lote y guardar su posición")
    finally:
        parar.set()  # the visits under way end (each in the history) before agenda starts again
        if not visto and proceso.poll() is None:
            os.kill(proceso.pid, signal.SIGCONT)
        await asyncio.gather(trafico, return_exceptions=True)
        await nc.close()
        c.proxy.restablecer()
    await asyncio.sleep(1.0)
    sistema.arrancar("agenda")
    await sistema.esperar_listos(nombres=("agenda",))
    return visto


def libfaketime() -> Path:
    """Debian's libfaketime (package ``faketime``), preloaded into a process to shift its clock."""
    for ruta in sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")):
        return ruta
    raise RuntimeError("falta libfaketime: apt-get install faketime")


def reloj_desfasado(nombre: str, desfase: str) -> Falla:
    async def falla(c: Contexto) -> dict:
        """``nombre`` restarted (SIGTERM) with its wall clock shifted by ``desfase`` (libfaketime, monotonic
        clock left alone), played for a while, then restarted with the right time again. The shift is measured
        from the ``Date`` header the service answers with."""
        sistema, s = c.sistema, c.sistema.servicios[nombre]
        s.env = {"LD_PRELOAD": str(libfaketime()), "FAKETIME": desfase, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        try:
            # in a thread: a clean shutdown of agenda goes through the proxy, which this loop runs
            await asyncio.to_thread(sistema.detener, nombre)
            sistema.arrancar(nombre)
            await sistema.esperar_listos(nombres=(nombre,))
            async with httpx.AsyncClient(timeout=5.0) as http:
                fecha = (await http.get(f"{s.url}/readyz")).headers["date"]
            medido = (parsedate_to_datetime(fecha) - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(8.0)
        finally:
            s.env = {}
        await asyncio.to_thread(sistema.detener, nombre)
        sistema.arrancar(nombre)
        await sistema.esperar_listos(nombres=(nombre,))
        return {"desfase_medido_s": round(medido)}
    falla.__name__ = f"reloj_desfasado_{nombre}"
    return falla


async def _consumidores_de(js, prefijo: str) -> list:
    """The durable consumers whose name starts with ``prefijo``, as the server reports them now."""
    return [i for i in await js.consumers_info(STREAM) if (i.config.durable_name or "").startswith(prefijo)]


async def evaluacion_lenta_dos_replicas(c: Contexto) -> dict:
    """A consumer slower than its ack wait, with two replicas of its service: a second evaluacion process
    joins on the same stores; then the first is frozen (SIGSTOP) while it holds delivered messages that stay
    unacknowledged 1.5 s later (less than the ack wait, 3 s: the second would have acknowledged its own), and
    left frozen: NATS redelivers them to the second, which applies and acknowledges them; the first wakes up
    (SIGCONT) once they are acknowledged (12 s at most) and finishes the same messages, which its inbox must
    drop. If the first held the relay's lease, the second takes it over meanwhile. The second stops (SIGTERM)
    at the end."""
    sistema = c.sistema
    url = sistema.arrancar_replica("evaluacion")
    proceso = sistema.servicios["evaluacion"].proceso
    assert proceso is not None
    visto: dict = {}
    try:
        await sistema.esperar_listo(url, "evaluacion-2")
        nc = await nats.connect(sistema.nats.url)
        try:
            js = nc.jetstream()
            for intento in range(1, 601):
                os.kill(proceso.pid, signal.SIGSTOP)
                try:
                    # each consumer holding messages, and the furthest stream sequence it delivered
                    retenidos = {i.name: i.delivered.stream_seq
                                 for i in await _consumidores_de(js, "evaluacion-") if i.num_ack_pending}
                    if retenidos:
                        await asyncio.sleep(1.5)
                        piso = {i.name: i.ack_floor.stream_seq for i in await _consumidores_de(js, "evaluacion-")}
                        retenidos = {n: s for n, s in retenidos.items() if piso[n] < s}
                    if retenidos:
                        # still frozen: what it held is acknowledged by the other replica, after a redelivery
                        # (a fact may wait there for the one before it in its chain, held on another consumer)
                        for _ in range(24):
                            await asyncio.sleep(0.5)
                            piso = {i.name: i.ack_floor.stream_seq
                                    for i in await _consumidores_de(js, "evaluacion-")}
                            if all(piso[n] >= s for n, s in retenidos.items()):
                                break
                        visto = {"intentos": intento, "consumidores_con_mensajes_retenidos": len(retenidos),
                                 "confirmados_por_la_otra_replica": sum(piso[n] >= s for n, s in retenidos.items())}
                        break
                finally:
                    os.kill(proceso.pid, signal.SIGCONT)
                await asyncio.sleep(0.02)
            else:
                raise RuntimeError("evaluacion nunca retuvo mensajes entregados sin confirmar")
        finally:
            await nc.close()
        await asyncio.sleep(3.0)
    finally:
        await asyncio.to_thread(sistema.detener_replica, "evaluacion")
    return visto


async def postgres_muerto(c: Contexto) -> dict:
    """PostgreSQL crashes mid-transaction under load: the harness's cluster is watched until some of the
    services' backends are inside a transaction that has written (it holds a transaction id), then the postmaster and every backend get SIGKILL at once;
    3 s later it starts again on the same data (crash recovery from the WAL). The services are not restarted:
    they must reconnect on their own, and what they acknowledged before the crash must still be there."""
    pg = c.sistema.postgres
    assert pg is not None
    for intento in range(1, 2001):
        if (en_curso := await asyncio.to_thread(pg.en_transaccion)) > 0:
            break
        await asyncio.sleep(0.005)
    else:
        raise RuntimeError("ningún servicio estuvo dentro de una transacción de escritura de PostgreSQL")
    procesos = await asyncio.to_thread(pg.matar)
    await asyncio.sleep(3.0)
    await asyncio.to_thread(pg.arrancar)
    return {"intentos": intento, "transacciones_en_curso": en_curso, "procesos_muertos": len(procesos)}


async def red_cortada_postgres(c: Contexto) -> None:
    assert c.proxy_pg is not None
    c.proxy_pg.cortar()
    await asyncio.sleep(8.0)
    c.proxy_pg.restablecer()


async def red_lenta_postgres(c: Contexto) -> None:
    assert c.proxy_pg is not None
    c.proxy_pg.latencia = 0.2
    await asyncio.sleep(8.0)
    c.proxy_pg.restablecer()


# The load records visits in every scenario (each of a length the docente's plan admits; the next etapa opened
# when a year is spent), so the order is free; the stream's loss comes first, on the shortest history.
ESCENARIOS: dict[str, Falla] = {
    "stream_perdido": stream_perdido,
    "nats_muerto": nats_muerto,
    "nats_muerto_dos_veces": nats_muerto_dos_veces,
    "relay_muerto_agenda": relay_muerto,
    "agenda_muerto": servicio_muerto("agenda"),
    "reloj_adelantado_agenda": reloj_desfasado("agenda", "+5m"),
    "evidencias_muerto": servicio_muerto("evidencias"),
    "evaluacion_muerto": servicio_muerto("evaluacion"),
    "evaluacion_lenta_dos_replicas": evaluacion_lenta_dos_replicas,
    "focalizacion_muerto": servicio_muerto("focalizacion"),
    "almacen_lleno": almacen_lleno,
    "red_cortada_agenda_nats": red_cortada,
    "red_lenta_agenda_nats": red_lenta,
}
# On the system with PostgreSQL stores (the harness's own cluster; agenda reaches it through a TCP proxy). The
# crash comes last: what it leaves behind (facts parked in the dead-letter queue) would hold the others back.
DE_POSTGRES: dict[str, Falla] = {
    "red_cortada_agenda_postgres": red_cortada_postgres,
    "red_lenta_agenda_postgres": red_lenta_postgres,
    "postgres_muerto": postgres_muerto,
}
TODOS: dict[str, Falla] = {**ESCENARIOS, **DE_POSTGRES}
RAPIDOS = ("stream_perdido", "nats_muerto", "agenda_muerto")


async def correr(nombres: list[str], *, duracion: float = 30.0, ritmo: float = 10.0, datos: Path | None = None,
                 conservar: bool = False, informar: Callable[[dict], None] = lambda r: None) -> list[dict]:
    """Run ``nombres`` one after the other on one system (agenda behind the TCP proxy to NATS): each plays
    ``duracion`` seconds of the year with its fault at a third, heals, waits for quiescence and runs the
    checker over the whole history so far. Returns (and hands to ``informar``) each scenario's outcome."""
    carpeta = datos or Path(tempfile.mkdtemp(prefix="acompana-sistema-"))
    postgres = PostgresPropio() if any(n in DE_POSTGRES for n in nombres) else None
    sistema = Sistema(carpeta, postgres=postgres)
    contexto = Contexto(sistema, Proxy(sistema.nats.port), Proxy(postgres.puerto) if postgres else None)
    historia = Historia(carpeta / "historia.jsonl")
    urls = {n: s.url for n, s in sistema.servicios.items()}
    resultados: list[dict] = []
    carga = None
    try:
        await contexto.proxy.iniciar()
        sistema.servicios["agenda"].nats_url = contexto.proxy.url
        if contexto.proxy_pg is not None:
            await contexto.proxy_pg.iniciar()
            sistema.servicios["agenda"].pg_puerto = contexto.proxy_pg.puerto
        inicio = time.monotonic()
        await sistema.iniciar()
        carga = Carga(urls, sistema.token, historia, ritmo=ritmo, duracion=duracion,
                      max_operaciones=int(ritmo * duracion) + 1)
        contexto.carga = carga
        await carga.preparar()
        preparacion = {"escenario": "preparación", "segundos": round(time.monotonic() - inicio, 1)}
        for nombre in nombres:
            # the projections are rebuilt from zero after the last scenario only: the history is whole by then
            resultado = await _uno(nombre, contexto, carga, carpeta, urls, reconstruir=nombre == nombres[-1])
            resultado["preparacion_segundos"] = preparacion["segundos"]
            resultados.append(resultado)
            informar(resultado)
    finally:
        if carga is not None:
            await carga.cerrar()
        historia.cerrar()
        # in a thread: agenda reaches NATS through the proxy, which this loop runs; a blocked loop would leave
        # agenda's clean shutdown (its lease given back, its connection drained) waiting until it is killed
        await asyncio.to_thread(sistema.terminar)
        await contexto.proxy.cerrar()
        if contexto.proxy_pg is not None:
            await contexto.proxy_pg.cerrar()
        (carpeta / "resultados.json").write_text(json.dumps(resultados, ensure_ascii=False, indent=1))
        if not conservar and resultados and all(r["veredicto"] == "bien" for r in resultados):
            shutil.rmtree(carpeta, ignore_errors=True)
    return resultados


async def _uno(nombre: str, contexto: Contexto, carga: Carga, carpeta: Path, urls: dict[str, str], *,
               reconstruir: bool = True) -> dict:
    sistema = contexto.sistema
    inicio = time.monotonic()
    antes = len(Historia.leer(carpeta / "historia.jsonl"))
    resultado: dict = {"escenario": nombre, "almacen": "PostgreSQL" if sistema.postgres else "SQLite",
                       "datos": str(carpeta), "fases": {}}
    trabajo: asyncio.Task | None = None

    def fase(que: str) -> None:
        resultado["fases"][que] = round(time.monotonic() - inicio, 1)

    try:
        trabajo = asyncio.create_task(carga.correr())
        await asyncio.sleep(carga.duracion / 3)
        if detalle := await TODOS[nombre](contexto):
            resultado["detalle"] = detalle
        fase("falla_reparada")
        await trabajo
        fase("carga_terminada")
        await sistema.esperar_listos()
        await sistema.esperar_quietud()
        fase("quieto")
        ops = Historia.leer(carpeta / "historia.jsonl")
        pg = sistema.postgres
        estado = await leer_estado(ops, urls, sistema.nats.url, carpeta / "data", sistema.token,
                                   reconstruir=reconstruir, postgres=pg and f"host=127.0.0.1 port={pg.puerto} "
                                   f"user={pg.usuario} dbname=acompana")
        hallazgos = verificar(ops, estado)
        fase("verificado")
        nuevas = ops[antes:]
        resultado.update(
            operaciones=len(nuevas), ok=sum(o["resultado"] == "ok" for o in nuevas),
            fail=sum(o["resultado"] == "fail" for o in nuevas),
            unknown=sum(o["resultado"] == "unknown" for o in nuevas), historia_total=len(ops),
            hechos_en_stream=len(estado.hechos), **informe(hallazgos), hallazgos=como_json(hallazgos)[:50],
            veredicto="bien" if not hallazgos else "MAL")
    except Exception as exc:
        resultado.update(veredicto="MAL", error=repr(exc)[:500])
        if trabajo is not None:  # the next scenario starts after this one's load, never during it
            await asyncio.gather(trabajo, return_exceptions=True)
    resultado["segundos"] = round(time.monotonic() - inicio, 1)
    return resultado


def maquina() -> str:
    """This machine, in one line: CPU model and count, memory, OS, Python and nats-server versions."""
    modelo = next((linea.split(":", 1)[1].strip() for linea in Path("/proc/cpuinfo").read_text().splitlines()
                   if linea.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memoria = next((int(linea.split()[1]) // 1024 for linea in Path("/proc/meminfo").read_text().splitlines()
                    if linea.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    import os
    version_nats = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{modelo}, {os.cpu_count()} CPU, {memoria} MiB; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {version_nats}; {version_postgres()}")


def version_postgres() -> str:
    """The PostgreSQL the harness starts its own cluster with (Debian's), or that it is missing."""
    postgres = BINARIOS / "postgres"
    if not postgres.exists():
        return "PostgreSQL: no instalado"
    return subprocess.run([str(postgres), "--version"], capture_output=True, text=True).stdout.strip()


def linea(r: dict) -> str:
    if "error" in r:
        return f"{r['escenario']:26} {r['veredicto']:5} error: {r['error']}  ({r['segundos']} s, datos en {r['datos']})"
    return (f"{r['escenario']:26} {r['veredicto']:5} operaciones {r['operaciones']}: ok {r['ok']}, fail {r['fail']}, "
            f"unknown {r['unknown']}; perdidas {r['perdida']}, duplicadas {r['duplicada']}, a medias {r['a_medias']}, "
            f"otras {sum(r[k] for k in ('rechazada_con_efecto', 'hueco_de_version', 'desorden', 'cadena', 'proyeccion'))}"
            f" ({r['segundos']} s)" + (f"; {r['detalle']}" if r.get("detalle") else ""))
