"""The README's own YAML examples, for tests that run exactly what the README shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

README = Path(__file__).resolve().parents[2] / "README.md"
_YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_yaml(containing: str) -> Any:
    """The one ```yaml block of the README whose text contains ``containing``, parsed."""
    blocks = [b for b in _YAML_BLOCK.findall(README.read_text(encoding="utf-8")) if containing in b]
    assert len(blocks) == 1, f"README.md has {len(blocks)} yaml blocks containing {containing!r}"
    return yaml.safe_load(blocks[0])
