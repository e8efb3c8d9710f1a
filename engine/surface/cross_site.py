"""Cross-site request forgery: whether a browser may have sent a request from another site.

A request proves where it comes from with ``Origin`` (sent by browsers on every POST and DELETE)
or ``Sec-Fetch-Site`` (sent on everything, navigations included, to https and localhost). Either
one decides; a request with neither is a non-browser client (curl, SDKs) or an old browser, and is
refused only when it carries cookies, which only a browser adds on its own. A caller sending an
``Authorization`` header is never a forgery: a page cannot add that header to a cross-site request
(that needs CORS, which is off), so bearer-token callers pass untouched.

Forms of the server-rendered UI carry their own token as a second check inside their routes; a
same-origin form POST passes this rule (its ``Origin`` is this server), so the token never has to
stand in for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from engine.errors import CrossSiteRequest, GestaltError, OriginNotAllowed, UnsupportedMediaType
from engine.surface.hosts import AllowedHosts, Bind

_SAME_SITE_VALUES = frozenset({"same-origin", "none"})  # none: typed, bookmarked, not a page


class Verdict(Enum):
    SAME = "same-origin"  # this server's page, an allowed origin, or the user's own navigation
    CROSS = "cross-site"
    UNKNOWN = "no browser signals"


@dataclass(frozen=True, slots=True)
class Signals:
    """What a request says about its sender, read from raw ASGI headers in one pass."""

    origin: str = ""
    fetch_site: str = ""
    cookie: bool = False
    authorization: bool = False
    content_type: str = ""

    @classmethod
    def of(cls, headers: Iterable[tuple[bytes, bytes]]) -> Signals:
        found: dict[bytes, str] = {}
        for name, value in headers:
            if name in _READ and name not in found:
                found[name] = value.decode("latin-1")
        return cls(
            origin=found.get(b"origin", ""),
            fetch_site=found.get(b"sec-fetch-site", "").strip().lower(),
            cookie=bool(found.get(b"cookie")),
            authorization=bool(found.get(b"authorization")),
            content_type=found.get(b"content-type", "").partition(";")[0].strip().lower(),
        )

    @property
    def from_browser(self) -> bool:
        return bool(self.origin or self.fetch_site or self.cookie)

    @property
    def from_page(self) -> bool:
        """Sent by a browser page (its ``fetch`` or form), which says so; scripts do not."""
        return bool(self.origin or self.fetch_site)


_READ = frozenset({b"origin", b"sec-fetch-site", b"cookie", b"authorization", b"content-type"})


def verdict(signals: Signals, hosts: AllowedHosts, bind: Bind) -> Verdict:
    if signals.origin:
        return Verdict.SAME if hosts.origin_allowed(signals.origin, bind) else Verdict.CROSS
    if signals.fetch_site:
        return Verdict.SAME if signals.fetch_site in _SAME_SITE_VALUES else Verdict.CROSS
    return Verdict.UNKNOWN


def refusal(signals: Signals, hosts: AllowedHosts, bind: Bind) -> GestaltError | None:
    """Why a state-changing request must be refused (a foreign ``Origin``, a cross-site fetch, or
    cookies with no word on where they come from), or ``None``."""
    if signals.authorization:
        return None
    found = verdict(signals, hosts, bind)
    if found is Verdict.CROSS:
        return OriginNotAllowed() if signals.origin else CrossSiteRequest()
    if found is Verdict.UNKNOWN and signals.cookie:
        return CrossSiteRequest()
    return None


def require_json(headers: Iterable[tuple[bytes, bytes]]) -> None:
    """415 unless a browser's body is declared JSON. A form or ``text/plain`` body is what a
    cross-site page can send without asking; a client that sends no browser signals at all (curl's
    ``-d`` says ``application/x-www-form-urlencoded``) or an ``Authorization`` header is left be."""
    signals = Signals.of(headers)
    if signals.content_type == "application/json" or signals.authorization:
        return
    if signals.from_browser:
        raise UnsupportedMediaType()
