"""``gestalt tokens create|list|revoke|revoke-all``."""

from __future__ import annotations

from engine.client.context import Context
from engine.client.errors import UsageError


def create(ctx: Context) -> int:
    created = ctx.client().create_token(ctx.args.name, ctx.args.scope or ())
    if ctx.fmt == "json":
        ctx.emit(created, ())
    else:
        ctx.out.write(f"{created['token']}\n")
        ctx.say(f"Token {created.get('id')} ({created.get('name')}): shown once, keep it now.")
    return 0


def list_tokens(ctx: Context) -> int:
    doc = ctx.client().list_tokens()
    columns = [("id", "ID"), ("name", "NAME"), ("scopes", "SCOPES"), ("created_at", "CREATED")]
    ctx.emit(doc, [*columns, ("expires_at", "EXPIRES")])
    return 0


def revoke(ctx: Context) -> int:
    ctx.client().revoke_token(ctx.args.id)
    ctx.say(f"Revoked token {ctx.args.id}")
    login = ctx.settings.logins.get(ctx.url)
    if login is not None and login.token_id == ctx.args.id:
        _forget_login(ctx)
    return 0


def revoke_all(ctx: Context) -> int:
    if not ctx.args.yes:
        if not ctx.interactive():
            raise UsageError("revoke-all revokes every token of yours, this CLI's too: add --yes")
        if (
            ctx.ask("Revoke every API token of yours, this CLI's login too? [y/N] ", secret=False).lower()
            != "y"
        ):
            ctx.say("Nothing revoked")
            return 0
    count = ctx.client().revoke_all_tokens()
    ctx.say(f"Revoked {count} token{'s' if count != 1 else ''}")
    if ctx.url in ctx.settings.logins and ctx.settings.logins[ctx.url].token:
        _forget_login(ctx)
    return 0


def _forget_login(ctx: Context) -> None:
    ctx.settings.forget(ctx.url)
    ctx.settings.save()
    ctx.say(f"That was this CLI's token: you are logged out of {ctx.url}")
