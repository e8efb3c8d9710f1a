"""The MCP protocol revisions ``/mcp`` speaks, and what each one's messages may hold.

Two eras (the 2026-07-28 versioning chapter): *legacy* revisions open with ``initialize`` and
declare their version in the ``MCP-Protocol-Version`` header afterwards; the *modern* revision
carries version and client capabilities in every request's ``_meta`` and has no handshake. The
field sets are those of each revision's ``schema.json`` (the definitions we emit), so a client is
never sent a field its revision does not define.
"""

from __future__ import annotations

from dataclasses import dataclass

MODERN_VERSIONS = ("2026-07-28",)
LEGACY_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
SUPPORTED_VERSIONS = MODERN_VERSIONS + LEGACY_VERSIONS
LATEST_LEGACY = LEGACY_VERSIONS[0]
# What a request without ``MCP-Protocol-Version`` speaks (the Streamable HTTP chapters' rule).
DEFAULT_VERSION = "2025-03-26"

_TOOL_2025_03 = frozenset({"name", "description", "inputSchema", "annotations"})
_TOOL_2025_06 = _TOOL_2025_03 | {"title", "outputSchema", "_meta"}
_CONTENT_2025_03 = frozenset({"text", "image", "audio", "resource"})
_CONTENT_2025_06 = _CONTENT_2025_03 | {"resource_link"}


@dataclass(frozen=True, slots=True)
class Revision:
    name: str
    modern: bool
    methods: frozenset[str]
    tool_keys: frozenset[str]
    result_keys: frozenset[str]  # of a CallToolResult
    content_types: frozenset[str]
    content_meta: bool  # content blocks may carry ``_meta``
    batches: bool = False  # JSON-RPC batches (2025-03-26 only)

    @property
    def structured(self) -> bool:
        return "structuredContent" in self.result_keys


_LEGACY_METHODS = frozenset({"initialize", "ping", "tools/list", "tools/call"})

REVISIONS: dict[str, Revision] = {
    "2025-03-26": Revision(
        "2025-03-26", False, _LEGACY_METHODS, _TOOL_2025_03,
        frozenset({"content", "isError", "_meta"}), _CONTENT_2025_03, content_meta=False, batches=True,
    ),
    "2025-06-18": Revision(
        "2025-06-18", False, _LEGACY_METHODS, _TOOL_2025_06,
        frozenset({"content", "isError", "_meta", "structuredContent"}), _CONTENT_2025_06, content_meta=True,
    ),
    "2025-11-25": Revision(
        "2025-11-25", False, _LEGACY_METHODS, _TOOL_2025_06 | {"icons", "execution"},
        frozenset({"content", "isError", "_meta", "structuredContent"}), _CONTENT_2025_06, content_meta=True,
    ),
    "2026-07-28": Revision(
        "2026-07-28", True, frozenset({"server/discover", "tools/list", "tools/call"}),
        _TOOL_2025_06 | {"icons"},
        frozenset({"content", "isError", "_meta", "structuredContent", "resultType"}), _CONTENT_2025_06,
        content_meta=True,
    ),
}  # fmt: skip


def revision(version: str) -> Revision | None:
    return REVISIONS.get(version)


def negotiate(requested: object) -> str:
    """``initialize``'s answer: a requested legacy revision echoed, else the latest legacy one
    (the handshake belongs to the legacy era; a modern client does not send it)."""
    return requested if isinstance(requested, str) and requested in LEGACY_VERSIONS else LATEST_LEGACY
