"""The composition root: the only place that picks concrete implementations.

Stages run in order (config → secrets → telemetry → egress client → providers → broker → runtime
record → surfaces); a failing stage reports what is wrong and where. Endpoints that more than one
surface serves or mounts (invoke, ``/mcp``, the bindings) are built here, once (``build_gateway``). ``serve``
skips an integration that fails to compile (logged); ``validate`` is strict and reports every issue.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.auth.authenticator import Authenticator
from engine.auth.oauth_clients import OAuthClients
from engine.auth.oauth_server.client_documents import ClientDocuments
from engine.auth.oauth_server.clients import ClientDirectory
from engine.auth.platform import build_platform_auth
from engine.compiler.connections import missing_oauth_clients
from engine.compiler.sources import Sources
from engine.providers.build import build_provider
from engine.providers.egress_names import unknown_egress_operations
from engine.providers.model import Provider

if TYPE_CHECKING:
    from engine.web.gateway import GatewayApp, Mount
from engine.config import load
from engine.config.issues import ConfigIssue, display_path
from engine.config.runtime import unenforced_issues
from engine.config.spec import ConfigSpec, IntegrationSpec
from engine.crypto import KEY_BYTES, Cipher, derive_key, key_id
from engine.egress.client import HttpClient, default_client
from engine.egress.policy import EgressPolicy
from engine.errors import ConfigError, StoreError, UnknownStoreProvider
from engine.invocation.audit import AuditSink
from engine.invocation.authorization import AuthorizationPolicy
from engine.invocation.broker import Broker
from engine.invocation.store_credentials import StoreCredentials
from engine.secrets import provider_from_spec, resolve_secrets
from engine.store import Store, open_store
from engine.surface.runtime import Readiness, Runtime
from engine.telemetry import configure_telemetry

_log = logging.getLogger("gestalt.bootstrap")


@dataclass
class Compiled:
    config: ConfigSpec
    providers: dict[str, Provider] = field(default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)


def load_config(path: str | Path) -> ConfigSpec:
    """Load, validate and resolve secrets. Raises ConfigError listing every issue."""
    return resolve_config_secrets(load(path))


def resolve_config_secrets(spec: ConfigSpec) -> ConfigSpec:
    """Every ``secret://`` reference replaced through the configured secrets provider."""
    return resolve_secrets(spec, provider_from_spec(spec))


def check_config(path: str | Path, client: HttpClient) -> tuple[Compiled | None, list[ConfigIssue]]:
    """``validate``: every issue at once: load, secrets, runtime checks, and compiling each
    integration that loaded cleanly (so template and placeholder errors show up alongside)."""
    from engine.config import load_partial, runtime_issues

    spec, issues = load_partial(path)
    if spec is None:
        return None, issues
    try:
        spec = resolve_secrets(spec, provider_from_spec(spec))
    except ConfigError as exc:
        return None, issues + _issues_of(exc)
    compiled = compile_providers(spec, client, locked=True)
    runtime = runtime_issues(spec) + setup_issues(spec, client) + prepared_state_issues(spec)
    egress = unknown_egress_operations(spec.egress, compiled.providers, spec.integrations)
    return compiled, issues + runtime + compiled.issues + egress + binding_issues(spec, compiled.providers)


def binding_issues(config: ConfigSpec, providers: Mapping[str, Provider]) -> list[ConfigIssue]:
    """What compiling the bindings against the compiled providers finds (templates, targets)."""
    if not config.bindings:
        return []
    from engine.bindings.build import plan_bindings

    return plan_bindings(config, providers)[1]


def setup_issues(config: ConfigSpec, client: HttpClient) -> list[ConfigIssue]:
    """What ``build_runtime`` refuses that loading does not check: the encryption key, the
    datastore settings and the login provider's settings (the reference's runtime validation,
    which ``validate`` runs too). Nothing connects: stores and login providers open lazily."""
    issues: list[ConfigIssue] = []
    try:
        cipher = build_cipher(config)
    except ConfigError as exc:
        issues += _issues_of(exc)
        cipher = Cipher(bytes(KEY_BYTES))  # to go on checking the rest
    try:
        store = _open_store(config, cipher)
    except ConfigError as exc:
        issues += _issues_of(exc)
        # A stand-in, never opened, so that the login settings are still checked.
        store = open_store("sqlite", {}, cipher, config.base_dir)
    try:
        build_platform_auth(config, store, client)
    except ConfigError as exc:
        issues += _issues_of(exc)
    return issues


def _issues_of(exc: ConfigError) -> list[ConfigIssue]:
    return [i for i in exc.issues if isinstance(i, ConfigIssue)]


def prepared_state_issues(config: ConfigSpec) -> list[ConfigIssue]:
    """Remote documents need ``gestaltd init`` state that matches the config (validate, --locked)."""
    from engine.documents.lock import lock_problem

    problem = lock_problem(config)
    return [ConfigIssue(config.path, 0, 0, problem)] if problem else []


def compile_providers(config: ConfigSpec, client: HttpClient, locked: bool = False) -> Compiled:
    """``locked``: remote documents come only from prepared state (``gestaltd init``)."""
    out = Compiled(config)
    sources = _sources(config, locked, client.egress)
    for name, spec in sorted(config.integrations.items()):
        provider, issues = build_provider(spec, client, _icon(spec), sources)
        out.issues.extend(issues)
        if provider is not None:
            out.providers[name] = provider
    return out


def _sources(config: ConfigSpec, locked: bool, egress: EgressPolicy | None) -> Sources:
    """The documents stage, when the config has any spec surface at all (it imports the YAML and
    document machinery, and may fetch)."""
    if not any(i.plugin.openapi or i.plugin.graphql_url for i in config.integrations.values()):
        return Sources()
    from engine.documents.sources import load_sources

    return load_sources(config, locked, egress)


def _icon(spec: IntegrationSpec) -> str:
    if not spec.icon_file:
        return ""
    try:
        return Path(spec.icon_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        _log.warning(
            "icon not readable", extra={"fields": {"provider": spec.name, "error": type(exc).__name__}}
        )
        return ""


@dataclass
class Prepared:
    """The quick part of start-up, done once (before Granian forks, when serving): everything
    ``build_runtime`` needs besides the providers, whose settings are checked on the way."""

    config: ConfigSpec
    client: HttpClient
    cipher: Cipher
    store: Store
    authenticator: Authenticator
    locked: bool = False


def prepare_runtime(
    config: ConfigSpec, client: HttpClient | None = None, *, logs: bool = True, locked: bool = False
) -> Prepared:
    """Logging, prepared state, the keys (derived once), the store and the login settings: every
    ConfigError start-up can raise, raised here, before anything listens."""
    if unenforced := unenforced_issues(config):
        raise ConfigError(list(unenforced))
    configure_telemetry(config.telemetry.provider if logs else "noop", config.telemetry.config)
    if locked and prepared_state_issues(config):
        raise ConfigError(list(prepared_state_issues(config)))
    client = client or default_client()
    client.egress = egress_policy(config)  # the runtime's client enforces this config's egress
    cipher = build_cipher(config)
    store = _open_store(config, cipher)
    return Prepared(config, client, cipher, store, build_platform_auth(config, store, client), locked)


def complete_runtime(prepared: Prepared) -> Runtime:
    """The slow part: compile the providers (reading remote documents) and assemble the runtime."""
    config, client, store = prepared.config, prepared.client, prepared.store
    compiled = compile_providers(config, client, prepared.locked)
    if unknown := unknown_egress_operations(config.egress, compiled.providers, config.integrations):
        raise ConfigError(list(unknown))
    for problem in compiled.issues:
        _log.warning("skipping provider", extra={"fields": {"error": str(problem)}})
    _warn_unconfigured_oauth(config, compiled.providers)
    for name, provider in compiled.providers.items():
        _log.info(
            "loaded provider", extra={"fields": {"provider": name, "operations": len(provider.operations)}}
        )
    credentials = StoreCredentials(store, OAuthClients(config, client, store))
    authorization = AuthorizationPolicy.from_spec(config.authorization)
    runtime = Runtime(
        config=config,
        providers=compiled.providers,
        broker=Broker(compiled.providers, credentials, AuditSink(), client.egress, authorization),
        authenticator=prepared.authenticator,
        store=store,
        cipher=prepared.cipher,
        http=client,
        readiness=Readiness(ping=store.ping),
    )
    runtime.instances = credentials.instances
    runtime.oauth_clients = ClientDirectory(store, ClientDocuments(client))
    runtime.closers.extend([store.close, client.close])
    return runtime


def build_runtime(
    config: ConfigSpec, client: HttpClient | None = None, *, logs: bool = True, locked: bool = False
) -> Runtime:
    return complete_runtime(prepare_runtime(config, client, logs=logs, locked=locked))


def egress_policy(config: ConfigSpec) -> EgressPolicy | None:
    """The compiled ``egress`` section (None when it asks for nothing); grants read their
    secrets through the configured secrets provider, per request."""
    return EgressPolicy.from_spec(config.egress, provider_from_spec(config))


def build_cipher(config: ConfigSpec) -> Cipher:
    """The keyring, derived once, here: nothing on the request path derives a key."""
    server = config.server
    if not server.encryption_key:
        message = "server.encryption_key is required: the datastore encrypts credentials at rest"
        raise ConfigError([ConfigIssue(config.path, 0, 0, message, "/server/encryption_key")])
    write = derive_key(server.encryption_key)
    seen = {key_id(write): "server.encryption_key"}
    previous: list[bytes] = []
    for index, secret in enumerate(server.previous_encryption_keys):
        key = derive_key(secret)
        label, kid = f"server.previous_encryption_keys[{index}]", key_id(key)
        if kid in seen:  # two spellings (hex, passphrase, secret names) of one key
            pointer = f"/server/previous_encryption_keys/{index}"
            issue = ConfigIssue(config.path, 0, 0, f"{label} is the same key as {seen[kid]}", pointer)
            raise ConfigError([issue])
        seen[kid] = label
        previous.append(key)
    return Cipher(write, previous)


def _warn_unconfigured_oauth(config: ConfigSpec, providers: Mapping[str, Provider]) -> None:
    """An oauth2 connection whose client id is empty (its ``${VAR}`` unset) offers no OAuth: say so."""
    for name in providers:
        for origin, message in missing_oauth_clients(config.integrations[name]):
            where = f"{display_path(origin.file)}:{origin.line}:{origin.col}" if origin else ""
            _log.warning("oauth2 client not configured", extra={"fields": {"error": message, "at": where}})


def open_datastore(config: ConfigSpec) -> Store:
    """The configured store under the configured keys, for commands that need nothing else."""
    return _open_store(config, build_cipher(config))


def _open_store(config: ConfigSpec, cipher: Cipher) -> Store:
    """The configured store; a setting it cannot use is a config issue at its place in the file."""
    try:
        return open_store(config.datastore.provider, config.datastore.config, cipher, config.base_dir)
    except UnknownStoreProvider as exc:
        raise ConfigError([ConfigIssue(config.path, 0, 0, str(exc), "/datastore/provider")]) from None
    except StoreError as exc:
        raise ConfigError([ConfigIssue(config.path, 0, 0, str(exc), "/datastore/config")]) from None


def build_gateway(runtime: Runtime) -> GatewayApp:
    """The served ASGI app: the Litestar routes, the invoke endpoint on every compiled path and
    ``/mcp`` when some integration exposes tools, each endpoint built once. Those the gateway
    serves itself carry the security headers (Litestar adds them to everything else)."""
    from engine.mcp.mount import MCP_PATH, mcp_endpoint
    from engine.surface.security import security_headers
    from engine.web.app import create_app
    from engine.web.gateway import GatewayApp, Mount
    from engine.web.invoke import InvokeEndpoint

    headers = security_headers(runtime.config.server.base_url.startswith("https://"))
    base_url = runtime.config.server.base_url
    invoke = InvokeEndpoint(runtime.broker, runtime.authenticator, runtime.perimeter, headers, base_url)
    mcp = mcp_endpoint(runtime, headers)
    mounts = [Mount(MCP_PATH, "mcp", mcp)] if mcp is not None else []
    mounts += _bindings_mount(runtime, headers)
    app = create_app(runtime, invoke)
    return GatewayApp(runtime.config, app, invoke, runtime.providers, runtime.perimeter, mounts)


def _bindings_mount(runtime: Runtime, headers: Sequence[tuple[bytes, bytes]]) -> list[Mount]:
    """The bindings under ``/api/v1/bindings/``; one that does not compile is skipped (logged)."""
    if not runtime.config.bindings:
        return []
    from engine.bindings.build import plan_bindings
    from engine.bindings.mount import MOUNT_PATH, bindings_endpoint
    from engine.web.gateway import Mount

    plans, issues = plan_bindings(runtime.config, runtime.providers)
    for problem in issues:
        _log.warning("skipping binding", extra={"fields": {"error": str(problem)}})
    endpoint = bindings_endpoint(runtime, plans, headers)
    return [Mount(MOUNT_PATH, "bindings", endpoint, endpoint.rows)] if endpoint is not None else []
