"""Where ``gestalt`` keeps its logins: ``$XDG_CONFIG_HOME/gestalt/config.json`` (else
``~/.config/gestalt/config.json``), readable by the user only (0600, in a 0700 directory).

One entry per server URL, plus which server is current. ``GESTALT_URL`` and ``GESTALT_TOKEN``
override the file for scripts and CI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from engine.client.errors import UsageError

DEFAULT_URL = "http://localhost:8080"


@dataclass(frozen=True, slots=True)
class Login:
    """What ``gestalt login`` stored for one server. ``token`` is empty for ``auth: none``."""

    url: str
    token: str = field(default="", repr=False)
    token_id: str = ""
    token_name: str = ""
    expires_at: str = ""
    provider: str = ""
    email: str = ""
    display_name: str = ""


def config_path(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "gestalt" / "config.json"


@dataclass
class Settings:
    path: Path
    current: str = ""
    logins: dict[str, Login] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{path}: unreadable ({exc}); delete it and log in again") from exc
        known = {f.name for f in fields(Login)}
        logins = {
            url: Login(**{k: str(v) for k, v in entry.items() if k in known} | {"url": url})
            for url, entry in _mapping(doc.get("servers")).items()
            if isinstance(entry, dict)
        }
        return cls(path, str(doc.get("current") or ""), logins)

    def save(self) -> None:
        """Write atomically with 0600 from the first byte: the file holds API tokens."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        doc = {"current": self.current, "servers": {u: _entry(x) for u, x in sorted(self.logins.items())}}
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, indent=2)
            out.write("\n")
        os.chmod(temporary, 0o600)  # an older temporary file may have had looser permissions
        os.replace(temporary, self.path)

    def remember(self, login: Login) -> None:
        self.logins[login.url] = login
        self.current = login.url

    def forget(self, url: str) -> Login | None:
        login = self.logins.pop(url, None)
        if self.current == url:
            self.current = next(iter(sorted(self.logins)), "")
        return login


def server_url(given: str | None, env: Mapping[str, str], settings: Settings) -> str:
    """``--url``, else ``GESTALT_URL``, else the current login, else ``http://localhost:8080``."""
    url = given or env.get("GESTALT_URL") or settings.current or DEFAULT_URL
    if "://" not in url:
        url = "http://" + url
    return url.rstrip("/")


def token_for(url: str, env: Mapping[str, str], settings: Settings) -> str:
    if env.get("GESTALT_TOKEN"):
        return env["GESTALT_TOKEN"]
    login = settings.logins.get(url)
    return login.token if login else ""


def _entry(login: Login) -> dict[str, str]:
    return {k: v for k, v in asdict(login).items() if k != "url" and v}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
