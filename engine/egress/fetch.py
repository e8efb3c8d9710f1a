"""Start-up fetches: OpenAPI documents and GraphQL introspection, read once before serving.

Blocking on purpose: they run while the app is built (or by ``gestaltd init``), never on the
request path. urllib errors are translated into ``DocumentUnavailable`` here, once.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping

from engine.errors import DocumentUnavailable

MAX_DOCUMENT = 100 * 1024 * 1024
TIMEOUT = 30.0


def is_remote(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def fetch(
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> bytes:
    """GET ``url`` (or POST ``body``); any status but 200 is an error naming the URL."""
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}))
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 (http(s) only)
            data: bytes = resp.read(MAX_DOCUMENT + 1)
            status: int = resp.status
    except urllib.error.HTTPError as exc:
        raise DocumentUnavailable(f"fetching {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DocumentUnavailable(f"fetching {url}: {reason}") from None
    if status != 200:
        raise DocumentUnavailable(f"fetching {url}: HTTP {status}")
    if len(data) > MAX_DOCUMENT:
        raise DocumentUnavailable(f"fetching {url}: document larger than 100 MiB")
    return data
