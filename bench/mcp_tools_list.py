#!/usr/bin/env python3
"""``tools/list`` latency on a large catalogue: 1,200 inline operations across 6 providers.d files.

Starts ``gestaltd serve`` (one Granian worker, auth ``none``) on 127.0.0.1, then pages through
the whole tool list (``nextCursor`` until absent) over one keep-alive connection, ``--runs`` times
after a warm-up, and prints the median and p90 of a full listing. Target: median < 50 ms.
Stdlib only; exits non-zero only when the harness fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
TARGET_MEDIAN_MS = 50.0
PROVIDERS = 6
OPS_PER_PROVIDER = 200
HEADERS = {"Content-Type": "application/json", "MCP-Protocol-Version": "2025-11-25"}


def write_config(root: Path) -> Path:
    (root / "providers.d").mkdir()
    for p in range(PROVIDERS):
        ops = [
            f'    - {{name: op{i:04d}, method: GET, path: "/items/{i}", description: "Operation {i} of p{p}",\n'
            f"       parameters: [{{name: q, type: string, required: true}}, {{name: limit, type: integer}}]}}"
            for i in range(OPS_PER_PROVIDER)
        ]
        text = f"plugin:\n  base_url: http://{HOST}:9\n  operations:\n" + "\n".join(ops) + "\n"
        (root / "providers.d" / f"p{p}.yaml").write_text(text)
    config = root / "gestalt.yaml"
    config.write_text(
        "server:\n  encryption_key: '" + "11" * 32 + "'\n"
        "auth:\n  provider: none\n"
        f"datastore:\n  provider: sqlite\n  config:\n    path: {root / 'gestalt.db'}\n"
        "telemetry:\n  provider: noop\n"
    )
    return config


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start(config: Path, port: int) -> subprocess.Popen[bytes]:
    code = "from engine.cli import main; raise SystemExit(main())"
    args = [sys.executable, "-c", code, "serve", "--config", str(config), "--host", HOST, "--port", str(port)]
    repo = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": repo}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise SystemExit("gestaltd did not become ready")


def full_listing(conn: http.client.HTTPConnection) -> int:
    cursor: str | None = None
    count = 0
    for request_id in range(1, 1000):
        params = {"cursor": cursor} if cursor else {}
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/list", "params": params})
        conn.request("POST", "/mcp", body=body, headers=HEADERS)
        reply = conn.getresponse()
        result = json.loads(reply.read())["result"]
        count += len(result["tools"])
        cursor = result.get("nextCursor")
        if not cursor:
            break
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = start(write_config(Path(tmp)), port)
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            tools = full_listing(conn)
            for _ in range(5):
                full_listing(conn)
            samples = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                full_listing(conn)
                samples.append((time.perf_counter() - t0) * 1000)
        finally:
            proc.terminate()
            proc.wait(10)
    median = statistics.median(samples)
    p90 = statistics.quantiles(samples, n=10)[-1]
    pages = -(-tools // 100)
    verdict = "met" if median < TARGET_MEDIAN_MS else "NOT met"
    print(f"tools/list full paging: {tools} tools in {pages} pages, {args.runs} runs")
    print(f"median {median:.2f} ms  p90 {p90:.2f} ms  (target median < {TARGET_MEDIAN_MS:.0f} ms: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
