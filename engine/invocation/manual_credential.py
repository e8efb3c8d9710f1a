"""Manual credentials (``bearer``, ``manual``, ``basic``): the fields a connection declares, how a
caller sends them to ``POST /api/v1/auth/connect-manual``, and the secret that is stored.

A multi-field credential is stored as the JSON object of its fields (keys sorted, as the
reference does); a connection that declares exactly one field stores a single ``credential`` as
that field, so its ``auth_mapping`` finds it by name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from engine.compiler.credential_fields import BASIC_FIELDS, mapped_fields
from engine.compiler.model import Connection
from engine.config.spec import PLUGIN_CONNECTION
from engine.config.suggest import did_you_mean
from engine.errors import BadRequest

MANUAL_AUTH_TYPES = frozenset({"bearer", "manual", "basic"})


def declared_fields(connection: Connection) -> tuple[str, ...]:
    return tuple(f.name for f in connection.auth.credentials)


def _read_fields(connection: Connection) -> tuple[str, ...]:
    """The fields its injection reads when it declares none: the mapped ones, or basic's."""
    mapped = tuple(dict.fromkeys(name for _, name in mapped_fields(connection.auth.auth_mapping)))
    if mapped:
        return mapped
    return BASIC_FIELDS if connection.auth_type == "basic" else ()


def connect_hint(integration: str, connection: Connection) -> str:
    """How to connect it, for the 412 of a caller with nothing stored: the connect-manual body."""
    body: dict[str, object] = {"integration": integration}
    if connection.name != PLUGIN_CONNECTION:
        body["connection"] = connection.name
    fields = declared_fields(connection) or _read_fields(connection)
    if len(fields) > 1:
        body["credentials"] = dict.fromkeys(fields, "...")
    else:
        body["credential"] = "..."
    return (
        f"connect it first (auth type {connection.auth_type}): "
        f"POST /api/v1/auth/connect-manual {json.dumps(body)}"
    )


def stored_secret(connection: Connection, credential: str, fields: Mapping[str, str]) -> str:
    """The secret to store; 400 naming the fields when they do not match the declared ones."""
    declared = declared_fields(connection)
    if fields:
        if declared:
            _check_fields(fields, declared)
        return _as_json(fields)
    if len(declared) > 1:
        raise BadRequest(f'missing credential fields: {", ".join(declared)} (send them in "credentials")')
    if len(declared) == 1:
        return _as_json({declared[0]: credential})
    return credential


def _check_fields(given: Mapping[str, str], declared: tuple[str, ...]) -> None:
    unknown = [k for k in sorted(given) if k not in declared]
    missing = [k for k in declared if k not in given]
    problems = []
    for key in unknown:
        hint = did_you_mean(key, missing) or f" (declared: {', '.join(declared)})"
        problems.append(f"unknown credential field: {key}{hint}")
    if missing:
        label = "field" if len(missing) == 1 else "fields"
        problems.append(f"missing credential {label}: {', '.join(missing)}")
    if problems:
        raise BadRequest("; ".join(problems))


def _as_json(fields: Mapping[str, str]) -> str:
    return json.dumps(dict(fields), sort_keys=True, separators=(",", ":"))
