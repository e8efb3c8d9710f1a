"""A manifest's ``connections``: each becomes a named connection of ours, or, for a ``default``
connection whose mode our implicit ``plugin`` connection has anyway, ``plugin.auth`` /
``params`` / ``discovery`` (the simplest file, as hand translations write it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.catalog.fields import Fields

_MODES = {"subject": "user", "user": "user", "none": "none", "identity": "identity", "either": "either"}
_TYPES = frozenset({"none", "bearer", "manual", "basic", "oauth2", "mcp_oauth"})
_OAUTH_TEXT = {
    "authorizationUrl": "authorization_url",
    "tokenUrl": "token_url",
    "clientId": "client_id",
    "clientSecret": "client_secret",
    "redirectUrl": "redirect_url",
    "scopeParam": "scope_param",
    "scopeSeparator": "scope_separator",
    "acceptHeader": "accept_header",
    "accessTokenPath": "access_token_path",
}
_OAUTH_ENUMS = {
    "clientAuth": ("client_auth", ("body", "header")),
    "tokenExchange": ("token_exchange", ("form", "json")),
}
_OAUTH_MAPS = {
    "authorizationParams": "authorization_params",
    "tokenParams": "token_params",
    "refreshParams": "refresh_params",
}
_OAUTH_LISTS = {"scopes": "scopes", "tokenMetadata": "token_metadata"}
_CONNECTION_NOTES = {
    "displayName": "connection display names are not part of gestaltd's format",
    "exposure": "per-connection exposure rules have no equivalent",
    "postConnect": "post-connect hooks other than discovery have no equivalent",
    "credentialRefresh": "custom credential refresh has no equivalent (oauth2 refresh is built in)",
}
_AUTH_NOTES = {
    "tokenPrefix": "a token prefix has no equivalent (credentials are sent as given)",
    "tokenExchangeDrivers": "credential-exchange logins have no equivalent",
}
PLUGIN = "plugin"


@dataclass
class Connections:
    """The translated connections, and how manifest names map to ours."""

    plugin: dict[str, Any] = field(default_factory=dict)
    named: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    environment: list[str] = field(default_factory=list)

    def ours(self, manifest_name: str) -> str:
        return self.names.get(manifest_name, manifest_name)


def translate_connections(spec: Fields, app: str) -> Connections:
    out = Connections()
    for name, entry in spec.children("connections"):
        connection = _connection(entry, _env_prefix(app, name, out), out.environment)
        out.types[name] = str(connection.get("auth", {}).get("type", "none"))
        if name == "default" and _foldable(connection):
            out.names[name] = PLUGIN
            out.plugin = {k: v for k, v in connection.items() if k != "mode"}
        else:
            out.names[name] = name
            # ``user`` is the default mode: said only when it is not.
            out.named[name] = {k: v for k, v in connection.items() if (k, v) != ("mode", "user")}
    return out


def _foldable(connection: dict[str, Any]) -> bool:
    """Our implicit connection's mode is ``none`` without auth and ``user`` with it."""
    auth_type = connection.get("auth", {}).get("type", "none")
    return bool(connection.get("mode", "user") == ("none" if auth_type == "none" else "user"))


def _env_prefix(app: str, connection: str, out: Connections) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "_", app).upper()
    first = not any(v.endswith("_CLIENT_ID") for v in out.environment)
    return base if first else f"{base}_{re.sub(r'[^A-Za-z0-9]+', '_', connection).upper()}"


def _connection(entry: Fields, env_prefix: str, environment: list[str]) -> dict[str, Any]:
    entry.notes = _CONNECTION_NOTES
    out: dict[str, Any] = {}
    mode = entry.text("mode")
    if mode:
        if mode in _MODES:
            out["mode"] = _MODES[mode]
        else:
            entry.losses.add(entry.at("mode"), f'mode "{mode}" has no equivalent: the connection is per user')
    discovery = _discovery(entry.child("discovery")) if "discovery" in entry else None
    auth = _auth(entry.child("auth"), env_prefix, environment) if "auth" in entry else {}
    if auth:
        out["auth"] = auth
    params = _params(entry, discovery)
    if params:
        out["params"] = params
    if discovery:
        out["discovery"] = discovery
    entry.finish()
    return out


def _auth(auth: Fields, env_prefix: str, environment: list[str]) -> dict[str, Any]:
    auth.notes = _AUTH_NOTES
    kind = auth.text("type") or "none"
    if kind not in _TYPES:
        auth.losses.add(auth.at("type"), f'auth type "{kind}" has no equivalent: left without auth')
        kind = "none"
    out: dict[str, Any] = {"type": kind}
    _oauth_fields(auth, out)
    if kind == "oauth2" and "client_id" not in out:
        out["client_id"] = f"${{{env_prefix}_CLIENT_ID}}"
        environment.append(f"{env_prefix}_CLIENT_ID")
        if "client_secret" not in out:
            out["client_secret"] = f"${{{env_prefix}_CLIENT_SECRET}}"
            environment.append(f"{env_prefix}_CLIENT_SECRET")
    credentials = [_credential(c) for c in auth.items("credentials")]
    if credentials:
        out["credentials"] = [c for c in credentials if c]
    if "authMapping" in auth:
        mapping = _auth_mapping(auth.child("authMapping"))
        if mapping:
            out["auth_mapping"] = mapping
    auth.finish()
    return out


def _oauth_fields(auth: Fields, out: dict[str, Any]) -> None:
    for key, ours in _OAUTH_TEXT.items():
        if auth.text(key):
            out[ours] = auth.text(key)
    for key, (ours, allowed) in _OAUTH_ENUMS.items():
        value = auth.text(key)
        if value in allowed:
            out[ours] = value
        elif value:
            auth.losses.add(
                auth.at(key), f'"{value}" is not one of {", ".join(allowed)}: left at the default'
            )
    for key, ours in _OAUTH_MAPS.items():
        mapping = auth.take(key)
        if isinstance(mapping, dict) and mapping:
            out[ours] = {str(k): str(v) for k, v in mapping.items()}
    for key, ours in _OAUTH_LISTS.items():
        listed = auth.take(key)
        if isinstance(listed, list) and listed:
            out[ours] = [str(v) for v in listed]
    pkce = auth.take("pkce")
    if isinstance(pkce, bool):
        out["pkce"] = pkce


def _credential(entry: Fields) -> dict[str, str]:
    out = {"name": entry.text("name")}
    for key, ours in (("label", "label"), ("description", "description"), ("helpUrl", "help_url")):
        if entry.text(key):
            out[ours] = entry.text(key)
    entry.finish()
    if not out["name"]:
        entry.losses.add(entry.path, "a credential field without a name: left out")
        return {}
    return out


def _auth_mapping(mapping: Fields) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for where in ("headers", "query"):
        for key, entry in mapping.children(where):
            value = _mapped_value(entry)
            if value is not None:
                out.setdefault(where, {})[key] = value
    if "basic" in mapping:
        basic = _basic(mapping.child("basic"))
        if basic:
            out["basic"] = basic
    mapping.finish()
    return out


def _basic(entry: Fields) -> dict[str, str]:
    """``basic: {username, password}``, each a field reference or a literal, as headers are."""
    out = {}
    for key in ("username", "password"):
        if key in entry:
            value = _mapped_value(entry.child(key))
            if value is not None:
                out[key] = value
    entry.finish()
    if "username" not in out:
        entry.losses.add(entry.path, "basic auth without a username: left out")
        return {}
    return out


def _mapped_value(entry: Fields) -> str | None:
    """A credential field's name, or a literal value; anything else is a loss."""
    source = entry.child("valueFrom")
    reference = source.child("credentialFieldRef")
    name = reference.text("name")
    literal = entry.text("value")
    for reader in (reference, source, entry):
        reader.finish()
    if name:
        return name
    if literal:
        return literal
    entry.losses.add(entry.path, "a mapping with neither valueFrom.credentialFieldRef nor value: left out")
    return None


def _params(entry: Fields, discovery: dict[str, Any] | None) -> dict[str, Any]:
    filled = set((discovery or {}).get("params", {}))
    out: dict[str, Any] = {}
    for name, param in entry.children("params"):
        spec: dict[str, Any] = {}
        if param.take("required") is True:
            spec["required"] = True
        for key in ("description", "default"):
            if param.text(key):
                spec[key] = param.text(key)
        origin = param.text("from")
        if origin and not (origin == "discovery" and name in filled):
            param.losses.add(
                param.at("from"), f'"{origin}" has no equivalent: the user supplies it when connecting'
            )
        param.finish()
        out[name] = spec
    return out


def _discovery(entry: Fields) -> dict[str, Any] | None:
    renames = (("url", "url"), ("method", "method"), ("itemsPath", "items_path"), ("idPath", "id_path"))
    out: dict[str, Any] = {ours: entry.text(key) for key, ours in renames if entry.text(key)}
    if entry.text("namePath"):
        out["label_path"] = entry.text("namePath")
    metadata = entry.take("metadata")
    if isinstance(metadata, dict) and metadata:
        out["params"] = {str(k): str(v) for k, v in metadata.items()}
    entry.finish()
    if "url" not in out:
        entry.losses.add(entry.path, "discovery without a url: left out")
        return None
    return out
