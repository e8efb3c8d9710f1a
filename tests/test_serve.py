"""The real server: `gestaltd serve` under Granian, a real upstream, real HTTP in between."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.configs import write_config
from tests.support.server import served
from tests.support.upstream import Upstream


def call(method: str, url: str, body: Any = None) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
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
