"""Ranked tool search (``engine.mcp.tool_search``), and its quality on the shared corpus: recall@5
over a labelled set of agent-style queries (``tests/fixtures/tool_search/queries.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.mcp.catalogue import Tool, ToolSet, build_catalogue
from engine.mcp.tool_search import index_of, search, stem, words
from tests.support.corpus import CORPUS, corpus_providers

QUERIES = json.loads((Path(__file__).parents[1] / "fixtures/tool_search/queries.json").read_text())["queries"]
RECALL_AT_5_FLOOR = 0.9


def tool(name: str, description: str = "", params: tuple[str, ...] = ()) -> Tool:
    schema = {"type": "object", "properties": {p: {"type": "string"} for p in params}}
    integration, _, operation = name.partition("_")
    definition = {"name": name, "description": description, "inputSchema": schema}
    return Tool(name, integration, operation, definition)


def test_words_meet_across_spellings() -> None:
    assert words("createIssue") == words("create issues") == words("create_issue") == ["create", "issue"]
    assert words("listPullRequests v2 of the API") == ["list", "pull", "request"]
    assert [stem(w) for w in ("class", "queries", "branches", "status", "runs")] == [
        "class", "query", "branch", "status", "run",
    ]  # fmt: skip


def test_names_and_descriptions_rank_and_ties_are_stable() -> None:
    tools = [
        tool("jira_create_issue", "Create a new issue"),
        tool("jira_get_issue", "Get an issue by key", ("issue_key",)),
        tool("slack_post_message", "Post a message to a channel", ("channel",)),
        tool("github_create_issue", "Create a new issue"),
    ]
    ranked = [t.name for t, _ in search(tools, "add a ticket", 5)]  # synonyms: add → create, ticket → issue
    assert ranked[:2] == ["github_create_issue", "jira_create_issue"]  # a tie, by name
    assert [t.name for t, _ in search(tools, "message channel", 1)] == ["slack_post_message"]
    assert search(tools, "   ", 5) == [] and search(tools, "zzz", 5) == []
    index = index_of(ToolSet(tools))
    only_jira = index.search("issue", 5, keep=lambda t: t.integration == "jira")
    assert {t.integration for t, _ in only_jira} == {"jira"}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_recall_at_5_on_the_corpus() -> None:
    catalogue = build_catalogue(corpus_providers())
    names = set(catalogue.by_name)
    for q in QUERIES:  # every label names a real tool of the corpus
        assert set(q["expected"]) & names, q
    index = index_of(catalogue.all)
    found = [q for q in QUERIES if {t.name for t, _ in index.search(q["query"], 5)} & set(q["expected"])]
    recall = len(found) / len(QUERIES)
    print(f"recall@5 = {len(found)}/{len(QUERIES)} = {recall:.3f} over {len(catalogue.all.tools)} tools")
    assert recall >= RECALL_AT_5_FLOOR
