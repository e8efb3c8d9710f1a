"""A validated binding entry → its frozen ``BindingSpec`` (webhook or proxy settings typed)."""

from __future__ import annotations

from typing import Any

from engine.config.build_plugin import origin
from engine.config.durations import parse_duration
from engine.config.merge import Entry
from engine.config.spec import BindingSpec, Origin, ProxySpec, RateLimitSpec, WebhookSpec
from engine.config.yaml_tree import escape

_WEBHOOK_STRINGS = (
    "path",
    "provider",
    "operation",
    "instance",
    "auth_mode",
    "signature_scheme",
    "signature_header",
    "delivery_id",
    "user_header",
)
_DURATIONS = ("timestamp_tolerance", "dedup_window")


def build_binding(entry: Entry) -> BindingSpec:
    data = entry.data
    kind = str(data.get("type", ""))
    config = data.get("config") or {}
    return BindingSpec(
        name=entry.name,
        type=kind,
        providers=tuple(data.get("providers") or ()),
        webhook=build_webhook(entry, config) if kind == "webhook" else None,
        proxy=ProxySpec(path=str(config.get("path", "/"))) if kind == "proxy" else None,
        origin=origin(entry, ""),
    )


def build_webhook(entry: Entry, config: dict[str, Any]) -> WebhookSpec:
    fields: dict[str, Any] = {key: config[key] for key in _WEBHOOK_STRINGS if key in config}
    fields.update({key: parse_duration(config[key]).total_seconds() for key in _DURATIONS if key in config})
    secret = config.get("signing_secret")
    if secret is not None:
        fields["signing_secrets"] = (secret,) if isinstance(secret, str) else tuple(secret)
    if "trusted_sources" in config:
        fields["trusted_sources"] = tuple(config["trusted_sources"])
    if "max_body_bytes" in config:
        fields["max_body_bytes"] = int(config["max_body_bytes"])
    if "rate_limit" in config:
        fields["rate_limit"] = RateLimitSpec(**config["rate_limit"])
    params = dict(config.get("params") or {})
    return WebhookSpec(**fields, params=params, origins=_template_origins(entry, params, config))


def _template_origins(entry: Entry, params: dict[str, str], config: dict[str, Any]) -> dict[str, Origin]:
    found = {f"params/{name}": origin(entry, f"/config/params/{escape(name)}") for name in params}
    if "delivery_id" in config:
        found["delivery_id"] = origin(entry, "/config/delivery_id")
    return found
