#!/usr/bin/env python3
"""Loopback throughput/latency benchmark: gestaltd vs. an nginx reverse proxy vs. the upstream itself.

One run starts, on 127.0.0.1 only:

* ``direct``       an nginx upstream answering ``GET /hello`` with a fixed JSON body;
* ``nginx-proxy``  a second nginx that ``proxy_pass``es to it over keepalive connections;
* ``gestaltd``     ``gestaltd serve`` (one Granian worker) with one inline REST integration
                   ``bench`` whose operation ``hello`` is ``GET /hello`` on the upstream;
* ``gestaltd-egress`` the same with an egress section of ``EGRESS_RULES`` policy rules (and two
                   grants) that the call runs through before the last rule allows it;
* ``gestaltd-authz`` the same with an authorization section of 50 grants (``bench/authorization.py``);
* ``gestaltd-webhook`` a signed webhook forwarded to ``bench.hello``; ``gestaltd-proxy`` the
                   forward proxy binding to the upstream's ``/hello`` (``bench/bindings.py``);

then drives each with ``wrk -t1 --latency`` (a warm-up run, then the measured run) for each
connection count, and prints a table plus the gestaltd/nginx ratios. Stdlib only.

Exit status is non-zero only when the harness itself fails (a server does not start, wrk is
missing or its output cannot be parsed); performance targets are reported, never enforced.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import authorization  # bench/authorization.py, beside this script
import bindings  # bench/bindings.py, beside this script
import telemetry  # bench/telemetry.py

HOST = "127.0.0.1"  # loopback only; never bind or connect anywhere else
ALL_TARGETS = (
    "direct",
    "nginx-proxy",
    "gestaltd",
    "gestaltd-token",
    "gestaltd-credential",
    "gestaltd-egress",
    "gestaltd-authz",
    "gestaltd-webhook",
    "gestaltd-proxy",
    "gestaltd-stdout",
    "gestaltd-otlp",
)
# gestaltd-webhook, gestaltd-proxy: the bindings scenarios (bench/bindings.py), one gestaltd with
# both bindings; with gestaltd-proxy, the proxy's memory on a 20 MB response is measured too.
# gestaltd-token: the same call authenticated with an API token (auth local, one indexed lookup).
# gestaltd-credential: the same call through a bearer integration, with the caller's stored
# credential (looked up and decrypted on every call) injected upstream.
UPSTREAM_BODY = '{"hello":"world"}'
READY_POLL_S = 0.010
READY_TIMEOUT_S = 60.0
TARGET_LATENCY_ADDED_P50_MS = 0.5
TARGET_RPS_RATIO_VS_PROXY = 0.12


class HarnessError(Exception):
    """The benchmark could not run (as opposed to: it ran and the numbers are bad)."""


# ---------------------------------------------------------------------------------------------
# Data


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)  # sent by wrk (-H) and by the probe
    script: str = ""  # a wrk Lua script (method, body), mirrored by the probe's method and body
    method: str = "GET"
    body: bytes | None = None


@dataclass
class Result:
    target: str
    conns: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


# ---------------------------------------------------------------------------------------------
# Processes


class Procs:
    """Every child we start, each in its own session, so cleanup can signal its whole group."""

    def __init__(self) -> None:
        self._procs: list[tuple[str, subprocess.Popen]] = []

    def spawn(
        self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        fh = open(log, "wb")
        try:
            proc = subprocess.Popen(
                argv,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        finally:
            fh.close()
        self._procs.append((name, proc))
        return proc

    def last_pid(self) -> int:
        return self._procs[-1][1].pid

    def stop_all(self) -> None:
        for _, proc in reversed(self._procs):
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for _, proc in reversed(self._procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Also reap stragglers in the group (granian workers, nginx workers).
            _signal_group(proc, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=2)
        self._procs.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    # start_new_session=True made the child a group leader: pgid == its pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return text[-limit:] if text else "(empty log)"


def wait_http_200(url: str, proc: subprocess.Popen, log: Path, what: str) -> float:
    """Poll ``url`` every 10 ms until it answers 200; return seconds waited. Fail if ``proc`` dies."""
    start = time.monotonic()
    last = ""
    while time.monotonic() - start < READY_TIMEOUT_S:
        if proc.poll() is not None:
            raise HarnessError(
                f"{what} exited with status {proc.returncode} before {url} answered 200. "
                f"Output:\n{_tail(log)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return time.monotonic() - start
                last = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read(500).decode(errors='replace')}"
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = repr(exc)
        time.sleep(READY_POLL_S)
    raise HarnessError(
        f"{what}: {url} did not answer 200 within {READY_TIMEOUT_S:.0f}s "
        f"(last: {last}). Output:\n{_tail(log)}"
    )


def probe(target: Target) -> str:
    """One request; the target must answer 200. Returns (a prefix of) the body."""
    req = urllib.request.Request(target.url, data=target.body, headers=target.headers, method=target.method)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode(errors="replace")
        raise HarnessError(f"{target.name}: GET {target.url} answered HTTP {exc.code}: {body}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise HarnessError(f"{target.name}: GET {target.url} failed: {exc!r}") from None


# ---------------------------------------------------------------------------------------------
# nginx


NGINX_COMMON = """\
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
{body}
}}
"""

NGINX_UPSTREAM = """\
    server {{
        listen {host}:{port};
        location = /hello {{
            default_type application/json;
            return 200 '{payload}';
        }}
{extra}    }}
"""

NGINX_PROXY = """\
    upstream bench_upstream {{
        server {host}:{upstream_port};
        keepalive 64;
        keepalive_requests 100000000;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
"""


def start_nginx(
    procs: Procs, nginx: str, tmp: Path, name: str, server_block: str, port: int, check_path: str
) -> None:
    prefix = tmp / name
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_COMMON.format(tmp=prefix, body=server_block))
    log = prefix / "stdout.log"
    argv = [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), "-g", "daemon off;"]
    proc = procs.spawn(name, argv, log)
    try:
        wait_http_200(f"http://{HOST}:{port}{check_path}", proc, prefix / "error.log", f"nginx ({name})")
    except HarnessError as exc:
        raise HarnessError(f"{exc}\nstdout/stderr:\n{_tail(log)}") from None


# ---------------------------------------------------------------------------------------------
# gestaltd


GESTALT_YAML = """\
server:
  host: {host}
  port: {port}
  encryption_key: {key}
auth:
{auth}
datastore:
  provider: sqlite
  config:
    path: {tmp}/gestalt.db
secrets:
  provider: env
telemetry:
{telemetry}{extra}"""

TELEMETRY_NOOP = "  provider: noop\n"
TELEMETRY_LOGS = "  provider: stdout\n  config:\n    format: text\n    level: info\n"

BENCH_PROVIDER_YAML = """\
display_name: Bench
description: Loopback nginx upstream for the benchmark.
plugin:
  base_url: http://{host}:{upstream_port}
  operations:
    - name: hello
      description: Fixed JSON body
      method: GET
      path: /hello
"""


BENCH_CREDENTIAL_YAML = BENCH_PROVIDER_YAML.replace(
    "  operations:", "  auth: {{type: bearer}}\n  operations:"
)

AUTH_NONE = "  provider: none"
AUTH_LOCAL = "  provider: local\n  config:\n    email: bench@example.test"


EGRESS_RULES = 50


def egress_yaml(rules: int = EGRESS_RULES) -> str:
    """``rules`` policy rules of the kinds operators write, none matching the bench call but the
    last: by host, by path, by subject, by method and host; the default denies."""
    kinds = (
        "{{action: deny, host: 'h{i}.example.com'}}",
        "{{action: deny, path_prefix: /private{i}}}",
        "{{action: allow, subject_kind: system, subject_id: job{i}}}",
        "{{action: deny, method: DELETE, host: '*.corp{i}.example.com'}}",
    )
    lines = ["egress:", "  default_action: deny", "  policies:"]
    lines += ["    - " + kinds[i % len(kinds)].format(i=i) for i in range(rules - 1)]
    lines.append(f"    - {{action: allow, provider: bench, host: '{HOST}', path_prefix: /hello}}")
    lines += [
        "  credentials:",
        "    - {secret_ref: secret://BENCH_A, host: a.example.com}",
        "    - {secret_ref: secret://BENCH_B, subject_kind: system, path_prefix: /b}",
    ]
    return "\n".join(lines) + "\n"


def write_gestalt_config(
    tmp: Path,
    port: int,
    upstream_port: int,
    with_logs: bool,
    name: str = "gestaltd",
    auth: str = AUTH_NONE,
    extra_yaml: str = "",
    telemetry_yaml: str = "",
) -> Path:
    """``extra_yaml``: top-level sections appended to gestalt.yaml (egress, authorization)."""
    root = tmp / name
    (root / "providers.d").mkdir(parents=True)
    (root / "bindings.d").mkdir()
    (root / "providers.d" / "bench.yaml").write_text(
        BENCH_PROVIDER_YAML.format(host=HOST, upstream_port=upstream_port)
    )
    (root / "providers.d" / "benchcred.yaml").write_text(
        BENCH_CREDENTIAL_YAML.format(host=HOST, upstream_port=upstream_port)
    )
    config = root / "gestalt.yaml"
    config.write_text(
        GESTALT_YAML.format(
            host=HOST,
            port=port,
            key=secrets.token_hex(32),
            tmp=root,
            telemetry=telemetry_yaml or (TELEMETRY_LOGS if with_logs else TELEMETRY_NOOP),
            auth=auth,
            extra=extra_yaml,
        )
    )
    return config


def start_gestaltd(
    procs: Procs, gestaltd: str, config: Path, port: int, env: dict[str, str] | None = None
) -> float:
    """Start ``gestaltd serve``; return seconds from spawn to the first 200 on /ready."""
    log = config.parent / "gestaltd.log"
    argv = [gestaltd, "serve", "--config", str(config), "--host", HOST, "--port", str(port)]
    t0 = time.monotonic()
    proc = procs.spawn(config.parent.name, argv, log, env={**os.environ, **(env or {})})
    wait_http_200(f"http://{HOST}:{port}/ready", proc, log, "gestaltd")
    return time.monotonic() - t0


def api_token(base: str) -> str:
    """Log in with the local provider, then mint an API token with the session."""
    login = urllib.request.Request(base + "/api/v1/auth/login", data=b"{}", method="POST")
    with urllib.request.urlopen(login, timeout=5) as resp:
        cookie = resp.headers["Set-Cookie"].split(";")[0]
    create = urllib.request.Request(
        base + "/api/v1/tokens",
        data=json.dumps({"name": "bench"}).encode(),
        method="POST",
        # A cookie-carrying write says where it comes from, as a browser would (the perimeter).
        headers={"Cookie": cookie, "Content-Type": "application/json", "Origin": base},
    )
    with urllib.request.urlopen(create, timeout=5) as resp:
        return str(json.loads(resp.read())["token"])


def connect_credential(base: str) -> None:
    """Store the (anonymous) caller's credential for the bearer integration."""
    body = json.dumps({"integration": "benchcred", "credential": "bench-" + secrets.token_hex(16)}).encode()
    connect = urllib.request.Request(
        base + "/api/v1/auth/connect-manual",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(connect, timeout=5) as resp:
        resp.read()


def gestaltd_headers(args: argparse.Namespace) -> dict[str, str]:
    """Request headers for the gestaltd target, sent by both the probe and wrk.

    An api-token variant adds ``--token`` to parse_args and returns
    ``{"Authorization": f"Bearer {args.token}"}`` here (with a matching ``auth`` block in GESTALT_YAML).
    """
    return {}


# ---------------------------------------------------------------------------------------------
# wrk


_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_RE_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_RE_TOTAL = re.compile(r"^\s*(\d+) requests in", re.M)
_RE_PCT = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_RE_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_RE_SOCKERR = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(text: str) -> dict[str, float]:
    rps = _RE_RPS.search(text)
    total = _RE_TOTAL.search(text)
    if "Latency Distribution" not in text or not rps or not total:
        raise HarnessError(f"cannot parse wrk output:\n{text}")
    pcts = {int(p): float(v) * _UNITS_MS[u] for p, v, u in _RE_PCT.findall(text)}
    if 50 not in pcts or 99 not in pcts:
        raise HarnessError(f"wrk output has no 50%/99% latency lines:\n{text}")
    non2xx = _RE_NON2XX.search(text)
    sock = _RE_SOCKERR.search(text)
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": pcts[50],
        "p99_ms": pcts[99],
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(g) for g in sock.groups()) if sock else 0,
    }


def run_wrk(wrk: str, target: Target, conns: int, seconds: float, procs_for_ctrl_c: list) -> str:
    argv = [wrk, "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--latency"]
    for k, v in target.headers.items():
        argv += ["-H", f"{k}: {v}"]
    if target.script:
        argv += ["-s", target.script]
    argv.append(target.url)
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    procs_for_ctrl_c.append(proc)
    try:
        out, _ = proc.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        raise HarnessError(f"wrk against {target.name} did not finish") from None
    finally:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        procs_for_ctrl_c.remove(proc)
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise HarnessError(f"wrk exited {proc.returncode} against {target.name}:\n{text}")
    return text


def measure(
    wrk: str, target: Target, conns: int, duration: float, warmup: float, live: list, verbose: bool
) -> Result:
    if warmup > 0:
        run_wrk(wrk, target, conns, warmup, live)
    text = run_wrk(wrk, target, conns, duration, live)
    if verbose:
        print(f"--- wrk {target.name} c={conns}\n{text}", file=sys.stderr)
    p = parse_wrk(text)
    return Result(
        target=target.name,
        conns=conns,
        rps=p["rps"],
        p50_ms=p["p50_ms"],
        p99_ms=p["p99_ms"],
        requests=int(p["requests"]),
        non_2xx=int(p["non_2xx"]),
        socket_errors=int(p["socket_errors"]),
    )


# ---------------------------------------------------------------------------------------------
# Report


def ratios(results: list[Result], high: int, low: int) -> dict[str, float | None]:
    by = {(r.target, r.conns): r for r in results}

    def rps_ratio(a: str, b: str, c: int) -> float | None:
        ra, rb = by.get((a, c)), by.get((b, c))
        return ra.rps / rb.rps if ra and rb and rb.rps else None

    g1, d1 = by.get(("gestaltd", low)), by.get(("direct", low))
    return {
        f"gestaltd_over_nginx_proxy_rps_c{high}": rps_ratio("gestaltd", "nginx-proxy", high),
        f"gestaltd_over_direct_rps_c{high}": rps_ratio("gestaltd", "direct", high),
        f"gestaltd_added_p50_ms_c{low}": (g1.p50_ms - d1.p50_ms) if g1 and d1 else None,
        f"nginx_proxy_added_p50_ms_c{low}": (by[("nginx-proxy", low)].p50_ms - d1.p50_ms)
        if d1 and ("nginx-proxy", low) in by
        else None,
        f"token_over_anonymous_rps_c{high}": rps_ratio("gestaltd-token", "gestaltd", high),
        f"credential_over_anonymous_rps_c{high}": rps_ratio("gestaltd-credential", "gestaltd", high),
        f"egress_over_anonymous_rps_c{high}": rps_ratio("gestaltd-egress", "gestaltd", high),
        f"egress_over_anonymous_rps_c{low}": rps_ratio("gestaltd-egress", "gestaltd", low),
        f"authz_over_anonymous_rps_c{high}": rps_ratio("gestaltd-authz", "gestaltd", high),
        f"authz_over_anonymous_rps_c{low}": rps_ratio("gestaltd-authz", "gestaltd", low),
        f"webhook_over_nginx_proxy_rps_c{high}": rps_ratio("gestaltd-webhook", "nginx-proxy", high),
        f"webhook_over_nginx_proxy_rps_c{low}": rps_ratio("gestaltd-webhook", "nginx-proxy", low),
        f"proxy_over_nginx_proxy_rps_c{high}": rps_ratio("gestaltd-proxy", "nginx-proxy", high),
        f"stdout_over_noop_rps_c{high}": rps_ratio("gestaltd-stdout", "gestaltd", high),
        f"otlp_over_noop_rps_c{high}": rps_ratio("gestaltd-otlp", "gestaltd", high),
        f"proxy_over_nginx_proxy_rps_c{low}": rps_ratio("gestaltd-proxy", "nginx-proxy", low),
    }


def print_table(report: dict) -> None:
    env = report["environment"]
    print(
        f"gestaltd benchmark  ({env['cpus']} CPUs, wrk -t1, {report['duration_s']}s runs after "
        f"{report['warmup_s']}s warm-up, telemetry={report['telemetry']}, {env['nginx']}, granian {env['granian']})"
    )
    if report.get("gestaltd_startup_ms") is not None:
        print(f"gestaltd startup (spawn -> first 200 on /ready): {report['gestaltd_startup_ms']:.0f} ms")
    print()
    print(f"{'target':<16} {'conns':>5} {'req/s':>11} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
    print("-" * 58)
    for r in report["results"]:
        errs = r["non_2xx"] + r["socket_errors"]
        print(
            f"{r['target']:<16} {r['conns']:>5} {r['rps']:>11.0f} {r['p50_ms']:>9.3f} {r['p99_ms']:>9.3f} {errs:>7}"
        )
    print()
    rt = report["ratios"]
    high, low = report["high_conns"], report["low_conns"]

    def fmt(v: float | None, spec: str) -> str:
        return "n/a" if v is None else format(v, spec)

    r_proxy = rt.get(f"gestaltd_over_nginx_proxy_rps_c{high}")
    added = rt.get(f"gestaltd_added_p50_ms_c{low}")
    print(
        f"gestaltd / nginx-proxy req/s @ {high} conns: {fmt(r_proxy, '.3f')}x"
        f"   (target >= {TARGET_RPS_RATIO_VS_PROXY}x: {_verdict(r_proxy, lambda v: v >= TARGET_RPS_RATIO_VS_PROXY)})"
    )
    print(
        f"gestaltd / direct      req/s @ {high} conns: {fmt(rt.get(f'gestaltd_over_direct_rps_c{high}'), '.3f')}x"
    )
    print(
        f"gestaltd added p50 over direct @ {low} conn: {fmt(added, '.3f')} ms"
        f"   (target <= {TARGET_LATENCY_ADDED_P50_MS} ms: {_verdict(added, lambda v: v <= TARGET_LATENCY_ADDED_P50_MS)})"
    )
    print(
        f"nginx-proxy added p50 over direct @ {low} conn: {fmt(rt.get(f'nginx_proxy_added_p50_ms_c{low}'), '.3f')} ms"
    )
    print(
        f"gestaltd API token / anonymous req/s @ {high} conns: "
        f"{fmt(rt.get(f'token_over_anonymous_rps_c{high}'), '.3f')}x   (target >= 0.85x)"
    )
    print(
        f"gestaltd stored credential / anonymous req/s @ {high} conns: "
        f"{fmt(rt.get(f'credential_over_anonymous_rps_c{high}'), '.3f')}x"
    )
    print(
        f"gestaltd {EGRESS_RULES} egress rules / none req/s @ {high} conns: "
        f"{fmt(rt.get(f'egress_over_anonymous_rps_c{high}'), '.3f')}x, @ {low} conn: "
        f"{fmt(rt.get(f'egress_over_anonymous_rps_c{low}'), '.3f')}x"
    )
    print(
        f"gestaltd {authorization.RULES} authorization grants / none req/s @ {high} conns: "
        f"{fmt(rt.get(f'authz_over_anonymous_rps_c{high}'), '.3f')}x   (target >= 0.95x), @ {low} conn: "
        f"{fmt(rt.get(f'authz_over_anonymous_rps_c{low}'), '.3f')}x"
    )
    for kind in ("webhook", "proxy"):
        print(
            f"gestaltd {kind} binding / nginx-proxy req/s @ {high} conns: "
            f"{fmt(rt.get(f'{kind}_over_nginx_proxy_rps_c{high}'), '.3f')}x, @ {low} conn: "
            f"{fmt(rt.get(f'{kind}_over_nginx_proxy_rps_c{low}'), '.3f')}x"
        )
    for kind in ("stdout", "otlp"):
        print(
            f"gestaltd telemetry {kind} / noop req/s @ {high} conns: "
            f"{fmt(rt.get(f'{kind}_over_noop_rps_c{high}'), '.3f')}x"
        )
    rss = report.get("proxy_rss_20mb")
    if rss:
        print(
            f"gestaltd proxy RSS on a 20 MB response: {rss['rss_before_mb']:.1f} MB before, peak "
            f"{rss['peak_after_fast_read_mb']:.1f} MB (full-speed reader, {rss['fast_read_s']:.2f} s), "
            f"{rss['peak_after_slow_read_mb']:.1f} MB (slow reader, {rss['slow_read_s']:.2f} s)"
        )
    if any(r["non_2xx"] or r["socket_errors"] for r in report["results"]):
        print("\nWARNING: some runs had non-2xx responses or socket errors; their req/s is not comparable.")
    if report.get("gestaltd_sample_body") is not None:
        print(f"\ngestaltd sample response: {report['gestaltd_sample_body'][:300]}")


def _verdict(v: float | None, ok) -> str:
    return "n/a" if v is None else ("met" if ok(v) else "NOT met")


# ---------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=10, help="seconds per measured wrk run (default 10)")
    p.add_argument(
        "--warmup", type=float, default=2, help="seconds of wrk warm-up before each run (default 2)"
    )
    p.add_argument("--connections", default="32,1", help="comma-separated wrk -c values (default 32,1)")
    p.add_argument(
        "--targets",
        default=",".join(ALL_TARGETS),
        help=f"comma-separated subset of {','.join(ALL_TARGETS)} (default all)",
    )
    p.add_argument(
        "--with-logs", action="store_true", help="gestaltd telemetry: stdout text/info instead of noop"
    )
    p.add_argument("--keep", action="store_true", help="keep the temp dir (configs, logs)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    p.add_argument("--verbose", action="store_true", help="echo raw wrk output to stderr")
    args = p.parse_args(argv)
    try:
        args.conns = [int(c) for c in args.connections.split(",") if c.strip()]
    except ValueError:
        p.error("--connections must be comma-separated integers")
    if not args.conns or any(c < 1 for c in args.conns):
        p.error("--connections needs positive integers")
    args.target_list = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(args.target_list) - set(ALL_TARGETS)
    if unknown or not args.target_list:
        p.error(f"unknown --targets {sorted(unknown)}; choose from {', '.join(ALL_TARGETS)}")
    if args.duration < 1:
        p.error("--duration must be >= 1")
    return args


def _which(name: str, fallback: str | None = None) -> str:
    found = shutil.which(name) or (fallback if fallback and os.access(fallback, os.X_OK) else None)
    if not found:
        raise HarnessError(f"{name} not found on PATH")
    return found


def _on_sigterm(signum, frame):  # turn SIGTERM into the same cleanup path as Ctrl-C
    raise KeyboardInterrupt


@dataclass
class Harness:
    """What every target is started with: the children, the temp dir, the programs and the
    upstream every target reaches."""

    args: argparse.Namespace
    procs: Procs
    tmp: Path
    nginx: str
    gestaltd: str
    upstream_port: int = 0

    def wanted(self, *names: str) -> bool:
        return any(name in self.args.target_list for name in names)

    def gestaltd_target(
        self, name: str, path: str = "/api/v1/bench/hello", **config: Any
    ) -> tuple[Target, int]:
        """Start one gestaltd for ``name`` (``config``: ``write_gestalt_config`` keywords)."""
        port = free_port()
        config.setdefault("with_logs", self.args.with_logs)
        written = write_gestalt_config(self.tmp, port, self.upstream_port, name=name, **config)
        start_gestaltd(self.procs, self.gestaltd, written, port)
        return Target(name, f"http://{HOST}:{port}{path}"), port


def start_references(h: Harness) -> list[Target]:
    """The upstream (always), and the direct and nginx-proxy references."""
    h.upstream_port = free_port()
    big = bindings.NGINX_BIG.format(path=bindings.big_file(h.tmp)) if h.wanted("gestaltd-proxy") else ""
    upstream = NGINX_UPSTREAM.format(host=HOST, port=h.upstream_port, payload=UPSTREAM_BODY, extra=big)
    start_nginx(h.procs, h.nginx, h.tmp, "upstream", upstream, h.upstream_port, "/hello")
    targets: list[Target] = []
    if h.wanted("direct"):
        targets.append(Target("direct", f"http://{HOST}:{h.upstream_port}/hello"))
    if h.wanted("nginx-proxy"):
        port = free_port()
        proxy = NGINX_PROXY.format(host=HOST, port=port, upstream_port=h.upstream_port)
        start_nginx(h.procs, h.nginx, h.tmp, "proxy", proxy, port, "/hello")
        targets.append(Target("nginx-proxy", f"http://{HOST}:{port}/hello"))
    return targets


def start_plain_gestaltd(h: Harness) -> tuple[list[Target], float | None]:
    """gestaltd anonymous (with its start-up time), with an API token, with a stored credential."""
    targets: list[Target] = []
    startup_ms = None
    if h.wanted("gestaltd"):
        port = free_port()
        config = write_gestalt_config(h.tmp, port, h.upstream_port, h.args.with_logs)
        startup_ms = start_gestaltd(h.procs, h.gestaltd, config, port) * 1000
        targets.append(
            Target("gestaltd", f"http://{HOST}:{port}/api/v1/bench/hello", gestaltd_headers(h.args))
        )
    if h.wanted("gestaltd-token"):
        target, port = h.gestaltd_target("gestaltd-token", auth=AUTH_LOCAL)
        target.headers = {"Authorization": f"Bearer {api_token(f'http://{HOST}:{port}')}"}
        targets.append(target)
    if h.wanted("gestaltd-credential"):
        target, port = h.gestaltd_target("gestaltd-credential", "/api/v1/benchcred/hello")
        connect_credential(f"http://{HOST}:{port}")
        targets.append(target)
    return targets, startup_ms


def start_policy_and_telemetry(h: Harness) -> list[Target]:
    """gestaltd under egress rules, under authorization grants, and with each telemetry provider."""
    targets: list[Target] = []
    if h.wanted("gestaltd-egress"):
        targets.append(h.gestaltd_target("gestaltd-egress", extra_yaml=egress_yaml())[0])
    if h.wanted("gestaltd-authz"):
        targets.append(h.gestaltd_target("gestaltd-authz", extra_yaml=authorization.authorization_yaml())[0])
    for variant in ("stdout", "otlp"):
        if not h.wanted(f"gestaltd-{variant}"):
            continue
        if variant == "otlp":
            sink_port, stop_sink = telemetry.start_sink(HOST)
            atexit.register(stop_sink)
            chosen = telemetry.TELEMETRY_OTLP.format(host=HOST, port=sink_port)
        else:
            chosen = telemetry.TELEMETRY_STDOUT
        targets.append(h.gestaltd_target(f"gestaltd-{variant}", with_logs=False, telemetry_yaml=chosen)[0])
    return targets


def start_bindings(h: Harness) -> tuple[list[Target], int, int]:
    """One gestaltd serving the webhook and proxy bindings: the targets, its port and its pid."""
    if not h.wanted("gestaltd-webhook", "gestaltd-proxy"):
        return [], 0, 0
    port = free_port()
    config = write_gestalt_config(h.tmp, port, h.upstream_port, h.args.with_logs, name="gestaltd-bindings")
    bindings.write_bindings(config.parent)
    start_gestaltd(h.procs, h.gestaltd, config, port)
    base = f"http://{HOST}:{port}/api/v1/bindings"
    targets: list[Target] = []
    if h.wanted("gestaltd-webhook"):
        script = bindings.webhook_script(h.tmp)
        signed = {"Content-Type": "application/json", "X-Signature": bindings.signature()}
        body = bindings.WEBHOOK_BODY.encode()
        targets.append(Target("gestaltd-webhook", f"{base}/hook/in", signed, str(script), "POST", body))
    if h.wanted("gestaltd-proxy"):
        forward = {"X-Forwarded-Host": f"{HOST}:{h.upstream_port}", "X-Forwarded-Proto": "http"}
        targets.append(Target("gestaltd-proxy", f"{base}/px/hello", forward))
    return targets, port, h.procs.last_pid()


def measure_all(
    wrk: str, targets: list[Target], h: Harness, live_wrk: list[subprocess.Popen]
) -> tuple[list[Result], str | None]:
    """Probe every target (each must answer 200 first), then load each at every connection count."""
    args = h.args
    sample = None
    for t in targets:
        body = probe(t)
        if t.name == "gestaltd":
            sample = body
    if not args.json:
        started = ", ".join(f"{t.name}={t.url}" for t in targets)
        print(f"started: {started}; temp dir {h.tmp}", file=sys.stderr)
    results: list[Result] = []
    for conns in args.conns:
        for t in targets:
            if not args.json:
                print(f"  wrk {t.name:<12} -c{conns:<4} ...", file=sys.stderr, flush=True)
            results.append(measure(wrk, t, conns, args.duration, args.warmup, live_wrk, args.verbose))
    return results, sample


def environment(nginx: str) -> dict[str, Any]:
    try:
        import granian  # noqa: PLC0415

        granian_version = granian.__version__
    except Exception:  # pragma: no cover
        granian_version = "?"
    return {
        "cpus": os.cpu_count(),
        "nginx": subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip(),
        "granian": granian_version,
        "python": sys.version.split()[0],
    }


def run(h: Harness, live_wrk: list[subprocess.Popen]) -> dict[str, Any]:
    """Start every wanted target, measure them in one run, and return the report."""
    args = h.args
    wrk = _which("wrk", "/usr/bin/wrk")
    targets = start_references(h)
    plain, startup_ms = start_plain_gestaltd(h)
    targets += plain + start_policy_and_telemetry(h)
    bound, bindings_port, bindings_pid = start_bindings(h)
    targets += bound
    results, sample = measure_all(wrk, targets, h, live_wrk)
    proxy_rss = None
    if h.wanted("gestaltd-proxy"):
        proxy_rss = bindings.proxy_rss(HOST, bindings_port, f"{HOST}:{h.upstream_port}", bindings_pid)
    high, low = max(args.conns), min(args.conns)
    return {
        "proxy_rss_20mb": proxy_rss,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "telemetry": "stdout" if args.with_logs else "noop",
        "environment": environment(h.nginx),
        "gestaltd_startup_ms": startup_ms,
        "high_conns": high,
        "low_conns": low,
        "results": [asdict(r) for r in results],
        "ratios": ratios(results, high, low),
        "gestaltd_sample_body": sample,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    procs = Procs()
    live_wrk: list[subprocess.Popen] = []
    tmp = Path(tempfile.mkdtemp(prefix="gestaltd-bench-"))
    try:
        gestaltd = _which("gestaltd") if any(t.startswith("gestaltd") for t in args.target_list) else ""
        report = run(Harness(args, procs, tmp, _which("nginx", "/usr/sbin/nginx"), gestaltd), live_wrk)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print()
            print_table(report)
        return 0
    except HarnessError as exc:
        print(f"bench: harness failure: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish cleanup even on a second Ctrl-C
        try:
            for w in list(live_wrk):
                _signal_group(w, signal.SIGKILL)
                w.wait()
            procs.stop_all()
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if args.keep:
            print(f"bench: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
