"""The shared provider corpus compiled as one deployment (every self-contained app, as
``bench/corpus_startup.py`` combines them), for tests that need a real large catalogue."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import mkdtemp

import yaml

from bench.corpus_startup import CORPUS, corpus_integrations
from engine.bootstrap import compile_providers, load_config
from engine.egress.client import default_client
from engine.providers.model import Provider

__all__ = ["CORPUS", "corpus_providers"]


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
