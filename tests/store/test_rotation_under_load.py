"""Key rotation under load, on SQLite and Postgres: a real ``gestaltd serve`` keeps invoking an
operation with every stored credential (and re-connecting some of them) while ``gestaltd
rotate-key`` runs in another process; every call before, during and after answers with the right
credential, and afterwards the old key can go."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.crypto import Cipher, derive_key
from engine.store import open_store
from engine.store.sql_store import SQLStore
from tests.support.server import served
from tests.support.upstream import Recorded, Reply, Upstream, start_upstream

pytestmark = pytest.mark.anyio

OLD, NEW = "old passphrase for the rotation test", "ab" * 32
ROWS = 120  # connected instances; the first WRITTEN of them are re-connected during the run
WRITTEN = 10
REPO = Path(__file__).resolve().parents[2]


def whoami(request: Recorded) -> Reply:
    body = json.dumps({"auth": request.headers.get("Authorization", "")}).encode()
    return 200, {"Content-Type": "application/json"}, body


def write_config(
    root: Path, upstream: Upstream, location: tuple[str, dict[str, str]], keys: list[str]
) -> Path:
    (root / "providers.d").mkdir(exist_ok=True)
    operation = {"name": "whoami", "method": "GET", "path": "/whoami"}
    provider = {"plugin": {"base_url": upstream.url, "auth": {"type": "bearer"}, "operations": [operation]}}
    (root / "providers.d" / "svc.yaml").write_text(yaml.safe_dump(provider))
    server: dict[str, Any] = {"encryption_key": keys[0]}
    if keys[1:]:
        server["previous_encryption_keys"] = keys[1:]
    config = {"server": server, "auth": {"provider": "none"}, "telemetry": {"provider": "noop"},
              "datastore": {"provider": location[0], "config": location[1]}}  # fmt: skip
    path = root / "gestalt.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def connect(client: httpx.Client, instance: str, token: str) -> None:
    body = {"integration": "svc", "credential": token, "instance": instance}
    r = client.post("/api/v1/auth/connect-manual", json=body)
    assert r.status_code == 200, r.text


@dataclass
class Load:
    """Readers cycling through every instance; a writer re-connecting the first WRITTEN."""

    url: str
    expected: dict[str, set[str]]
    latest: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)  # completion times of correct calls
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, offset: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            n = offset
            while not self.stop.is_set():
                instance = f"i{n % ROWS:03}"
                n += 1
                try:
                    r = client.get("/api/v1/svc/whoami", params={"_instance": instance})
                    seen = r.json()["auth"] if r.status_code == 200 else f"{r.status_code} {r.text}"
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    seen = repr(exc)
                with self.lock:  # after the call: a token is allowed before it can be stored
                    allowed = set(self.expected[instance])
                if seen.removeprefix("Bearer ") not in allowed:
                    self.failures.append(f"{instance}: {seen}")
                else:
                    self.calls.append(time.monotonic())

    def write(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            version = 0
            while not self.stop.is_set():
                version += 1
                for i in range(WRITTEN):
                    instance, token = f"i{i:03}", f"token-{i}-v{version}"
                    with self.lock:
                        self.expected[instance].add(token)  # allowed from the moment it may land
                    connect(client, instance, token)
                    self.latest[instance] = token
                time.sleep(0.05)

    @contextmanager
    def running(self, readers: int = 3) -> Iterator[None]:
        threads = [threading.Thread(target=self.read, args=(k * 37,)) for k in range(readers)]
        threads.append(threading.Thread(target=self.write))
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=30)


async def make_legacy(location: tuple[str, dict[str, str]], root: Path) -> None:
    """A third of the access tokens as stored before the envelope (no key id, no binding)."""
    key = derive_key(OLD)
    store = open_store(location[0], location[1], Cipher(key), root)
    assert isinstance(store, SQLStore)
    update = "UPDATE integration_tokens SET access_token_encrypted = %(v)s WHERE id = %(id)s"
    try:
        for row in (await store._fetch("SELECT id FROM integration_tokens ORDER BY instance", {}))[::3]:
            credential = await store.get_credential_by_id(row["id"])
            assert credential is not None
            nonce = os.urandom(12)
            raw = nonce + AESGCM(key).encrypt(nonce, credential.access_token.encode(), None)
            await store._execute(update, {"v": base64.b64encode(raw).decode(), "id": row["id"]})
    finally:
        await store.close()


def rotate(config: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "engine.cli", "rotate-key", "--config", str(config), "--batch-size", "5",
            "--pause", "0.02"]  # fmt: skip
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)


def check_all(url: str, expected: Callable[[str], str]) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        for n in range(ROWS):
            instance = f"i{n:03}"
            r = client.get("/api/v1/svc/whoami", params={"_instance": instance})
            assert r.status_code == 200, r.text
            assert r.json()["auth"] == f"Bearer {expected(instance)}"


async def test_every_credential_reads_before_during_and_after_rotation(
    store_location: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    upstream, stop_upstream = start_upstream()
    upstream.replies["/whoami"] = whoami
    try:
        config = write_config(tmp_path, upstream, store_location, [OLD])
        with served(config) as server, httpx.Client(base_url=server.url, timeout=10) as client:
            for n in range(ROWS):
                connect(client, f"i{n:03}", f"token-{n}")
        await make_legacy(store_location, tmp_path)

        config = write_config(tmp_path, upstream, store_location, [NEW, OLD])  # step 1: new key writes
        with served(config) as server:
            check_all(server.url, lambda i: f"token-{int(i[1:])}")  # before
            load = Load(server.url, {f"i{n:03}": {f"token-{n}"} for n in range(ROWS)})
            with load.running():
                time.sleep(0.5)
                started = time.monotonic()
                result = rotate(config)  # step 2, in another process
                ended = time.monotonic()
                time.sleep(0.5)
        assert result.returncode == 0, result.stdout + result.stderr
        assert load.failures == []
        during = [t for t in load.calls if started < t < ended]
        assert len(during) >= 100, (len(during), ended - started)  # the load really overlapped the run
        lines = result.stdout.splitlines()
        assert lines[1].startswith(f"integration_tokens: {ROWS} rows, ") and lines[1].endswith(
            " 0 not under the write key"
        )
        write_key = Cipher(derive_key(NEW)).write_key_id
        assert lines[-1] == f"done: every stored secret is under key {write_key}; previous keys can go"

        config = write_config(tmp_path, upstream, store_location, [NEW])  # step 3: the old key removed
        with served(config) as server:
            check_all(server.url, lambda i: load.latest.get(i, f"token-{int(i[1:])}"))  # after
    finally:
        stop_upstream()
