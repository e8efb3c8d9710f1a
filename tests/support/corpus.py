"""The shared provider corpus compiled as one deployment (every self-contained app, as
``bench/corpus_startup.py`` combines them), for tests that need a real large catalogue."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import yaml

from engine.bootstrap import compile_providers, load_config
from engine.egress.client import default_client
from engine.providers.model import Provider

CORPUS = Path("/work/shared/corpus")


def corpus_integrations() -> dict[str, Any]:
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


@cache
def corpus_providers() -> dict[str, Provider]:
    root = Path(mkdtemp(prefix="gestalt-corpus-"))
    config = {
        "server": {"encryption_key": "11" * 32},
        "auth": {"provider": "none"},
        "datastore": {"provider": "sqlite", "config": {"path": str(root / "gestalt.db")}},
        "telemetry": {"provider": "noop"},
        "integrations": corpus_integrations(),
    }
    path = root / "gestalt.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    compiled = compile_providers(load_config(path), default_client())
    assert not compiled.issues, compiled.issues
    return compiled.providers
