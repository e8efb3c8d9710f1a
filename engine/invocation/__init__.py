"""Invocation stage: the one broker every surface calls (HTTP, MCP, bindings).

Scopes, connection modes, instance selection, refresh and audit live here, once.
"""
