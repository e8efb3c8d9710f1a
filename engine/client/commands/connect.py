"""``gestalt integrations connect`` and ``disconnect``.

Connecting picks the flow from what the server lists for the connection: OAuth opens the
authorization URL (or prints it) and waits until the connection appears; manual auth asks for
each credential field, secrets without echo, or reads them from ``-c field=value`` or, one per
line, from a piped stdin.
"""

from __future__ import annotations

import re
import threading
import time
import webbrowser
from collections.abc import Mapping, Sequence
from typing import Any

from engine.client.api import ConnectRequest
from engine.client.context import Context
from engine.client.errors import AuthError, NotFoundError, UsageError

CONNECT_TIMEOUT = 300.0
_POLL_SECONDS = 1.0
# Credential fields that name something rather than prove something are typed with echo.
_PLAIN_FIELD = re.compile(
    r"^(user(name)?|login|e?mail|account(_id)?|site|(sub)?domain|region|host(name)?|(base_)?url|"
    r"org(ani[sz]ation)?|workspace|tenant(_id)?|client_id|project(_id)?)$"
)


def connect(ctx: Context) -> int:
    entry = _integration(ctx, ctx.args.name)
    connection = _connection_info(entry, ctx.args.connection or "")
    types = connection.get("auth_types") or []
    if not types:
        ctx.say(f"{ctx.args.name} needs no credential: there is nothing to connect")
        return 0
    kind = "manual" if ctx.args.credential or "oauth" not in types else "oauth"
    params = _connection_params(ctx, entry)
    request = ConnectRequest(ctx.args.connection or "", ctx.args.instance or "", params)
    if kind == "oauth":
        return _oauth(ctx, entry, request)
    return _manual(ctx, entry, connection, request)


def disconnect(ctx: Context) -> int:
    ctx.client().disconnect(ctx.args.name, ctx.args.instance or "", ctx.args.connection or "")
    ctx.say(f"Disconnected {ctx.args.name}")
    return 0


def is_secret(field: Mapping[str, Any]) -> bool:
    return not _PLAIN_FIELD.match(str(field.get("name", "")).lower())


def _integration(ctx: Context, name: str) -> dict[str, Any]:
    for entry in ctx.client().integrations():
        if entry.get("name") == name:
            return entry
    raise NotFoundError(f'integration "{name}" not found', hint="list them with `gestalt integrations list`")


def _connection_info(entry: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The listing's entry for one connection, or the integration's default when none is named."""
    if not name:
        return {
            "auth_types": entry.get("auth_types") or [],
            "credential_fields": entry.get("credential_fields"),
        }
    for connection in entry.get("connections") or ():
        if connection.get("name") == name:
            fields = connection.get("credential_fields") or entry.get("credential_fields")
            return {**connection, "credential_fields": fields}
    known = ", ".join(str(c.get("name")) for c in entry.get("connections") or ()) or "none"
    raise NotFoundError(f'integration "{entry.get("name")}" has no connection "{name}" (known: {known})')


def _connection_params(ctx: Context, entry: Mapping[str, Any]) -> dict[str, str]:
    params = dict(_pairs(ctx.args.param or (), "--param"))
    hints = entry.get("connection_params") or {}
    for name, hint in hints.items():
        if name in params or not isinstance(hint, dict) or not hint.get("required") or hint.get("default"):
            continue
        described = f" ({hint['description']})" if hint.get("description") else ""
        params[name] = ctx.ask(f"{name}{described}: ", secret=False)
    return params


def _manual(
    ctx: Context, entry: Mapping[str, Any], connection: Mapping[str, Any], request: ConnectRequest
) -> int:
    given = dict(_pairs(ctx.args.credential or (), "-c"))
    fields = [f for f in connection.get("credential_fields") or () if isinstance(f, dict) and f.get("name")]
    if fields:
        unknown = sorted(set(given) - {str(f["name"]) for f in fields})
        if unknown:
            names = ", ".join(str(f["name"]) for f in fields)
            raise UsageError(f"unknown credential field {', '.join(unknown)} (fields: {names})")
        values = {str(f["name"]): given.get(str(f["name"])) or _ask_field(ctx, f) for f in fields}
        sent = ConnectRequest(request.connection, request.instance, request.params, credentials=values)
    else:
        single = given.pop("credential", "") if given.keys() <= {"credential"} else ""
        if given:
            raise UsageError(f"{entry.get('name')} declares no credential fields: pass -c credential=VALUE")
        secret = single or ctx.ask(f"Credential for {entry.get('name')}: ", secret=True)
        sent = ConnectRequest(request.connection, request.instance, request.params, credential=secret)
    answer = ctx.client().connect_manual(str(entry.get("name")), sent)
    return _report(ctx, str(entry.get("name")), answer)


def _ask_field(ctx: Context, field: Mapping[str, Any]) -> str:
    label = str(field.get("label") or field["name"])
    if field.get("description") and ctx.interactive():
        ctx.say(f"{label}: {field['description']}")
    value = ctx.ask(f"{label}: ", secret=is_secret(field))
    if not value:
        raise UsageError(f'credential field "{field["name"]}" must not be empty')
    return value


def _report(ctx: Context, name: str, answer: Mapping[str, Any]) -> int:
    if answer.get("status") == "selection_required":
        ctx.say(
            f"{name}: the credential reaches several accounts; choosing one needs the browser page "
            f"(POST {answer.get('selection_url')} with the pending token). Nothing was stored yet."
        )
        return 1
    ctx.say(f"Connected {name}")
    return 0


def _oauth(ctx: Context, entry: Mapping[str, Any], request: ConnectRequest) -> int:
    name = str(entry.get("name"))
    scoped = ConnectRequest(request.connection, request.instance, request.params, scopes=ctx.args.scope or ())
    url = str(ctx.client().start_oauth(name, scoped)["url"])
    if ctx.args.no_browser:
        ctx.say(f"Visit this URL to connect {name}:\n  {url}")
    else:
        ctx.say(f"Opening the {name} authorization page. If it does not open, visit:\n  {url}")
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    target = (request.instance or "default", request.connection)
    if ctx.args.no_wait or _has_instance(entry, target):
        # A reconnection replaces a stored credential in place: the listing cannot show when.
        ctx.say("Finish the authorization in the browser; the credential is stored when it completes.")
        return 0
    return _wait_connected(ctx, name, target, float(ctx.args.wait_timeout or CONNECT_TIMEOUT))


def _wait_connected(ctx: Context, name: str, target: tuple[str, str], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        if _has_instance(_integration(ctx, name), target):
            ctx.say(f"Connected {name}")
            return 0
    raise AuthError(f"{name} was not connected within {int(timeout)} seconds", hint="run the command again")


def _has_instance(entry: Mapping[str, Any], target: tuple[str, str]) -> bool:
    instance, connection = target
    return any(
        i.get("name") == instance and (not connection or i.get("connection") == connection)
        for i in entry.get("instances") or ()
    )


def _pairs(items: Sequence[str], flag: str) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f'{flag} "{item}": expected name=value')
        out.append((key, value))
    return out
