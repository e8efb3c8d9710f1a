"""Whether a state-changing request may be a forgery, from what the request itself says."""

from __future__ import annotations

import pytest

from engine.config.spec import ServerSpec
from engine.errors import CrossSiteRequest, GestaltError, OriginNotAllowed, UnsupportedMediaType
from engine.surface.cross_site import Signals, Verdict, refusal, require_json, verdict
from engine.surface.hosts import AllowedHosts, bind_of

HOSTS = AllowedHosts.from_server(ServerSpec(allowed_origins=("https://portal.example.com",)))
BIND = bind_of(("127.0.0.1", 8080))


def signals(**headers: str) -> Signals:
    return Signals.of([(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()])


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"origin": "http://localhost:8080"}, Verdict.SAME),
        ({"origin": "https://portal.example.com", "sec_fetch_site": "cross-site"}, Verdict.SAME),
        ({"origin": "http://localhost:3000", "sec_fetch_site": "same-site"}, Verdict.CROSS),
        ({"origin": "null"}, Verdict.CROSS),
        ({"sec_fetch_site": "same-origin"}, Verdict.SAME),
        ({"sec_fetch_site": "none"}, Verdict.SAME),  # typed into the address bar
        ({"sec_fetch_site": "same-site"}, Verdict.CROSS),
        ({"sec_fetch_site": "cross-site"}, Verdict.CROSS),
        ({}, Verdict.UNKNOWN),
    ],
)
def test_verdict(headers: dict[str, str], expected: Verdict) -> None:
    assert verdict(signals(**headers), HOSTS, BIND) is expected


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"cookie": "session_token=x", "sec_fetch_site": "cross-site"}, CrossSiteRequest),
        ({"cookie": "session_token=x"}, CrossSiteRequest),  # cookies, no word on where from
        ({"cookie": "session_token=x", "origin": "http://localhost:3000"}, OriginNotAllowed),
        ({"cookie": "session_token=x", "origin": "http://localhost:8080"}, None),
        ({"sec_fetch_site": "cross-site"}, CrossSiteRequest),  # auth none: the page is the risk
        ({}, None),  # curl
        ({"authorization": "Bearer t", "cookie": "session_token=x", "origin": "http://evil"}, None),
    ],
)
def test_refusal(headers: dict[str, str], refused: type[GestaltError] | None) -> None:
    found = refusal(signals(**headers), HOSTS, BIND)
    assert (type(found) if found is not None else None) is refused


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"content_type": "application/json; charset=utf-8", "cookie": "a=b"}, False),
        ({"content_type": "application/x-www-form-urlencoded"}, False),  # curl -d
        ({}, False),
        ({"content_type": "text/plain", "origin": "http://localhost:8080"}, True),
        ({"content_type": "application/x-www-form-urlencoded", "cookie": "session_token=x"}, True),
        ({"sec_fetch_site": "same-origin"}, True),
        ({"content_type": "text/plain", "authorization": "Bearer t"}, False),
    ],
)
def test_require_json(headers: dict[str, str], refused: bool) -> None:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    if refused:
        with pytest.raises(UnsupportedMediaType):
            require_json(raw)
    else:
        require_json(raw)
