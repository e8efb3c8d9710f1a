"""``gestalt login``, ``logout``, ``whoami``."""

from __future__ import annotations

from typing import Any

from engine.client.context import Context
from engine.client.errors import AuthError, ClientError
from engine.client.login import LOGIN_TIMEOUT, browser_login, login_with_token
from engine.client.output import pairs
from engine.client.settings import Login


def login(ctx: Context) -> int:
    client = ctx.client()
    client.token = ""
    token = ctx.args.token
    if token == "-":
        token = ctx.ask("API token: ", secret=True).strip()
    if token:
        found = login_with_token(client, token)
    else:
        timeout = ctx.args.wait_timeout or LOGIN_TIMEOUT
        found = browser_login(
            client, ctx.login_ui(), callback_port=ctx.args.callback_port or 0, timeout=timeout
        )
    ctx.settings.remember(found)
    ctx.settings.save()
    if found.provider == "none":
        ctx.say(f"{found.url} uses auth none: no login needed, every call is the anonymous user.")
    else:
        who = found.email or "token given with --token"
        ctx.say(f"Logged in to {found.url} as {who}; token kept in {ctx.settings.path}")
    return 0


def logout(ctx: Context) -> int:
    """Revoke this CLI's token on the server (when it is known), then forget it locally."""
    found = ctx.settings.logins.get(ctx.url)
    if found is None:
        ctx.say(f"not logged in to {ctx.url}")
        return 0
    note = ""
    if found.token and found.token_id:
        try:
            ctx.client().revoke_token(found.token_id)
        except AuthError:
            pass  # already expired or revoked: nothing left to revoke
        except ClientError as exc:
            note = f" (the server did not revoke the token: {exc.message})"
    elif found.token:
        note = (
            " (a token given with --token stays valid on the server: revoke it with `gestalt tokens revoke`)"
        )
    ctx.settings.forget(ctx.url)
    ctx.settings.save()
    ctx.say(f"Logged out of {ctx.url}{note}")
    return 0


def whoami(ctx: Context) -> int:
    client = ctx.client()
    found = ctx.settings.logins.get(ctx.url)
    provider = str(client.auth_info().get("provider", ""))
    if provider != "none" and not client.token:
        raise AuthError(f"not logged in to {ctx.url}", hint="run `gestalt login`")
    doc: dict[str, Any] = {"url": ctx.url, "provider": provider}
    if provider == "none":
        doc["user"] = "anonymous@gestalt"
    else:
        tokens = client.list_tokens()  # also proves the token is still accepted
        doc["user"] = found.email if found and found.email else ""
        doc |= _token_facts(found, tokens)
    if ctx.fmt == "json":
        ctx.emit(doc, ())
    else:
        ctx.out.write(pairs([(k.replace("_", " "), v) for k, v in doc.items()]))
    return 0


def _token_facts(found: Login | None, tokens: list[dict[str, Any]]) -> dict[str, Any]:
    if found is None or not found.token_id:
        return {"token": "from GESTALT_TOKEN or --token (not identified)"}
    record = next((t for t in tokens if t.get("id") == found.token_id), None)
    facts = {"token": found.token_name or found.token_id, "token_id": found.token_id}
    facts["expires_at"] = str((record or {}).get("expires_at") or found.expires_at or "never")
    return facts
