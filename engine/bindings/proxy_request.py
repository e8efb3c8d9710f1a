"""What a forward-proxy request becomes upstream: the target from the request (as the reference
takes it), the headers that may travel, and the response headers that may come back.

The caller's ``Authorization``, ``Cookie`` and ``Proxy-Authorization`` never go upstream (the
credential, if any, is the egress grant's), nor do the hop-by-hop headers, those the
``Connection`` header names, or the ones that only steer the proxy itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.errors import BadRequest
from engine.surface.asgi import header

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "proxy-connection"}
)  # fmt: skip
_NOT_FORWARDED = HOP_BY_HOP | {
    "authorization", "cookie", "host", "content-length", "x-forwarded-host", "x-forwarded-proto",
}  # fmt: skip
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
Raw = Iterable[tuple[bytes, bytes]]


def target_url(scope: Any, prefix: str) -> str:
    """``<scheme>://<host>/<rest of the path after the binding>[?query]``.

    Host: ``X-Forwarded-Host``, else ``Host``; scheme: ``X-Forwarded-Proto`` when http or https,
    else https. The path is taken as sent (percent-encoding kept)."""
    host = header(scope["headers"], b"x-forwarded-host") or header(scope["headers"], b"host")
    host = host.split(",")[0].strip()
    if not host or any(c in host for c in "/?#@ \\"):
        raise BadRequest("proxy target host missing or invalid: set X-Forwarded-Host to the upstream host")
    proto = header(scope["headers"], b"x-forwarded-proto").strip().lower()
    scheme = proto if proto in ("http", "https") else "https"
    # raw_path keeps the percent-encoding; some servers leave the query on it, which ASGI excludes.
    raw = (scope.get("raw_path") or scope["path"].encode("utf-8")).split(b"?", 1)[0]
    rest = raw[len(prefix.encode()) :].decode("latin-1") if raw.startswith(prefix.encode()) else ""
    path = "/" + rest.lstrip("/")
    query: bytes = scope.get("query_string", b"")
    return f"{scheme}://{host}{path}" + (f"?{query.decode('latin-1')}" if query else "")


def forwarded_headers(raw: Raw) -> dict[str, str]:
    """Every header that may go upstream, repeated ones joined with ", "."""
    named = _connection_tokens(raw)
    out: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        if key in _NOT_FORWARDED or key in named:
            continue
        text = value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def returned_headers(raw: Raw) -> list[tuple[bytes, bytes]]:
    """The upstream's response headers less the hop-by-hop ones (the server frames the body)."""
    named = _connection_tokens(raw)
    return [(k, v) for k, v in raw if k.lower().decode("latin-1") not in HOP_BY_HOP | named]


def _connection_tokens(raw: Raw) -> frozenset[str]:
    tokens = {
        t.strip().lower()
        for k, v in raw
        if k.lower() == b"connection"
        for t in v.decode("latin-1").split(",")
    }
    return frozenset(tokens - {""})
