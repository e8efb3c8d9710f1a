"""A scripted browser for gestaltd's authorization pages: follows an authorization URL through
sign-in (the local provider's form, or an identity provider's redirects) and the consent page,
submits the forms as a person would, and stops at the redirect back to the client.

It reads the pages' forms with the standard HTML parser (hidden fields, ticked checkboxes, the
pressed button), so a test exercises exactly the HTML gestaltd serves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx

BROWSER_HEADERS = {"Accept": "text/html,application/xhtml+xml", "User-Agent": "test-browser"}


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    checkboxes: list[str] = field(default_factory=list)  # names of the scope boxes, in order


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif self.forms and tag == "input":
            kind = a.get("type", "text")
            if kind == "hidden" or (kind == "checkbox" and "checked" in a):
                self.forms[-1].fields.append((a["name"], a.get("value", "")))
            if kind == "checkbox":
                self.forms[-1].checkboxes.append(a.get("value", ""))
        elif self.forms and tag == "button" and "name" in a:
            self.forms[-1].buttons.append((a["name"], a.get("value", "")))


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@dataclass
class Visit:
    """What the browser saw: the pages it was shown, and where it was finally sent."""

    pages: list[httpx.Response] = field(default_factory=list)
    final: str = ""

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.final).query))


class OAuthBrowser:
    """``client`` keeps cookies across runs (stay signed in); ``decide`` picks the button and may
    untick scopes (it gets the consent form and returns the fields to post)."""

    def __init__(self, password: str = "", *, server: str = "", client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(timeout=20.0)
        self.client.headers.update(BROWSER_HEADERS)
        self.password = password
        self.server = server  # redirects outside it (the client's redirect URI) end the visit

    def authorize(self, url: str, decide: Callable[[Form], list[tuple[str, str]]] | None = None) -> Visit:
        self.server = self.server or f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
        with httpx.Client(headers=BROWSER_HEADERS, timeout=20.0) as outside:  # an identity provider
            return self._visit(url, outside, decide or allow)

    def _visit(
        self, url: str, outside: httpx.Client, decide: Callable[[Form], list[tuple[str, str]]]
    ) -> Visit:
        visit = Visit()
        reply = self.client.get(url, follow_redirects=False)
        for _ in range(12):
            visit.pages.append(reply)
            if reply.status_code in (302, 303):
                target = urljoin(str(reply.url), reply.headers["location"])
                if not self._ours_or_idp(target):
                    visit.final = target
                    return visit
                session = self.client if self._ours(target) else outside
                reply = session.get(target, follow_redirects=False)
            elif reply.status_code in (200, 401) and "<form" in reply.text:
                reply = self._submit(reply, decide)
            else:
                return visit
        raise AssertionError("too many steps in the authorization flow")

    def _ours(self, target: str) -> bool:
        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.netloc}" == self.server

    def _ours_or_idp(self, target: str) -> bool:
        # The client's redirect URIs in tests are loopback listeners on other paths.
        return self._ours(target) or "/authorize" in target or "/login" in target

    def _submit(
        self, reply: httpx.Response, decide: Callable[[Form], list[tuple[str, str]]]
    ) -> httpx.Response:
        (form,) = forms(reply.text)
        action = urljoin(str(reply.url), form.action)
        if form.buttons:  # the consent form
            data = decide(form)
        else:  # the sign-in form
            data = [*form.fields, *([("password", self.password)] if self.password else [])]
        page = urlsplit(str(reply.url))  # a browser says where a form post comes from
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"{page.scheme}://{page.netloc}",
        }
        return self.client.post(action, content=urlencode(data), headers=headers, follow_redirects=False)

    def close(self) -> None:
        self.client.close()


def allow(form: Form) -> list[tuple[str, str]]:
    return [*form.fields, ("decision", "allow")]


def deny(form: Form) -> list[tuple[str, str]]:
    return [*form.fields, ("decision", "deny")]


def only(*scopes: str) -> Callable[[Form], list[tuple[str, str]]]:
    """Untick every scope but these, then allow."""

    def choose(form: Form) -> list[tuple[str, str]]:
        kept = [(k, v) for k, v in form.fields if k != "scope" or v in scopes]
        return [*kept, ("decision", "allow")]

    return choose
