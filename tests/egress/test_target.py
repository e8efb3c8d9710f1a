"""Targets as the policy compares them: host normalised, effective port, path without the query,
decoded and with dot segments resolved."""

from __future__ import annotations

import pytest

from engine.egress.target import Target, path_segments


@pytest.mark.parametrize(
    ("url", "host", "port", "path"),
    [
        ("https://API.Example.com/v1/x?y=1#f", "api.example.com", 443, "/v1/x"),
        ("http://example.com", "example.com", 80, "/"),
        ("http://example.com?q", "example.com", 80, "/"),
        ("http://user:pw@example.com:8080/a", "example.com", 8080, "/a"),
        ("http://[::1]:9/a", "::1", 9, "/a"),
        ("https://[FD00:EC2::254]/latest", "fd00:ec2::254", 443, "/latest"),
        ("http://example.com./a", "example.com", 80, "/a"),
    ],
)
def test_of_url(url: str, host: str, port: int, path: str) -> None:
    target = Target.of_url("get", url)
    assert (target.method, target.host, target.port, target.path) == ("GET", host, port, path)


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("/", ()),
        ("/a//b/./c/", ("a", "b", "c")),
        ("/a/../../b", ("b",)),
        ("/%2e%2e/admin", ("admin",)),
        ("/x%2Fy", ("x", "y")),
        ("/caf%C3%A9", ("café",)),
    ],
)
def test_path_segments(path: str, segments: tuple[str, ...]) -> None:
    assert path_segments(path) == segments


def test_unknown_parts_stay_unknown() -> None:
    target = Target(None)
    assert (target.method, target.host, target.segments()) == (None, None, None)
