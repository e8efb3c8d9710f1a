"""Secrets: providers that turn ``secret://NAME`` into a value, and the walk that resolves a spec.

Resolution happens at startup, after templates are compiled, so templates never see secret values, and
no message here ever contains one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from engine.config.issues import ConfigIssue
from engine.config.paths import SECRET_PREFIX
from engine.config.spec import ConfigSpec, Origin
from engine.errors import ConfigError

# Spec fields never walked: egress grant refs are resolved per request; the rest are not secrets.
_SKIPPED_FIELDS = frozenset({"egress", "ui", "secrets", "allowed_operations", "params", "origin"})


class SecretNotFound(LookupError):
    """The provider has no such secret. The message names the secret, never a value. A
    ``LookupError``, which is all the egress grants (a sibling layer) need to know of it."""


class SecretsProvider(Protocol):
    def get(self, name: str) -> str: ...


class EnvSecrets:
    """``secret://my-key`` → env var ``PREFIX`` + ``MY_KEY``."""

    def __init__(self, environ: Mapping[str, str] | None = None, prefix: str = "") -> None:
        self.environ = os.environ if environ is None else environ
        self.prefix = prefix

    def get(self, name: str) -> str:
        variable = self.prefix + name.replace("-", "_").upper()
        if variable not in self.environ:
            raise SecretNotFound(f'secret not found: environment variable "{variable}" not set')
        return self.environ[variable]


class FileSecrets:
    """One file per secret in ``directory``; trailing CR/LF trimmed; names cannot leave the directory."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory).resolve()

    def get(self, name: str) -> str:
        path = (self.directory / name).resolve()
        if not name or "\x00" in name or not path.is_relative_to(self.directory) or path == self.directory:
            raise SecretNotFound("invalid secret name: it must name a file inside the secrets directory")
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except FileNotFoundError:
            raise SecretNotFound(f'secret not found: no file "{name}" in the secrets directory') from None
        except OSError as exc:
            raise SecretNotFound(f"reading secret file: {exc.strerror or type(exc).__name__}") from None


def provider_from_spec(spec: ConfigSpec, environ: Mapping[str, str] | None = None) -> SecretsProvider:
    """The secrets provider named by ``secrets.provider`` (``env`` or ``file``)."""
    driver = spec.secrets
    if driver.provider == "env":
        return EnvSecrets(environ, str(driver.config.get("prefix", "")))
    directory = driver.config.get("dir")
    if driver.provider == "file" and isinstance(directory, str) and directory:
        return FileSecrets(directory)
    if driver.provider == "file":
        message, pointer = "secrets provider file requires config.dir", "/secrets/config"
    else:
        message, pointer = f'unknown secrets provider "{driver.provider}"', "/secrets/provider"
    raise ConfigError([ConfigIssue(spec.path, 0, 0, message, pointer)])


def resolve_secrets(spec: ConfigSpec, provider: SecretsProvider) -> ConfigSpec:
    """A copy of ``spec`` with every exact ``secret://NAME`` string replaced by its value."""
    walker = _Walker(spec, provider)
    resolved = walker.value(spec, Origin(spec.path), "")
    if walker.issues:
        raise ConfigError(list(walker.issues))
    assert isinstance(resolved, ConfigSpec)
    return resolved


class _Walker:
    def __init__(self, spec: ConfigSpec, provider: SecretsProvider) -> None:
        self.spec = spec
        self.provider = provider
        self.cache: dict[str, str] = {}
        self.issues: list[ConfigIssue] = []

    def value(self, value: Any, origin: Origin, pointer: str) -> Any:
        if isinstance(value, str):
            return self.secret(value, origin, pointer) if value.startswith(SECRET_PREFIX) else value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.dataclass(value, origin, pointer)
        if isinstance(value, Mapping):
            return {k: self.value(v, origin, f"{pointer}/{k}") for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            items = [self.value(v, origin, f"{pointer}/{i}") for i, v in enumerate(value)]
            return tuple(items) if isinstance(value, tuple) else items
        return value

    def dataclass(self, value: Any, origin: Origin, pointer: str) -> Any:
        own = getattr(value, "origin", None)
        if isinstance(own, Origin):
            origin, pointer = own, own.pointer
        changes = {
            f.name: self.value(getattr(value, f.name), origin, f"{pointer}/{f.name.rstrip('_')}")
            for f in dataclasses.fields(value)
            if f.name not in _SKIPPED_FIELDS
        }
        return dataclasses.replace(value, **changes)

    def secret(self, value: str, origin: Origin, pointer: str) -> str:
        name = value.removeprefix(SECRET_PREFIX)
        if name in self.cache:
            return self.cache[name]
        try:
            resolved = self.provider.get(name)
        except SecretNotFound as exc:
            return self.fail(name, str(exc), origin, pointer)
        if not resolved:
            return self.fail(name, "resolved to empty value", origin, pointer)
        self.cache[name] = resolved
        return resolved

    def fail(self, name: str, cause: str, origin: Origin, pointer: str) -> str:
        message = f'resolving secret "{name}": {cause}'
        self.issues.append(ConfigIssue(origin.file, origin.line, origin.col, message, pointer))
        return ""
