"""Client ID Metadata Documents fetched over real HTTPS on loopback through the egress client:
validated, cached per ``Cache-Control``, bounded in size and time."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from engine.auth.oauth_server.client_documents import ClientDocuments, is_document_url
from engine.egress.client import GatewayClient, Http1Transport
from engine.egress.limits import Limits
from engine.errors import ClientDocumentUnavailable
from tests.support.http_server import QuietHandler
from tests.support.tls import start_https_server, trusting_context


@dataclass
class Documents:
    url: str
    bodies: dict[str, tuple[bytes, dict[str, str]]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    delay: float = 0.0

    def publish(self, path: str, doc: Any, **headers: str) -> str:
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.bodies[path] = (body, headers)
        return self.url + path


@pytest.fixture
def documents() -> Iterator[Documents]:
    state = Documents("")

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            time.sleep(state.delay)
            body, headers = state.bodies.get(self.path, (b"{}", {}))
            self.send_response(200 if self.path in state.bodies else 404)
            for k, v in {"Content-Type": "application/json", **headers}.items():
                self.send_header(k.replace("_", "-"), v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    state.url, stop = start_https_server(Handler)
    yield state
    stop()


def fetch(url: str, clock: list[float] | None = None, times: int = 1) -> Any:
    async def run() -> Any:
        client = GatewayClient(Http1Transport(Limits(), ssl_context=trusting_context()))
        now = clock or [0.0]
        source = ClientDocuments(client, clock=lambda: now[0])
        try:
            found = None
            for _ in range(times):
                found = await source.client(url)
                now[0] += 100
            return found
        finally:
            await client.close()
            await asyncio.sleep(0.5)  # a TLS connection closed early finishes its shutdown

    return asyncio.run(run())


def doc(url: str, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": url,
        "client_name": "Doc host",
        "redirect_uris": ["http://127.0.0.1:7/cb"],
        **changes,
    }


def test_a_valid_document_describes_its_client(documents: Documents) -> None:
    url = documents.url + "/client.json"
    documents.publish("/client.json", doc(url))
    client = fetch(url)
    assert (client.client_id, client.name, client.redirect_uris, client.document) == (
        url, "Doc host", ("http://127.0.0.1:7/cb",), True,
    )  # fmt: skip
    assert not client.confidential


def test_documents_are_cached_for_their_max_age(documents: Documents) -> None:
    url = documents.url + "/cached.json"
    documents.publish("/cached.json", doc(url), Cache_Control="max-age=3600")
    fetch(url, times=3)  # 0 s, 100 s, 200 s: within the hour
    assert documents.hits == ["/cached.json"]
    uncached = documents.url + "/fresh.json"
    documents.publish("/fresh.json", doc(uncached), Cache_Control="no-store")
    fetch(uncached, times=2)
    assert documents.hits.count("/fresh.json") == 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"client_id": "https://elsewhere.example/client.json"}, "is not its own URL"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, '"none"'),
        ({"client_name": ""}, "client_name"),
        ({"redirect_uris": ["http://evil.example/cb"]}, "loopback host"),
    ],
)
def test_an_invalid_document_is_refused(documents: Documents, change: dict[str, Any], problem: str) -> None:
    url = documents.url + "/bad.json"
    documents.publish("/bad.json", doc(url, **change))
    with pytest.raises(ClientDocumentUnavailable, match=problem):
        fetch(url)


def test_size_time_and_status_are_bounded(documents: Documents) -> None:
    big = documents.url + "/big.json"
    documents.publish("/big.json", doc(big, padding="x" * 6000))
    with pytest.raises(ClientDocumentUnavailable, match="could not be fetched"):
        fetch(big)
    with pytest.raises(ClientDocumentUnavailable, match="HTTP 404"):
        fetch(documents.url + "/missing.json")
    slow = documents.url + "/slow.json"
    documents.publish("/slow.json", doc(slow))
    documents.delay = 5.1
    started = time.monotonic()
    with pytest.raises(ClientDocumentUnavailable, match="longer than 5 s"):
        fetch(slow)
    assert time.monotonic() - started < 7


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://app.example/oauth/client.json", True),
        ("https://app.example/", False),
        ("https://app.example", False),
        ("http://app.example/client.json", False),
        ("https://user@app.example/client.json", False),
        ("https://app.example/a/../client.json", False),
        ("https://app.example/client.json#frag", False),
    ],
)
def test_document_urls(url: str, valid: bool) -> None:
    assert is_document_url(url) is valid
