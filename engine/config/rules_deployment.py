"""Checks on gestalt.yaml's own sections: server and runtime drivers (egress: ``rules_egress``;
bindings: ``rules_binding``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from engine.config.addresses import host_name, origin, url_origin
from engine.config.durations import parse_duration
from engine.config.issues import ConfigIssue
from engine.config.yaml_tree import Document


def deployment_issues(main: Document, dirty: set[str]) -> list[ConfigIssue]:
    """Checks of gestalt.yaml's sections; sections in ``dirty`` (with schema errors) are skipped."""
    data = main.data if isinstance(main.data, dict) else {}
    issues: list[ConfigIssue] = []
    if "server" not in dirty:
        issues += _server(main, data)
    if not dirty & {"server", "auth"}:
        issues += _runtime(main, data)
    return issues


def _section(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _server(main: Document, data: Mapping[str, Any]) -> Iterator[ConfigIssue]:
    server = _section(data, "server")
    ttl = server.get("api_token_ttl")
    if isinstance(ttl, str) and ttl:
        try:
            parse_duration(ttl)
        except ValueError as exc:
            yield main.issue("/server/api_token_ttl", f"server.api_token_ttl: {exc}")
    yield from _previous_keys(main, server)
    yield from _addresses(main, server)


def _addresses(main: Document, server: Mapping[str, Any]) -> Iterator[ConfigIssue]:
    """base_url and the perimeter's lists, read as ``engine.config.addresses`` reads them."""
    base_url = server.get("base_url")
    if isinstance(base_url, str) and base_url and url_origin(base_url) is None:
        yield main.issue("/server/base_url", f'server.base_url must be an http(s) URL, got "{base_url}"')
    for key, (parse, shape) in _ADDRESS_LISTS.items():
        for index, value in enumerate(server.get(key) or ()):
            if isinstance(value, str) and parse(value) is None:
                message = f'server.{key}[{index}] must be {shape}, got "{value}"'
                yield main.issue(f"/server/{key}/{index}", message)


_ADDRESS_LISTS: dict[str, tuple[Callable[[str], object], str]] = {
    "allowed_hosts": (host_name, "a host name or IP address alone (no scheme, port or path)"),
    "allowed_origins": (origin, "an origin: http(s)://host[:port], nothing after it"),
}


def _previous_keys(main: Document, server: Mapping[str, Any]) -> Iterator[ConfigIssue]:
    """Read-only keys: each given, none repeating the write key or another (messages never quote
    a key, only its place)."""
    previous = server.get("previous_encryption_keys") or []
    if previous and not server.get("encryption_key"):
        message = "server.previous_encryption_keys needs server.encryption_key (the key that writes)"
        yield main.issue("/server/previous_encryption_keys", message)
    seen = {server.get("encryption_key"): "server.encryption_key"}
    for index, key in enumerate(previous):
        label = f"server.previous_encryption_keys[{index}]"
        if not key:
            yield main.issue(f"/server/previous_encryption_keys/{index}", f"{label} is empty")
        elif key in seen:
            yield main.issue(f"/server/previous_encryption_keys/{index}", f"{label} repeats {seen[key]}")
        seen.setdefault(key, label)


def _runtime(main: Document, data: Mapping[str, Any]) -> Iterator[ConfigIssue]:
    """Our deviation: auth/datastore default to none/sqlite, so only the encryption key can be missing."""
    provider = _section(data, "auth").get("provider", "none")
    if provider not in ("none", "") and not _section(data, "server").get("encryption_key"):
        message = f'server.encryption_key is required when auth is enabled (auth.provider is "{provider}")'
        yield main.issue("/server/encryption_key" if "server" in data else "/auth/provider", message)
    for section in ("auth", "datastore"):
        if _section(data, section).get("provider", None) == "":
            yield main.issue(f"/{section}/provider", f"{section}.provider is required")
