"""Traces and metrics through the OpenTelemetry SDK's in-memory exporters: the request, broker
and upstream spans in one trace continued from the caller's ``traceparent`` and carried upstream;
request and upstream metrics; nothing of the SDK imported when ``otlp`` is not configured."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from engine.errors import ConfigError
from engine.telemetry import otel
from tests.config.conftest import config_issues
from tests.conftest import GatewayFactory
from tests.support.configs import write_config
from tests.support.otlp_receiver import start_otlp_receiver
from tests.support.readme import readme_yaml
from tests.support.upstream import Upstream

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
Memory = tuple[InMemorySpanExporter, InMemoryMetricReader]


@pytest.fixture
def memory() -> Iterator[Memory]:
    """The SDK's in-memory exporters; installed by ``traced`` once the app is built (building it
    configures the test config's own ``noop`` telemetry)."""
    yield InMemorySpanExporter(), InMemoryMetricReader()
    otel.install(None)


def traced(gateway: GatewayFactory, upstream: Upstream, memory: Memory) -> TestClient[Any]:
    client = gateway({"echo": _provider(upstream.url)})
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(memory[0]))
    meter_provider = MeterProvider(metric_readers=[memory[1]])
    otel.install(otel.Otel(tracer_provider.get_tracer("test"), meter_provider.get_meter("test")))
    return client


def _provider(base_url: str) -> dict[str, Any]:
    ping = {"name": "ping", "method": "GET", "path": "/ping"}
    return {"plugin": {"base_url": base_url, "operations": [ping]}}


def _points(reader: InMemoryMetricReader, name: str) -> list[Any]:
    data = reader.get_metrics_data()
    assert data is not None
    return [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


def _by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {span.name: span for span in spans}


def _attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def test_one_trace_from_the_caller_through_the_broker_to_the_upstream(
    gateway: GatewayFactory, upstream: Upstream, memory: Memory
) -> None:
    client = traced(gateway, upstream, memory)
    response = client.get("/api/v1/echo/ping", headers={"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"})
    assert response.status_code == 200
    spans = _by_name(memory[0].get_finished_spans())
    request, broker, call = spans["GET api"], spans["broker.invoke"], spans["upstream GET"]
    assert {format(s.context.trace_id, "032x") for s in (request, broker, call)} == {TRACE_ID}
    assert request.parent is not None and format(request.parent.span_id, "016x") == CALLER_SPAN
    assert broker.parent is not None and broker.parent.span_id == request.context.span_id
    assert call.parent is not None and call.parent.span_id == broker.context.span_id
    assert _attributes(broker) == {
        "gestalt.integration": "echo",
        "gestalt.operation": "ping",
        "gestalt.connection.mode": "none",
        "gestalt.outcome": "ok",
    }
    sent = upstream.last().headers["traceparent"]
    assert sent == f"00-{TRACE_ID}-{format(call.context.span_id, '016x')}-01"


def test_requests_and_upstream_calls_are_counted_and_timed_by_their_labels(
    gateway: GatewayFactory, upstream: Upstream, memory: Memory
) -> None:
    client = traced(gateway, upstream, memory)
    client.get("/api/v1/echo/ping")
    client.get("/api/v1/echo/ping")
    client.get("/health")
    counts = {tuple(sorted(p.attributes.items())): p.value for p in _points(memory[1], "gestalt.requests")}
    api = (("integration", "echo"), ("operation", "ping"), ("status", 200), ("surface", "api"))
    health = (("integration", ""), ("operation", ""), ("status", 200), ("surface", "web"))
    assert counts == {api: 2, health: 1}
    durations = _points(memory[1], "gestalt.request.duration")
    (latency,) = [p for p in durations if p.attributes["surface"] == "api"]
    assert latency.count == 2 and latency.sum > 0
    (upstream_latency,) = _points(memory[1], "gestalt.upstream.duration")
    assert upstream_latency.count == 2 and upstream_latency.attributes["status"] == 200


def test_an_unknown_otlp_protocol_is_refused_and_other_providers_turn_it_off() -> None:
    with pytest.raises(ConfigError, match="telemetry.config.protocol: 'carrier-pigeon' is not one of"):
        otel.configure_otel("otlp", {"protocol": "carrier-pigeon"})
    otel.configure_otel("stdout", {})
    assert otel.ACTIVE is None


def test_without_otlp_the_sdk_is_never_imported() -> None:
    script = (
        "import sys\n"
        "from engine.telemetry import configure_telemetry\n"
        "import engine.web.gateway, engine.invocation.broker, engine.egress.client\n"
        "configure_telemetry('stdout', {})\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_readme_otlp_example_configures_the_exporters() -> None:
    config = readme_yaml("provider: otlp")["telemetry"]
    assert config["provider"] == "otlp" and config["config"]["protocol"] == "http/protobuf"
    otel.configure_otel("otlp", config["config"])
    try:
        assert otel.ACTIVE is not None
    finally:
        otel.configure_otel("noop", {})


def test_the_readme_otlp_example_passes_validation(tmp_path: Path) -> None:
    config = write_config(tmp_path, {}, readme_yaml("provider: otlp"))
    assert config_issues(config, {"OTLP_TOKEN": "t0ken"}) == []


def test_an_otlp_setting_outside_the_schema_is_refused_at_its_place(tmp_path: Path) -> None:
    bad = {"telemetry": {"provider": "otlp", "config": {"protocol": "udp"}}}
    (issue,) = config_issues(write_config(tmp_path, {}, bad), {})
    assert issue.pointer == "/telemetry/config/protocol"


def test_a_served_request_reaches_a_loopback_otlp_http_receiver(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    url, received, stop = start_otlp_receiver()
    settings = {"endpoint": url, "headers": {"x-collector-key": "k1"}, "service_name": "gw-e2e"}
    settings["resource_attributes"] = {"deployment.environment": "test"}
    try:
        telemetry = {"telemetry": {"provider": "otlp", "config": settings}}
        client = gateway({"echo": _provider(upstream.url)}, telemetry)
        assert client.get("/api/v1/echo/ping").status_code == 200
        assert otel.ACTIVE is not None
        otel.ACTIVE.shutdown()  # flushes the batched spans and the last metrics
    finally:
        otel.configure_otel("noop", {})
        stop()
    assert {"GET api", "broker.invoke", "upstream GET"} <= set(received.span_names())
    metrics = {"gestalt.requests", "gestalt.request.duration", "gestalt.upstream.duration"}
    assert metrics <= received.metric_names()
    resource = received.resource_attributes()
    assert (resource["service.name"], resource["deployment.environment"]) == ("gw-e2e", "test")
    assert all(h["x-collector-key"] == "k1" for h in received.headers)
