"""Write real config trees (gestalt.yaml + providers.d/) into a temp dir for a test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_config(
    root: Path,
    providers: dict[str, dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> Path:
    """A runnable deployment in ``root``; ``providers`` become ``providers.d/<name>.yaml`` files."""
    config: dict[str, Any] = {
        "server": {"port": 8080, "encryption_key": "11" * 32},
        "auth": {"provider": "none"},
        "datastore": {"provider": "sqlite", "config": {"path": str(root / "gestalt.db")}},
        "telemetry": {"provider": "noop"},
    }
    config.update(extra or {})
    (root / "providers.d").mkdir(parents=True, exist_ok=True)
    for name, body in providers.items():
        (root / "providers.d" / f"{name}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    path = root / "gestalt.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
