"""The client is a program of its own: importing it loads nothing of the server."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_the_client_and_its_cli_pulls_in_no_server_code() -> None:
    script = (
        "import json, sys; import engine.client, engine.client.cli; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('engine'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert "engine.client.cli" in loaded
    assert [m for m in loaded if m != "engine" and not m.startswith("engine.client")] == []
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, engine.client.cli; print(sorted({'litestar', 'granian', 'jinja2', "
            "'yaml', 'jsonschema'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert heavy.stdout.strip() == "[]"
