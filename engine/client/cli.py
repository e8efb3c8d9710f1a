"""``gestalt``: the command line over ``GestaltClient``. Parse, run one command, choose the exit code
(see ``engine.client.errors``: 0 ok, 1 server, 2 usage, 3 auth, 4 not found, 5 upstream,
6 unreachable)."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from engine import __version__
from engine.client import completion
from engine.client.commands import catalog, connect, invoke, session, tokens
from engine.client.context import Context
from engine.client.errors import ClientError, UpstreamError

Command = Callable[[Context], int]


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    run: Command | None = getattr(args, "run", None)
    if run is None:
        parser.print_usage(err)
        return 2
    ctx: Context | None = None
    try:
        ctx = Context(args, os.environ if env is None else env, out or sys.stdout, err, stdin or sys.stdin)
        return run(ctx)
    except ClientError as exc:
        if ctx is not None:
            ctx.explain(exc)
        _report(err, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("\ngestalt: interrupted\n")
        return 130
    finally:
        if ctx is not None:
            ctx.close()


def _report(err: TextIO, exc: ClientError) -> None:
    err.write(f"gestalt: {exc.message}\n")
    if exc.hint:
        err.write(f"  {exc.hint}\n")
    if isinstance(exc, UpstreamError) and exc.body:
        body = exc.body.decode("utf-8", errors="replace")
        err.write(body if body.endswith("\n") else body + "\n")


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    root = argparse.ArgumentParser(
        prog="gestalt",
        description="Client of gestaltd: log in, connect accounts, invoke operations, manage tokens.",
        parents=[common],
        epilog="exit codes: 0 ok, 1 server error, 2 usage, 3 auth, 4 not found, 5 upstream, 6 unreachable",
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    _session_commands(commands, common)
    _catalog_commands(commands, common)
    _invoke_command(commands, common)
    _token_commands(commands, common)
    shell = commands.add_parser("completion", parents=[common], help="print a shell completion script")
    shell.add_argument("shell", choices=("bash", "zsh"))
    shell.set_defaults(run=completion.print_script)
    commands.add_parser("version", help="print the version").set_defaults(run=_version)
    hidden = commands.add_parser("__complete", parents=[common])  # used by the completion scripts
    hidden.add_argument("words", nargs="*")
    hidden.set_defaults(run=functools.partial(completion.complete_words, root))
    commands._choices_actions = [a for a in commands._choices_actions if a.dest != "__complete"]
    return root


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", default=argparse.SUPPRESS, help="gestaltd URL (default: $GESTALT_URL, the last login)"
    )
    common.add_argument(
        "--format",
        choices=("table", "json"),
        default=argparse.SUPPRESS,
        help="output: table for people, json for scripts (default: table on a terminal, else json)",
    )
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS, help="seconds per request (60)")
    return common


def _leaf(
    group: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    common: argparse.ArgumentParser,
    run: Command,
    help_text: str,
) -> argparse.ArgumentParser:
    parser = group.add_parser(name, parents=[common], help=help_text, description=help_text)
    parser.set_defaults(run=run)
    return parser


def _session_commands(
    group: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    login = _leaf(group, "login", common, session.login, "log in (browser flow) and keep an API token")
    login.add_argument(
        "--token", help="use this API token instead of a browser login ('-': read it from stdin)"
    )
    login.add_argument("--no-browser", action="store_true", help="print the login URL instead of opening it")
    login.add_argument("--callback-port", type=int, default=0, help="loopback port for the browser redirect")
    login.add_argument("--wait-timeout", type=float, default=0, help="seconds to wait for the browser (300)")
    _leaf(group, "logout", common, session.logout, "revoke this CLI's token and forget it")
    _leaf(group, "whoami", common, session.whoami, "show the server, the user and the token in use")


def _catalog_commands(
    group: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    integrations = group.add_parser("integrations", help="list, connect and disconnect integrations")
    sub = integrations.add_subparsers(dest="action", metavar="ACTION", required=True)
    _leaf(sub, "list", common, catalog.integrations_list, "list integrations and what you connected")
    conn = _leaf(
        sub, "connect", common, connect.connect, "connect an account (OAuth in the browser, or credentials)"
    )
    conn.add_argument("name")
    _target_options(conn)
    conn.add_argument("-c", "--credential", action="append", metavar="FIELD=VALUE", help="a credential field")
    conn.add_argument("--param", action="append", metavar="NAME=VALUE", help="a connection parameter")
    conn.add_argument("--scope", action="append", help="an OAuth scope to request (repeatable)")
    conn.add_argument("--no-browser", action="store_true", help="print the authorization URL")
    conn.add_argument("--no-wait", action="store_true", help="do not wait for the OAuth flow to finish")
    conn.add_argument("--wait-timeout", type=float, default=0, help="seconds to wait for OAuth (300)")
    disc = _leaf(sub, "disconnect", common, connect.disconnect, "remove a stored connection")
    disc.add_argument("name")
    _target_options(disc)
    operations = group.add_parser("operations", help="list an integration's operations")
    ops = operations.add_subparsers(dest="action", metavar="ACTION", required=True)
    _leaf(ops, "list", common, catalog.operations_list, "list an integration's operations").add_argument(
        "integration"
    )
    describe = _leaf(group, "describe", common, catalog.describe, "show an operation's parameters")
    describe.add_argument("integration")
    describe.add_argument("operation")


def _invoke_command(
    group: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    call = _leaf(
        group, "invoke", common, invoke.invoke, "invoke an operation; the response body goes to stdout"
    )
    call.add_argument("integration")
    call.add_argument("operation")
    call.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="a parameter, typed by the operation's schema; KEY:=JSON for a literal JSON value",
    )
    call.add_argument("--input-file", metavar="FILE", help="parameters as a JSON object in FILE")
    call.add_argument("--input", metavar="JSON", help="parameters as a JSON object ('-': read stdin)")
    _target_options(call)
    call.add_argument("--dry-run", action="store_true", help="show the upstream request; send nothing")


def _token_commands(
    group: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parent = group.add_parser("tokens", help="create, list and revoke API tokens")
    sub = parent.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = _leaf(sub, "create", common, tokens.create, "create an API token (printed once)")
    create.add_argument("name")
    create.add_argument("--scope", action="append", help="limit the token to an integration (repeatable)")
    _leaf(sub, "list", common, tokens.list_tokens, "list your API tokens")
    _leaf(sub, "revoke", common, tokens.revoke, "revoke one token").add_argument("id")
    everything = _leaf(sub, "revoke-all", common, tokens.revoke_all, "revoke all your tokens")
    everything.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instance", help="the stored connection instance (default: the only one)")
    parser.add_argument("--connection", help="the integration's connection to use")


def _version(ctx: Context) -> int:
    ctx.out.write(f"gestalt {__version__}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
