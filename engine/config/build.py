"""Typed, frozen specs of the whole deployment from validated documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.config.build_plugin import build_integration
from engine.config.merge import Entry
from engine.config.paths import resolve_path
from engine.config.spec import (
    BindingSpec,
    ConfigSpec,
    DriverSpec,
    EgressCredentialSpec,
    EgressRuleSpec,
    EgressSpec,
    IntegrationSpec,
    McpSpec,
    Origin,
    ServerSpec,
)
from engine.config.spec_authorization import AuthorizationSpec

_DEFAULT_PROVIDERS = {"auth": "none", "datastore": "sqlite", "secrets": "env", "telemetry": "stdout"}
SQLITE_DEFAULT_PATH = "gestalt.db"


def build_config(
    path: Path,
    data: Mapping[str, Any],
    integrations: Mapping[str, IntegrationSpec],
    bindings: Mapping[str, BindingSpec],
    dirs: tuple[Path, Path],
    locate: Callable[[str], Origin] | None = None,
    *,
    authorization: AuthorizationSpec | None = None,
) -> ConfigSpec:
    """``locate``: the origin of a JSON pointer in ``path`` (egress rules keep theirs, so that a
    check after compiling can point at the rule)."""
    base = path.parent
    return ConfigSpec(
        path=path,
        server=_server(data.get("server") or {}),
        **{name: _driver(name, data.get(name) or {}, base) for name in _DEFAULT_PROVIDERS},
        integrations=dict(integrations),
        bindings=dict(bindings),
        egress=_egress(data.get("egress") or {}, locate or (lambda pointer: Origin(path, pointer))),
        authorization=authorization,
        ui=dict(data.get("ui") or {}),
        providers_dir=dirs[0],
        bindings_dir=dirs[1],
    )


def build_integrations(entries: Mapping[str, Entry]) -> dict[str, IntegrationSpec]:
    return {name: build_integration(entry) for name, entry in entries.items()}


def _server(data: dict[str, Any]) -> ServerSpec:
    fields = {k: v for k, v in data.items() if k in ServerSpec.__dataclass_fields__}
    if "base_url" in fields:
        fields["base_url"] = fields["base_url"].rstrip("/")
    for key in ("previous_encryption_keys", "allowed_hosts", "allowed_origins"):
        if key in fields:
            fields[key] = tuple(fields[key] or ())
    if "mcp" in fields:
        fields["mcp"] = McpSpec(
            **{k: v for k, v in (fields["mcp"] or {}).items() if k in McpSpec.__dataclass_fields__}
        )
    return ServerSpec(**fields)


def _driver(section: str, data: dict[str, Any], base: Path) -> DriverSpec:
    provider = data.get("provider", _DEFAULT_PROVIDERS[section])
    config = dict(data.get("config") or {})
    if section == "datastore" and provider == "sqlite":
        config["path"] = resolve_path(str(config.get("path") or SQLITE_DEFAULT_PATH), base)
    if section == "secrets" and provider == "file" and isinstance(config.get("dir"), str):
        config["dir"] = resolve_path(config["dir"], base)
    return DriverSpec(provider=provider, config=config)


def _egress(data: dict[str, Any], locate: Callable[[str], Origin]) -> EgressSpec:
    policies = data.get("policies") or ()
    grants = data.get("credentials") or ()
    return EgressSpec(
        default_action=data.get("default_action") or "allow",
        policies=tuple(
            EgressRuleSpec(**p, origin=locate(f"/egress/policies/{i}")) for i, p in enumerate(policies)
        ),
        credentials=tuple(
            EgressCredentialSpec(**{**g, "auth_style": g.get("auth_style") or "bearer"},
                                 origin=locate(f"/egress/credentials/{i}"))
            for i, g in enumerate(grants)
        ),
    )  # fmt: skip
