"""Fixtures for the store conformance suite: every test runs against SQLite and Postgres.

Postgres comes from ``GESTALT_TEST_POSTGRES_DSN`` when set; otherwise a throwaway cluster is created
with the server binaries found on PATH, in ``GESTALT_TEST_PG_BINDIR``, or under
``/usr/lib/postgresql/<version>/bin`` (Debian), run as the ``postgres`` user when we are root.
Each test gets its own schema (via ``search_path``), so tests never see each other's rows.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from engine.crypto import Cipher
from engine.store import Store, open_store

TEST_KEY = bytes(range(32))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# ---- a throwaway Postgres cluster ----


def _pg_bindir() -> Path | None:
    candidates = [os.environ.get("GESTALT_TEST_PG_BINDIR", "")]
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else "")
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version(p.parent.name))
    candidates += [str(p) for p in reversed(versions)]
    for candidate in filter(None, candidates):
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class _Cluster:
    bindir: Path
    root: Path
    run_as: list[str]
    port: int = field(default_factory=_free_port)

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres connect_timeout=5"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.run_as, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        subprocess.run(
            [
                *self.run_as,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def _make_cluster() -> _Cluster:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("Postgres unavailable: no initdb/pg_ctl found and GESTALT_TEST_POSTGRES_DSN unset")
    root = Path(tempfile.mkdtemp(prefix="gestalt-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("Postgres unavailable: running as root and there is no 'postgres' user")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    return _Cluster(bindir, root, run_as)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    external = os.environ.get("GESTALT_TEST_POSTGRES_DSN")
    if external:
        yield external
        return
    cluster = _make_cluster()
    try:
        cluster.start()
    except (OSError, subprocess.SubprocessError) as exc:
        log = cluster.root / "server.log"
        detail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        cluster.stop()
        pytest.skip(f"Postgres unavailable: could not start a throwaway cluster ({exc}) {detail}")
    try:
        yield cluster.dsn
    finally:
        cluster.stop()


@pytest.fixture
def postgres_schema_dsn(postgres_dsn: str) -> Iterator[str]:
    schema = sql.Identifier(f"t_{uuid.uuid4().hex[:16]}")
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
    yield make_conninfo(postgres_dsn, options=f"-c search_path={schema.as_string()}")
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(schema))


# ---- stores ----


@dataclass
class StoreFactory:
    """Opens stores on one backing file/DSN; several open stores stand in for several processes."""

    provider: str
    config: dict[str, str]
    base_dir: Path
    cipher: Cipher = field(default_factory=lambda: Cipher(TEST_KEY))
    opened: list[Store] = field(default_factory=list)

    async def open(self, cipher: Cipher | None = None) -> Store:
        store = open_store(self.provider, self.config, cipher or self.cipher, self.base_dir)
        self.opened.append(store)
        await store.migrate()
        return store


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, str]]:
    if request.param == "sqlite":
        return "sqlite", {"path": "state/gestalt.db"}
    return "postgres", {"dsn": request.getfixturevalue("postgres_schema_dsn")}


@pytest.fixture
async def stores(
    anyio_backend: str, store_location: tuple[str, dict[str, str]], tmp_path: Path
) -> AsyncIterator[StoreFactory]:
    factory = StoreFactory(store_location[0], store_location[1], tmp_path)
    yield factory
    for store in factory.opened:
        await store.close()


@pytest.fixture
async def store(stores: StoreFactory) -> Store:
    return await stores.open()
