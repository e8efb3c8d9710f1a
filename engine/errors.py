"""One exception tree for the whole engine.

Every error a client may see carries its stable, secret-free ``public_message`` and its HTTP
``status``; ``engine.web.errors`` is the single place that turns them into responses. Library
exceptions are translated into this tree once, at the edge where they occur
(``raise UpstreamUnreachable() from exc``), and anything else becomes ``InternalError``.
"""

from __future__ import annotations


class GestaltError(Exception):
    """Base of every engine error. ``str(err)`` is safe to log; it never contains secrets."""

    status: int = 500
    public_message: str = "internal error"

    def __init__(self, message: str | None = None) -> None:
        self.public_message = message if message is not None else type(self).public_message
        super().__init__(self.public_message)


# ---- configuration (raised at load/compile time, never on the request path) ----


class ConfigError(GestaltError):
    """A config file is invalid. ``issues`` holds every problem found, each with file:line:col."""

    def __init__(self, issues: list[object]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues) or "invalid config")


# ---- client errors (4xx) ----


class BadRequest(GestaltError):
    status = 400
    public_message = "bad request"


class InvalidJSONBody(BadRequest):
    public_message = "invalid JSON body"


class InvalidParameters(BadRequest):
    """Parameters failed the operation's input schema; the message names the parameter."""


class MissingPathParameter(BadRequest):
    def __init__(self, name: str) -> None:
        super().__init__(f"missing required path parameter: {name}")


class InvalidConnectionName(BadRequest):
    public_message = "connection name contains invalid characters"


class InvalidInstanceName(BadRequest):
    public_message = "instance name contains invalid characters"


class NotAuthenticated(GestaltError):
    status = 401
    public_message = "not authenticated"


class ScopeDenied(GestaltError):
    status = 403

    def __init__(self, integration: str) -> None:
        super().__init__(f"token scope denied: {integration}")


class NotFound(GestaltError):
    status = 404
    public_message = "not found"


class IntegrationNotFound(NotFound):
    def __init__(self, integration: str) -> None:
        super().__init__(f'integration "{integration}" not found')


class OperationNotFound(NotFound):
    def __init__(self, operation: str, integration: str) -> None:
        super().__init__(f'operation "{operation}" not found on integration "{integration}"')


class Conflict(GestaltError):
    status = 409
    public_message = "conflict"


class AmbiguousInstance(Conflict):
    def __init__(self, integration: str, instances: list[str]) -> None:
        super().__init__(
            f'ambiguous instance: integration "{integration}" has {len(instances)} connections '
            f"([{' '.join(instances)}]); specify which instance to use"
        )


class UnknownConnection(BadRequest):
    def __init__(self, connection: str, integration: str) -> None:
        super().__init__(f'unknown connection "{connection}" on integration "{integration}"')


class ExplicitConnectionRequired(BadRequest):
    def __init__(self, integration: str) -> None:
        super().__init__(f'integration "{integration}" requires an explicit connection')


class InvalidConnectionParam(BadRequest):
    """A connect request's ``connection_params`` failed validation; the message names the key."""


class NoOAuthConnections(BadRequest):
    def __init__(self, integration: str) -> None:
        super().__init__(f'integration "{integration}" has no OAuth connections configured')


class OAuthNotSupported(BadRequest):
    def __init__(self, connection: str, integration: str) -> None:
        super().__init__(f'connection "{connection}" on integration "{integration}" does not support OAuth')


class ManualAuthNotSupported(BadRequest):
    def __init__(self, integration: str) -> None:
        super().__init__(
            f'integration "{integration}" does not support manual auth; use OAuth connect instead'
        )


class InvalidOAuthState(BadRequest):
    public_message = "invalid or expired oauth state"


class InvalidFormBody(BadRequest):
    public_message = "invalid form body"


class InvalidPendingConnection(BadRequest):
    """A pending-connection token was tampered with, malformed, or already used."""

    public_message = "invalid or expired pending connection"


class ExpiredPendingConnection(InvalidPendingConnection):
    status = 410


class PendingAuthorizationRequired(GestaltError):
    status = 401
    public_message = "pending connection authorization required"


class PendingConnectionNotFound(NotFound):
    """The caller is not the user who started the pending connection."""

    public_message = "pending connection not found"


class InvalidCandidateIndex(BadRequest):
    public_message = "invalid candidate index"


class CandidateNotFound(BadRequest):
    public_message = "candidate not found"


class ConnectionNotFound(NotFound):
    def __init__(self, integration: str, instance: str = "") -> None:
        suffix = f' instance "{instance}"' if instance else ""
        super().__init__(f'no connection found for integration "{integration}"{suffix}')


class MultipleConnections(Conflict):
    def __init__(self, integration: str, labels: list[str], hint: str) -> None:
        super().__init__(
            f'multiple connections exist for "{integration}" ([{" ".join(labels)}]); specify ?{hint}=NAME'
        )


class NoCredential(GestaltError):
    status = 412

    def __init__(self, integration: str) -> None:
        super().__init__(f'no token stored for integration "{integration}"; connect via OAuth first')


class PayloadTooLarge(GestaltError):
    status = 413
    public_message = "request body too large"


# ---- upstream / gateway errors (502) ----


class UpstreamError(GestaltError):
    status = 502
    public_message = "operation failed"


class UpstreamTimeout(UpstreamError):
    public_message = "upstream service timed out"


class UpstreamUnreachable(UpstreamError):
    public_message = "failed to reach upstream service"


class UpstreamReadError(UpstreamError):
    public_message = "failed to read upstream response"


class UpstreamInvalidResponse(UpstreamError):
    public_message = "upstream service returned an invalid response"


class UpstreamOperationError(UpstreamError):
    """The upstream reported an operation-level error (e.g. GraphQL ``errors``); the message is shown."""


class OAuthTokenError(UpstreamError):
    """A token endpoint call failed. ``str()`` holds only the status or the failure kind, never
    the response body (which may echo secrets); routes turn it into their own fixed message."""


class TokenExchangeFailed(UpstreamError):
    public_message = "token exchange failed"


class TokenMetadataFailed(UpstreamError):
    public_message = "failed to extract connection metadata from token response"


class ConnectionSetupFailed(UpstreamError):
    """Post-connect discovery failed or found nothing (the cause is logged, not shown)."""

    public_message = "connection setup failed"


class InvalidDiscoveredValue(UpstreamError):
    def __init__(self, key: str) -> None:
        super().__init__(f'discovery returned invalid key or value for "{key}"')


class McpOAuthDiscoveryFailed(UpstreamError):
    """``mcp_oauth``: the upstream's authorization server could not be discovered or would not
    register a client. ``str()`` names the failing step only; the response bodies are not kept."""

    public_message = "MCP OAuth discovery failed"


class RefreshFailed(UpstreamError):
    """The access token expired and could not be refreshed (the reason is logged, not shown)."""

    public_message = "operation failed"


class EgressDenied(UpstreamError):
    public_message = "operation failed"


class DocumentUnavailable(GestaltError):
    """An OpenAPI/GraphQL document could not be read, fetched, parsed or found in prepared state
    (raised at compile time, reported as a config issue naming the document)."""


class UpstreamHTTPError(GestaltError):
    """The upstream answered >= 400: replayed verbatim (status, content type, body)."""

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body
        super().__init__(f"upstream returned HTTP {status}")


# ---- server errors (5xx) ----


class InternalError(GestaltError):
    status = 500
    public_message = "internal error"


class NotReady(GestaltError):
    status = 503
    public_message = "service starting"


# ---- store and crypto (raised by engine.store and engine.crypto) ----


class StoreError(InternalError):
    """The datastore failed. The message never holds row values; the driver error is chained."""

    public_message = "datastore operation failed"


class UnknownStoreProvider(StoreError):
    def __init__(self, provider: str) -> None:
        super().__init__(f'unknown datastore provider "{provider}" (expected "sqlite" or "postgres")')


class CryptoError(InternalError):
    public_message = "encryption error"


class DecryptionError(CryptoError):
    """Ciphertext was malformed, tampered with, or sealed under another key."""

    public_message = "decryption failed"


class InvalidSealedToken(BadRequest):
    """A sealed blob (OAuth state, pending connection) was tampered with, malformed or expired."""

    public_message = "invalid or expired state"


class ExpiredSealedToken(InvalidSealedToken):
    pass


# ---- platform identity (raised by engine.auth and the auth/token routes) ----


class Unauthorized(GestaltError):
    status = 401
    public_message = "not authenticated"


class MissingAuthorization(Unauthorized):
    public_message = "missing authorization"


class InvalidAuthorizationFormat(Unauthorized):
    public_message = "invalid authorization header format"


class InvalidToken(Unauthorized):
    public_message = "invalid token"


class TokenValidationFailed(InternalError):
    """The store failed while resolving a bearer token (not the same as an invalid token)."""

    public_message = "token validation failed"


class LoginFailed(Unauthorized):
    """The IdP exchange, the ID token or the identity checks failed; the cause is chained, not shown."""

    public_message = "login failed"


class LoginStateInvalid(GestaltError):
    status = 403
    public_message = "login state validation failed"


class UnknownScope(BadRequest):
    def __init__(self, scope: str) -> None:
        super().__init__(f'unknown scope "{scope}"')


class TokenScopeExceeded(GestaltError):
    """A scoped API token asked for a token wider than itself."""

    status = 403
    public_message = "token scopes exceed the caller's scopes"


class TokenNotFound(NotFound):
    public_message = "token not found"


# ---- MCP (raised by engine.mcp; answered as JSON-RPC error objects on /mcp) ----


class McpError(GestaltError):
    """A JSON-RPC error on ``/mcp``: ``code`` is the JSON-RPC code, ``status`` the HTTP status used
    when it answers a single message (method-level errors travel in a 200, as JSON-RPC intends)."""

    status = 200
    code = -32603
    public_message = "internal error"


class McpParseError(McpError):
    status = 400
    code = -32700
    public_message = "Parse error"


class McpInvalidRequest(McpError):
    status = 400
    code = -32600
    public_message = "Invalid request"


class McpMethodNotFound(McpError):
    code = -32601

    def __init__(self, method: str) -> None:
        super().__init__(f"Method not found: {method}")


class McpInvalidParams(McpError):
    code = -32602
    public_message = "Invalid params"


class OriginNotAllowed(GestaltError):
    """``/mcp`` refuses browser requests from another origin (DNS rebinding, per the MCP spec)."""

    status = 403
    public_message = "origin not allowed"
