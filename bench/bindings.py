"""The bindings scenarios of ``bench/run.py``: a signed webhook forwarded to the bench operation,
the forward proxy to the same upstream, and the proxy's memory on a 20 MB response.

* ``gestaltd-webhook``: ``POST /api/v1/bindings/hook/in`` with a fixed body signed by hex
  HMAC-SHA256 in ``X-Signature`` (no delivery id, so every request is forwarded), forwarded
  through the broker to ``bench.hello``. The rate limit is raised out of the way.
* ``gestaltd-proxy``: ``GET /api/v1/bindings/px/hello`` with ``X-Forwarded-Host`` naming the
  upstream, streamed back.
* ``proxy_rss``: the gestaltd worker's resident memory before and at its peak (``VmHWM``) while a
  20 MB upstream body goes through the proxy, read at full speed and by a slow reader (which
  makes the proxy hold back rather than buffer). Stdlib only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import time
from pathlib import Path

WEBHOOK_SECRET = "bench-webhook-secret"
WEBHOOK_BODY = "{}"
BIG_BYTES = 20 * 1000 * 1000

BINDINGS = {
    "hook.yaml": """\
type: webhook
providers: [bench]
config:
  path: /in
  auth_mode: signed
  signing_secret: {secret}
  provider: bench
  operation: hello
  rate_limit: {{requests_per_second: 100000000, burst: 100000000}}
""",
    "px.yaml": """\
type: proxy
providers: [bench]
config:
  path: /
""",
}

# An upstream location serving the 20 MB file (added to the nginx upstream's server block).
NGINX_BIG = """\
        location = /big {{
            default_type application/octet-stream;
            alias {path};
        }}
"""


def write_bindings(root: Path) -> None:
    for name, body in BINDINGS.items():
        (root / "bindings.d" / name).write_text(body.format(secret=WEBHOOK_SECRET))


def signature() -> str:
    return hmac.new(WEBHOOK_SECRET.encode(), WEBHOOK_BODY.encode(), hashlib.sha256).hexdigest()


def webhook_script(tmp: Path) -> Path:
    """A wrk script posting the body (its headers, the signature among them, go with ``-H``)."""
    script = tmp / "webhook.lua"
    script.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(WEBHOOK_BODY)}\n')
    return script


def big_file(tmp: Path) -> Path:
    path = tmp / "big.bin"
    with path.open("wb") as out:
        block = os.urandom(1 << 20)
        for _ in range(BIG_BYTES // len(block)):
            out.write(block)
        out.write(block[: BIG_BYTES % len(block)])
    # nginx's worker runs as an unprivileged user: it must reach the file inside the temp dir.
    tmp.chmod(0o711)
    path.chmod(0o644)
    return path


def proxy_rss(host: str, port: int, upstream: str, server_pid: int) -> dict[str, float]:
    """Peak RSS growth of the serving process while 20 MB pass through the proxy, twice."""
    worker = _worker(server_pid)
    before = _status_kb(worker, "VmRSS")
    fast = _download(host, port, upstream, delay=0.0)
    after_fast = _status_kb(worker, "VmHWM")
    slow = _download(host, port, upstream, delay=0.002)
    after_slow = _status_kb(worker, "VmHWM")
    return {
        "rss_before_mb": before / 1024,
        "peak_after_fast_read_mb": after_fast / 1024,
        "peak_after_slow_read_mb": after_slow / 1024,
        "fast_read_s": fast,
        "slow_read_s": slow,
    }


def _download(host: str, port: int, upstream: str, delay: float) -> float:
    """GET /api/v1/bindings/px/big through the proxy on a raw socket, reading 64 KiB at a time."""
    request = (
        f"GET /api/v1/bindings/px/big HTTP/1.1\r\nHost: {host}:{port}\r\nX-Forwarded-Host: {upstream}\r\n"
        "X-Forwarded-Proto: http\r\nConnection: close\r\n\r\n"
    ).encode()
    started, received, head = time.monotonic(), 0, b""
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.sendall(request)
        while chunk := sock.recv(64 * 1024):
            head = head or chunk
            received += len(chunk)
            if delay:
                time.sleep(delay)
    if received < BIG_BYTES:
        raise RuntimeError(f"proxy returned {received} bytes, expected at least {BIG_BYTES}: {head[:300]!r}")
    return time.monotonic() - started


def _worker(pid: int) -> int:
    """The Granian worker serving requests: the server's child process, else the server itself."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = children.read_text().split() if children.exists() else []
    return int(found[0]) if found else pid


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")
