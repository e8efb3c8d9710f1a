"""Startup with every self-contained corpus app in one config.

Usage: ``python bench/corpus_startup.py [--serve]``. Prints the time to compile all providers,
the peak RSS, and per app the operation count; ``--serve`` also starts ``gestaltd serve`` and
reports the time until ``/ready`` answers 200. The parsed-document cache lives in a temp dir
(``GESTALT_CACHE_DIR``): the first pass is cold, the second warm.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path("/work/shared/corpus")


def corpus_integrations() -> dict[str, Any]:
    """Every app of ``corpus/app`` (via ``translated/``) as one ``integrations`` mapping, MCP-only
    apps left out, relative document paths made absolute. The tests use it too
    (``tests/support/corpus.py``)."""
    integrations: dict[str, Any] = {}
    for app in sorted(p.name for p in (CORPUS / "app").iterdir()):
        source = CORPUS / "translated" / f"{app}.yaml"
        if not source.is_file():
            continue
        body = yaml.safe_load(source.read_text())["integrations"][app]
        plugin = body["plugin"]
        if plugin.get("mcp_url") and not plugin.get("openapi"):
            continue
        plugin.pop("mcp_url", None), plugin.pop("mcp_connection", None)
        if "openapi" in plugin and not plugin["openapi"].startswith("http"):
            plugin["openapi"] = str((source.parent / plugin["openapi"]).resolve())
        body.pop("icon_file", None)
        integrations[app] = body
    return integrations


def combined_config(directory: Path, port: int) -> Path:
    """All of ``corpus_integrations`` in one config."""
    integrations = corpus_integrations()
    config = {
        "server": {"port": port, "encryption_key": "11" * 32},
        "auth": {"provider": "none"},
        "datastore": {"provider": "sqlite", "config": {"path": str(directory / "gestalt.db")}},
        "telemetry": {"provider": "noop"},
        "integrations": integrations,
    }
    path = directory / "gestalt.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def compile_all(path: Path) -> tuple[float, dict[str, int], list[str]]:
    from engine.bootstrap import compile_providers, load_config
    from engine.egress.client import default_client

    start = time.perf_counter()
    compiled = compile_providers(load_config(path), default_client())
    elapsed = time.perf_counter() - start
    counts = {name: len(p.operations) for name, p in compiled.providers.items()}
    return elapsed, counts, [str(i) for i in compiled.issues]


def time_to_ready(path: Path, port: int) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.02)
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    from startup import compile_package  # bench/ is this script's directory on sys.path

    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GESTALT_CACHE_DIR"] = str(Path(tmp) / "cache")
        port = _free_port()
        path = combined_config(Path(tmp), port)
        if "--serve" in sys.argv:
            print(f"cold /ready: {time_to_ready(path, port):.2f} s")
            print(f"warm /ready: {time_to_ready(path, port):.2f} s")
        elapsed, counts, issues = compile_all(path)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for name, n in sorted(counts.items()):
            print(f"{name:<16} {n:>5}")
        print(f"apps {len(counts)}, operations {sum(counts.values())}, issues {len(issues)}")
        for problem in issues:
            print("  " + problem)
        print(f"compile all providers: {elapsed:.2f} s, peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
