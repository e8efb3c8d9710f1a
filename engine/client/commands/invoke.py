"""``gestalt invoke INTEGRATION OPERATION``: arguments typed by the operation's input schema, the
response body on stdout, errors on stderr with the exit code of their class."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from engine.client.arguments import build_arguments, input_schema, read_input
from engine.client.commands.catalog import find_operation
from engine.client.context import Context
from engine.client.errors import UsageError


def invoke(ctx: Context) -> int:
    args = ctx.args
    base = _input(ctx)
    typed = [p for p in args.param or () if not p.partition("=")[0].endswith(":")]
    schema = input_schema(find_operation(ctx, args.integration, args.operation)) if typed else {}
    arguments = build_arguments(schema, args.param or (), base)
    if args.instance:
        arguments["_instance"] = args.instance
    if args.connection:
        arguments["_connection"] = args.connection
    reply = ctx.client().invoke(args.integration, args.operation, arguments, dry_run=args.dry_run)
    _write_body(ctx, reply.body, reply.content_type)
    return 0


def _input(ctx: Context) -> dict[str, Any]:
    source = ctx.args.input_file
    given = ctx.args.input
    if source and given:
        raise UsageError("give --input-file or --input, not both")
    if given is not None:
        if given != "-":
            return read_input(given, "--input")
        return read_input(ctx.stdin.read(), "--input - (stdin)")
    if source:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--input-file {source}: {exc.strerror or exc}") from exc
        return read_input(text, source)
    return {}


def _write_body(ctx: Context, body: bytes, content_type: str) -> None:
    """JSON scripts get the body byte for byte; people get JSON indented."""
    text = body.decode("utf-8", errors="replace")
    if ctx.fmt != "json" and "json" in content_type:
        with contextlib.suppress(ValueError):  # labelled JSON but is not: shown as it came
            text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    ctx.out.write(text if text.endswith("\n") or not text else text + "\n")
