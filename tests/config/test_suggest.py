"""Near-match hints for misspelt names."""

from __future__ import annotations

from engine.config.suggest import closest, did_you_mean


def test_closest_ignores_case_and_finds_small_misspellings() -> None:
    assert closest("API_KEY", ["api_key", "app_key"]) == "api_key"
    assert closest("appkey", ["api_key", "app_key"]) == "app_key"
    assert closest("region", ["api_key", "app_key"]) is None


def test_did_you_mean_is_empty_without_a_match() -> None:
    assert did_you_mean("apikey", ["api_key"]) == ' (did you mean "api_key"?)'
    assert did_you_mean("zzz", ["api_key"]) == ""
