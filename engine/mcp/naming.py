"""Tool names and titles.

A name is ``mcp_tool_prefix`` + operation, else ``<integration>_<operation>``, in MCP's character
set ``[A-Za-z0-9_-]``. One longer than ``server.mcp.tool_name_max_length`` (64 by default: many
hosts refuse longer names) keeps its head (the prefix or integration), as many of the operation's
last words as fit (the specific part: ``…_address_book_assignment_v4``, repeated words dropped)
and six hex digits of a SHA-256 of the integration and operation: the same config always gives
the same names, whatever else it holds. Duplicates get a further suffix, so names never collide.
The title says what the tool does for people (the integration's display name and the operation's
summary) and, for a shortened name, the full one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MCP_MAX = 128
DEFAULT_MAX = 64
_INVALID = re.compile(r"[^A-Za-z0-9_-]")
_DIGEST = 6
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SENTENCE = re.compile(r"(?<=[.!?])\s")
TITLE_SUMMARY = 80


def full_name(prefix: str, integration: str, operation: str) -> str:
    return _INVALID.sub("_", f"{prefix}{operation}" if prefix else f"{integration}_{operation}")


def tool_name(prefix: str, integration: str, operation: str, limit: int = DEFAULT_MAX) -> str:
    name = full_name(prefix, integration, operation)
    if len(name) <= limit:
        return name
    head = _INVALID.sub("_", prefix or f"{integration}_")[: limit // 2]
    return shortened(name, head, f"{integration}/{operation}", limit)


def shortened(name: str, head: str, key: str, limit: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:_DIGEST]
    budget = limit - len(head) - _DIGEST - 1
    words = _deduplicated(name[len(head) :].strip("_").split("_"))
    tail: list[str] = []
    for word in reversed(words):
        if len(word) + len(tail) + sum(map(len, tail)) > budget:
            break
        tail.insert(0, word)
    text = "_".join(tail) if tail else "_".join(words)[:budget]
    return f"{head}{text}_{digest}"


def _deduplicated(words: Iterable[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        if word and (not out or out[-1].lower() != word.lower()):
            out.append(word)
    return out


def unique_names(wanted: list[tuple[str, str]], limit: int = DEFAULT_MAX) -> list[str]:
    """Names for (wanted name, identity key) pairs; a later duplicate gets a suffix from its key
    (and a counter, should even that be taken)."""
    seen: set[str] = set()
    out: list[str] = []
    for name, key in wanted:
        final, attempt = name, 0
        while final in seen:
            attempt += 1
            final = shortened(name, "", f"{key}#{attempt}", min(limit, len(name) + _DIGEST + 1))
        seen.add(final)
        out.append(final)
    return out


def title(display_name: str, description: str, operation: str, name: str, full: str) -> str:
    """``Jira: Create an issue``; a shortened name adds the full one in parentheses."""
    summary = _summary(description) or humanized(operation)
    text = f"{display_name}: {summary}" if display_name else summary
    return f"{text} ({full})" if name != full else text


def _summary(description: str) -> str:
    first = _SENTENCE.split(description.strip().split("\n", 1)[0], maxsplit=1)[0].strip().rstrip(".")
    return first if len(first) <= TITLE_SUMMARY else first[: TITLE_SUMMARY - 1].rstrip() + "…"


def humanized(operation: str) -> str:
    """``createIssue`` / ``create_issue`` → ``Create issue``."""
    words = [w.lower() for w in _WORDS.findall(operation)] or [operation]
    return " ".join(words).capitalize()
