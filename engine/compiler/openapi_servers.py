"""The base URL of an OpenAPI document: ``servers[0]`` (3.x) or ``host``/``basePath`` (2.0).

Server variables stay ``{name}`` placeholders in the URL; they are filled per call from the
connection's params, else from the variable's ``default`` (spec §2: resolved, unlike the
reference). A relative server URL is resolved against the document's own URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from engine.config.paths import is_remote


@dataclass(frozen=True, slots=True)
class ServerURL:
    url: str  # may hold {variable} placeholders
    defaults: Mapping[str, str] = field(default_factory=dict)

    @property
    def absolute(self) -> bool:
        return is_remote(self.url) or self.url.startswith("{")


def server_url(doc: Mapping[str, Any], location: str, override: str = "") -> ServerURL:
    """The base URL, trailing ``/`` trimmed; ``override`` (``plugin.base_url``) wins."""
    found = _swagger_url(doc) if "swagger" in doc else _first_server(doc)
    if override:
        return ServerURL(override.rstrip("/"), found.defaults)
    url = found.url
    if url and not is_remote(url) and not url.startswith("{") and is_remote(location):
        url = urljoin(location, url)
    return ServerURL(url.rstrip("/"), found.defaults)


def _first_server(doc: Mapping[str, Any]) -> ServerURL:
    servers = doc.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], Mapping):
        return ServerURL("")
    first = servers[0]
    variables = first.get("variables")
    defaults = {
        str(name): str(var.get("default", ""))
        for name, var in (variables.items() if isinstance(variables, Mapping) else ())
        if isinstance(var, Mapping) and var.get("default") not in (None, "")
    }
    return ServerURL(str(first.get("url") or ""), defaults)


def _swagger_url(doc: Mapping[str, Any]) -> ServerURL:
    host = doc.get("host")
    base_path = str(doc.get("basePath") or "")
    if not host:
        return ServerURL(base_path)
    schemes = doc.get("schemes") or ["https"]
    scheme = "https" if "https" in schemes else str(schemes[0])
    return ServerURL(f"{scheme}://{host}{base_path}")
