"""What every ``gestalt`` command works with: the parsed arguments, the server and its token, the
stored logins, the output streams and how to ask the person something."""

from __future__ import annotations

import argparse
import getpass
import sys
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from engine.client.api import GestaltClient
from engine.client.errors import AuthError, ClientError, UsageError
from engine.client.login import LoginUI
from engine.client.output import Columns, emit
from engine.client.settings import Settings, config_path, server_url, token_for


@dataclass
class Context:
    args: argparse.Namespace
    env: Mapping[str, str]
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    def __post_init__(self) -> None:
        self.settings = Settings.load(config_path(self.env))
        self.url = server_url(getattr(self.args, "url", None), self.env, self.settings)
        self.fmt: str = (
            getattr(self.args, "format", None)
            or self.env.get("GESTALT_FORMAT")
            or ("table" if _is_tty(self.out) else "json")
        )
        self._client: GestaltClient | None = None

    def use_url(self, given: str) -> None:
        self.url = server_url(given, self.env, self.settings)
        self._client = None

    def client(self) -> GestaltClient:
        if self._client is None:
            timeout = float(getattr(self.args, "timeout", None) or 60.0)
            self._client = GestaltClient(
                self.url, token_for(self.url, self.env, self.settings), timeout=timeout
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def explain(self, exc: ClientError) -> None:
        """A rejected stored token that is past its expiry: say so, with the date."""
        login = self.settings.logins.get(self.url)
        if not isinstance(exc, AuthError) or exc.status != 401 or login is None or not login.expires_at:
            return
        if "GESTALT_TOKEN" in self.env or login.token != getattr(self._client, "token", login.token):
            return
        try:
            expired = datetime.fromisoformat(login.expires_at.replace("Z", "+00:00")) <= datetime.now(UTC)
        except ValueError:
            return
        if expired:
            exc.hint = f"your token for {self.url} expired at {login.expires_at}: run `gestalt login`"

    def emit(self, doc: Any, columns: Columns, rows: Any = None) -> None:
        emit(self.out, self.fmt, doc, rows, columns)

    def say(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def interactive(self) -> bool:
        return _is_tty(self.stdin)

    def ask(self, prompt: str, *, secret: bool) -> str:
        """A value from the person (secrets without echo), or the next line of a piped stdin."""
        if self.interactive():
            return getpass.getpass(prompt) if secret else input(prompt)
        line = self.stdin.readline()
        if not line:
            raise UsageError(f"{prompt.strip().rstrip(':')}: no value given (stdin is not a terminal)")
        return line.rstrip("\r\n")

    def login_ui(self) -> LoginUI:
        return LoginUI(
            open_browser=webbrowser.open,
            say=self.say,
            ask_password=lambda prompt: self.ask(prompt, secret=True),
            browser=not getattr(self.args, "no_browser", False),
        )


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
