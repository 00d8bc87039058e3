"""The request spans of a service's HTTP app (OpenTelemetry's FastAPI instrumentation), at what they cost.

One span per request, named by its route (``POST /v1/acompanantes/{acompanante_id}/visitas``). Left out: the
ASGI ``http send`` / ``http receive`` child spans (two or three more per request, each entered and ended around
one message, saying nothing the request's span does not). The route that names the span is found by the
instrumentation by matching the request against every route of the app, on every request; here the answer for
a method and path is remembered (the routes do not change once the app serves; cachetools' ``LRUCache``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cachetools import LRUCache
from fastapi import FastAPI
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import TracerProvider

Detalles = Callable[[dict], tuple[str, dict]]
RECORDADAS = 10_000  # (method, path) pairs remembered: those used last


def instrumentar(api: FastAPI, tracer_provider: TracerProvider) -> None:
    FastAPIInstrumentor.instrument_app(api, tracer_provider=tracer_provider, excluded_urls="healthz,readyz,metrics",
                                       exclude_spans=["receive", "send"])
    construir = api.build_middleware_stack

    def build_middleware_stack() -> Any:  # noqa: ANN401
        pila = construir()
        otel = getattr(pila, "app", None)  # the instrumentation's stack: ServerErrorMiddleware(OpenTelemetryMiddleware)
        if isinstance(otel, OpenTelemetryMiddleware):
            otel.default_span_details = recordando(otel.default_span_details)
        return pila

    api.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


def recordando(buscar: Detalles, cuantas: int = RECORDADAS) -> Detalles:
    """``buscar`` (a span's name and attributes from the ASGI scope), remembered per method and path (the
    ``cuantas`` used last)."""
    halladas: LRUCache[tuple, tuple[str, dict]] = LRUCache(maxsize=cuantas)

    def detalles(scope: dict) -> tuple[str, dict]:
        llave = (scope.get("type"), scope.get("method"), scope.get("root_path", ""), scope.get("path"))
        if (hallada := halladas.get(llave)) is None:
            hallada = halladas[llave] = buscar(scope)
        return hallada[0], dict(hallada[1])

    return detalles
