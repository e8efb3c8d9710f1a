"""What people read: the tables of ``integrations list``, ``operations list`` and ``describe``
(snapshots), run in-process through ``main``."""

from __future__ import annotations

import io
from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from engine.client.cli import main
from tests.client.conftest import notes_provider
from tests.support.configs import write_config
from tests.support.server import served
from tests.support.upstream import Upstream


def _run(url: str, home: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"XDG_CONFIG_HOME": str(home), "GESTALT_URL": url}
    code = main([*args, "--format", "table"], env=env, out=out, err=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


def test_tables(tmp_path: Path, upstream: Upstream, snapshot: SnapshotAssertion) -> None:
    with served(write_config(tmp_path, {"notes": notes_provider(upstream)})) as server:
        results = {
            "integrations": _run(server.url, tmp_path, "integrations", "list"),
            "operations": _run(server.url, tmp_path, "operations", "list", "notes"),
            "describe": _run(server.url, tmp_path, "describe", "notes", "get_note"),
        }
    assert all(code == 0 and not err for code, _, err in results.values()), results
    assert {name: out for name, (_, out, _) in results.items()} == snapshot
