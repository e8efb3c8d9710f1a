"""Start-up document fetches go through the engine's client, from synchronous code."""

from __future__ import annotations

import pytest

from engine.documents.fetch import fetch
from engine.errors import DocumentUnavailable
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
