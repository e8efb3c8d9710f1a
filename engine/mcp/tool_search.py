"""Ranked text search over tools, for catalogues too large to list (``server.mcp.tools: search``).

BM25 over each tool's words, weighted by where they occur: the tool and operation name (3), the
title and the integration's name (2), the description and the parameter names (1). Words are
split at case changes, digits and punctuation, lower-cased and made singular, so
``createIssue``, "create issues" and ``create_issue`` meet. A few verbs are widened
at query time to their usual synonyms (add → create, remove → delete, …), at half weight. A
tool's weighted words are computed once and kept on the tool.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from engine.mcp.catalogue import Tool, ToolSet

K1, B = 1.2, 0.75
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "by",
        "and",
        "or",
        "with",
        "from",
        "is",
        "my",
        "me",
        "all",
        "api",
        "v1",
        "v2",
        "v3",
        "v4",
    }
)
_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "add": ("create", "new", "insert"), "create": ("add", "new", "post"), "make": ("create",),
    "remove": ("delete",), "delete": ("remove",), "erase": ("delete",),
    "edit": ("update",), "change": ("update",), "modify": ("update",), "update": ("edit", "patch"),
    "find": ("search", "list", "get"), "search": ("find", "list", "query"), "lookup": ("get", "find"),
    "show": ("get", "list"), "fetch": ("get",), "retrieve": ("get",), "read": ("get",), "get": ("fetch",),
    "send": ("post", "create"), "post": ("send", "create"), "message": ("chat",), "ticket": ("issue",),
    "issue": ("ticket",), "file": ("document", "object"), "doc": ("document",), "user": ("member", "people"),
    "people": ("user",), "member": ("user",), "job": ("run",), "run": ("job", "execute"),
}  # fmt: skip
_WEIGHTS = (("name", 3.0), ("title", 2.0), ("integration", 2.0), ("description", 1.0), ("params", 1.0))


def words(text: str) -> list[str]:
    return [stem(w) for w in (m.lower() for m in _WORDS.findall(text)) if len(w) > 1 and w not in _STOP]


def stem(word: str) -> str:
    """Plurals to their singular (``issues``, ``queries``, ``branches``); nothing else."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def bag(tool: Tool) -> Mapping[str, float]:
    """The tool's weighted word counts (computed once per tool)."""
    if not tool.search_words:
        fields = _fields(tool)
        counts: dict[str, float] = {}
        for field, weight in _WEIGHTS:
            for word in words(fields[field]):
                counts[word] = counts.get(word, 0.0) + weight
        tool.search_words.update(counts)
    return tool.search_words


def _fields(tool: Tool) -> dict[str, str]:
    d = tool.definition
    schema = d.get("inputSchema") or {}
    params = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    return {
        "name": f"{tool.name} {tool.operation}",
        "title": str(d.get("title", "")),
        "integration": tool.integration.replace("_", " "),
        "description": str(d.get("description", ""))[:2000],
        "params": " ".join(params) if isinstance(params, Mapping) else "",
    }


class Index:
    """Postings of a tool set's words, built once per set (the catalogue's views are kept)."""

    def __init__(self, tools: Sequence[Tool]) -> None:
        self.tools = list(tools)
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.lengths: list[float] = []
        for position, tool in enumerate(self.tools):
            words_of = bag(tool)
            self.lengths.append(sum(words_of.values()))
            for word, tf in words_of.items():
                self.postings.setdefault(word, []).append((position, tf))
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0

    def search(
        self, query: str, limit: int, keep: Callable[[Tool], bool] | None = None
    ) -> list[tuple[Tool, float]]:
        """The ``limit`` best tools for ``query`` (that ``keep`` accepts), best first, ties by name."""
        total = len(self.tools)
        scores: dict[int, float] = {}
        for term, weight in _query_terms(query).items():
            posting = self.postings.get(term, ())
            if not posting:
                continue
            idf = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for position, tf in posting:
                gain = weight * idf * _saturated(tf, self.lengths[position], self.average)
                scores[position] = scores.get(position, 0.0) + gain
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self.tools[item[0]].name))
        hits = ((self.tools[i], score) for i, score in ranked)
        return [hit for hit in hits if keep is None or keep(hit[0])][:limit]


def index_of(tools: ToolSet) -> Index:
    """The set's index, built on its first search and kept with it."""
    if not isinstance(tools.search_index, Index):
        tools.search_index = Index(tools.tools)
    return tools.search_index


def search(tools: Sequence[Tool], query: str, limit: int) -> list[tuple[Tool, float]]:
    """The ``limit`` best tools for ``query``, best first (ties by name); none for an empty query."""
    return Index(tools).search(query, limit)


def _query_terms(query: str) -> dict[str, float]:
    terms: dict[str, float] = {}
    for word in words(query):
        terms[word] = 1.0
    for raw in (m.lower() for m in _WORDS.findall(query)):
        for synonym in _SYNONYMS.get(raw, ()):
            terms.setdefault(stem(synonym), 0.5)
    return terms


def _saturated(tf: float, length: float, average: float) -> float:
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average)) if tf else 0.0


def summary(tool: Tool, connected: bool) -> dict[str, Any]:
    """One search hit: what an agent needs to pick a tool (describe_tool gives the rest)."""
    d = tool.definition
    out: dict[str, Any] = {"name": tool.name, "title": d.get("title", tool.name)}
    description = str(d.get("description", ""))
    if description:
        out["description"] = description if len(description) <= 300 else description[:299] + "…"
    out["integration"] = tool.integration
    out["connected"] = connected
    return out
