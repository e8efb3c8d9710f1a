"""``gestaltd``: a thin shell over the library. Parse flags, call one function, choose the exit code.

Exit codes: 0 ok, 1 invalid config, 2 usage error (unknown flag, missing file).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from engine import __version__
from engine.errors import ConfigError

USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "default"
    try:
        if command == "version":
            print(f"gestaltd {__version__}")
            return 0
        if command == "validate":
            return _validate(_existing(args.config), args.format)
        if command == "routes":
            return _routes(_existing(args.config))
        if command == "serve":
            return _serve(_existing(args.config), args.host, args.port, args.locked)
        if command == "init":
            return _init(_existing(args.config))
        if command == "import":
            return _import(args)
        if command == "rotate-key":
            return _rotate_key(_existing(args.config), args.batch_size, args.max_batches, args.pause)
        return _default(args.config, args.host, args.port)
    except _UsageError as exc:
        print(f"gestaltd: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except ConfigError as exc:
        print(_render(exc, "text"), file=sys.stderr)
        return 1


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gestaltd", description="Self-hosted integration server.")
    parser.add_argument(
        "--config", help="config file (default: $GESTALT_CONFIG, ./config.yaml, ~/.gestalt/config.yaml)"
    )
    parser.add_argument("--host", default=None, help="listen address (default: server.host or 0.0.0.0)")
    parser.add_argument("--port", type=int, default=None, help="listen port (default: server.port or 8080)")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the config")
    validate = sub.add_parser("validate", help="check a config and report every problem")
    routes = sub.add_parser("routes", help="print the compiled route table")
    sub.add_parser("version", help="print the version")
    init = sub.add_parser("init", help="prepare remote OpenAPI/GraphQL documents (.gestalt/ + lock)")
    imported = sub.add_parser("import", help="write providers.d/<name>.yaml from a catalogue app directory")
    imported.add_argument("app_dir", help="the app's directory (holding manifest.yaml)")
    imported.add_argument("--providers-dir", help="where to write (default: providers.d beside the config)")
    imported.add_argument("--name", help="integration name (default: the directory's name)")
    imported.add_argument("--force", action="store_true", help="replace an existing file")
    rotate = sub.add_parser("rotate-key", help="re-encrypt every stored secret under server.encryption_key")
    for p in (serve, validate, routes, init, imported, rotate):
        p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    _rotate_flags(rotate)
    serve.add_argument("--host", default=argparse.SUPPRESS, help="listen address")
    serve.add_argument("--port", type=int, default=argparse.SUPPRESS, help="listen port")
    serve.add_argument(
        "--locked", action="store_true", help="use only prepared state; never fetch at startup"
    )
    validate.add_argument(
        "--format", choices=("text", "json", "github"), default="text", help="report format"
    )
    return parser


def _rotate_flags(rotate: argparse.ArgumentParser) -> None:
    rotate.add_argument("--batch-size", type=_positive, default=500, help="rows per transaction (500)")
    rotate.add_argument("--max-batches", type=_positive, default=None, help="stop after N batches")
    rotate.add_argument("--pause", type=_seconds, default=0.0, help="seconds to wait after each batch (0)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text}")
    return value


def _existing(path: str | None) -> Path:
    resolved = Path(path) if path else _discover()
    if resolved is None or not resolved.is_file():
        raise _UsageError(f"config file not found: {resolved if resolved else '(none given)'}")
    return resolved.resolve()


def _discover() -> Path | None:
    env = os.environ.get("GESTALT_CONFIG")
    if env:
        return Path(env)
    for candidate in (
        Path("config.yaml"),
        Path.home() / ".gestalt" / "config.yaml",
        Path("/etc/gestalt/config.yaml"),
    ):
        if candidate.is_file():
            return candidate
    return None


def _render(exc: ConfigError, fmt: str) -> str:
    """Each issue on its line (checks after loading know only the pointer: config/locate.py)."""
    from engine.config.locate import rendered

    return rendered(exc.issues, fmt)


def _validate(path: Path, fmt: str) -> int:
    from engine.bootstrap import check_config
    from engine.config.issues import display_path
    from engine.config.locate import rendered
    from engine.egress.client import default_client

    compiled, issues = check_config(path, default_client())
    if issues or compiled is None or fmt != "text":
        report = rendered(issues, fmt)
        if report:
            print(report)
    else:
        operations = sum(len(p.operations) for p in compiled.providers.values())
        print(
            f"{display_path(path)}: ok ({len(compiled.providers)} integrations, {operations} operations, "
            f"{len(compiled.config.bindings)} bindings)"
        )
    return 1 if issues else 0


def _routes(path: Path) -> int:
    from engine.bootstrap import build_gateway, build_runtime, load_config

    for method, route, name in build_gateway(build_runtime(load_config(path), logs=False)).route_table():
        print(f"{method:<12} {route:<56} {name}")
    return 0


def _serve(path: Path, host: str | None, port: int | None, locked: bool = False) -> int:
    from engine.serve import serve

    serve(path, host, port, locked=locked)
    return 0


def _init(path: Path) -> int:
    from engine.bootstrap import load_config
    from engine.documents.prepare import prepare_documents
    from engine.errors import DocumentUnavailable

    try:
        lock = prepare_documents(load_config(path))
    except DocumentUnavailable as exc:
        print(f"gestaltd init: {exc}", file=sys.stderr)
        return 1
    print(f"{path.parent / 'gestalt.lock.json'}: {len(lock.documents)} documents prepared")
    return 0


def _import(args: argparse.Namespace) -> int:
    from engine.app_import import ImportFailed, ManifestError, import_app
    from engine.config.issues import display_path

    config = Path(args.config) if args.config else _discover()
    if config is not None and not config.is_file():
        raise _UsageError(f"config file not found: {config}")
    target = Path(args.providers_dir) if args.providers_dir else _providers_dir(config)
    try:
        done = import_app(Path(args.app_dir), target, args.name or "", args.force)
    except (ImportFailed, ManifestError) as exc:
        print(f"gestaltd import: {exc}", file=sys.stderr)
        return 1
    extra = f" and {len(done.copied)} file(s) under {display_path(target / done.translation.name)}/"
    print(f"{display_path(done.path)}: written" + (extra if done.copied else ""))
    for note in done.notes:
        print(f"  not expressible: {note}")
    if done.translation.environment:
        print(f"  set before serving: {', '.join(done.translation.environment)}")
    return _validate(config.resolve(), "text") if config is not None and not args.providers_dir else 0


def _providers_dir(config: Path | None) -> Path:
    """The config's ``providers_dir`` (default ``providers.d`` beside it), else ``./providers.d``."""
    if config is None:
        return Path("providers.d")
    import yaml

    try:
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raw = None
    setting = raw.get("providers_dir") if isinstance(raw, dict) else None
    return config.parent / (setting if isinstance(setting, str) and setting else "providers.d")


def _rotate_key(path: Path, batch_size: int, max_batches: int | None, pause: float) -> int:
    import asyncio

    from engine.bootstrap import load_config, open_datastore
    from engine.errors import GestaltError
    from engine.store.rotation import Limits, describe, rotate_keys

    async def run() -> int:
        store = open_datastore(load_config(path))
        try:
            rotation = await rotate_keys(store, Limits(batch_size, max_batches, pause), _progress)
        except GestaltError as exc:  # committed batches stay; a re-run continues after them
            print(f"gestaltd rotate-key: {exc}; the batches committed so far are kept", file=sys.stderr)
            return 1
        finally:
            await store.close()
        print("\n".join(describe(rotation)))
        unreadable = any(t.unreadable for t in rotation.tables)
        return 0 if (rotation.complete or rotation.stopped_early) and not unreadable else 1

    return asyncio.run(run())


def _progress(table: str, rewritten: int) -> None:
    print(f"{table}: {rewritten} rewritten", file=sys.stderr, flush=True)


def _default(path: str | None, host: str | None, port: int | None) -> int:
    if path is None and _discover() is None:
        path = str(write_local_config(Path.home() / ".gestalt"))
        print(f"gestaltd: wrote a local config to {path}", file=sys.stderr)
    return _serve(_existing(path), host, port)


def write_local_config(directory: Path) -> Path:
    """The first-run config: SQLite under ``directory``, auth none, a fresh 64-hex key, port 8080."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o755)
    target = directory / "config.yaml"
    text = (
        "# Generated by gestaltd on first run. Edit freely; see the README for every key.\n"
        "server:\n"
        "  port: 8080\n"
        f"  encryption_key: {secrets.token_hex(32)}\n"
        "auth:\n"
        "  provider: none\n"
        "datastore:\n"
        "  provider: sqlite\n"
        "  config:\n"
        f"    path: {directory / 'gestalt.db'}\n"
        "secrets:\n"
        "  provider: env\n"
    )
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return target


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
