"""The request spans of a service's HTTP app: one OpenTelemetry span per request, at what it costs.

One SERVER span per request, named by its route (``POST /v1/acompanantes/{acompanante_id}/visitas``), current
while the request runs (the events it saves carry its trace, ``shared.telemetry.event_metadata``), child of the
caller's W3C ``traceparent`` when the request brings one. Its attributes: ``http.method``, ``http.route``,
``http.target`` (the path), ``http.scheme`` and, once answered, ``http.status_code``; a 5xx or an exception
marks it as an error (the exception recorded on it). Probes and metrics (``/healthz``, ``/readyz``,
``/metrics``) leave none.

OpenTelemetry's FastAPI instrumentation did this and more on every request (a dozen attributes parsed from the
URL and the headers, an active-requests counter and duration histograms with no meter behind them, a wrapper
around every ASGI message, the route found again among every route): about a tenth of agenda's CPU on a
visit's request. The route that names a span is the one the router took (``scope["route"]``, set by Starlette's
router as it matches); only a request answered before routing (refused by the access policy) or by no route
(404) has its route looked for among the app's routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer, TracerProvider
from starlette.routing import Match, Route

from shared.telemetry import context_from_traceparent

SIN_SPAN = frozenset({"/healthz", "/readyz", "/metrics"})


def instrumentar(api: FastAPI, tracer_provider: TracerProvider) -> None:
    """A span per request (``SpanDeSolicitud``) just inside the app's outermost middleware (the one that
    answers 500 to an unhandled exception), so every other middleware and the route run inside it."""
    construir = api.build_middleware_stack
    tracer = tracer_provider.get_tracer(__name__)

    def build_middleware_stack() -> Any:  # noqa: ANN401
        pila = construir()  # ServerErrorMiddleware(the user's middlewares(...(the router)))
        pila.app = SpanDeSolicitud(pila.app, tracer, api)
        return pila

    api.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


class SpanDeSolicitud:
    """The ASGI middleware that opens each request's span (see the module's docstring)."""

    def __init__(self, app: Any, tracer: Tracer, api: FastAPI) -> None:  # noqa: ANN401
        self.app, self.tracer, self.api = app, tracer, api

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:  # noqa: ANN401
        if scope["type"] != "http" or scope["path"] in SIN_SPAN:
            return await self.app(scope, receive, send)
        traceparent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"traceparent"), "")
        atributos = {"http.method": scope["method"], "http.target": scope["path"],
                     "http.scheme": scope.get("scheme", "http")}
        with self.tracer.start_as_current_span(scope["method"], context=context_from_traceparent(traceparent),
                                               kind=SpanKind.SERVER, attributes=atributos) as span:
            async def enviar(mensaje: dict) -> None:
                if mensaje["type"] == "http.response.start":
                    span.set_attribute("http.status_code", mensaje["status"])
                    if mensaje["status"] >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(mensaje)

            try:
                await self.app(scope, receive, enviar)
            finally:  # named once the router took its route (an exception included)
                ruta = getattr(scope.get("route"), "path", None)
                nombre, de_ruta = ((f"{scope['method']} {ruta}", {"http.route": ruta}) if ruta
                                   else detalles_de_ruta(self.api, scope))
                span.update_name(nombre)
                span.set_attributes(de_ruta)


def detalles_de_ruta(api: FastAPI, scope: dict) -> tuple[str, dict]:
    """A request's span name and route attribute, as OpenTelemetry's FastAPI instrumentation names them: its
    method and the template of the route that takes it (or, when none does, of the last that matches its path
    with another method: it answers 405); the method alone when no route matches (404)."""
    plantilla = None
    for ruta in iter_route_contexts(api.router.routes):  # included routers unfolded
        encaje, _ = Route.matches(ruta, scope) if isinstance(ruta, Route) else ruta.matches(scope)
        if encaje == Match.FULL:
            plantilla = getattr(ruta, "path", scope["path"])
            break
        if encaje == Match.PARTIAL:
            plantilla = ruta.path
    if plantilla is None:
        return scope["method"], {}
    return f"{scope['method']} {plantilla}", {"http.route": plantilla}
