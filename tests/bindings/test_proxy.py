"""Proxy bindings end to end: a real gateway, the egress client, a real upstream on loopback.

What reaches the upstream is the caller's request less its own credentials and the hop-by-hop
headers, plus the egress grant's credential; what comes back is the upstream's answer as sent."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from engine.egress.client import RetryPolicy, default_client
from engine.egress.limits import Limits
from tests.bindings.webhooks import write_deployment
from tests.conftest import GatewayFactory
from tests.support.identity import local_auth, local_login
from tests.support.server import served
from tests.support.upstream import Upstream

Client = TestClient[Any]
Make = Callable[..., Client]
GRANT = "grant-token-PLAINTEXT"


@pytest.fixture
def secrets_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "upstream-token").write_text(GRANT)
    return folder


@pytest.fixture
def proxies(tmp_path: Path, upstream: Upstream, secrets_dir: Path, gateway: GatewayFactory) -> Make:
    """``proxies(egress=…, extra=…)`` → a client over a gateway with the ``out`` proxy binding."""

    def make(egress: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> Client:
        host = urlsplit(upstream.url).netloc
        grants = {"credentials": [{"secret_ref": "secret://upstream-token", "host": host}]}
        settings = {"secrets": {"provider": "file", "config": {"dir": str(secrets_dir)}},
                    "egress": egress if egress is not None else grants, **(extra or {})}  # fmt: skip
        binding = {"type": "proxy", "providers": ["events"], "config": {"path": "/px"}}
        path = write_deployment(tmp_path, upstream.url, {"out": binding}, settings)
        return gateway.open(path, default_client(Limits(timeout=2.0), RetryPolicy(attempts=1)))

    return make


def to(upstream: Upstream, **headers: str) -> dict[str, str]:
    return {"X-Forwarded-Host": urlsplit(upstream.url).netloc, "X-Forwarded-Proto": "http", **headers}


def test_the_request_goes_upstream_with_the_grant_and_without_the_callers_credentials(
    proxies: Make, upstream: Upstream
) -> None:
    upstream.reply(
        "/v1/items/a%2Fb", 202, {"queued": True}, headers={"X-Upstream": "yes", "Connection": "close"}
    )
    response = proxies().post(
        "/api/v1/bindings/out/px/v1/items/a%2Fb?x=1&y=%20",
        content=b'{"n": 1}',
        headers=to(
            upstream,
            **{
                "Content-Type": "application/json",
                "Authorization": "Bearer caller-own",
                "Cookie": "session=abc",
                "Proxy-Authorization": "Bearer whatever",
                "Connection": "X-Drop",
                "X-Drop": "1",
                "X-Keep": "kept",
                "Keep-Alive": "timeout=5",
                "TE": "trailers",
            },
        ),  # fmt: skip
    )
    assert (response.status_code, response.json()) == (202, {"queued": True})
    assert response.headers["x-upstream"] == "yes" and "x-content-type-options" in response.headers
    sent = upstream.last()
    assert (sent.method, sent.target, sent.body) == ("POST", "/v1/items/a%2Fb?x=1&y=%20", b'{"n": 1}')
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert headers["authorization"] == f"Bearer {GRANT}"
    assert headers["x-keep"] == "kept" and headers["content-type"] == "application/json"
    for gone in ("cookie", "proxy-authorization", "x-drop", "keep-alive", "te", "x-forwarded-host",
                 "x-forwarded-proto"):  # fmt: skip
        assert gone not in headers, gone


def test_upstream_errors_and_redirects_pass_through_untouched(proxies: Make, upstream: Upstream) -> None:
    upstream.reply("/missing", 404, b"no such thing", headers={"Content-Type": "text/plain"})
    upstream.reply("/moved", 302, b"", headers={"Location": "/elsewhere"})
    client = proxies()
    missing = client.get("/api/v1/bindings/out/px/missing", headers=to(upstream))
    assert (missing.status_code, missing.text, missing.headers["content-type"]) == (
        404,
        "no such thing",
        "text/plain",
    )
    moved = client.get("/api/v1/bindings/out/px/moved", headers=to(upstream), follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (302, "/elsewhere")


def test_the_exact_path_is_the_upstream_root_and_other_methods_are_refused(
    proxies: Make, upstream: Upstream
) -> None:
    upstream.reply("/", 200, {"root": True})
    client = proxies()
    assert client.get("/api/v1/bindings/out/px", headers=to(upstream)).json() == {"root": True}
    assert upstream.last().target == "/"
    wrong = client.request("TRACE", "/api/v1/bindings/out/px/x", headers=to(upstream))
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method not allowed")


def test_a_body_over_one_mib_is_refused(proxies: Make, upstream: Upstream) -> None:
    response = proxies().put(
        "/api/v1/bindings/out/px/x", content=b"x" * ((1 << 20) + 1), headers=to(upstream)
    )
    assert (response.status_code, response.json()) == (413, {"error": "request body too large"})
    assert upstream.requests == []


def test_a_denied_target_is_never_reached_and_its_grant_never_read(
    proxies: Make, upstream: Upstream, secrets_dir: Path
) -> None:
    (secrets_dir / "upstream-token").unlink()  # reading it would fail: the policy must answer first
    egress = {"default_action": "deny", "policies": [{"action": "allow", "host": "api.example.test"}],
              "credentials": [{"secret_ref": "secret://upstream-token", "path_prefix": "/"}]}  # fmt: skip
    response = proxies(egress).get("/api/v1/bindings/out/px/secret?k=v", headers=to(upstream))
    assert (response.status_code, response.json()) == (403, {"error": "egress denied by policy: GET /secret"})
    assert upstream.requests == []


def test_a_large_response_streams_through_intact(proxies: Make, upstream: Upstream) -> None:
    payload = bytes(range(256)) * (8 << 12)  # 8 MiB
    upstream.reply("/big", 200, payload, headers={"Content-Type": "application/octet-stream"})
    response = proxies().get("/api/v1/bindings/out/px/big", headers=to(upstream))
    assert response.status_code == 200 and response.content == payload


def test_callers_authenticate_with_proxy_authorization(proxies: Make, upstream: Upstream) -> None:
    upstream.reply("/me", 200, {"ok": True})
    client = proxies(extra={**local_auth(), "server": {"encryption_key": "11" * 32}})
    anonymous = client.get("/api/v1/bindings/out/px/me", headers=to(upstream))
    assert (anonymous.status_code, anonymous.json()) == (407, {"error": "proxy authentication required"})
    assert anonymous.headers["proxy-authenticate"] == "Bearer"
    bad = client.get(
        "/api/v1/bindings/out/px/me", headers=to(upstream, **{"Proxy-Authorization": "Bearer nope"})
    )
    assert (bad.status_code, bad.headers["proxy-authenticate"]) == (407, "Bearer")
    assert upstream.requests == []
    assert local_login(client).status_code == 200
    token = client.post("/api/v1/tokens", json={"name": "proxy"}).json()["token"]
    ok = client.get(
        "/api/v1/bindings/out/px/me", headers=to(upstream, **{"Proxy-Authorization": f"Bearer {token}"})
    )
    assert ok.json() == {"ok": True}
    sent = {k.lower(): v for k, v in upstream.last().headers.items()}
    assert (
        sent["authorization"] == f"Bearer {GRANT}" and "cookie" not in sent
    )  # the session cookie stays here
    assert token not in str(sent)


def test_the_listing_shows_the_proxy(proxies: Make) -> None:
    assert proxies().get("/api/v1/bindings").json() == [
        {"name": "out", "type": "proxy", "path": "/api/v1/bindings/out/px", "providers": ["events"]}
    ]


def test_the_served_proxy_streams_a_large_body_with_the_raw_path(
    tmp_path: Path, upstream: Upstream, secrets_dir: Path
) -> None:
    """The real server (Granian): the percent-encoded path and the query arrive as sent."""
    payload = b"0123456789abcdef" * (1 << 19)  # 8 MiB
    upstream.reply("/files/a%20b", 200, payload, headers={"Content-Type": "application/octet-stream"})
    settings = {"secrets": {"provider": "file", "config": {"dir": str(secrets_dir)}}}
    binding = {"type": "proxy", "config": {"path": "/"}}
    with served(write_deployment(tmp_path, upstream.url, {"out": binding}, settings)) as server:
        request = urllib.request.Request(
            server.url + "/api/v1/bindings/out/files/a%20b?q=%2F", headers=to(upstream)
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.read() == payload
    assert upstream.last().target == "/files/a%20b?q=%2F"
