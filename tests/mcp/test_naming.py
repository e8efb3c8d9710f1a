"""Tool names within ``server.mcp.tool_name_max_length`` (64 by default), deterministic, stable,
never colliding, the full name in the title; titles for people (``engine.mcp.naming``)."""

from __future__ import annotations

import re

import pytest

from engine.mcp.catalogue import build_catalogue
from engine.mcp.naming import full_name, humanized, title, tool_name, unique_names
from tests.support.corpus import CORPUS, corpus_providers

NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def test_short_names_are_kept_and_long_ones_shortened_deterministically() -> None:
    assert tool_name("", "jira", "create_issue") == "jira_create_issue"
    assert tool_name("j_", "jira", "create issue") == "j_create_issue"
    long_op = "admin_admin_addressbook_api_docs_address_book_assignment_for_an_agent_v4"
    name = tool_name("", "nice_incontact", long_op)
    assert len(name) <= 64 and NAME.match(name)
    assert name.startswith("nice_incontact_") and "address_book_assignment_for_an_agent_v4" in name
    assert name == tool_name("", "nice_incontact", long_op)  # the same every time
    assert tool_name("", "nice_incontact", long_op + "_x") != name
    assert len(tool_name("", "nice_incontact", long_op, limit=32)) <= 32
    assert (
        tool_name("", "a", "x" * 200, limit=40).startswith("a_xxx")
        and len(tool_name("", "a", "x" * 200, 40)) == 40
    )


def test_duplicates_never_collide() -> None:
    names = unique_names(
        [("echo_ping", "echo/ping"), ("echo_ping", "echo2/ping"), ("echo_ping", "echo3/ping")]
    )
    assert len(set(names)) == 3 and names[0] == "echo_ping"
    assert names == unique_names(
        [("echo_ping", "echo/ping"), ("echo_ping", "echo2/ping"), ("echo_ping", "echo3/ping")]
    )


def test_titles_are_for_people() -> None:
    assert (
        humanized("createIssue") == "Create issue" and humanized("list_pull_requests") == "List pull requests"
    )
    assert title(
        "Jira", "Create a new issue. Then more.", "create_issue", "jira_create_issue", "jira_create_issue"
    ) == ("Jira: Create a new issue")
    assert title("Jira", "", "getIssue", "jira_getIssue", "jira_getIssue") == "Jira: Get issue"
    assert title("X", "Do it", "op", "x_op_1a2b3c", "x_" + "o" * 70).endswith("(x_" + "o" * 70 + ")")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_the_corpus_fits_64_characters_without_collisions() -> None:
    catalogue = build_catalogue(corpus_providers())
    names = [t.name for t in catalogue.all.tools]
    assert len(names) == len(set(names)) > 900
    assert all(len(n) <= 64 and NAME.match(n) for n in names)
    providers = corpus_providers()
    full = {
        t.name: full_name(providers[t.integration].mcp_tool_prefix, t.integration, t.operation)
        for t in catalogue.all.tools
    }
    shortened = [t for t in catalogue.all.tools if full[t.name] != t.name]
    assert len(shortened) > 100  # the corpus has many; each keeps its full name in the title
    assert all(t.definition["title"].endswith(f"({full[t.name]})") for t in shortened)
    again = build_catalogue(corpus_providers())  # stable across restarts: the same config, the same names
    assert [t.name for t in again.all.tools] == names
    wide = build_catalogue(corpus_providers(), limit=128)
    assert max(len(t.name) for t in wide.all.tools) > 64
