"""``gestaltd validate`` on one integration written for a test, its report as lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from tests.support.configs import write_config


def validate_plugin(tmp_path: Path, capsys: pytest.CaptureFixture[str], plugin: dict[str, Any]) -> list[str]:
    """``providers.d/svc.yaml`` holding ``plugin`` (on a loopback base URL): [] when it validates,
    else each reported line after ``svc.yaml:`` (``LINE:COL: message (at /pointer)``)."""
    config = write_config(tmp_path, {"svc": {"plugin": {"base_url": "http://127.0.0.1:9", **plugin}}})
    code = main(["validate", "--config", str(config)])
    lines = capsys.readouterr().out.strip().splitlines()
    if code == 0:
        return []
    assert code == 1, lines
    return [line.split("providers.d/svc.yaml:", 1)[1] for line in lines]
