"""Upstream and gateway failures (502) and upstream HTTP errors replayed as they are."""

from __future__ import annotations

from engine.errors.base import GestaltError


class UpstreamError(GestaltError):
    status = 502
    public_message = "operation failed"


class UpstreamTimeout(UpstreamError):
    public_message = "upstream service timed out"


class UpstreamUnreachable(UpstreamError):
    public_message = "failed to reach upstream service"


class UpstreamReadError(UpstreamError):
    public_message = "failed to read upstream response"


class CredentialFieldMissing(UpstreamError):
    """The stored credential lacks a field the auth mapping needs (the field name is safe to log)."""


class UpstreamResponseTooLarge(UpstreamError):
    """The upstream's body (as sent, or once decompressed) passed the client's cap: refused whole,
    never truncated into something that looks like a success."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upstream response larger than {_size(limit)}")


def _size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit // mib} MiB" if limit % mib == 0 else f"{limit} bytes"


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


class DocumentUnavailable(GestaltError):
    """An OpenAPI/GraphQL document could not be read, fetched, parsed or found in prepared state
    (raised at compile time, reported as a config issue naming the document). ``line`` and
    ``col`` (1-based, 0 when unknown) are where in the document a parse failed."""

    def __init__(self, message: str | None = None, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


class UpstreamHTTPError(GestaltError):
    """The upstream answered >= 400: replayed verbatim (status, content type, body)."""

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body
        super().__init__(f"upstream returned HTTP {status}")
