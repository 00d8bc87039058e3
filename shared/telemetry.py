"""Traces and metrics shared by every service.

Each service owns one ``TracerProvider`` (so spans carry its ``service.name``) and one
Prometheus registry. W3C trace context travels with events: it is stored with the event
when it is saved (``event_metadata``), sent as the ``traceparent`` header by the outbox
relay, and picked up by the consumers (``shared.consumer``), which run each handler in that trace.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from opentelemetry import context as otel_context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CollectorRegistry, Counter, Gauge

_propagator = TraceContextTextMapPropagator()


@dataclass(frozen=True)
class Actor:
    """Who issues a command or a query: from the request's verified token (``shared.autenticacion``)."""

    usuario: str = "sistema"
    rol: str = "sistema"
    dre: str | None = None
    ugel: str | None = None
    ie: str | None = None


current_actor: ContextVar[Actor] = ContextVar("current_actor", default=Actor())


def build_tracer_provider(servicio: str, *processors: SpanProcessor) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": f"acompana-{servicio}"}))
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def current_traceparent() -> str:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent", "")


def context_from_traceparent(traceparent: str) -> otel_context.Context:
    return _propagator.extract({"traceparent": traceparent} if traceparent else {})


def event_metadata() -> dict[str, str]:
    """Metadata stored with every domain event: the trace it belongs to and who caused it."""
    actor = current_actor.get()
    return {"traceparent": current_traceparent(), "usuario": actor.usuario, "rol": actor.rol}


@dataclass
class Telemetry:
    """The tracing and metrics handles of one service process."""

    servicio: str
    tracer_provider: TracerProvider
    registry: CollectorRegistry
    _metrics: dict[str, Gauge | Counter] = field(default_factory=dict)

    @classmethod
    def create(cls, servicio: str, *processors: SpanProcessor) -> Telemetry:
        return cls(servicio, build_tracer_provider(servicio, *processors), CollectorRegistry())

    def tracer(self, name: str) -> Tracer:
        return self.tracer_provider.get_tracer(name)

    def gauge(self, name: str, documentation: str) -> Gauge:
        return self._metric(Gauge, name, documentation)

    def counter(self, name: str, documentation: str) -> Counter:
        return self._metric(Counter, name, documentation)

    def _metric(self, kind: type, name: str, documentation: str):  # noqa: ANN202
        # One metric object per name and registry, whoever asks for it (a restarted relay too).
        if name not in self._metrics:
            self._metrics[name] = kind(name, documentation, registry=self.registry)
        return self._metrics[name]
