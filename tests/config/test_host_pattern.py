"""Host patterns: exact names and addresses with an optional port, ``*.`` suffixes, nothing else."""

from __future__ import annotations

import pytest

from engine.config.host_pattern import HostPattern, normal_host, parse_host_pattern


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("api.github.com", HostPattern("api.github.com")),
        ("API.GitHub.com.", HostPattern("api.github.com")),
        ("api.example.com:8443", HostPattern("api.example.com", 8443)),
        ("*.googleapis.com", HostPattern(".googleapis.com", suffix=True)),
        ("169.254.169.254", HostPattern("169.254.169.254")),
        ("[::1]:8080", HostPattern("::1", 8080)),
        ("fd00:ec2::254", HostPattern("fd00:ec2::254")),
        ("[FD00:EC2:0::254]", HostPattern("fd00:ec2::254")),
    ],
)
def test_parsed(text: str, pattern: HostPattern) -> None:
    assert parse_host_pattern(text) == pattern


@pytest.mark.parametrize(
    "text", ["https://x.test", "x.test/api", "10.0.0.0/8", "*", "a.*.test", "x.test:0", "x.test:http",
             "bad_-.", "-x.test", "[::1", "[zz]:80", "x test"],
)  # fmt: skip
def test_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_host_pattern(text)


def test_matching() -> None:
    suffix = parse_host_pattern("*.example.com")
    assert suffix.matches("a.example.com", 443) and suffix.matches("a.b.example.com", 80)
    assert not suffix.matches("example.com", 443) and not suffix.matches("badexample.com", 443)
    ported = parse_host_pattern("example.com:8443")
    assert ported.matches("example.com", 8443) and not ported.matches("example.com", 443)
    assert parse_host_pattern("example.com").matches("example.com", 8443)
    assert normal_host("[FD00:EC2::254]") == "fd00:ec2::254"
    assert normal_host("Example.COM.") == "example.com"
