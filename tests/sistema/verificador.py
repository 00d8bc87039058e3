"""The checker: the history of operations against the final state of the system, after quiescence.

``leer_estado`` gathers the state from outside the services' code: the stream read with plain nats-py,
evidencias' and evaluacion's APIs (read models), each service's store (SQLite or PostgreSQL, read only) and its chain
verification, and evaluacion's projections before and after a rebuild from zero. ``verificar`` is pure:
it compares that state with the history and returns the findings, each with its kind:

- ``perdida``: an acknowledged operation whose fact is not in the stream, or not in a read model;
- ``duplicada``: a fact twice in the stream (one ``ce-id`` twice, or two facts for one operation's key),
  or counted more often in a read model than in the stream;
- ``a_medias``: an operation with unknown outcome present in one place and absent in another;
- ``rechazada_con_efecto``: an operation rejected (4xx) whose fact exists all the same;
- ``hueco_de_version``: an aggregate in a store whose versions are not 1, 2, 3...;
- ``desorden``: a service's facts in the stream not in the order of its store (positions);
- ``cadena``: a service's store and what it published do not match (``/v1/cadena/verificacion``);
- ``proyeccion``: a projection whose checksum differs after a rebuild from zero.

The scenarios call it (``tests.sistema.escenarios``); ``python -m tests.sistema`` exits 1 on any finding.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import nats
import psycopg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

STREAM = "ACOMPANA"  # read as any outside subscriber would, without the project's helpers
SERVICIOS = ("focalizacion", "agenda", "evidencias", "evaluacion")


@dataclass(frozen=True)
class Hecho:
    ce_id: str
    tipo: str  # the contract's short name, e.g. VisitaRealizada
    datos: dict

    @property
    def servicio(self) -> str:
        return self.ce_id.rsplit(":", 1)[0]

    @property
    def posicion(self) -> int:
        return int(self.ce_id.rsplit(":", 1)[1])


@dataclass
class Estado:
    hechos: list[Hecho]  # the stream, in its order
    visitas_en_evidencias: set[str] = field(default_factory=set)  # visits evidencias knows (read model)
    visitas_por_docente: dict[str, int] = field(default_factory=dict)  # evaluacion's count (read model)
    versiones: dict[str, list[int]] = field(default_factory=dict)  # "<servicio>:<aggregate>" -> versions
    cadenas: dict[str, bool] = field(default_factory=dict)  # servicio -> store and stream agree
    proyecciones: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (checksum, after rebuild)


@dataclass(frozen=True)
class Hallazgo:
    tipo: str
    detalle: str


def efectos(historia: list[dict]) -> dict[tuple[str, str], list[tuple[dict, dict]]]:
    """Every effect the history expects, by (fact type, key value): the operations that aim at it."""
    por_clave: dict[tuple[str, str], list[tuple[dict, dict]]] = defaultdict(list)
    for op in historia:
        for i, efecto in enumerate(op.get("efectos", [])):
            resultado = op["resultado"]
            if op["tipo"] == "lote" and resultado == "ok":
                codigo = (op.get("codigos") or [None] * len(op["efectos"]))[i]
                resultado = "ok" if codigo in (200, 201) else "fail"
            por_clave[(efecto["hecho"], efecto["valor"])].append(({**op, "resultado": resultado}, efecto))
    return por_clave


def verificar(historia: list[dict], estado: Estado) -> list[Hallazgo]:
    hallazgos: list[Hallazgo] = []
    agregar = lambda tipo, detalle: hallazgos.append(Hallazgo(tipo, detalle))  # noqa: E731

    # The stream: each ce-id once, each service's facts in store order
    for ce_id, n in Counter(h.ce_id for h in estado.hechos).items():
        if n > 1:
            agregar("duplicada", f"{ce_id} está {n} veces en el stream")
    posiciones: dict[str, list[int]] = defaultdict(list)
    for h in estado.hechos:
        posiciones[h.servicio].append(h.posicion)
    for servicio, ps in posiciones.items():
        desordenados = sum(1 for a, b in zip(ps, ps[1:]) if b <= a)
        if desordenados:
            agregar("desorden", f"{servicio}: {desordenados} hechos llegan después de uno posterior del almacén")

    # Each operation's effect, where it must be
    en_stream: dict[tuple[str, str], list[Hecho]] = defaultdict(list)
    for h in estado.hechos:
        for campo in ("visita_id", "observacion_id", "compromiso_id", "valoracion_id", "docente_id"):
            if campo in h.datos:
                en_stream[(h.tipo, str(h.datos[campo]))].append(h)
    for (tipo, valor), intentos in efectos(historia).items():
        hechos = en_stream.get((tipo, valor), [])
        resultados = {op["resultado"] for op, _ in intentos}
        repetible = any(e.get("repetible") for _, e in intentos)
        if len({h.ce_id for h in hechos}) > 1 and not repetible:
            agregar("duplicada", f"{tipo} {valor}: {len({h.ce_id for h in hechos})} hechos distintos en el stream")
        en_modelo = None
        if tipo == "VisitaRealizada":
            en_modelo = valor in estado.visitas_en_evidencias
        if "ok" in resultados:
            if not hechos:
                agregar("perdida", f"{tipo} {valor}: confirmada y ausente del stream")
            elif en_modelo is False:
                agregar("perdida", f"{tipo} {valor}: confirmada y ausente del modelo de lectura de evidencias")
        elif "unknown" in resultados:
            if en_modelo is not None and bool(hechos) != en_modelo:
                donde = "el stream" if hechos else "evidencias"
                agregar("a_medias", f"{tipo} {valor}: resultado desconocido, presente solo en {donde}")
        elif hechos and not repetible:
            agregar("rechazada_con_efecto", f"{tipo} {valor}: rechazada y presente en el stream")

    # evaluacion counts each visit of the stream once
    visitas_stream: Counter[str] = Counter()
    for h in {h.ce_id: h for h in estado.hechos if h.tipo == "VisitaRealizada"}.values():
        visitas_stream[str(h.datos["docente_id"])] += 1
    for docente in set(visitas_stream) | set(estado.visitas_por_docente):
        stream, modelo = visitas_stream[docente], estado.visitas_por_docente.get(docente, 0)
        if modelo < stream:
            agregar("perdida", f"evaluacion cuenta {modelo} visitas del docente {docente}; el stream tiene {stream}")
        elif modelo > stream:
            agregar("duplicada", f"evaluacion cuenta {modelo} visitas del docente {docente}; el stream tiene {stream}")

    for agregado, versiones in estado.versiones.items():
        if sorted(versiones) != list(range(1, len(versiones) + 1)):
            agregar("hueco_de_version", f"{agregado}: versiones {sorted(versiones)[:10]}")
    for servicio, integra in estado.cadenas.items():
        if not integra:
            agregar("cadena", f"{servicio}: lo almacenado no coincide con lo publicado")
    for nombre, (antes, despues) in estado.proyecciones.items():
        if antes != despues:
            agregar("proyeccion", f"{nombre}: suma {antes} y, reconstruida desde cero, {despues}")
    return hallazgos


# --- reading the state from outside -------------------------------------------------------------

async def leer_stream(nats_url: str) -> list[Hecho]:
    """Every fact of the services in the stream, in stream order (plain nats-py, no project code)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        ultimo = (await js.stream_info(STREAM)).state.last_seq
        if not ultimo:
            return []
        sub = await js.pull_subscribe("acompana.>", stream=STREAM, config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=60.0))
        hechos = []
        try:
            while True:
                try:
                    lote = await sub.fetch(1000, timeout=2.0)
                except NatsTimeout:
                    break
                for msg in lote:
                    h = msg.headers or {}
                    tipo = h.get("ce-type", "")
                    if msg.subject.startswith(("acompana.cadena.", "acompana.auditoria.")) or not tipo:
                        continue
                    hechos.append(Hecho(h["ce-id"], tipo.split(".")[-2], json.loads(msg.data)))
                if lote[-1].metadata.sequence.stream >= ultimo:
                    break
        finally:
            await sub.unsubscribe()
        return hechos
    finally:
        await nc.close()


def leer_versiones(datos: Path, postgres: str | None = None) -> dict[str, list[int]]:
    """Every stored event's aggregate and version, per service: from its SQLite file in ``datos``, or from its
    schema in PostgreSQL (``postgres``: a connection string; table ``<servicio>.<servicio>_events``)."""
    versiones: dict[str, list[int]] = defaultdict(list)
    if postgres is not None:
        with psycopg.connect(postgres) as conn:
            for servicio in SERVICIOS:
                for agregado, version in conn.execute(
                        f'SELECT originator_id, originator_version FROM "{servicio}"."{servicio}_events"'):
                    versiones[f"{servicio}:{agregado}"].append(version)
        return versiones
    for servicio in SERVICIOS:
        archivo = datos / f"{servicio}.sqlite"
        if not archivo.exists():
            continue
        conn = sqlite3.connect(f"file:{archivo}?mode=ro", uri=True)
        try:
            for agregado, version in conn.execute("SELECT originator_id, originator_version FROM stored_events"):
                versiones[f"{servicio}:{agregado}"].append(version)
        finally:
            conn.close()
    return versiones


class _Cliente(httpx.AsyncClient):
    """Reads that a server closing an idle kept-alive connection at the wrong moment does not break."""

    async def request(self, *args, **kwargs) -> httpx.Response:  # type: ignore[override]
        for intento in range(3):
            try:
                return await super().request(*args, **kwargs)
            except (httpx.RemoteProtocolError, httpx.ConnectError, httpx.ReadError):
                if intento == 2:
                    raise
                await asyncio.sleep(1.0)
        raise AssertionError("inalcanzable")


async def leer_estado(historia: list[dict], urls: dict[str, str], nats_url: str, datos: Path,
                      token: Callable[[str], str], *, reconstruir: bool = True, postgres: str | None = None) -> Estado:
    estado = Estado(hechos=await leer_stream(nats_url),
                    versiones=await asyncio.to_thread(leer_versiones, datos, postgres))
    visitas = {v for (tipo, v) in efectos(historia) if tipo == "VisitaRealizada"}
    async with _Cliente(timeout=60.0) as http:
        def h(rol: str) -> dict:
            return {"Authorization": f"Bearer {token(rol)}"}

        async def conocida(visita: str) -> str | None:
            r = await http.get(f"{urls['evidencias']}/v1/visitas/{visita}", headers=h("minedu"))
            return visita if r.status_code == 200 else None

        for lote in _trozos(sorted(visitas), 20):
            estado.visitas_en_evidencias |= {v for v in await asyncio.gather(*map(conocida, lote)) if v}
        desde = 0
        while True:
            filas = (await http.get(f"{urls['evaluacion']}/v1/visitas-por-docente",
                                    params={"limite": 1000, "desde": desde}, headers=h("minedu"))).json()
            for f in filas:
                estado.visitas_por_docente[f["docente_id"]] = estado.visitas_por_docente.get(f["docente_id"], 0) + f["visitas"]
            if len(filas) < 1000:
                break
            desde += 1000
        # the rebuild first: an auditor's read is itself a fact (shared.lecturas) that reaches evaluacion's
        # history, and one arriving between the live checksum and the rebuild would tell them apart
        if reconstruir:
            estado.proyecciones = await _reconstruir(http, urls["evaluacion"], h("minedu"))
        for servicio in SERVICIOS:
            r = await http.post(f"{urls[servicio]}/v1/cadena/verificacion", json={"desde": 1}, headers=h("auditor"))
            estado.cadenas[servicio] = r.status_code == 200 and r.json()["integra"]
    return estado


async def _reconstruir(http: httpx.AsyncClient, evaluacion: str, headers: dict) -> dict[str, tuple[str, str]]:
    antes = {f["proyeccion"]: str(f["checksum"]) for f in (await http.get(
        f"{evaluacion}/v1/proyecciones", params={"suma": "true"}, headers=headers)).json()}
    for _ in range(480):  # one at a time: wait for one still running (the runbook's, after a refill)
        r = await http.post(f"{evaluacion}/v1/proyecciones/todas/reconstruccion", headers=headers)
        if r.status_code != 409:
            break
        await asyncio.sleep(0.25)
    r.raise_for_status()
    for _ in range(1500):
        filas = (await http.get(f"{evaluacion}/v1/proyecciones", headers=headers)).json()
        ultima = next((f.get("reconstruccion") for f in filas if f.get("reconstruccion")), None)
        if ultima and ultima["estado"] != "en_curso":
            if ultima["estado"] != "terminada":
                return {"reconstruccion": ("terminada", ultima["estado"])}
            return {n: (antes.get(n, ""), str(ultima["checksums"].get(n))) for n in ultima["checksums"]}
        await asyncio.sleep(0.2)
    return {"reconstruccion": ("terminada", "sin terminar en 300 s")}


def _trozos(xs: list, n: int) -> list[list]:
    return [xs[i:i + n] for i in range(0, len(xs), n)]


def informe(hallazgos: list[Hallazgo]) -> dict[str, int]:
    cuenta = Counter(h.tipo for h in hallazgos)
    return {t: cuenta.get(t, 0) for t in ("perdida", "duplicada", "a_medias", "rechazada_con_efecto",
                                          "hueco_de_version", "desorden", "cadena", "proyeccion")}


def como_json(hallazgos: list[Hallazgo]) -> list[dict]:
    return [asdict(h) for h in hallazgos]
