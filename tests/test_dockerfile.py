"""The Dockerfile, read as Docker reads it (no Docker engine runs here, so the image itself is not
built in the suite): a slim Debian Python base, nothing fetched but PyPI packages, a non-root
user, the default port, the config where the examples mount it, and a HEALTHCHECK whose exact
command is run against a real gestaltd."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple

from engine.config.spec import ServerSpec
from tests.support.configs import write_config
from tests.support.server import free_port, served

REPO = Path(__file__).resolve().parents[1]
CONFIG_PATH = "/etc/gestalt/gestalt.yaml"


class Instruction(NamedTuple):
    line: int
    name: str
    args: str


def instructions(path: Path = REPO / "Dockerfile") -> list[Instruction]:
    """Comments dropped, continuation lines joined; the parser directive line is a comment too."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        pending.append(line.removesuffix("\\").strip())
        if not line.endswith("\\"):
            name, _, args = " ".join(pending).partition(" ")
            found.append(Instruction(start, name.upper(), args.strip()))
            pending = []
    assert not pending, "a continuation line ends the file"
    return found


def final_stage() -> list[Instruction]:
    steps = instructions()
    last_from = max(i for i, step in enumerate(steps) if step.name == "FROM")
    return steps[last_from:]


def only(name: str, steps: list[Instruction]) -> Instruction:
    matching = [step for step in steps if step.name == name]
    assert len(matching) == 1, (name, matching)
    return matching[0]


def test_the_base_is_a_slim_debian_python_the_project_supports() -> None:
    bases = [s.args.split()[0] for s in instructions() if s.name == "FROM"]
    assert len(bases) == 2 and len(set(bases)) == 1, bases  # build and run on the same Python
    match = re.fullmatch(r"python:3\.(\d+)-slim-bookworm", bases[0])
    assert match, bases[0]
    required = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert int(match.group(1)) >= int(required.removeprefix(">=3."))


def test_nothing_is_fetched_but_python_packages() -> None:
    steps = instructions()
    assert not [s for s in steps if s.name == "ADD"]  # ADD can fetch URLs; COPY cannot
    runs = " ".join(s.args for s in steps if s.name == "RUN")
    for tool in ("curl", "wget", "git ", "apt-get", "http://", "https://"):
        assert tool not in runs, tool
    assert "pip install --no-compile ." in runs  # the project and its PyPI dependencies


def test_the_build_context_holds_what_is_copied_and_nothing_else() -> None:
    copies = [s.args.split()[:-1] for s in instructions() if s.name == "COPY" and "--from" not in s.args]
    sources = {source for copy in copies for source in copy}
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    kept = {line.removeprefix("!").rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore and kept == {source.rstrip("/") for source in sources}, (kept, sources)
    assert sources and all((REPO / source).exists() for source in sources)
    for link in (p for p in (REPO / "engine").rglob("*") if p.is_symlink()):  # e.g. engine/schemas
        target = link.resolve().relative_to(REPO)
        assert target.parts[0] in kept, f"{link} points outside the build context"


def test_it_runs_as_a_non_root_user_on_the_default_port_with_the_mounted_config() -> None:
    stage = final_stage()
    user = only("USER", stage)
    assert user.args.split(":")[0] not in ("root", "0")
    assert user.line < only("ENTRYPOINT", stage).line
    assert only("EXPOSE", stage).args == str(ServerSpec().port)
    assert json.loads(only("ENTRYPOINT", stage).args) == ["gestaltd"]
    assert json.loads(only("CMD", stage).args) == ["serve", "--config", CONFIG_PATH]
    assert f"GESTALT_CONFIG={CONFIG_PATH}" in only("ENV", stage).args


def healthcheck_command() -> list[str]:
    check = only("HEALTHCHECK", final_stage()).args
    options, _, command = check.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv: list[str] = json.loads(command)
    return argv


def run_healthcheck(url: str) -> int:
    argv = healthcheck_command()
    assert argv[0] == "python"
    env = {**os.environ, "GESTALT_HEALTH_URL": url}
    return subprocess.run([sys.executable, *argv[1:]], env=env, capture_output=True, timeout=30).returncode


def test_the_healthcheck_passes_on_a_serving_gestaltd_and_fails_without_one(tmp_path: Path) -> None:
    assert "'http://127.0.0.1:8080/health'" in " ".join(healthcheck_command())  # the default port
    with served(write_config(tmp_path, {})) as server:
        assert run_healthcheck(server.url + "/health") == 0
    assert run_healthcheck(f"http://127.0.0.1:{free_port()}/health") != 0
