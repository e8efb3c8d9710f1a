"""Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client whose
``client_id`` is an HTTPS URL is described by the JSON document at that URL.

Fetched through the engine's one outbound client (its egress policy and address guard apply), bounded in size
(5 KiB, as the draft suggests) and time (5 s), and cached per URL for the document's
``Cache-Control: max-age`` (clamped to 1 minute … 1 day; 5 minutes without one; ``no-store``
not at all). A document must name itself as ``client_id`` exactly, list its redirect URIs and
use no client secret (it is public: anyone can read it).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from engine.auth.oauth_server.clients import MAX_NAME, Client, checked_redirect_uris
from engine.egress.client import HttpClient
from engine.egress.context import system
from engine.egress.request import OutboundRequest
from engine.errors import ClientDocumentUnavailable, GestaltError

MAX_BYTES = 5 * 1024
TIMEOUT_SECONDS = 5.0
DEFAULT_TTL = 300.0
MIN_TTL, MAX_TTL = 60.0, 86_400.0
CACHE_SIZE = 1024
_MAX_AGE = re.compile(r"max-age=(\d+)")
# The egress policy sees these fetches as the system subject ``client-metadata``: a rule may
# confine them (they go wherever a client_id points).
CONTEXT = system("client-metadata")


def is_document_url(client_id: str) -> bool:
    """An HTTPS URL with a path, and no fragment, credentials or dot segments (the draft's §3)."""
    parts = urlsplit(client_id)
    segments = parts.path.split("/")
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and parts.path not in ("", "/")
        and not parts.fragment
        and "#" not in client_id
        and parts.username is None
        and "." not in segments
        and ".." not in segments
    )


class ClientDocuments:
    def __init__(self, http: HttpClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.http = http
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, Client]] = OrderedDict()

    async def client(self, url: str) -> Client:
        if not is_document_url(url):
            raise ClientDocumentUnavailable("client_id is not a valid client metadata document URL")
        hit = self._cache.get(url)
        if hit is not None and hit[0] > self.clock():
            self._cache.move_to_end(url)
            return hit[1]
        client, ttl = await self._fetch(url)
        if ttl > 0:
            self._cache[url] = (self.clock() + ttl, client)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return client

    async def _fetch(self, url: str) -> tuple[Client, float]:
        request = OutboundRequest("GET", url, {"Accept": "application/json"}, context=CONTEXT)
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS), self.http.stream(request) as response:
                if response.status != 200:
                    problem = f"client metadata document answered HTTP {response.status}"
                    raise ClientDocumentUnavailable(problem)
                body = await response.read(MAX_BYTES)
                cache_control = response.header("cache-control") or ""
        except TimeoutError:
            raise ClientDocumentUnavailable("client metadata document took longer than 5 s") from None
        except ClientDocumentUnavailable:
            raise
        except GestaltError as exc:
            raise ClientDocumentUnavailable(f"client metadata document could not be fetched ({exc})") from exc
        return document_client(url, body), _ttl(cache_control)


def document_client(url: str, body: bytes) -> Client:
    try:
        doc: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ClientDocumentUnavailable("client metadata document is not JSON") from None
    if not isinstance(doc, dict) or doc.get("client_id") != url:
        raise ClientDocumentUnavailable("client metadata document's client_id is not its own URL")
    method = doc.get("token_endpoint_auth_method", "none")
    if method != "none":
        raise ClientDocumentUnavailable('client metadata document must use token_endpoint_auth_method "none"')
    name = doc.get("client_name")
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise ClientDocumentUnavailable("client metadata document needs a client_name")
    try:
        uris = checked_redirect_uris(doc.get("redirect_uris"))
    except GestaltError as exc:
        raise ClientDocumentUnavailable(f"client metadata document: {exc}") from None
    return Client(client_id=url, name=name, redirect_uris=tuple(uris), document=True)


def _ttl(cache_control: str) -> float:
    directives = cache_control.lower()
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    found = _MAX_AGE.search(directives)
    if found is None:
        return DEFAULT_TTL
    return min(max(float(found.group(1)), MIN_TTL), MAX_TTL)
