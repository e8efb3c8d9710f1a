"""gestaltd as the OAuth 2.1 authorization server for its own ``/mcp`` and API: its metadata, its
clients (registered, or Client ID Metadata Documents), authorization requests, codes and grants.
What it issues are ordinary API tokens (``engine.auth.api_tokens``) that know their client."""
