"""``X-Request-Id`` on every response, honoured from the caller when valid, and the same id in
every log line and the audit record written while serving that request."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.conftest import GatewayFactory
from tests.support.readme import readme_yaml
from tests.support.upstream import Upstream

JSON_LOGS = {"telemetry": {"provider": "stdout", "config": {"format": "json", "level": "debug"}}}


def _provider(base_url: str) -> dict[str, Any]:
    ping = {"name": "ping", "method": "GET", "path": "/ping"}
    return {"plugin": {"base_url": base_url, "operations": [ping]}}


def _log_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("path", ["/api/v1/echo/ping", "/health", "/api/v1/integrations", "/nope", "/mcp"])
def test_every_response_carries_a_new_uuid4_request_id(
    gateway: GatewayFactory, upstream: Upstream, path: str
) -> None:
    client = gateway({"echo": _provider(upstream.url)})
    first, second = client.get(path).headers["x-request-id"], client.get(path).headers["x-request-id"]
    assert uuid.UUID(first).version == 4 and first != second


def test_a_valid_incoming_id_is_echoed_and_an_invalid_one_replaced(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = gateway({"echo": _provider(upstream.url)})
    kept = client.get("/api/v1/echo/ping", headers={"X-Request-Id": "trace-42.a:b"})
    replaced = client.get("/api/v1/echo/ping", headers={"X-Request-Id": "bad id\twith tab"})
    assert kept.headers["x-request-id"] == "trace-42.a:b"
    assert uuid.UUID(replaced.headers["x-request-id"]).version == 4


def test_a_refused_request_still_gets_its_id(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"echo": _provider(upstream.url)})
    refused = client.get("/api/v1/echo/ping", headers={"Host": "evil.example", "X-Request-Id": "r-1"})
    assert refused.status_code == 421 and refused.headers["x-request-id"] == "r-1"


def test_the_audit_record_and_every_log_line_of_the_request_name_its_id(
    gateway: GatewayFactory, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    client = gateway({"echo": _provider(upstream.url)}, JSON_LOGS)
    capsys.readouterr()
    client.get("/api/v1/echo/ping", headers={"X-Request-Id": "req-audit-1"})
    client.get("/api/v1/echo/nope", headers={"X-Request-Id": "req-audit-2"})
    lines = _log_lines(capsys.readouterr().out)
    audits = [line for line in lines if line.get("log.type") == "audit"]
    assert [(a["request_id"], a["status"]) for a in audits] == [("req-audit-1", 200), ("req-audit-2", 404)]
    assert lines and all(line.get("request_id") in ("req-audit-1", "req-audit-2") for line in lines)


def test_the_readme_telemetry_example_writes_json_lines_with_the_request_id(
    gateway: GatewayFactory, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    client = gateway({"echo": _provider(upstream.url)}, readme_yaml("provider: stdout"))
    capsys.readouterr()
    rid = client.get("/api/v1/echo/ping").headers["x-request-id"]
    (audit,) = [line for line in _log_lines(capsys.readouterr().out) if line.get("log.type") == "audit"]
    assert (audit["request_id"], audit["level"], audit["provider"]) == (rid, "INFO", "echo")
