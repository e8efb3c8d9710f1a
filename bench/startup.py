"""Startup to /ready: spawn `gestaltd serve`, poll /ready every 5 ms, stop it; repeat.

    python bench/startup.py                      # the root gestalt.yaml, 10 warm runs
    python bench/startup.py --runs 20 --config examples/x/gestalt.yaml
    python bench/startup.py --cold               # each run on a fresh copy: new database, empty
                                                 # cache directory (no schema memo)

Warm runs reuse the config's database and the cache directory's schema memo ($GESTALT_CACHE_DIR,
else ~/.cache/gestaltd), as every start after the first does. --cold measures a first start,
except for the package's own bytecode (.pyc): it is brought up to date before the runs, as
``pip install`` does (under PYTHONDONTWRITEBYTECODE nothing else would), and never deleted.
Stdlib only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TARGET_S = 1.0


def main() -> int:
    args = _parse()
    config = Path(args.config).resolve()
    gestaltd = shutil.which("gestaltd")
    if gestaltd is None:
        print("gestaltd is not on PATH (pip install -e .)", file=sys.stderr)
        return 2
    compile_package()
    times = [_one(gestaltd, config, args.cold) for _ in range(args.runs)]
    times.sort()
    mode = "cold (fresh copy, empty caches)" if args.cold else "warm"
    print(f"gestaltd startup, {config.name}, {mode}, {args.runs} runs, {os.cpu_count()} CPUs")
    print(
        f"  min {times[0]:.3f} s  median {statistics.median(times):.3f} s  max {times[-1]:.3f} s"
        f"  (all: {' '.join(f'{t:.2f}' for t in times)})"
    )
    met = statistics.median(times) < TARGET_S
    print(f"  target: median under {TARGET_S:.1f} s: {'met' if met else 'NOT met'}")
    return 0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="gestalt.yaml")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cold", action="store_true", help="fresh copy and empty caches each run")
    return parser.parse_args()


def _one(gestaltd: str, config: Path, cold: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="gestalt-startup-") as tmp:
        env = dict(os.environ)
        if cold:
            config = _copy(config, Path(tmp))
            env["XDG_CACHE_HOME"] = str(Path(tmp) / "xdg-cache")
            env.pop("GESTALT_CACHE_DIR", None)
        port = _free_port()
        started = time.perf_counter()
        proc = subprocess.Popen(
            [gestaltd, "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            elapsed = _wait_ready(port, proc, started)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        time.sleep(0.3)  # let the port and the CPU settle between runs
        return elapsed


def compile_package() -> None:
    """The engine package's bytecode, current (what a regular install ships with)."""
    package = Path(__file__).resolve().parents[1] / "engine"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def _copy(config: Path, into: Path) -> Path:
    """The config file plus its providers.d/ and bindings.d/ (the layout the root config uses)."""
    root = into / "config"
    root.mkdir()
    shutil.copy(config, root / config.name)
    for sub in ("providers.d", "bindings.d"):
        if (config.parent / sub).is_dir():
            shutil.copytree(config.parent / sub, root / sub)
    return root / config.name


def _wait_ready(port: int, proc: subprocess.Popen[bytes], started: float) -> float:
    url = f"http://127.0.0.1:{port}/ready"
    while time.perf_counter() - started < 30:
        if proc.poll() is not None:
            raise SystemExit(f"gestaltd exited with {proc.returncode} before /ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.005)
    raise SystemExit("gestaltd did not become ready within 30 s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
