"""Typed, frozen specs: what the YAML said, after schema validation and defaults.

Specs never carry runtime state; ``engine.compiler`` turns them into runnable objects.
Defaults live in the JSON Schemas and here, nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config.origin import Origin as Origin  # re-exported: specs name their origin
from engine.config.spec_authorization import AuthorizationSpec
from engine.config.spec_binding import BindingSpec as BindingSpec
from engine.config.spec_binding import ProxySpec as ProxySpec
from engine.config.spec_binding import RateLimitSpec as RateLimitSpec
from engine.config.spec_binding import WebhookSpec as WebhookSpec
from engine.config.spec_egress import EgressCredentialSpec as EgressCredentialSpec
from engine.config.spec_egress import EgressMatchSpec as EgressMatchSpec
from engine.config.spec_egress import EgressRuleSpec as EgressRuleSpec
from engine.config.spec_egress import EgressSpec as EgressSpec

# The user-facing name of the implicit connection built from ``plugin.auth`` + ``plugin.params``.
PLUGIN_CONNECTION = "plugin"


# Sentinel for "no default given" on a parameter (``None`` is a legal default).
class _Missing:
    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class McpSpec:
    """``server.mcp``: how ``/mcp`` presents the catalogue (defaults as in the schema)."""

    tools: str = "auto"  # all | search | auto (search when a caller sees more than search_threshold)
    search_threshold: int = 100
    tool_name_max_length: int = 64
    unconnected: str = "hide"  # hide | show: tools whose connection the caller has not set up
    instructions: str = ""  # said first in the server instructions


@dataclass(frozen=True, slots=True)
class ServerSpec:
    port: int = 8080
    host: str = "0.0.0.0"
    base_url: str = ""
    encryption_key: str = ""
    """Writes every new ciphertext (and reads)."""
    previous_encryption_keys: tuple[str, ...] = ()
    """Read only, until ``gestaltd rotate-key`` has rewritten their values under ``encryption_key``."""
    api_token_ttl: str = ""
    # The request perimeter (engine.surface.perimeter): names this server answers to, and other
    # origins whose pages may write.
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    mcp: McpSpec = field(default_factory=McpSpec)

    @property
    def https(self) -> bool:
        """Served over https (``base_url`` says so): cookies are Secure, HSTS is sent."""
        return self.base_url.startswith("https://")


@dataclass(frozen=True, slots=True)
class DriverSpec:
    """``auth``, ``datastore``, ``secrets``, ``telemetry``: a provider name plus free-form config."""

    provider: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CredentialFieldSpec:
    name: str
    label: str = ""
    description: str = ""
    help_url: str = ""


@dataclass(frozen=True, slots=True)
class BasicMappingSpec:
    """Which credential fields (or templates over them) are HTTP Basic's user and password."""

    username: str
    password: str = ""  # "" = an empty password (a key sent as the user name)


@dataclass(frozen=True, slots=True)
class AuthMappingSpec:
    """Credential fields → request headers / query parameters / HTTP Basic. Values are Jinja
    templates or field names."""

    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    basic: BasicMappingSpec | None = None


@dataclass(frozen=True, slots=True)
class ConnectionAuthSpec:
    type: str = "none"  # none | bearer | manual | basic | oauth2 | mcp_oauth
    authorization_url: str = ""
    token_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    redirect_url: str = ""
    client_auth: str = "body"  # body | header
    token_exchange: str = "form"  # form | json
    scopes: tuple[str, ...] = ()
    scope_param: str = "scope"
    scope_separator: str = " "
    pkce: bool = True  # S256 unless a provider rejects it (OAuth 2.1)
    authorization_params: Mapping[str, str] = field(default_factory=dict)
    token_params: Mapping[str, str] = field(default_factory=dict)
    refresh_params: Mapping[str, str] = field(default_factory=dict)
    accept_header: str = ""
    access_token_path: str = ""
    token_metadata: tuple[str, ...] = ()
    credentials: tuple[CredentialFieldSpec, ...] = ()
    auth_mapping: AuthMappingSpec | None = None
    # False when the YAML block names no ``type``: on an OpenAPI surface it then takes the
    # document's security scheme and keeps its own client settings (reference engine.md §10.4).
    type_given: bool = True
    origin: Origin | None = None  # the auth block, when the config wrote one


@dataclass(frozen=True, slots=True)
class ConnectionParamSpec:
    required: bool = False
    description: str = ""
    default: str = ""


@dataclass(frozen=True, slots=True)
class DiscoverySpec:
    """A request sent with a just-obtained credential to find what it can reach (e.g. Atlassian
    sites): each item of the JSON answer is a candidate; ``params`` become connection params."""

    url: str
    method: str = "GET"
    items_path: str = ""  # dotted path to the candidate list; "" = the top-level value
    id_path: str = "id"
    label_path: str = "name"
    params: Mapping[str, str] = field(default_factory=dict)  # connection param -> dotted path


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    """A named connection (or the implicit ``plugin`` one). ``mode`` is none|user|identity|either."""

    name: str
    mode: str = "user"
    auth: ConnectionAuthSpec = field(default_factory=ConnectionAuthSpec)
    params: Mapping[str, ConnectionParamSpec] = field(default_factory=dict)
    # Shared service credential for identity/either modes: field -> value (secret:// already resolved).
    identity: Mapping[str, str] = field(default_factory=dict)
    discovery: DiscoverySpec | None = None
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    name: str
    type: str = "string"  # as written; normalised by the compiler (int → integer, …)
    in_: str | None = None  # path | query | header | body | None (defaulted by the compiler)
    required: bool = False
    description: str = ""
    default: Any = MISSING
    enum: tuple[Any, ...] | None = None
    style: str | None = None  # OpenAPI style of a path/query/header value (or json); None = default
    explode: bool | None = None
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class OperationSpec:
    name: str
    method: str
    path: str
    description: str = ""
    parameters: tuple[ParameterSpec, ...] = ()
    # Template keys (ours): Jinja2 templates rendered per call.
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = MISSING  # a YAML value whose string leaves are templates
    connection: str = ""  # per-operation connection override; "" = the integration's default
    content_type: str = "application/json"  # the body's media type (or a form, or multipart)
    paginate: bool = False
    annotations: Mapping[str, bool] = field(default_factory=dict)  # MCP hints over the method's
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class ManagedParameterSpec:
    in_: str  # header | path
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class PaginationSpec:
    """How pages are followed (``engine.providers.paging``)."""

    style: str = "cursor"  # cursor | offset | page | link
    has_more_path: str = ""
    cursor_path: str = ""  # cursor style: the next cursor in the body…
    cursor_header: str = ""  # …or in this response header
    cursor_param: str = ""  # the request parameter that selects the page (cursor, offset or page)
    limit_param: str = ""  # the request parameter of the page size
    page_size: int = 0  # sent in limit_param unless the caller gave one; 0 = the upstream's default
    first_page: int = 1  # page style: the number of the first page
    max_pages: int = 10


@dataclass(frozen=True, slots=True)
class ResponseMappingSpec:
    data_path: str = ""
    pagination: PaginationSpec | None = None
    paginate: tuple[str, ...] = ()  # operation name patterns followed page by page ("*": all)
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class AllowedOperationSpec:
    alias: str = ""
    description: str = ""
    paginate: bool = False
    annotations: Mapping[str, bool] = field(default_factory=dict)  # MCP hints over the method's


@dataclass(frozen=True, slots=True)
class PluginSpec:
    """``integrations.<name>.plugin`` (or the body of ``providers.d/<name>.yaml``'s ``plugin``)."""

    # Declarative REST
    base_url: str = ""
    operations: tuple[OperationSpec, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    # Spec surfaces
    openapi: str = ""
    graphql_url: str = ""
    mcp_url: str = ""
    openapi_connection: str = ""
    graphql_connection: str = ""
    mcp_connection: str = ""
    default_connection: str = ""
    managed_parameters: tuple[ManagedParameterSpec, ...] = ()
    response_mapping: ResponseMappingSpec | None = None
    allowed_operations: Mapping[str, AllowedOperationSpec] | None = None
    # Connections: the implicit ``plugin`` connection is ``auth`` + ``params`` + ``discovery``.
    auth: ConnectionAuthSpec | None = None
    params: Mapping[str, ConnectionParamSpec] = field(default_factory=dict)
    discovery: DiscoverySpec | None = None
    connections: Mapping[str, ConnectionSpec] = field(default_factory=dict)
    mcp: bool | None = None  # False hides the integration from /mcp; unset or True exposes it
    # Python escape hatch: "package.module:factory".
    python: str = ""
    # Free-form, passed to python providers; client_id/client_secret here override OAuth client creds.
    config: Mapping[str, Any] = field(default_factory=dict)
    # Reference keys for external plugin processes. Accepted by validation; not runnable here.
    command: str = ""
    package: str = ""
    source: str = ""
    version: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    allowed_hosts: tuple[str, ...] = ()
    # Where each document/endpoint key (openapi, graphql_url, …) is written, and as written
    # (relative paths are resolved above): issues about a document point there and name it so.
    origins: Mapping[str, Origin] = field(default_factory=dict)
    written: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IntegrationSpec:
    name: str
    plugin: PluginSpec
    display_name: str = ""
    description: str = ""
    icon_file: str = ""
    mcp_tool_prefix: str = ""
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class ConfigSpec:
    """The whole deployment: ``gestalt.yaml`` merged with ``providers.d`` and ``bindings.d``."""

    path: Path
    server: ServerSpec = field(default_factory=ServerSpec)
    auth: DriverSpec = field(default_factory=lambda: DriverSpec(provider="none"))
    datastore: DriverSpec = field(default_factory=lambda: DriverSpec(provider="sqlite"))
    secrets: DriverSpec = field(default_factory=lambda: DriverSpec(provider="env"))
    telemetry: DriverSpec = field(default_factory=lambda: DriverSpec(provider="stdout"))
    integrations: Mapping[str, IntegrationSpec] = field(default_factory=dict)
    bindings: Mapping[str, BindingSpec] = field(default_factory=dict)
    egress: EgressSpec = field(default_factory=EgressSpec)
    authorization: AuthorizationSpec | None = None  # None: no section, nothing checked
    ui: Mapping[str, Any] = field(default_factory=dict)
    providers_dir: Path | None = None
    bindings_dir: Path | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent
