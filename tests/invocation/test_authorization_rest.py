"""Authorization policies over REST, on the real app with the README's own example: a caller
without the role gets 403 and the upstream receives nothing; a deny wins; listings show only what
the caller may call; the decision and its rule are in the audit record."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import GatewayFactory
from tests.support.identity import local_auth, local_login
from tests.support.readme import readme_yaml
from tests.support.upstream import Upstream


def tickets(base_url: str) -> dict[str, Any]:
    ops = [
        {"name": "list_tickets", "method": "GET", "path": "/tickets"},
        {"name": "create_ticket", "method": "POST", "path": "/tickets", "parameters": [{"name": "title"}]},
        {"name": "update_ticket", "method": "PUT", "path": "/tickets", "parameters": [{"name": "title"}]},
        {
            "name": "delete_ticket",
            "method": "DELETE",
            "path": "/tickets/{id}",
            "parameters": [{"name": "id", "in": "path", "required": True}],
        },
    ]
    return {"plugin": {"base_url": base_url, "operations": ops}}


def readme_policy() -> dict[str, Any]:
    policy: dict[str, Any] = readme_yaml("assignments:")["authorization"]
    return policy


def signed_in(
    gateway: GatewayFactory, upstream: Upstream, email: str, policy: dict[str, Any]
) -> TestClient[Any]:
    extra = {**local_auth(email), "server": {"encryption_key": "11" * 32}, "authorization": policy}
    client = gateway({"tickets": tickets(upstream.url), "other": tickets(upstream.url)}, extra)
    assert local_login(client).status_code == 200
    return client


def test_a_caller_without_the_role_gets_403_and_the_upstream_receives_nothing(
    gateway: GatewayFactory, upstream: Upstream, audit: list[dict[str, Any]]
) -> None:
    client = signed_in(gateway, upstream, "outsider@elsewhere.org", readme_policy())
    r = client.get("/api/v1/tickets/list_tickets")
    assert (r.status_code, r.json()) == (403, {"error": "not authorized: tickets.list_tickets"})
    r = client.post("/api/v1/tickets/create_ticket", json={"title": "x"})
    assert (r.status_code, r.json()) == (403, {"error": "not authorized: tickets.create_ticket"})
    assert upstream.requests == []
    assert client.get("/api/v1/integrations").json() == []
    assert client.get("/api/v1/integrations/tickets/operations").json() == []
    keys = ("operation", "status", "authorization_decision", "authorization_rule", "allowed")
    assert [tuple(a[k] for k in keys) for a in audit] == [
        ("list_tickets", 403, "deny", "authorization.default", False),
        ("create_ticket", 403, "deny", "authorization.default", False),
    ]


def test_a_domain_reader_may_read_but_not_write(
    gateway: GatewayFactory, upstream: Upstream, audit: list[dict[str, Any]]
) -> None:
    client = signed_in(gateway, upstream, "me@example.com", readme_policy())
    assert client.get("/api/v1/tickets/list_tickets").status_code == 200
    r = client.post("/api/v1/tickets/create_ticket", json={"title": "x"})
    assert (r.status_code, r.json()) == (403, {"error": "not authorized: tickets.create_ticket"})
    assert [req.path for req in upstream.requests] == ["/tickets"]
    assert [i["name"] for i in client.get("/api/v1/integrations").json()] == ["other", "tickets"]
    ops = client.get("/api/v1/integrations/tickets/operations").json()
    assert [op["id"] for op in ops] == ["list_tickets"]
    assert audit[0]["authorization_rule"] == "authorization.roles.reader[0]"


def test_a_deny_wins_over_the_role_that_allows(
    gateway: GatewayFactory, upstream: Upstream, audit: list[dict[str, Any]]
) -> None:
    policy = readme_policy()
    policy["roles"]["support"][0]["operations"].append("delete_ticket")
    client = signed_in(gateway, upstream, "lead@example.com", policy)
    assert client.post("/api/v1/tickets/create_ticket", json={"title": "x"}).status_code == 200
    r = client.post("/api/v1/tickets/delete_ticket", json={"id": "7"})
    assert (r.status_code, r.json()) == (403, {"error": "not authorized: tickets.delete_ticket"})
    assert [req.method for req in upstream.requests] == ["POST"]
    # support is granted on tickets only, and delete_* is denied everywhere
    ops = client.get("/api/v1/integrations/tickets/operations").json()
    assert [op["id"] for op in ops] == ["list_tickets", "create_ticket", "update_ticket"]
    assert [op["id"] for op in client.get("/api/v1/integrations/other/operations").json()] == ["list_tickets"]
    assert [a["authorization_rule"] for a in audit] == [
        "authorization.roles.support[0]",
        "authorization.roles.no-deletes[0]",
    ]


def test_without_a_section_nothing_changes(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"tickets": tickets(upstream.url)}, {**local_auth("x@elsewhere.org")})
    assert local_login(client).status_code == 200
    assert client.post("/api/v1/tickets/create_ticket", json={"title": "x"}).status_code == 200
    assert len(client.get("/api/v1/integrations/tickets/operations").json()) == 4
