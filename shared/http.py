"""The HTTP chassis every service mounts the same way: errors, probes, metrics, dead letters.

Domain errors map to HTTP status here and only here (``respuesta_de``, used by the error handlers and
by the offline batch, ``shared.lote``): 403 not allowed, 404 not found, 409 conflict (including a stale
aggregate version) or waiting for a fact not received yet (``en_espera``), 422 invalid input, always
with a Spanish message.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import hmac
from collections.abc import Awaitable, Callable

from eventsourcing.persistence import RecordConflictError
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.consumer import IdempotentConsumers
from shared.contracts import ContractError
from shared.eventstore import Conflict, DomainError, EnEspera, Forbidden, NotFound
from shared.autenticacion import EmisorNoDisponible, TokenInvalido, Verificador
from shared.autorizacion import rutas
from shared.ritmo import CubosLocales, PresupuestoCompartido, costo
from shared.telemetry import Actor, current_actor, current_traceparent

_MENSAJES = {
    "missing": "es obligatorio",
    "extra_forbidden": "no es un campo permitido",
    "uuid_parsing": "no es un identificador UUID válido",
    "uuid_type": "no es un identificador UUID válido",
    "date_parsing": "no es una fecha válida (AAAA-MM-DD)",
    "date_from_datetime_parsing": "no es una fecha válida (AAAA-MM-DD)",
    "datetime_parsing": "no es una fecha y hora válida (ISO 8601)",
    "datetime_from_date_parsing": "no es una fecha y hora válida (ISO 8601)",
    "int_parsing": "debe ser un número entero",
    "int_type": "debe ser un número entero",
    "float_parsing": "debe ser un número",
    "string_type": "debe ser un texto",
    "bool_parsing": "debe ser verdadero o falso",
    "list_type": "debe ser una lista",
    "json_invalid": "el cuerpo no es JSON válido",
    "model_attributes_type": "debe ser un objeto JSON",
    "dict_type": "debe ser un objeto JSON",
}


def motivo(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in _MENSAJES:
        return _MENSAJES[kind]
    if kind == "string_pattern_mismatch":
        return f"no tiene el formato requerido ({ctx.get('pattern')})"
    if kind in ("greater_than_equal", "greater_than"):
        return f"debe ser {'mayor o igual que' if kind.endswith('equal') else 'mayor que'} {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"debe ser {'menor o igual que' if kind.endswith('equal') else 'menor que'} {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return f"debe ser uno de: {str(ctx.get('expected', '')).replace(' or ', ' o ')}"
    if kind in ("string_too_short", "too_short"):
        return f"debe tener al menos {ctx.get('min_length')} elemento(s) o carácter(es)"
    if kind in ("string_too_long", "too_long"):
        return f"admite como máximo {ctx.get('max_length')} elemento(s) o carácter(es)"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return error.get("msg", "valor no válido")


class ErrorDeCampo(BaseModel):
    campo: str = Field(description="Dónde está el dato no válido (p. ej. ``body.anio``, ``query.limite``).")
    motivo: str


class Error(BaseModel):
    """The body of every error answer: a stable code, a Spanish message and, for invalid input, each field."""
    codigo: str = Field(description="Código estable del error.", examples=["solicitud_invalida"])
    mensaje: str = Field(description="Qué pasó, en castellano.")
    errores: list[ErrorDeCampo] | None = Field(None, description="Cada dato no válido (solo en 422 y 413).")


def _respuesta(descripcion: str) -> dict[str, Any]:
    return {"model": Error, "description": descripcion}


ERRORES: dict[int | str, dict[str, Any]] = {
    401: _respuesta("Falta el token de acceso o no es válido"),
    403: _respuesta("El rol o el territorio del usuario no lo permite"),
    404: _respuesta("No existe lo solicitado"),
    409: _respuesta("Conflicto con lo ya registrado (o versión desactualizada); o, con código en_espera, depende de "
                    "un hecho que el servicio aún no recibe: reenviar tras Retry-After"),
    413: _respuesta("La solicitud es más grande de lo admitido"),
    422: _respuesta("Datos no válidos o una regla de negocio incumplida"),
    429: _respuesta("Demasiadas solicitudes del usuario; reintente tras Retry-After"),
    503: _respuesta("El proveedor de identidad no responde; reintente tras Retry-After"),
}
"""What any authenticated route may answer besides its own result (``install_error_handlers``, the
token and rate checks, the body limit), documented on every such route by ``ServiceRuntime.http_app``."""


def _error(status: int, codigo: str, mensaje: str, **extra: object) -> JSONResponse:
    return JSONResponse({"codigo": codigo, "mensaje": mensaje, **extra}, status_code=status)


PUBLICAS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json",
                      "/v1/catalogo/asyncapi.json"})


def install_auth_middleware(app: FastAPI, verificador: Verificador, por_minuto: int = 600, *,
                            presupuesto: PresupuestoCompartido | None = None, anonimas_por_minuto: int = 120,
                            costo_exportacion: int = 20, costo_lote_por_cada: int = 20,
                            cuerpo_max_bytes: int = 4 * 1024 * 1024) -> None:
    """Who is calling, from the request's bearer token (OpenID Connect), verified by ``verificador``.

    The one place that names the caller: every event saved during the request records this actor in
    its metadata, and every rule of access reads it. Probes, metrics, the API's description and the
    event catalog answer without a token; everything else answers 401 without a valid one.

    Rates (``shared.ritmo``): an address whose requests without a valid token exhausted
    ``anonimas_por_minuto`` is refused before any token is verified, unless its token names a key already
    read from the provider and verifies (the web application calls for all its users from one address); a
    user's requests are counted, at their cost (exports, batches), against a budget shared by the replicas
    (``presupuesto``). A batch is read for its cost only when its declared length is within
    ``cuerpo_max_bytes``; otherwise it costs 1 and the body limit (``LimiteCuerpo``, around this
    middleware) answers 413 before it is all read.
    """
    app.add_middleware(Autenticacion, verificador=verificador, por_minuto=por_minuto,
                       presupuesto=presupuesto or PresupuestoCompartido(por_minuto),
                       anonimas_por_minuto=anonimas_por_minuto, costo_exportacion=costo_exportacion,
                       costo_lote_por_cada=costo_lote_por_cada, cuerpo_max_bytes=cuerpo_max_bytes)


class Autenticacion:
    """The ASGI middleware ``install_auth_middleware`` mounts (a plain ASGI class: the request goes on in the
    same task, with no stream or task of its own per request). A body read here (a batch's cost, the access
    policy's object ids) is handed on to the route as it arrived."""

    def __init__(self, app, *, verificador: Verificador, por_minuto: int,  # noqa: ANN001
                 presupuesto: PresupuestoCompartido, anonimas_por_minuto: int, costo_exportacion: int,
                 costo_lote_por_cada: int, cuerpo_max_bytes: int) -> None:
        self.app, self.verificador, self.por_minuto, self.presupuesto = app, verificador, por_minuto, presupuesto
        self.anonimas_por_minuto, self.anonimas = anonimas_por_minuto, CubosLocales(anonimas_por_minuto)
        self.costo_exportacion, self.costo_lote_por_cada = costo_exportacion, costo_lote_por_cada
        self.cuerpo_max_bytes = cuerpo_max_bytes

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        leidos: list[dict] = []  # what was read of the body here, to hand on

        async def leyendo() -> dict:
            mensaje = await receive()
            leidos.append(mensaje)
            return mensaje

        request = Request(scope, leyendo)
        if request.url.path in PUBLICAS:
            return await self.app(scope, receive, send)
        actor, negado = await self._quien(request)
        if negado is not None:
            return await negado(scope, receive, send)
        marca = current_actor.set(actor)
        try:
            await self.app(scope, _de_nuevo(leidos, receive) if leidos else receive, send)
        finally:
            current_actor.reset(marca)

    async def _quien(self, request: Request) -> tuple[Actor | None, JSONResponse | None]:
        """The caller, or the answer that refuses the request."""
        direccion = request.client.host if request.client else "desconocida"
        esquema, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if esquema.lower() == "bearer" else ""
        # An address that spent its requests without a valid token is refused before any verification (a
        # flood costs nothing), except a token naming a key already read: its signature is checked from
        # memory, and a valid one is counted per user (one address may be many users: the web application).
        espera = self.anonimas.agotado(direccion)
        if espera and not (token and self.verificador.clave_conocida(token)):
            return None, _anonimas_agotadas(self.anonimas_por_minuto, espera)
        if not token:
            self.anonimas.gastar(direccion)
            return None, _no_autenticado("Falta el token de acceso (cabecera Authorization: Bearer).")
        # a token verified before is answered from memory; a new one is verified in a worker thread (it may
        # have to read the provider's keys)
        actor = self.verificador.recordado(token)
        if actor is None:
            try:
                actor = await asyncio.to_thread(self.verificador.actor, token)
            except TokenInvalido as exc:
                self.anonimas.gastar(direccion)
                return None, (_anonimas_agotadas(self.anonimas_por_minuto, espera) if espera
                              else _no_autenticado(str(exc)))
            except EmisorNoDisponible as exc:
                return None, JSONResponse({"codigo": "identidad_no_disponible", "mensaje": str(exc)}, status_code=503,
                                          headers={"Retry-After": str(exc.reintentar_en)})
        ruta = request.url.path
        cuerpo = await _cuerpo_a_costear(request, self.cuerpo_max_bytes) if ruta.endswith("/lote") else None
        cuanto = costo(request.method, ruta, dict(request.query_params), cuerpo, self.costo_exportacion,
                       self.costo_lote_por_cada)
        if espera := await self.presupuesto.gastar(actor.usuario, cuanto):
            return None, _demasiadas(f"Demasiadas solicitudes: {self.por_minuto} por minuto como máximo (una "
                                     f"exportación cuenta {self.costo_exportacion}). Reintente en {espera} s.", espera)
        politica = getattr(request.app.state, "politica", None)  # shared.autorizacion, set by the service
        if politica is not None and (negado := await politica.decidir(request, actor)) is not None:
            return None, negado
        return actor, None


def _de_nuevo(leidos: list[dict], receive):  # noqa: ANN001, ANN202
    """``receive`` that first gives again the messages already read from it."""
    pendientes = list(leidos)

    async def recibir() -> dict:
        return pendientes.pop(0) if pendientes else await receive()
    return recibir


async def _cuerpo_a_costear(request: Request, max_bytes: int) -> bytes | None:
    """A batch's body, read to count its items, only when its declared length is within the limit."""
    largo = request.headers.get("content-length", "")
    if not largo.isdigit() or int(largo) > max_bytes:
        return None
    return await request.body()


def _anonimas_agotadas(por_minuto: int, espera: int) -> JSONResponse:
    return _demasiadas(f"Demasiadas solicitudes sin un token válido desde esta dirección: {por_minuto} por "
                       f"minuto como máximo. Reintente en {espera} s.", espera)


def _demasiadas(mensaje: str, espera: int) -> JSONResponse:
    return JSONResponse({"codigo": "demasiadas_solicitudes", "mensaje": mensaje}, status_code=429,
                        headers={"Retry-After": str(espera)})


# What every answer says to the browser (OWASP Secure Headers): nothing of it is to be framed, sniffed,
# sent as a referrer, or run; /docs (Swagger UI) loads its script and style from its CDN.
CSP_API = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CSP_DOCUMENTACION = ("default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
                     "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
                     "https://fastapi.tiangolo.com https://cdn.redoc.ly; connect-src 'self'; font-src https://fonts.gstatic.com; "
                     "worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
RUTAS_DOCUMENTACION = ("/docs", "/docs/oauth2-redirect", "/redoc")


class CabecerasSeguridad:
    """ASGI middleware adding the security headers to every answer (errors and 404 included).

    ``csp``: the Content-Security-Policy (an HTML application passes its own; it should keep
    ``frame-ancestors 'none'``); ``hsts_segundos`` > 0 adds Strict-Transport-Security (only behind TLS).
    ``services/web`` mounts it the same way: ``app.add_middleware(CabecerasSeguridad, csp=..., hsts_segundos=...)``.
    """

    def __init__(self, app, csp: str = CSP_API, hsts_segundos: int = 0,  # noqa: ANN001
                 csp_por_ruta: dict[str, str] | None = None) -> None:
        self.app = app
        self.csp_por_ruta = {ruta: c for ruta, c in (csp_por_ruta or {}).items()}
        comunes = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                   (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin"),
                   (b"cross-origin-resource-policy", b"same-origin"),
                   (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
        if hsts_segundos:
            comunes.append((b"strict-transport-security", f"max-age={hsts_segundos}; includeSubDomains".encode()))
        self.comunes = comunes
        self.csp = csp.encode()

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = self.csp_por_ruta.get(scope["path"], "").encode() or self.csp

        async def con_cabeceras(mensaje) -> None:  # noqa: ANN001
            if mensaje["type"] == "http.response.start":
                presentes = {k.lower() for k, _ in mensaje.get("headers", [])}
                extra = [(k, v) for k, v in [*self.comunes, (b"content-security-policy", csp)] if k not in presentes]
                mensaje = {**mensaje, "headers": [*mensaje.get("headers", []), *extra]}
            await send(mensaje)

        await self.app(scope, receive, con_cabeceras)


def install_security_headers(app: FastAPI, *, hsts_segundos: int = 0, cors_origenes: list[str] | None = None,
                             csp: str = CSP_API) -> None:
    """Security headers on every answer and the CORS policy: none unless origins are configured
    (``<S>_CORS_ORIGENES``; then only those, only the methods the service's routes answer, the bearer
    token in a header, no cookies)."""
    if cors_origenes:
        app.add_middleware(CorsDeSusRutas, servicio=app, origenes=cors_origenes)
    app.add_middleware(CabecerasSeguridad, csp=csp, hsts_segundos=hsts_segundos,
                       csp_por_ruta=dict.fromkeys(RUTAS_DOCUMENTACION, CSP_DOCUMENTACION))


class CorsDeSusRutas:
    """CORS for ``origenes``, allowing only the methods ``servicio``'s routes answer (GET and POST; PUT
    where a route replaces something, as agenda's directivo of a school). Built with the middleware
    stack, on the first request: every route is included by then."""

    def __init__(self, app, servicio: FastAPI, origenes: list[str]) -> None:  # noqa: ANN001
        metodos = sorted({m for metodos_, *_ in rutas(servicio.router.routes) for m in metodos_} - {"HEAD"})
        self.app = CORSMiddleware(app, allow_origins=origenes, allow_methods=metodos,
                                  allow_headers=["Authorization", "Content-Type"], allow_credentials=False,
                                  max_age=600)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        await self.app(scope, receive, send)


class LimiteCuerpo:
    """Refuse a request body over ``max_bytes``: at once when its declared length says so, else
    while it arrives (413 ``cuerpo_demasiado_grande``, in Spanish, before anything is recorded).

    Paths ending in one of ``propias`` (uploads) are left to their routes' own, larger limit.
    """

    def __init__(self, app, max_bytes: int, propias: list[str]) -> None:  # noqa: ANN001
        self.app, self.max_bytes, self.propias = app, max_bytes, propias

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http" or scope["path"].endswith(tuple(self.propias)):
            return await self.app(scope, receive, send)
        largo = dict(scope["headers"]).get(b"content-length", b"")
        if largo.isdigit() and int(largo) > self.max_bytes:
            codigo, mensaje = _HTTP[413]
            return await _error(413, codigo, mensaje)(scope, receive, send)
        recibido, respondido = 0, False

        async def contando():  # noqa: ANN202
            nonlocal recibido
            mensaje = await receive()
            if mensaje["type"] == "http.request":
                recibido += len(mensaje.get("body", b""))
                if recibido > self.max_bytes:
                    raise StarletteHTTPException(413)
            return mensaje

        async def enviando(mensaje: dict) -> None:
            nonlocal respondido
            respondido = respondido or mensaje["type"] == "http.response.start"
            await send(mensaje)

        try:
            await self.app(scope, contando, enviando)
        except StarletteHTTPException as exc:
            # read by a middleware inside this one (the access policy looks for ids in the body), before the
            # routes' error handlers: answered here, once past the limit, without reading the rest
            if exc.status_code != 413 or respondido:
                raise
            codigo, mensaje = _HTTP[413]
            await _error(413, codigo, mensaje)(scope, receive, send)


def _no_autenticado(mensaje: str) -> JSONResponse:
    return JSONResponse({"codigo": "no_autenticado", "mensaje": mensaje}, status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="acompana", error="invalid_token"'})


log = logging.getLogger(__name__)
_HTTP = {
    404: ("no_encontrado", "No existe esa ruta."),
    405: ("metodo_no_permitido", "La ruta no admite ese método."),
    413: ("cuerpo_demasiado_grande", "La solicitud es más grande de lo admitido."),
    415: ("tipo_no_admitido", "Tipo de contenido no admitido."),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # the framework could not read the body: invalid input, as bad JSON syntax is
            return _error(422, "solicitud_invalida", "La solicitud tiene datos no válidos.", errores=[{
                "campo": "body", "motivo": "no se pudo leer (JSON o formulario mal formado, o texto que no es UTF-8)"}])
        codigo, mensaje = _HTTP.get(exc.status_code, ("error_http", str(exc.detail)))
        return _error(exc.status_code, codigo, mensaje)

    @app.exception_handler(Exception)
    async def inesperado(request: Request, exc: Exception) -> JSONResponse:
        # The details stay in the service's log, with the trace id; the caller never sees a stack trace.
        traza = current_traceparent().split("-")[1] if current_traceparent() else ""
        log.exception("error inesperado en %s %s (traza %s)", request.method, request.url.path, traza)
        return _error(500, "error_interno", "Ocurrió un error inesperado; quedó registrado"
                      + (f" con la traza {traza}." if traza else "."))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errores = [
            {"campo": ".".join(str(p) for p in e["loc"]), "motivo": motivo(e)} for e in exc.errors()
        ]
        return _error(422, "solicitud_invalida", "La solicitud tiene datos no válidos.", errores=errores)

    @app.exception_handler(DomainError)
    @app.exception_handler(RecordConflictError)
    async def dominio(_: Request, exc: Exception) -> JSONResponse:
        status, codigo, mensaje = respuesta_de(exc) or (500, "error_interno", "Ocurrió un error inesperado.")
        campo = getattr(exc, "campo", None)
        extra = {"errores": [{"campo": campo, "motivo": mensaje}]} if campo and status == 422 else {}
        respuesta = _error(status, codigo, mensaje, **extra)
        if codigo == "en_espera":
            respuesta.headers["Retry-After"] = str(EN_ESPERA_REINTENTAR)
        return respuesta


EN_ESPERA_REINTENTAR = 5  # seconds: what a fact on its way between services usually takes, with room


def respuesta_de(exc: Exception) -> tuple[int, str, str] | None:
    """The HTTP status, stable code and Spanish message of a domain error; None for any other error."""
    if isinstance(exc, NotFound):
        return 404, "no_encontrado", str(exc)
    if isinstance(exc, Forbidden):
        return 403, "prohibido", str(exc)
    if isinstance(exc, EnEspera):
        return 409, "en_espera", str(exc)
    if isinstance(exc, Conflict):
        return 409, "conflicto", str(exc)
    if isinstance(exc, RecordConflictError):
        return 409, "version_desactualizada", "Otro cambio se registró antes; vuelva a leer y reintente."
    if isinstance(exc, DomainError):
        return 422, "regla_incumplida", str(exc)
    return None


class Salud(BaseModel):
    estado: str
    detalle: dict[str, str] = {}


@functools.cache
def _catalogo() -> dict:
    from shared.catalogo import especificacion  # built once, on the first request
    return especificacion()


def ops_router(registry: CollectorRegistry, checks: dict[str, Callable[[], Awaitable[None]]],
               metricas_token: str = "") -> APIRouter:
    """``/healthz`` (the process answers), ``/readyz`` (each dependency answers), ``/metrics`` (with
    ``metricas_token``, only for whoever presents it; without, only the monitoring network reaches it:
    deploy/k8s NetworkPolicy)."""
    router = APIRouter(tags=["operación"])

    @router.get("/healthz", summary="El proceso está vivo")
    async def healthz() -> Salud:
        return Salud(estado="vivo")

    @router.get("/readyz", summary="El almacén de eventos y NATS responden", response_model=Salud,
                responses={503: {"model": Salud}})
    async def readyz() -> JSONResponse:
        detalle, ok = {}, True
        for name, check in checks.items():
            try:
                await check()
                detalle[name] = "ok"
            except Exception as exc:  # a probe reports, it does not raise
                detalle[name] = f"falla: {exc!r}"[:200]
                ok = False
        body = Salud(estado="listo" if ok else "no_listo", detalle=detalle)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @router.get("/v1/catalogo/asyncapi.json", summary="Catálogo AsyncAPI de todos los eventos publicados",
                tags=["catálogo"])
    async def catalogo() -> JSONResponse:
        return JSONResponse(_catalogo())

    @router.get("/metrics", summary="Métricas Prometheus", response_class=Response, include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if metricas_token:
            esquema, _, token = request.headers.get("Authorization", "").partition(" ")
            if esquema.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), metricas_token.encode()):
                return _no_autenticado("Las métricas exigen el token de monitoreo (Authorization: Bearer).")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


class MensajeFallido(BaseModel):
    secuencia: int
    consumidor: str
    motivo: str
    entregas: int
    sujeto_original: str
    evento_id: str
    registrado_en: str


def dead_letter_router(consumers: IdempotentConsumers) -> APIRouter:
    router = APIRouter(prefix="/v1/mensajes-fallidos", tags=["operación"])

    @router.get("", summary="Mensajes que este servicio no pudo procesar, con su motivo")
    async def listar(limite: int = 100) -> list[MensajeFallido]:
        return [MensajeFallido(**vars(d)) for d in await consumers.dead_letters(min(limite, 1000))]

    @router.post("/{secuencia}/reintentar", summary="Procesar de nuevo un mensaje fallido",
                 responses={404: {"description": "No existe ese mensaje fallido"},
                            422: {"description": "El mensaje sigue sin poder procesarse"}})
    async def reintentar(secuencia: int) -> dict[str, str]:
        try:
            await consumers.redrive(secuencia)
        except LookupError:
            raise NotFound(f"No hay un mensaje fallido con secuencia {secuencia}.") from None
        except ContractError as exc:
            raise DomainError(f"El mensaje no cumple su contrato: {exc}") from None
        except Exception as exc:
            raise DomainError(f"El mensaje volvió a fallar: {exc!r}") from None
        return {"estado": "procesado"}

    return router


POSICION_MAX = 2**63 - 1  # the largest position a store holds (SQLite INTEGER, PostgreSQL BIGINT)


class VerificacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    desde: int = Field(1, ge=1, le=POSICION_MAX, description="Primera posición (id de notificación) a verificar.")
    hasta: int | None = Field(None, ge=1, le=POSICION_MAX,
                              description="Última posición; vacío: hasta lo último publicado.")


class RepublicacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    desde: int = Field(1, ge=1, le=POSICION_MAX,
                       description="Desde qué posición republicar lo que falte en el stream.")


class RepublicacionOut(BaseModel):
    republicados: int = Field(description="Hechos publicados de nuevo.")
    retenidos: list[int] = Field(description="Posiciones que el stream ya no tiene pero aún reconoce como "
                                             "duplicadas (ventana de duplicados): repetir pasada la ventana.")


def cadena_router(runtime: Any) -> APIRouter:
    """Tamper evidence and recovery of the service's published facts (see ``shared.cadena``).

    Who may call each route is decided by ``shared.autorizacion.OPERACION``, not here."""
    router = APIRouter(prefix="/v1/cadena", tags=["operación"])

    @router.post("/verificacion", summary="Verificar que lo almacenado corresponde a la cadena publicada",
                 description="Recalcula la huella de cada hecho almacenado en el rango y la compara con la "
                             "publicada en el stream; informa cada posición cambiada, borrada o reordenada.")
    async def verificar(body: VerificacionIn) -> dict[str, Any]:
        return await runtime.verificar_cadena(body.desde, body.hasta)

    @router.post("/republicacion", summary="Republicar desde el almacén lo que el stream perdió",
                 description="El relay del servicio (la réplica que publica), entre dos de sus lotes, publica de "
                             "nuevo con sus ids y huellas originales cada hecho desde `desde` que el stream ya no "
                             "tiene; lo que sí tiene no se envía (no hay duplicados). `retenidos`: posiciones que "
                             "el stream borró pero aún recuerda en su ventana de duplicados; repetir pasada la "
                             "ventana.")
    async def republicar(body: RepublicacionIn) -> RepublicacionOut:
        return RepublicacionOut(**await runtime.republicar(body.desde))

    return router

