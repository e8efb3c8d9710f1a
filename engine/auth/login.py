"""The contract every login provider (none, local, oidc, google) fulfils for the auth routes.

A provider either logs the caller in at once (``LoginStart.identity``, the local provider) or sends
the browser to an identity provider (``LoginStart.url``) and finishes in ``complete``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn, Protocol

from engine.config.durations import parse_duration
from engine.config.issues import ConfigIssue
from engine.errors import ConfigError

DEFAULT_SESSION_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider vouched for: an email (the user key) and a display name."""

    email: str
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class LoginRequest:
    """The body of ``POST /api/v1/auth/login``."""

    state: str
    callback_port: int | None = None
    password: str = ""
    return_to: str = ""
    """A path of this server the browser goes back to once logged in (an OAuth authorization
    that needed a login first); set by the server, never taken from the client."""


@dataclass(frozen=True, slots=True)
class LoginStart:
    url: str
    identity: Identity | None = None
    """Set when the provider logged the caller in directly: the route issues the session at once."""


@dataclass(frozen=True, slots=True)
class LoginResult:
    identity: Identity
    client_state: str
    """The ``state`` the client sent to ``POST /auth/login``; checked against the ``login_state`` cookie."""
    callback_port: int | None = None
    return_to: str = ""


class LoginProvider(Protocol):
    name: str
    display_name: str
    session_ttl: timedelta

    async def begin(self, request: LoginRequest) -> LoginStart:
        """Start a login. Raises ``InternalError`` when the provider cannot (``none``)."""
        ...

    async def complete(self, code: str, state: str) -> LoginResult:
        """Finish an IdP round trip. Raises ``LoginFailed`` on any failure (the cause is chained)."""
        ...


class ProviderConfig:
    """Typed reads of the free-form ``auth.config`` mapping; a wrong value is a ConfigError with a pointer."""

    def __init__(self, raw: Mapping[str, Any], path: Path) -> None:
        self.raw: dict[str, Any] = dict(raw)
        self.path = path

    def text(self, key: str, default: str = "") -> str:
        value = self.raw.get(key, default)
        if not isinstance(value, str):
            self.fail(key, "must be a string")
        return str(value)

    def required(self, key: str) -> str:
        value = self.text(key)
        if not value:
            self.fail(key, "is required")
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A list of strings, or one string split on commas and whitespace."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return tuple(v for v in value.replace(",", " ").split() if v)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.fail(key, "must be a list of strings")

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return bool(value)

    def duration(self, key: str, default: timedelta) -> timedelta:
        text = self.text(key)
        if not text:
            return default
        try:
            return parse_duration(text)
        except ValueError as exc:
            self.fail(key, str(exc))

    def fail(self, key: str, problem: str) -> NoReturn:
        issue = ConfigIssue(self.path, 0, 0, f"auth.config.{key} {problem}", f"/auth/config/{key}")
        raise ConfigError([issue])
