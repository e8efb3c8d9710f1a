"""Where a connect or disconnect request points: connection, instance and connection params.

Shared by the manual and OAuth connect flows (reference http-api §5.1): names must match
``NAME_RE``, the implicit connection answers to ``plugin`` and ``_plugin``, an absent instance is
``default``, and user-supplied connection params are checked against the connection's declaration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.compiler.connections import PLUGIN_ALIASES, canonical_connection
from engine.compiler.model import Connection
from engine.config.spec import PLUGIN_CONNECTION
from engine.errors import (
    ExplicitConnectionRequired,
    InvalidConnectionName,
    InvalidConnectionParam,
    InvalidInstanceName,
    UnknownConnection,
)
from engine.providers.model import Provider
from engine.store import DEFAULT_INSTANCE

NAME_RE = re.compile(r"^[a-zA-Z0-9._-]+$")
_ALLOWED = "letters, digits, hyphens, dots, underscores"


def checked_connection_name(requested: str) -> str:
    """The canonical (user-facing) name of an explicitly requested connection."""
    if not NAME_RE.match(requested):
        raise InvalidConnectionName()
    return canonical_connection(requested)


def choose_connection(provider: Provider, requested: str) -> Connection:
    """The connection a connect flow targets: the requested one, else the integration default."""
    if requested:
        name = checked_connection_name(requested)
        conn = provider.connections.get(name)
        if conn is None:
            raise UnknownConnection(requested, provider.name)
        return conn
    default = provider.connections.get(provider.default_connection)
    named = [n for n in provider.connections if n != PLUGIN_CONNECTION]
    if default is None or (default.name == PLUGIN_CONNECTION and default.auth_type == "none" and named):
        raise ExplicitConnectionRequired(provider.name)
    return default


def choose_instance(requested: str) -> str:
    if not requested:
        return DEFAULT_INSTANCE
    if not NAME_RE.match(requested):
        raise InvalidInstanceName()
    return requested


def validate_params(connection: Connection, given: Mapping[str, Any]) -> dict[str, str]:
    """The connection params to store: supplied values checked, defaults filled, required enforced
    (except those post-connect discovery will supply)."""
    discovered = connection.discovery.params if connection.discovery is not None else {}
    out: dict[str, str] = {}
    for key in sorted(given):
        value = given[key]
        if key not in connection.params:
            raise InvalidConnectionParam(f"unknown connection parameter: {key}")
        if value is None or value == "":
            continue
        if not isinstance(value, str) or not NAME_RE.match(value):
            raise InvalidConnectionParam(
                f'connection parameter "{key}" contains invalid characters (allowed: {_ALLOWED})'
            )
        out[key] = value
    for key in sorted(connection.params):
        spec = connection.params[key]
        if key not in out and spec.default:
            out[key] = spec.default
        if key not in out and spec.required and key not in discovered:
            raise InvalidConnectionParam(f"missing required connection parameter: {key}")
    return out


def internal_name(connection: str) -> str:
    """The reference's internal spelling (``_plugin``), used in its disconnect messages."""
    return "_plugin" if connection in PLUGIN_ALIASES else connection
