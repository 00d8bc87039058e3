"""One service process: its write side, outbox relay, consumers and HTTP API, started and
stopped together.

Replicas of a service share everything but the relay: their consumers bind to the same durable
JetStream consumers, which hand each message to one of them (work queue), and only the replica
holding the service's lease relays the outbox (``shared.liderazgo``).

Writes never wait for NATS: a command is recorded in the store (the outbox) and the relay
publishes it when NATS answers, so a service keeps accepting work while the broker is away.
"""

from __future__ import annotations

import asyncio
import json
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import nats
from fastapi import APIRouter, FastAPI
from nats.aio.client import Client
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from shared.autenticacion import Verificador
from shared.cadena import informe, verificar_almacen, verificar_enlaces
from shared.consumer import IdempotentConsumers
from shared.eslabones import Eslabones
from shared.instrumentacion import instrumentar
from shared.publicados import leer_publicados
from shared.contracts import Envelope
from shared.eventstore import DomainError, ServiceApplication
from shared.http import (
    ERRORES,
    cadena_router,
    dead_letter_router,
    install_auth_middleware,
    install_error_handlers,
    install_security_headers,
    LimiteCuerpo,
    ops_router,
)
from shared import lecturas
from shared.liderazgo import Lease
from shared.outbox import EventMapper, NotLeader, OutboxRelay, Republicacion, StreamAusente
from shared.ritmo import PresupuestoCompartido
from shared.telemetry import Telemetry

log = logging.getLogger(__name__)
SERVICIOS = ("focalizacion", "agenda", "evidencias", "evaluacion")  # the services whose facts form chains

REPUBLICACION_SEGUNDOS = 600.0  # how long an operator's republication may take before the answer gives up


def sujeto_republicacion(servicio: str) -> str:
    """Where a replica asks its service's leader to republish (outside ``acompana.>``: not a fact)."""
    return f"acompana-relay.{servicio}.republicacion"


class ServiceRuntime:
    def __init__(
        self,
        app: ServiceApplication,
        to_publication: EventMapper,
        telemetry: Telemetry,
    ) -> None:
        self.app = app
        self.settings = settings = app.settings
        self.to_publication = lecturas.publicador(settings.servicio, to_publication)  # + its auditor reads
        self.telemetry = telemetry
        if settings.otlp_endpoint:  # traces to the OpenTelemetry collector (OTLP over HTTP), in batches
            telemetry.tracer_provider.add_span_processor(BatchSpanProcessor(
                OTLPSpanExporter(endpoint=f"{settings.otlp_endpoint.rstrip('/')}/v1/traces", timeout=5)))
        self.consumers = IdempotentConsumers(  # they pull on the relay's connection once it is up
            telemetry,
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait,
            backoff=settings.consumer_backoff,
        )
        self.presupuesto = PresupuestoCompartido(settings.solicitudes_por_minuto, settings.servicio)  # per user, all replicas
        self.closers: list = [app.close]  # run at stop: pools and engines back to the database
        self.on_stop: list[Callable[[], Awaitable[None]]] = []  # run first at stop: background work of the service
        self.nc: Client | None = None
        self.relay: OutboxRelay | None = None
        self.started = asyncio.Event()
        self._stopping = asyncio.Event()
        self._conectando: asyncio.Task | None = None  # the connection to NATS, until it is made
        self._tasks: list[asyncio.Task] = []
        self._periodic: list[tuple[float, Callable[[], object]]] = []

    def every(self, seconds: float, work: Callable[[], object]) -> None:
        """Run ``work`` every ``seconds`` while the service runs: a blocking function in a thread, a
        coroutine function on the loop (a failure is logged and the next round runs anyway)."""
        self._periodic.append((seconds, work))

    async def _repeat(self, seconds: float, work: Callable[[], object]) -> None:
        while not self._stopping.is_set():
            try:
                if asyncio.iscoroutinefunction(work):
                    await work()
                else:
                    await asyncio.to_thread(work)
            except Exception:
                log.exception("%s: falló la tarea periódica %s", self.settings.servicio, getattr(work, "__name__", work))
            try:
                await asyncio.wait_for(self._stopping.wait(), seconds)
            except TimeoutError:
                pass

    async def start(self) -> None:
        """Connect in the background, retrying until NATS and the stream answer."""
        self._stopping.clear()
        self._conectando = asyncio.create_task(self._connect())
        self._tasks.append(self._conectando)
        self._tasks.extend(asyncio.create_task(self._repeat(s, w)) for s, w in self._periodic)

    async def _connect(self) -> None:
        delay = 0.2
        while not self._stopping.is_set():
            try:
                if self.nc is None:
                    self.nc = await nats.connect(
                        self.settings.nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                        name=f"acompana-{self.settings.servicio}-relay",
                    )
                js = self.nc.jetstream()
                self.consumers.js = js
                self.presupuesto.js, self.presupuesto.nc = js, self.nc
                if self.relay is None:
                    self.relay = OutboxRelay(
                        self.app, self.to_publication, js, self.telemetry,
                        batch_size=self.settings.relay_batch_size,
                        poll_interval=self.settings.relay_poll_interval,
                        seal_every=self.settings.cadena_sello_cada,
                        seal_seconds=self.settings.cadena_sello_segundos,
                        lease=Lease(js, self.settings.servicio, lease_seconds=self.settings.relay_lease_seconds,
                                    renew_every=self.settings.relay_lease_renew_seconds)
                        if self.settings.relay_leader_election else None,
                    )
                    self.app.on_saved.append(self.relay.wake)
                    self._tasks.append(asyncio.create_task(self.relay.run(self._stopping)))
                    await self.nc.subscribe(sujeto_republicacion(self.settings.servicio), cb=self._pedido_de_otra)
                # each durable consumer, declared before the service says it is ready, pulls its batches; one
                # lost with the stream is declared again
                await self.consumers.redeclarar(avisar=False)
                self._tasks.append(asyncio.create_task(self.consumers.consumir(self._stopping)))
                self.started.set()
                log.info("%s: conectado a NATS", self.settings.servicio)
                return
            except Exception as exc:
                log.warning("%s: NATS no disponible (%r); reintento en %.1fs",
                            self.settings.servicio, exc, delay)
                try:  # the next attempt, unless the service stops meanwhile
                    await asyncio.wait_for(self._stopping.wait(), delay)
                except TimeoutError:
                    pass
                delay = min(delay * 2, 5.0)

    async def stop(self) -> None:
        self._stopping.set()
        for parar in self.on_stop:
            await _a_tiempo(parar(), "tarea del servicio")
        # A connection attempt still under way is abandoned at once; the relay finishes its batch and stops.
        if self._conectando is not None and not self._conectando.done():
            self._conectando.cancel()
        _, running = await asyncio.wait(self._tasks, timeout=5.0) if self._tasks else ((), ())
        for task in running:
            task.cancel()
        await _a_tiempo(asyncio.gather(*self._tasks, return_exceptions=True), "tareas de fondo")
        self._tasks.clear()
        if self.nc is not None:
            await _a_tiempo(self.nc.close(), "conexión del relay")
            self.nc = None
        self.relay = None
        self.app.on_saved.clear()
        for close in self.closers:
            close()
        if self.settings.otlp_endpoint:
            await _a_tiempo(asyncio.to_thread(self.telemetry.tracer_provider.force_flush, 5000), "envío de trazas")

    def seguir_cadenas(self) -> None:
        """The facts this service consumes are applied only when they continue their service's chain: a
        ledger of the producers' chains, recorded by the durable that records the chains itself (evaluacion's
        history) or by a durable per producer (``IdempotentConsumers.follow_chains``). Call it after every
        subscription (the producers are read from their subjects); ``http_app`` does."""
        productores = self.consumers.producers(self.settings.servicio, SERVICIOS)
        if productores and self.consumers.eslabones is None:
            eslabones = Eslabones(self.settings, productores)
            self.closers.append(eslabones.close)
            self.consumers.follow_chains(self.settings.servicio, eslabones, self.settings.cadena_espera_segundos)

    # --- tamper evidence and recovery -------------------------------------------------------------

    async def verificar_cadena(self, desde: int = 1, hasta: int | None = None) -> dict:
        """Compare the facts this service stores in ``[desde, hasta]`` with the chain it published."""
        if self.relay is None or self.consumers.js is None:
            raise DomainError("NATS no está disponible: la verificación compara el almacén con el stream.")
        relay = self.relay
        publicados = await leer_publicados(self.consumers.js, self.settings.servicio)

        def almacenados(d: int, h: int | None) -> list[tuple[int, Envelope | None]]:
            filas, inicio = [], d - 1
            while True:
                lote = self.app.recorder.select_notifications(inicio, 1000, h, inclusive_of_start=False)
                if not lote:
                    return filas
                filas.extend((n.id, relay.envelope_de(n)) for n in lote)
                inicio = lote[-1].id

        revisados, problemas = await asyncio.to_thread(verificar_almacen, almacenados, publicados, desde, hasta)
        en_rango = {p: e for p, e in publicados.items() if p >= desde and (hasta is None or p <= hasta)}
        enlaces = verificar_enlaces({**{p: e for p, e in publicados.items() if p < desde}, **en_rango})
        enlaces = [p for p in enlaces if p.posicion in en_rango]
        return informe(self.settings.servicio, desde, hasta, revisados, problemas, enlaces)

    async def republicar(self, desde: int = 1) -> dict:
        """Ask the relay that publishes this service's outbox (this replica's, or the leader's through
        NATS) to publish again what the stream lacks; it does so between two of its own batches."""
        if self.relay is None or self.nc is None:
            raise DomainError("NATS no está disponible: no hay a dónde republicar.")
        try:
            hecho = await self.relay.pedir_republicacion(desde, REPUBLICACION_SEGUNDOS)
        except NotLeader:
            return await self._republicar_en_el_lider(desde)
        except StreamAusente:
            raise DomainError("El stream no existe: declárelo de nuevo (python -m shared.streams) y repita.") from None
        return _respuesta(hecho)

    async def _republicar_en_el_lider(self, desde: int) -> dict:
        assert self.nc is not None
        try:
            respuesta = await self.nc.request(sujeto_republicacion(self.settings.servicio),
                                              json.dumps({"desde": desde}).encode(), timeout=REPUBLICACION_SEGUNDOS)
        except Exception as exc:
            raise DomainError(f"Ninguna réplica de {self.settings.servicio} publica ahora ({exc!r}): "
                              "repita en unos segundos.") from None
        cuerpo = json.loads(respuesta.data)
        if "error" in cuerpo:
            raise DomainError(cuerpo["error"])
        return cuerpo

    async def _pedido_de_otra(self, msg) -> None:
        """Another replica's operator asked for a republication: only the leader answers."""
        relay = self.relay
        if relay is None or not relay.may_publish:
            return
        try:
            cuerpo = _respuesta(await relay.pedir_republicacion(int(json.loads(msg.data)["desde"]),
                                                                REPUBLICACION_SEGUNDOS))
        except NotLeader:
            return
        except StreamAusente:
            cuerpo = {"error": "El stream no existe: declárelo de nuevo (python -m shared.streams) y repita."}
        except Exception as exc:
            cuerpo = {"error": f"La republicación se detuvo: {exc!r}"}
        await msg.respond(json.dumps(cuerpo).encode())

    async def al_dia(self, espera: float) -> bool:
        """Whether this service has published every fact it stored and applied every message the stream
        holds for its consumers, waiting up to ``espera`` seconds for it: a read that must agree with the
        stream (a projection's checksum, to compare with its rebuild) first lets the facts in flight land."""
        loop = asyncio.get_running_loop()
        hasta = loop.time() + espera
        while True:
            try:
                relay = self.relay
                publicado = relay is None or await asyncio.to_thread(relay.pendientes) == 0
                listo = publicado and await self.consumers.al_dia()
            except Exception:  # NATS or the store away: not caught up
                listo = False
            if listo or loop.time() >= hasta:
                return listo
            await asyncio.sleep(0.05)

    async def check_store(self) -> None:
        await asyncio.to_thread(self.app.check_store)

    async def check_nats(self) -> None:
        if self.nc is None or not self.nc.is_connected:
            raise ConnectionError("sin conexión a NATS")
        if not self.started.is_set():
            raise ConnectionError("consumidores aún no iniciados")

    async def check_consumers(self) -> None:
        if self.nc is None or not self.nc.is_connected:
            raise ConnectionError("sin conexión a NATS")
        faltan = await self.consumers.faltantes()
        if faltan:
            raise ConnectionError(f"sin consumidor durable en el stream: {', '.join(faltan)}")

    @asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def http_app(self, *, title: str, description: str, routers: list[APIRouter]) -> FastAPI:
        documentada = self.settings.documentacion_publica  # /docs and /openapi.json: development, or the setting
        api = FastAPI(
            title=title,
            description=description,
            version="1",
            lifespan=self.lifespan,
            docs_url="/docs" if documentada else None,
            redoc_url="/redoc" if documentada else None,
            openapi_url="/openapi.json" if documentada else None,
        )
        self.seguir_cadenas()
        api.state.auditar = functools.partial(lecturas.registrar, self.app)  # shared.autorizacion records each read
        api.state.limite_propio = []  # path suffixes whose routes set their own body limit (uploads)
        install_error_handlers(api)
        s = self.settings
        install_auth_middleware(api, Verificador(
            s.auth_emisor, s.auth_audiencia, s.auth_jwks_url, tuple(s.auth_algoritmos), s.auth_margen_segundos,
            s.auth_enfriamiento_segundos), s.solicitudes_por_minuto, presupuesto=self.presupuesto,
            anonimas_por_minuto=s.anonimas_por_minuto, costo_exportacion=s.costo_exportacion,
            costo_lote_por_cada=s.costo_lote_por_cada, cuerpo_max_bytes=s.cuerpo_max_bytes)
        # around the token's middleware: what it reads of a body (a batch's cost, the policy's ids) is counted
        api.add_middleware(LimiteCuerpo, max_bytes=s.cuerpo_max_bytes, propias=api.state.limite_propio)
        install_security_headers(api, hsts_segundos=s.hsts_segundos, cors_origenes=s.cors_origenes)
        api.include_router(ops_router(self.telemetry.registry, {
            "almacen": self.check_store, "nats": self.check_nats, "consumidores": self.check_consumers,
        }, s.metricas_token.get_secret_value()))
        # Every route behind the token documents the chassis's error answers (the probes are public).
        api.include_router(dead_letter_router(self.consumers), responses=ERRORES)
        api.include_router(cadena_router(self), responses=ERRORES)
        for router in routers:
            api.include_router(router, responses=ERRORES)
        _con_token_en_la_documentacion(api)
        instrumentar(api, self.telemetry.tracer_provider)
        api.state.runtime = self
        return api


def _respuesta(hecho: Republicacion) -> dict:
    return {"republicados": hecho.republicados, "retenidos": hecho.retenidos}


async def _a_tiempo(trabajo: Awaitable[object], que: str, segundos: float = 20.0) -> None:
    """Wait for a step of the shutdown, but never forever: a stuck step is logged and skipped."""
    try:
        await asyncio.wait_for(trabajo, segundos)
    except TimeoutError:
        log.error("al detener: %s no terminó en %.0fs; se continúa", que, segundos)


def _con_token_en_la_documentacion(api: FastAPI) -> None:
    """The OpenAPI document declares the bearer token, so /docs lets a person paste one and try the API."""
    generar = api.openapi

    def openapi() -> dict:
        if api.openapi_schema is None:
            esquema = generar()
            esquema.setdefault("components", {})["securitySchemes"] = {"token": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "Token OpenID Connect del proveedor de identidad del ministerio (en desarrollo, "
                               "del emisor local: POST http://127.0.0.1:8009/token)."}}
            esquema["security"] = [{"token": []}]
            _errores_con_cuerpo(esquema)
            api.openapi_schema = esquema
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def _errores_con_cuerpo(esquema: dict) -> None:
    """An error a route documents only by its description (``responses={409: {"description": ...}}``) still
    answers the chassis's body (``shared.http.Error``): say so, so clients and schemathesis can check it."""
    if "Error" not in esquema.get("components", {}).get("schemas", {}):
        return
    cuerpo = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operaciones in esquema.get("paths", {}).values():
        for operacion in operaciones.values():
            for codigo, respuesta in operacion.get("responses", {}).items():
                if str(codigo)[0] in "45" and "content" not in respuesta:
                    respuesta["content"] = cuerpo
