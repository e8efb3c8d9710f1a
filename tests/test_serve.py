"""The real server: `gestaltd serve` under Granian, a real upstream, real HTTP in between."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.configs import write_config
from tests.support.server import free_port, served
from tests.support.upstream import Upstream


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_serve_invokes_a_real_upstream_and_shuts_down_cleanly(tmp_path: Path, upstream: Upstream) -> None:
    config = write_config(
        tmp_path,
        {
            "echo": {
                "plugin": {
                    "base_url": upstream.url,
                    "operations": [
                        {
                            "name": "search",
                            "method": "GET",
                            "path": "/search",
                            "parameters": [
                                {"name": "q", "type": "string", "required": True},
                                {"name": "n", "type": "integer"},
                            ],
                        },
                        {
                            "name": "create",
                            "method": "POST",
                            "path": "/items",
                            "parameters": [{"name": "name", "type": "string", "required": True}],
                        },
                    ],
                }
            }
        },
    )
    with served(config) as server:
        status, headers, body = call("GET", server.url + "/api/v1/echo/search?q=hello%20world&n=3")
        assert status == 200, body
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert upstream.last().query == [("q", "hello world"), ("n", "3")]
        status, _, body = call("POST", server.url + "/api/v1/echo/create", {"name": "widget"})
        assert status == 200 and upstream.last().json() == {"name": "widget"}
        status, _, body = call("POST", server.url + "/api/v1/echo/create", {})
        assert (status, json.loads(body)) == (400, {"error": 'missing required parameter "name"'})
        status, headers, _ = call("PUT", server.url + "/api/v1/echo/create")
        assert status == 405 and "GET" in headers["allow"]
        status, _, body = call("GET", server.url + "/api/v1/integrations")
        assert [i["name"] for i in json.loads(body)] == ["echo"]
        os.killpg(server.process.pid, signal.SIGTERM)
        assert server.process.wait(timeout=10) == 0


def _held_document(upstream: Upstream, released: threading.Event) -> str:
    """An OpenAPI document the loopback upstream answers only once ``released`` is set."""
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Slow", "version": "1"},
        "servers": [{"url": upstream.url}],
        "paths": {
            "/things": {"get": {"operationId": "list_things", "responses": {"200": {"description": "ok"}}}}
        },
    }

    def held(_request: Any) -> tuple[int, dict[str, str], bytes]:
        released.wait(30)
        return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()

    upstream.replies["/openapi.json"] = held
    return upstream.url + "/openapi.json"


def test_the_port_opens_before_a_slow_remote_document_is_read(tmp_path: Path, upstream: Upstream) -> None:
    """Spec §4: /health answers at once, /ready is 503 with its reason and every other route a
    clear 503 while providers build; then the server is ready and serves the document's operations."""
    released = threading.Event()
    config = write_config(tmp_path, {"slow": {"plugin": {"openapi": _held_document(upstream, released)}}})
    try:
        with served(config, timeout=15, until="/health") as server:
            assert not released.is_set()  # the document is still being read
            status, _, body = call("GET", server.url + "/ready")
            assert (status, json.loads(body)) == (503, {"status": "providers loading"})
            for method, path in (("GET", "/api/v1/slow/list_things"), ("GET", "/api/v1/integrations")):
                status, headers, body = call(method, server.url + path)
                assert (status, json.loads(body)) == (503, {"error": "service starting"})
                assert headers["retry-after"] == "1" and headers["x-content-type-options"] == "nosniff"
                assert len(headers["x-request-id"]) == 36
            # The perimeter stands in front of the gate too: a name this server is not is refused.
            status, _, _ = call("GET", server.url + "/api/v1/integrations", headers={"Host": "evil.example"})
            assert status == 421
            released.set()
            deadline = time.monotonic() + 15
            while call("GET", server.url + "/ready")[0] != 200:
                assert time.monotonic() < deadline, server.log.read_text()
                time.sleep(0.02)
            status, _, body = call("GET", server.url + "/api/v1/slow/list_things")
            assert status == 200 and upstream.last().path == "/things"
    finally:
        released.set()


def test_a_build_that_fails_behind_the_gate_stops_the_server_with_the_error(
    tmp_path: Path, upstream: Upstream
) -> None:
    """An issue only compiling finds (an egress rule naming an operation the document lacks):
    the port opened, but the process exits 1 with the issue at its line, not a 503 forever."""
    released = threading.Event()
    released.set()
    document = _held_document(upstream, released)
    egress = {"policies": [{"action": "deny", "provider": "slow", "operation": "delete_things"}]}
    config = write_config(tmp_path, {"slow": {"plugin": {"openapi": document}}}, {"egress": egress})
    command = [
        sys.executable,
        "-m",
        "engine.cli",
        "serve",
        "--config",
        str(config),
        "--port",
        str(free_port()),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1, done.stderr
    issue = (
        'egress.policies[0]: unknown operation "delete_things" of integration "slow" (at /egress/policies/0)'
    )
    assert f"{config}:14:5: {issue}" in done.stderr.splitlines()
