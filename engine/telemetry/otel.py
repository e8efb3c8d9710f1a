"""Traces and metrics through the OpenTelemetry SDK, when ``telemetry.provider`` is ``otlp``.

``ACTIVE`` is None unless configured, and every instrumented place tests it first: a server
without ``otlp`` never imports the SDK and pays one global read per instrumented step. The SDK
and its exporters are imported here, on configuration only. Spans: the request (a W3C
``traceparent`` from the caller continues its trace), ``broker.invoke``, credential refresh and
the upstream call (which carries ``traceparent`` upstream). Tracer and meter providers are this
module's own, never installed as the process's global ones.
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from engine.errors import ConfigError

PROTOCOLS = ("http/protobuf", "grpc")
_TRACE_HEADERS = (b"traceparent", b"tracestate")
Labels = tuple[str, str, str]  # surface, integration, operation
HttpApp = Callable[[Any, Any, Any], Awaitable[None]]


class Otel:
    """The tracer, the propagator and the instruments one configured process records with."""

    def __init__(self, tracer: Any, meter: Any, shutdown: Callable[[], None] = lambda: None) -> None:
        from opentelemetry.trace import SpanKind
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.tracer = tracer
        self.shutdown = shutdown
        self._kind = SpanKind
        self._propagator = TraceContextTextMapPropagator()
        self.requests = meter.create_counter("gestalt.requests", description="HTTP requests served")
        self.request_duration = meter.create_histogram("gestalt.request.duration", unit="s")
        self.upstream_duration = meter.create_histogram("gestalt.upstream.duration", unit="s")
        self.refreshes = meter.create_counter("gestalt.credential.refreshes")
        self.egress_denials = meter.create_counter("gestalt.egress.denials")

    async def serve_http(self, scope: Any, receive: Any, send: Any, app: HttpApp, labels: Labels) -> None:
        """One HTTP request in a server span (continuing the caller's ``traceparent``), counted
        and timed by surface, integration, operation and status."""
        carrier = {k.decode(): v.decode("latin-1") for k, v in scope["headers"] if k in _TRACE_HEADERS}
        parent = self._propagator.extract(carrier) if carrier else None
        status = [500]

        async def send_status(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        surface, integration, operation = labels
        name = f"{scope['method']} {surface}"
        started = time.perf_counter()
        with self.tracer.start_as_current_span(name, context=parent, kind=self._kind.SERVER) as span:
            span.set_attributes({"http.request.method": scope["method"], "url.path": scope["path"]})
            try:
                await app(scope, receive, send_status)
            finally:
                span.set_attribute("http.response.status_code", status[0])
                attrs: dict[str, str | int] = {"surface": surface, "integration": integration}
                attrs.update(operation=operation, status=status[0])
                self.requests.add(1, attrs)
                self.request_duration.record(time.perf_counter() - started, attrs)

    @contextmanager
    def span(self, name: str, attributes: Mapping[str, Any], client: bool = False) -> Iterator[Any]:
        kind = self._kind.CLIENT if client else self._kind.INTERNAL
        with self.tracer.start_as_current_span(name, attributes=dict(attributes), kind=kind) as span:
            yield span

    def inject(self, headers: dict[str, str]) -> None:
        """The current span's ``traceparent`` (and ``tracestate``) into an upstream request."""
        self._propagator.inject(headers)

    def note(self, key: str, value: str) -> None:
        """An attribute on the current span (the broker's connection mode, once resolved)."""
        from opentelemetry import trace

        trace.get_current_span().set_attribute(key, value)


ACTIVE: Otel | None = None


def configure_otel(provider: str, config: Mapping[str, Any]) -> None:
    """``ACTIVE`` for this telemetry config: an ``Otel`` exporting over OTLP, or None."""
    global ACTIVE
    if ACTIVE is not None:
        ACTIVE.shutdown()
    if provider != "otlp":
        ACTIVE = None
        return
    try:
        ACTIVE = _otlp(config)
    except ImportError as exc:
        raise ConfigError([f"telemetry.provider otlp needs the otlp extra ({exc.name} is missing): "
                           "pip install 'gestalt-engine[otlp]'"]) from None


def install(otel: Otel | None) -> None:
    """Record with ``otel`` from now on (tests hand in one over the SDK's in-memory exporters)."""
    global ACTIVE
    ACTIVE = otel


def _otlp(config: Mapping[str, Any]) -> Otel:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    protocol = str(config.get("protocol", "http/protobuf"))
    if protocol not in PROTOCOLS:
        raise ConfigError([f"telemetry.config.protocol: {protocol!r} is not one of {', '.join(PROTOCOLS)}"])
    default = "http://localhost:4317" if protocol == "grpc" else "http://localhost:4318"
    endpoint = str(config.get("endpoint", default))
    headers = {str(k): str(v) for k, v in dict(config.get("headers") or {}).items()}
    attributes = {str(k): str(v) for k, v in dict(config.get("resource_attributes") or {}).items()}
    resource = Resource.create({**attributes, "service.name": str(config.get("service_name", "gestaltd"))})
    spans, metrics = _exporters(protocol, endpoint.rstrip("/"), headers)
    interval = int(float(config.get("metrics_interval", 10)) * 1000)
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(spans))
    reader = PeriodicExportingMetricReader(metrics, export_interval_millis=interval)
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])

    def shutdown() -> None:  # flushes what is batched; once (a reconfiguration, then at exit)
        atexit.unregister(shutdown)
        tracer_provider.shutdown()
        meter_provider.shutdown()

    atexit.register(shutdown)
    return Otel(tracer_provider.get_tracer("gestaltd"), meter_provider.get_meter("gestaltd"), shutdown)


def _exporters(protocol: str, endpoint: str, headers: dict[str, str]) -> tuple[Any, Any]:
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        insecure = endpoint.startswith("http://")
        return (
            OTLPSpanExporter(endpoint=endpoint, headers=headers, insecure=insecure),
            OTLPMetricExporter(endpoint=endpoint, headers=headers, insecure=insecure),
        )
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetrics
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans

    return (
        HttpSpans(endpoint=f"{endpoint}/v1/traces", headers=headers),
        HttpMetrics(endpoint=f"{endpoint}/v1/metrics", headers=headers),
    )
