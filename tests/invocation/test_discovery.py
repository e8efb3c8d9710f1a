"""Discovery answers → candidates: dotted paths, ids, labels, params, and the value checks."""

from __future__ import annotations

import pytest

from engine.config.spec import DiscoverySpec
from engine.errors import InvalidDiscoveredValue
from engine.invocation.discovery import MAX_CANDIDATES, Candidate, candidates_in, value_at


def test_value_at_walks_objects_and_list_indexes() -> None:
    doc = {"a": {"b": [{"c": "x"}, {"c": "y"}]}}
    assert value_at(doc, "a.b.1.c") == "y"
    assert value_at(doc, "") is doc
    assert value_at(doc, "a.missing.c") is None
    assert value_at(doc, "a.b.9") is None


def test_candidates_from_a_nested_list() -> None:
    spec = DiscoverySpec("u", items_path="data.sites", params={"cloud_id": "id", "region": "meta.region"})
    doc = {
        "data": {
            "sites": [{"id": "s1", "name": "One", "meta": {"region": "eu"}}, {"id": 7}, {"name": "no id"}]
        }
    }
    assert candidates_in(spec, doc) == [
        Candidate("s1", "One", {"cloud_id": "s1", "region": "eu"}),
        Candidate("7", "7", {"cloud_id": "7", "region": ""}),
    ]


def test_answers_without_a_list_are_rejected_and_long_lists_capped() -> None:
    with pytest.raises(ValueError):
        candidates_in(DiscoverySpec("u"), {"id": "x"})
    many = [{"id": f"s{i}"} for i in range(MAX_CANDIDATES + 5)]
    assert len(candidates_in(DiscoverySpec("u"), many)) == MAX_CANDIDATES


@pytest.mark.parametrize(
    ("params", "bad"),
    [({"k": "a b"}, "k"), ({"k": ""}, "k"), ({"k": "<x>"}, "k"), ({"bad key": "v"}, "bad key")],
)
def test_checked_params(params: dict[str, str], bad: str) -> None:
    assert Candidate("i", "l", {"site": "https://a.example/x:1"}).checked_params() == {
        "site": "https://a.example/x:1"
    }
    with pytest.raises(InvalidDiscoveredValue) as caught:
        Candidate("i", "l", params).checked_params()
    assert caught.value.public_message == f'discovery returned invalid key or value for "{bad}"'
