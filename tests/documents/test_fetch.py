"""Start-up document fetches go through the engine's client, from synchronous code."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import load
from engine.documents.fetch import fetch
from engine.documents.sources import load_sources
from engine.egress.policy import EgressPolicy
from engine.errors import DocumentUnavailable
from engine.secrets import EnvSecrets
from tests.support.configs import write_config
from tests.support.upstream import Upstream


def test_documents_are_fetched_and_introspection_is_posted_as_json(upstream: Upstream) -> None:
    upstream.reply("/openapi.json", body={"openapi": "3.1.0"})
    assert fetch(upstream.url + "/openapi.json") == b'{"openapi": "3.1.0"}'
    fetch(upstream.url + "/graphql", b'{"query": "{ __schema { types { name } } }"}', {"X-Key": "k"})
    sent = upstream.last()
    assert (sent.method, sent.headers["Content-Type"], sent.headers["X-Key"]) == (
        "POST",
        "application/json",
        "k",
    )


def test_failures_name_the_url(upstream: Upstream) -> None:
    upstream.reply("/gone", status=404, body={})
    with pytest.raises(DocumentUnavailable, match=r"^fetching .*/gone: HTTP 404$"):
        fetch(upstream.url + "/gone")
    with pytest.raises(DocumentUnavailable) as info:
        fetch("http://169.254.169.254/openapi.json")
    assert str(info.value) == (
        "fetching http://169.254.169.254/openapi.json: "
        "egress denied: 169.254.169.254 is a link-local or cloud metadata address"
    )


def test_document_fetches_obey_the_egress_policy_as_the_engine_s_own(
    upstream: Upstream, tmp_path: Path
) -> None:
    upstream.reply(
        "/openapi.json", body={"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    )
    spec = load(write_config(tmp_path, {
        "denied": {"plugin": {"openapi": upstream.url + "/openapi.json"}},
        "allowed": {"plugin": {"openapi": upstream.url + "/openapi.json?v=2"}},
    }, {"egress": {"default_action": "deny", "policies": [
        {"action": "allow", "subject_kind": "system", "subject_id": "documents", "provider": "allowed"},
    ]}}), env={})  # fmt: skip
    policy = EgressPolicy.from_spec(spec.egress, EnvSecrets({}))
    sources = load_sources(spec, egress=policy)
    assert {name: str(reason) for name, reason in sources.failures.items()} == {
        "denied": f"fetching {upstream.url}/openapi.json: egress denied by policy: GET /openapi.json"
    }
    assert "allowed" in sources.documents
    assert [r.query for r in upstream.requests] == [[("v", "2")]]  # the denied fetch never left
