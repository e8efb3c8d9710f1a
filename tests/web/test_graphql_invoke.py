"""End to end: a real GraphQL upstream (graphql-core) introspected at startup, then invoked."""

from __future__ import annotations

import json
from typing import Any

from graphql import build_schema, graphql_sync

from tests.conftest import GatewayFactory
from tests.support.upstream import Recorded, Reply, Upstream

SDL = """
type Query {
  issue(id: ID!): Issue
  issues(first: Int): IssueConnection!
  viewer: User
}
type Mutation { createIssue(input: CreateIssueInput!): Issue  fail: Boolean }
input CreateIssueInput { title: String!  priority: Priority }
enum Priority { LOW HIGH }
type Issue { id: ID!  title: String  priority: Priority  author: User  comments(first: Int!): [String] }
type User { name: String  issues: [Issue] }
type IssueConnection { nodes: [Issue]  pageInfo: PageInfo! }
type PageInfo { hasNextPage: Boolean!  endCursor: String }
"""
SCHEMA = build_schema(SDL)
ISSUE = {"id": "1", "title": "T", "priority": "HIGH", "author": {"name": "ann"}}


class Root:
    def issue(self, _info: Any, id: str) -> dict[str, Any]:
        return {**ISSUE, "id": id}

    def issues(self, _info: Any, first: int = 10) -> dict[str, Any]:
        return {"nodes": [ISSUE] * first, "pageInfo": {"hasNextPage": False, "endCursor": None}}

    def createIssue(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {**ISSUE, "title": input["title"]}

    def fail(self, _info: Any) -> bool:
        raise ValueError("nope")


def serve_graphql(req: Recorded) -> Reply:
    body = req.json()
    result = graphql_sync(SCHEMA, body["query"], root_value=Root(), variable_values=body.get("variables"))
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [{"message": e.message} for e in result.errors]
    return 200, {"Content-Type": "application/json"}, json.dumps(out).encode()


def provider(upstream: Upstream) -> dict[str, Any]:
    upstream.replies["/graphql"] = serve_graphql
    return {"plugin": {"graphql_url": upstream.url + "/graphql", "headers": {"X-Team": "t"}}}


def test_introspection_builds_one_operation_per_root_field(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = gateway({"tracker": provider(upstream)})
    ops = {o["id"]: o for o in client.get("/api/v1/integrations/tracker/operations").json()}
    assert sorted(ops) == ["createIssue", "fail", "issue", "issues", "viewer"]
    schema = ops["createIssue"]["inputSchema"]
    assert schema["required"] == ["input"]
    assert schema["properties"]["input"]["properties"]["priority"] == {
        "type": "string",
        "enum": ["LOW", "HIGH"],
    }
    introspection = upstream.requests[0]
    assert "__schema" in introspection.json()["query"] and introspection.headers["X-Team"] == "t"


def test_query_and_mutation_are_executed(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"tracker": provider(upstream)})
    r = client.get("/api/v1/tracker/issue", params={"id": "42"})
    assert r.status_code == 200, r.text
    assert r.json() == {"issue": {**ISSUE, "id": "42"}}
    sent = upstream.last().json()
    assert sent["variables"] == {"id": "42"} and "comments" not in sent["query"]
    r = client.post("/api/v1/tracker/createIssue", json={"input": {"title": "new"}})
    assert r.json()["createIssue"]["title"] == "new"
    r = client.get("/api/v1/tracker/issues", params={"first": "2"})
    assert r.json()["issues"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_graphql_errors_become_502(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"tracker": provider(upstream)})
    r = client.post("/api/v1/tracker/fail", json={})
    assert r.status_code == 502
    assert "nope" in r.text


def test_non_json_answer_is_an_invalid_response(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"tracker": provider(upstream)})
    upstream.reply("/graphql", 200, b"<html>")
    r = client.get("/api/v1/tracker/viewer")
    assert r.status_code == 502
    assert "upstream service returned an invalid response" in r.text


def test_failed_introspection_is_a_provider_issue(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.reply("/graphql", 500, {"error": "down"})
    client = gateway({"tracker": {"plugin": {"graphql_url": upstream.url + "/graphql"}}})
    assert client.get("/api/v1/integrations/tracker/operations").status_code == 404


def test_graphql_operations_obey_the_egress_policy(gateway: GatewayFactory, upstream: Upstream) -> None:
    egress = {"policies": [{"action": "deny", "provider": "tracker", "operation": "createIssue"}]}
    client = gateway({"tracker": provider(upstream)}, {"egress": egress})
    introspected = len(upstream.requests)  # introspection is the engine's own request: allowed
    r = client.post("/api/v1/tracker/createIssue", json={"input": {"title": "new"}})
    assert (r.status_code, r.json()) == (403, {"error": "egress denied by policy: POST /graphql"})
    assert len(upstream.requests) == introspected
    assert client.post("/api/v1/tracker/issue", json={"id": "7"}).json()["issue"]["id"] == "7"
