"""De-duplication holds where it matters: across a restart of the real server (SQLite) and
across replicas sharing one Postgres, also after they restart."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from engine.bootstrap import build_gateway, build_runtime, load_config
from engine.egress.client import default_client
from engine.egress.limits import Limits
from tests.bindings.webhooks import SECRET, body, forwarding, hex_hmac, write_deployment
from tests.store.conftest import postgres_dsn, postgres_schema_dsn  # noqa: F401 - fixtures
from tests.support.app_client import app_client
from tests.support.server import served
from tests.support.upstream import Upstream

HOOK = forwarding(
    {
        "path": "/in",
        "auth_mode": "signed",
        "signing_secret": SECRET,
        "delivery_id": "{{ headers['x-delivery'] }}",
    }
)
RAW = body(kind="push", number=1)
HEADERS = {"X-Signature": hex_hmac(SECRET, RAW), "X-Delivery": "d-42", "Content-Type": "application/json"}


def post(url: str, headers: dict[str, str], raw: bytes = RAW) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_a_delivery_is_not_forwarded_again_after_a_restart(tmp_path: Path, upstream: Upstream) -> None:
    upstream.reply("/events", 201, {"stored": True})
    config = write_deployment(tmp_path, upstream.url, {"hook": HOOK})
    with served(config) as server:
        assert post(server.url + "/api/v1/bindings/hook/in", HEADERS)[0] == 201
    with served(config) as server:
        assert post(server.url + "/api/v1/bindings/hook/in", HEADERS) == (200, b'{"status":"duplicate"}\n')
    assert len(upstream.requests) == 1


def test_a_trusted_peer_names_the_user(tmp_path: Path, upstream: Upstream) -> None:
    """The real server sees the socket's peer (127.0.0.1) and takes the user from the header."""
    upstream.reply("/events", 201, {"stored": True})
    trusted = forwarding({"path": "/in", "auth_mode": "trusted_user_header", "user_header": "X-User",
                          "trusted_sources": ["127.0.0.0/8"]})  # fmt: skip
    elsewhere = {
        **trusted,
        "config": {**trusted["config"], "path": "/far", "trusted_sources": ["10.0.0.0/8"]},
    }
    config = write_deployment(tmp_path, upstream.url, {"near": trusted, "far": elsewhere})
    with served(config) as server:
        headers = {"X-User": "u-1", "Content-Type": "application/json"}
        assert post(server.url + "/api/v1/bindings/near/in", headers)[0] == 201
        assert post(server.url + "/api/v1/bindings/near/in", {"Content-Type": "application/json"}) == (
            401, b'{"error":"missing user header"}\n')  # fmt: skip
        assert post(server.url + "/api/v1/bindings/far/far", headers) == (
            403,
            b'{"error":"untrusted source"}\n',
        )
    assert len(upstream.requests) == 1


def replica(root: Path, upstream: Upstream, dsn: str) -> TestClient[Any]:
    extra = {"datastore": {"provider": "postgres", "config": {"dsn": dsn}}}
    path = write_deployment(root, upstream.url, {"hook": HOOK}, extra)
    client = app_client(build_gateway(build_runtime(load_config(path), default_client(Limits(timeout=2.0)))))
    client.__enter__()
    return client


def test_replicas_sharing_postgres_forward_a_delivery_once(
    tmp_path: Path,
    upstream: Upstream,
    postgres_schema_dsn: str,  # noqa: F811
) -> None:
    upstream.reply("/events", 201, {"stored": True})
    one, two = (
        replica(tmp_path / "a", upstream, postgres_schema_dsn),
        replica(tmp_path / "b", upstream, postgres_schema_dsn),
    )
    try:
        answers = [c.post("/api/v1/bindings/hook/in", content=RAW, headers=HEADERS) for c in (one, two, one)]
        assert [a.status_code for a in answers] == [201, 200, 200]
    finally:
        one.__exit__(None, None, None)
        two.__exit__(None, None, None)
    restarted = replica(tmp_path / "c", upstream, postgres_schema_dsn)
    try:
        again = restarted.post("/api/v1/bindings/hook/in", content=RAW, headers=HEADERS)
        assert again.json() == {"status": "duplicate"}
    finally:
        restarted.__exit__(None, None, None)
    assert len(upstream.requests) == 1
