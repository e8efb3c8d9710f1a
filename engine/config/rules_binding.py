"""Checks on bindings the schema cannot express: the integrations and operation they name, the
forward provider in the allow-list, durations and trusted source addresses that parse."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from engine.config.durations import parse_duration
from engine.config.issues import ConfigIssue
from engine.config.merge import Entry


def binding_issues(entry: Entry, integrations: Mapping[str, Entry]) -> list[ConfigIssue]:
    """Every issue of one binding that passed its schema."""
    data = entry.data
    issues = [
        entry.issue(f"/providers/{i}", f'binding "{entry.name}" references unknown integration "{name}"')
        for i, name in enumerate(data.get("providers") or ())
        if name not in integrations
    ]
    config = data.get("config")
    if data.get("type") == "webhook" and isinstance(config, dict):
        issues += _forward_issues(entry, config, integrations)
        issues += list(_value_issues(entry, config))
    return issues


def _forward_issues(
    entry: Entry, config: dict[str, Any], integrations: Mapping[str, Entry]
) -> list[ConfigIssue]:
    provider, operation = config.get("provider"), config.get("operation")
    if not isinstance(provider, str) or not provider:
        return []
    name = entry.name
    if provider not in integrations:
        return [entry.issue("/config/provider", f'binding "{name}" config.provider references unknown '
                            f'integration "{provider}"')]  # fmt: skip
    allowed = entry.data.get("providers") or []
    if provider not in allowed:
        message = (
            f'binding "{name}" config.provider "{provider}" must be listed in the binding\'s providers '
            f"(its allow-list: [{', '.join(allowed)}])"
        )
        return [entry.issue("/config/provider", message)]
    known = _inline_operation_names(integrations[provider])
    if known is not None and isinstance(operation, str) and operation not in known:
        message = (
            f'binding "{name}" config.operation references unknown operation "{operation}" '
            f'of integration "{provider}"'
        )
        return [entry.issue("/config/operation", message)]
    return []


def _value_issues(entry: Entry, config: dict[str, Any]) -> Iterator[ConfigIssue]:
    for key in ("timestamp_tolerance", "dedup_window"):
        if isinstance(config.get(key), str):
            try:
                parse_duration(config[key])
            except ValueError as exc:
                yield entry.issue(f"/config/{key}", f"config.{key}: {exc}")
    for i, source in enumerate(config.get("trusted_sources") or ()):
        try:
            ipaddress.ip_network(source, strict=False)
        except ValueError:
            message = (
                f'config.trusted_sources[{i}] "{source}" is not an IP address or CIDR range (10.0.0.0/8)'
            )
            yield entry.issue(f"/config/trusted_sources/{i}", message)


def _inline_operation_names(entry: Entry) -> set[str] | None:
    """Names of inline operations; ``None`` when operations come from a document we cannot see yet."""
    plugin = entry.data.get("plugin")
    if not isinstance(plugin, dict) or not plugin.get("operations"):
        return None
    return {str(op.get("name")) for op in plugin["operations"] if isinstance(op, dict)}
