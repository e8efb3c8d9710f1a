"""Webhook bindings end to end: a real gateway, a real SQLite store, a real upstream on loopback.

A delivery reaches the upstream exactly when it is authentic, fresh and new; every refusal is a
JSON 4xx naming what was wrong, and the upstream never sees it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from engine.bootstrap import check_config
from engine.egress.client import default_client
from engine.egress.limits import Limits
from tests.bindings.webhooks import (
    SECRET,
    body,
    forwarding,
    hex_hmac,
    slack_headers,
    stripe_header,
    write_deployment,
)
from tests.conftest import GatewayFactory
from tests.support.upstream import Upstream

Client = TestClient[Any]
Make = Callable[..., Client]


@pytest.fixture
def hooks(tmp_path: Path, upstream: Upstream, gateway: GatewayFactory) -> Make:
    """``hooks({"name": binding})`` → a client over a gateway serving those bindings."""
    tables.clear()

    def make(bindings: dict[str, dict[str, Any]], extra: dict[str, Any] | None = None) -> Client:
        upstream.reply("/events", 201, {"stored": True})
        path = write_deployment(tmp_path, upstream.url, bindings, extra)
        client = gateway.open(path, default_client(Limits(timeout=2.0)))
        tables[client] = gateway.apps[-1].route_table
        return client

    return make


def signed(config: dict[str, Any] | None = None) -> dict[str, Any]:
    return forwarding({"path": "/in", "auth_mode": "signed", "signing_secret": SECRET, **(config or {})})


URL = "/api/v1/bindings/hook/in"
tables: dict[Client, Callable[[], list[tuple[str, str, str]]]] = {}  # each client's route table


def test_a_signed_delivery_is_forwarded_with_the_body_as_parameters(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed()})
    raw = body(kind="push", number=7)
    response = client.post(URL, content=raw, headers={"X-Signature": hex_hmac(SECRET, raw)})
    assert (response.status_code, response.json()) == (201, {"stored": True})
    assert [(r.path, r.json()) for r in upstream.requests] == [("/events", {"kind": "push", "number": 7})]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing signature"),
        ({"X-Signature": "00" * 32}, "invalid signature"),
        ({"X-Signature": "not-hex"}, "invalid signature"),
        ({"X-Signature": hex_hmac("another-secret", body(kind="push"))}, "invalid signature"),
    ],
)
def test_a_wrong_or_missing_signature_never_reaches_the_provider(
    hooks: Make, upstream: Upstream, headers: dict[str, str], message: str
) -> None:
    response = hooks({"hook": signed()}).post(URL, content=body(kind="push"), headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": message})
    assert upstream.requests == []


def test_a_signature_over_other_bytes_is_refused(hooks: Make, upstream: Upstream) -> None:
    """The raw body is what is signed: the same JSON spelled differently is another message."""
    signature = hex_hmac(SECRET, body(kind="push"))
    response = hooks({"hook": signed()}).post(
        URL, content=b'{"kind":  "push"}', headers={"X-Signature": signature}
    )
    assert response.status_code == 401 and upstream.requests == []


def test_the_sha256_prefix_and_a_custom_header_are_accepted(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed({"signature_header": "X-Hook-Sig"})})
    raw = body(kind="a")
    ok = client.post(URL, content=raw, headers={"X-Hook-Sig": "sha256=" + hex_hmac(SECRET, raw).upper()})
    wrong_header = client.post(URL, content=raw, headers={"X-Signature": hex_hmac(SECRET, raw)})
    assert (ok.status_code, wrong_header.status_code) == (201, 401)
    assert len(upstream.requests) == 1


def test_several_secrets_are_accepted_while_one_is_rotated(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed({"signing_secret": ["new-secret", SECRET]})})
    for secret in ("new-secret", SECRET):
        raw = body(kind=secret)
        assert (
            client.post(URL, content=raw, headers={"X-Signature": hex_hmac(secret, raw)}).status_code == 201
        )
    raw = body(kind="retired")
    assert client.post(URL, content=raw, headers={"X-Signature": hex_hmac("retired", raw)}).status_code == 401
    assert [r.json()["kind"] for r in upstream.requests] == ["new-secret", SECRET]


def test_the_secret_comes_from_the_secrets_provider(
    hooks: Make, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "from-the-environment")
    client = hooks({"hook": signed({"signing_secret": "secret://HOOK_SECRET"})})
    raw = body(kind="env")
    literal = client.post(URL, content=raw, headers={"X-Signature": hex_hmac("secret://HOOK_SECRET", raw)})
    resolved = client.post(URL, content=raw, headers={"X-Signature": hex_hmac("from-the-environment", raw)})
    assert (literal.status_code, resolved.status_code) == (401, 201)


def test_the_same_delivery_posted_twice_is_forwarded_once(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed({"delivery_id": "{{ headers['x-delivery'] }}"})})
    raw = body(kind="push")
    headers = {"X-Signature": hex_hmac(SECRET, raw), "X-Delivery": "d-1"}
    first, again = (
        client.post(URL, content=raw, headers=headers),
        client.post(URL, content=raw, headers=headers),
    )
    assert (first.status_code, again.status_code, again.json()) == (201, 200, {"status": "duplicate"})
    other = client.post(URL, content=raw, headers={**headers, "X-Delivery": "d-2"})
    assert other.status_code == 201 and len(upstream.requests) == 2
    missing = client.post(URL, content=raw, headers={"X-Signature": headers["X-Signature"]})
    assert (missing.status_code, missing.json()) == (400, {"error": "missing delivery id"})


def test_a_failed_forward_lets_the_senders_retry_through(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed({"delivery_id": "{{ body.id }}", "params": {"kind": "{{ body.kind }}"}})})
    upstream.reply("/events", 503, {"down": True})
    raw = body(id="evt-1", kind="push")
    headers = {"X-Signature": hex_hmac(SECRET, raw)}
    failed = client.post(URL, content=raw, headers=headers)
    assert (failed.status_code, failed.json()) == (503, {"down": True})  # the upstream's answer
    upstream.reply("/events", 201, {"stored": True})
    assert client.post(URL, content=raw, headers=headers).status_code == 201
    assert client.post(URL, content=raw, headers=headers).json() == {"status": "duplicate"}
    assert len(upstream.requests) == 2


def test_github_deliveries(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed({"signature_scheme": "github", "params": {"kind": "{{ body.action }}"}})})
    raw = body(action="opened", number=3)
    signature = "sha256=" + hex_hmac(SECRET, raw)
    headers = {"X-Hub-Signature-256": signature, "X-GitHub-Delivery": "72d3162e"}
    assert client.post(URL, content=raw, headers=headers).status_code == 201
    assert client.post(URL, content=raw, headers=headers).json() == {"status": "duplicate"}
    no_prefix = {**headers, "X-Hub-Signature-256": signature.removeprefix("sha256=")}
    assert client.post(URL, content=raw, headers=no_prefix).status_code == 401
    no_id = client.post(URL, content=raw, headers={"X-Hub-Signature-256": signature})
    assert no_id.json() == {"error": "missing delivery id"}
    assert [r.json() for r in upstream.requests] == [{"kind": "opened"}]


def test_stripe_deliveries_and_their_timestamp(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed({"signature_scheme": "stripe", "timestamp_tolerance": "5m",
                                    "params": {"kind": "{{ body.type }}"}})})  # fmt: skip
    raw = body(id="evt_1", type="charge.succeeded")
    fresh = client.post(URL, content=raw, headers={"Stripe-Signature": stripe_header(SECRET, raw)})
    assert fresh.status_code == 201
    again = client.post(URL, content=raw, headers={"Stripe-Signature": stripe_header(SECRET, raw)})
    assert again.json() == {"status": "duplicate"}
    other = body(id="evt_2", type="charge.failed")
    stale = client.post(
        URL, content=other, headers={"Stripe-Signature": stripe_header(SECRET, other, int(time.time()) - 600)}
    )
    assert (stale.status_code, stale.json()) == (
        401,
        {"error": "signature timestamp outside the allowed window"},
    )
    forged_time = stripe_header(SECRET, other, int(time.time()) - 600).replace("t=", "t=9", 1)
    assert client.post(URL, content=other, headers={"Stripe-Signature": forged_time}).status_code == 401
    assert [r.json() for r in upstream.requests] == [{"kind": "charge.succeeded"}]


def test_slack_deliveries_and_their_timestamp(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"hook": signed({"signature_scheme": "slack", "params": {"kind": "{{ body.type }}"}})})
    raw = body(type="event_callback", event_id="Ev1")
    assert client.post(URL, content=raw, headers=slack_headers(SECRET, raw)).status_code == 201
    assert client.post(URL, content=raw, headers=slack_headers(SECRET, raw)).json() == {"status": "duplicate"}
    stale = client.post(URL, content=raw, headers=slack_headers(SECRET, raw, int(time.time()) - 3600))
    assert stale.json() == {"error": "signature timestamp outside the allowed window"}
    # A delivery without an event id (url_verification) is not de-duplicated.
    check = body(type="url_verification")
    assert [client.post(URL, content=check, headers=slack_headers(SECRET, check)).status_code
            for _ in range(2)] == [201, 201]  # fmt: skip
    assert len(upstream.requests) == 3


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"x" * 300, 413, "request body too large"),
        (b"not json", 400, "webhook body must be a JSON object"),
        (b"[1, 2]", 400, "webhook body must be a JSON object"),
    ],
)
def test_bodies_that_are_refused(
    hooks: Make, upstream: Upstream, raw: bytes, status: int, message: str
) -> None:
    client = hooks({"hook": signed({"max_body_bytes": 256})})
    response = client.post(URL, content=raw, headers={"X-Signature": hex_hmac(SECRET, raw)})
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert upstream.requests == []


def test_a_public_webhook_without_a_target_echoes_the_body(hooks: Make, upstream: Upstream) -> None:
    client = hooks({"echo": {"type": "webhook", "config": {"path": "/"}}})
    assert client.post("/api/v1/bindings/echo", content=body(a=1)).json() == {"a": 1}
    assert client.post("/api/v1/bindings/echo/", content=b"").content == b"null\n"
    wrong = client.get("/api/v1/bindings/echo")
    assert (wrong.status_code, wrong.headers["allow"], wrong.json()) == (
        405,
        "POST",
        {"error": "method not allowed"},
    )
    assert client.post("/api/v1/bindings/nope/x").json() == {"error": "not found"}
    assert upstream.requests == []


def test_the_rate_limit_refuses_past_the_burst(hooks: Make, upstream: Upstream) -> None:
    limited = forwarding({"path": "/in", "rate_limit": {"requests_per_second": 0.01, "burst": 2}})
    client = hooks({"hook": limited})
    statuses = [client.post(URL, content=body(kind="x")).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert client.post(URL, content=body(kind="x")).json() == {"error": "rate limit exceeded"}
    assert len(upstream.requests) == 2


def test_trusted_user_header_refuses_other_peers(hooks: Make, upstream: Upstream) -> None:
    """The test client's peer is not in trusted_sources; X-Forwarded-For does not change that."""
    trusted = forwarding({"path": "/in", "auth_mode": "trusted_user_header", "user_header": "X-User",
                          "trusted_sources": ["10.0.0.0/8"]})  # fmt: skip
    response = hooks({"hook": trusted}).post(
        URL, content=body(kind="x"), headers={"X-User": "u1", "X-Forwarded-For": "10.1.2.3"}
    )
    assert (response.status_code, response.json()) == (403, {"error": "untrusted source"})
    assert upstream.requests == []


def test_the_forward_is_audited_as_the_binding(
    hooks: Make, upstream: Upstream, audit: list[dict[str, Any]]
) -> None:
    client = hooks({"hook": forwarding({"path": "/in"})})
    assert client.post(URL, content=body(kind="x")).status_code == 201
    assert [(f["source"], f["provider"], f["operation"], f["status"]) for f in audit] == [
        ("binding:hook", "events", "record", 201)
    ]


def test_the_listing_and_the_route_table(hooks: Make) -> None:
    client = hooks({"hook": signed(), "echo": {"type": "webhook", "config": {"path": "/"}}})
    assert client.get("/api/v1/bindings").json() == [
        {"name": "echo", "type": "webhook", "path": "/api/v1/bindings/echo", "providers": []},
        {"name": "hook", "type": "webhook", "path": "/api/v1/bindings/hook/in", "providers": ["events"]},
    ]
    rows = tables[client]()
    assert ("POST", "/api/v1/bindings/hook/in", "webhook:hook") in rows


def test_validate_reports_template_and_target_problems(tmp_path: Path, upstream: Upstream) -> None:
    bad = forwarding({"path": "/in", "params": {"kind": "{{ body.kind "}, "delivery_id": "{{ nope }}"})
    path = write_deployment(tmp_path, upstream.url, {"hook": bad})
    _, issues = check_config(path, default_client())
    text = [str(i) for i in issues]
    assert any(t.startswith(f"{tmp_path / 'bindings.d' / 'hook.yaml'}:") and "config.params/kind" in t
               and "does not compile" in t for t in text), text  # fmt: skip
    assert any("config.delivery_id" in t and "unknown variable 'nope'" in t for t in text), text
    lines = sorted(i.line for i in issues)
    assert lines[0] > 1  # at the template's own line, not the file's start


def test_json_bodies_of_every_refusal_are_stable(hooks: Make) -> None:
    response = hooks({"hook": signed()}).post(URL, content=b"{}")
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.content) == {"error": "missing signature"}
    assert "x-content-type-options" in response.headers
