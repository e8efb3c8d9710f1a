"""The egress policy: first match wins, the default action, every match field, the check before
credentials with parts unknown, and credential grants read from a real secrets provider only for
requests the policy allowed."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from engine.config.spec import EgressCredentialSpec, EgressRuleSpec, EgressSpec
from engine.egress.context import Decision, EgressContext, EgressTrace, Subject, system
from engine.egress.policy import EgressPolicy
from engine.egress.request import OutboundRequest
from engine.egress.target import Target
from engine.errors import EgressCredentialUnavailable, EgressPolicyDenied
from engine.secrets import EnvSecrets, FileSecrets

ALICE = EgressContext(Subject("user", "alice"), "github", "list_repos")


def policy(*rules: EgressRuleSpec, default: str = "allow", grants: tuple[EgressCredentialSpec, ...] = (),
           secrets: object = None) -> EgressPolicy:  # fmt: skip
    spec = EgressSpec(default, tuple(rules), grants)
    built = EgressPolicy.from_spec(spec, secrets or EnvSecrets({}))  # type: ignore[arg-type]
    assert built is not None
    return built


def decide(p: EgressPolicy, url: str, method: str = "GET", context: EgressContext = ALICE) -> str:
    return p.decide(context, Target.of_url(method, url)).rule


def test_nothing_configured_is_no_policy_at_all() -> None:
    assert EgressPolicy.from_spec(EgressSpec(), EnvSecrets({})) is None
    assert EgressPolicy.from_spec(EgressSpec(default_action="deny"), EnvSecrets({})) is not None


def test_the_first_matching_rule_decides_else_the_default() -> None:
    p = policy(
        EgressRuleSpec(action="deny", method="delete"),
        EgressRuleSpec(action="allow", host="api.github.com"),
        EgressRuleSpec(action="deny", host="api.github.com", path_prefix="/admin"),
        default="deny",
    )
    assert decide(p, "https://api.github.com/admin", "DELETE") == "egress.policies[0]"
    assert decide(p, "https://api.github.com/admin") == "egress.policies[1]"  # allow came first
    assert decide(p, "https://example.com/") == "egress.default_action"
    assert not p.decide(ALICE, Target.of_url("GET", "https://example.com/")).allowed


@pytest.mark.parametrize(
    ("rule", "context", "url", "matches"),
    [
        (EgressRuleSpec(subject_kind="user"), ALICE, "https://x.test/", True),
        (EgressRuleSpec(subject_kind="system"), ALICE, "https://x.test/", False),
        (EgressRuleSpec(subject_id="alice"), ALICE, "https://x.test/", True),
        (EgressRuleSpec(subject_id="bob"), ALICE, "https://x.test/", False),
        (EgressRuleSpec(provider="github"), ALICE, "https://x.test/", True),
        (EgressRuleSpec(provider="github"), system("documents"), "https://x.test/", False),
        (EgressRuleSpec(operation="list_repos"), ALICE, "https://x.test/", True),
        (EgressRuleSpec(operation="delete_repo"), ALICE, "https://x.test/", False),
        (EgressRuleSpec(method="get"), ALICE, "https://x.test/", True),
        (EgressRuleSpec(host="X.test"), ALICE, "https://x.test:8443/", True),
        (EgressRuleSpec(host="x.test:443"), ALICE, "https://x.test/", True),
        (EgressRuleSpec(host="x.test:443"), ALICE, "http://x.test/", False),
        (EgressRuleSpec(host="*.x.test"), ALICE, "https://a.b.x.test/", True),
        (EgressRuleSpec(host="*.x.test"), ALICE, "https://x.test/", False),
        (EgressRuleSpec(host="[::1]"), ALICE, "http://[::1]:8080/", True),
        (EgressRuleSpec(path_prefix="/repos"), ALICE, "https://x.test/repos", True),
        (EgressRuleSpec(path_prefix="/repos/"), ALICE, "https://x.test/repos/1?page=2", True),
        (EgressRuleSpec(path_prefix="/repos"), ALICE, "https://x.test/repository", False),
        (EgressRuleSpec(path_prefix="/"), ALICE, "https://x.test", True),
        (EgressRuleSpec(path_prefix="/admin"), ALICE, "https://x.test/public/../admin/x", True),
        (EgressRuleSpec(path_prefix="/admin"), ALICE, "https://x.test/%61dmin", True),
        (EgressRuleSpec(path_prefix="/admin"), ALICE, "https://x.test/a%2F..%2Fadmin", True),
        (EgressRuleSpec(path_prefix="/repos"), ALICE, "https://x.test/repos/../admin", False),
    ],
)
def test_each_match_field(rule: EgressRuleSpec, context: EgressContext, url: str, matches: bool) -> None:
    p = policy(dataclasses.replace(rule, action="deny"))
    assert (decide(p, url, context=context) == "egress.policies[0]") is matches


def test_the_check_before_credentials_acts_only_on_a_definite_answer() -> None:
    p = policy(
        EgressRuleSpec(action="allow", provider="other"),
        EgressRuleSpec(action="deny", host="tenant.x.test"),
        EgressRuleSpec(action="allow", provider="github"),
    )
    unknown_host = Target("GET")
    assert p.precheck(ALICE, unknown_host) is None  # rule 1 needs the host
    denied = p.precheck(ALICE, Target.of_url("GET", "https://tenant.x.test/a"))
    assert denied == Decision(False, "egress.policies[1]")
    deny_first = policy(EgressRuleSpec(action="deny", provider="github"), EgressRuleSpec(action="allow"))
    assert deny_first.precheck(ALICE, unknown_host) == Decision(False, "egress.policies[0]")
    assert policy(default="deny").precheck(ALICE, unknown_host) == Decision(False, "egress.default_action")


def test_a_denied_request_says_its_method_and_path_without_the_query() -> None:
    p = policy(default="deny")
    trace = EgressTrace()
    url = "https://x.test/v1/items?api_key=s3cret"
    request = OutboundRequest("GET", url, context=EgressContext(trace=trace))
    with pytest.raises(EgressPolicyDenied) as info:
        p.admit(request)
    assert (info.value.status, info.value.public_message) == (403, "egress denied by policy: GET /v1/items")
    assert trace.decision == Decision(False, "egress.default_action")


def test_token_endpoints_are_exempt() -> None:
    from engine.egress.context import TOKEN_ENDPOINT

    request = OutboundRequest("POST", "https://idp.test/token", context=TOKEN_ENDPOINT)
    policy(default="deny").admit(request)
    assert request.decision is None


def test_an_allow_rule_naming_the_host_is_what_reaches_link_local() -> None:
    p = policy(EgressRuleSpec(action="allow", host="169.254.169.254"), EgressRuleSpec(action="allow"))
    named = OutboundRequest("GET", "http://169.254.169.254/latest")
    p.admit(named)
    assert named.decision is not None and named.decision.names_host
    other = OutboundRequest("GET", "http://metadata.test/latest")
    p.admit(other)
    assert other.decision is not None and other.decision.allowed and not other.decision.names_host
    wildcard = policy(EgressRuleSpec(action="allow", host="*.test"))
    under = OutboundRequest("GET", "http://metadata.test/latest")
    wildcard.admit(under)
    assert under.decision is not None and under.decision.allowed and not under.decision.names_host


def grant(**fields: Any) -> EgressCredentialSpec:
    return dataclasses.replace(EgressCredentialSpec(secret_ref="secret://token", host="api.test"), **fields)


@pytest.mark.parametrize(
    ("fields", "header", "value"),
    [
        ({}, "Authorization", "Bearer s3cret"),
        ({"auth_style": "basic"}, "Authorization", "Basic " + base64.b64encode(b"s3cret:").decode()),
        ({"auth_style": "raw"}, "Authorization", "s3cret"),
        ({"auth_style": "raw", "header": "X-Api-Key"}, "X-Api-Key", "s3cret"),
    ],
)
def test_a_grant_puts_its_secret_in_the_request(fields: dict[str, str], header: str, value: str,
                                               tmp_path: Path) -> None:  # fmt: skip
    (tmp_path / "token").write_text("s3cret\n")
    p = policy(grants=(grant(**fields),), secrets=FileSecrets(tmp_path))
    request = OutboundRequest("GET", "https://api.test/x", {"authorization": "Bearer static"})
    p.admit(request)
    assert request.headers[header] == value
    if header == "Authorization":
        assert "authorization" not in request.headers  # replaced, not doubled


def test_basic_takes_user_and_password_as_given(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("bot:pa:ss")
    p = policy(grants=(grant(auth_style="basic"),), secrets=FileSecrets(tmp_path))
    request = OutboundRequest("GET", "https://api.test/")
    p.admit(request)
    assert base64.b64decode(request.headers["Authorization"].split()[1]) == b"bot:pa:ss"


def test_the_first_matching_grant_decides_and_none_means_no_grant(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret")
    grants = (
        EgressCredentialSpec(auth_style="none", host="api.test", path_prefix="/public"),
        grant(),
    )
    p = policy(grants=grants, secrets=FileSecrets(tmp_path))
    public = OutboundRequest("GET", "https://api.test/public/x")
    p.admit(public)
    assert public.headers == {}
    other_host = OutboundRequest("GET", "https://other.test/")
    p.admit(other_host)
    assert other_host.headers == {}


def test_a_request_with_its_own_credential_gets_no_grant(tmp_path: Path) -> None:
    p = policy(grants=(grant(),), secrets=FileSecrets(tmp_path))  # the file does not exist
    own = OutboundRequest("GET", "https://api.test/", {"Authorization": "Bearer mine"},
                          context=EgressContext().with_credential(True))  # fmt: skip
    p.admit(own)
    assert own.headers == {"Authorization": "Bearer mine"}


def test_a_grant_secret_is_read_per_request_and_never_for_a_denied_one(tmp_path: Path) -> None:
    p = policy(EgressRuleSpec(action="deny", path_prefix="/admin"), grants=(grant(),),
               secrets=FileSecrets(tmp_path))  # fmt: skip
    with pytest.raises(EgressPolicyDenied):  # the absent secret is never looked at
        p.admit(OutboundRequest("GET", "https://api.test/admin"))
    with pytest.raises(EgressCredentialUnavailable) as info:
        p.admit(OutboundRequest("GET", "https://api.test/x"))
    assert (info.value.status, info.value.public_message) == (
        502,
        "egress credential unavailable: egress.credentials[0]",
    )
    (tmp_path / "token").write_text("first")
    first = OutboundRequest("GET", "https://api.test/x")
    p.admit(first)
    (tmp_path / "token").write_text("rotated")
    second = OutboundRequest("GET", "https://api.test/x")
    p.admit(second)
    sent = (first.headers["Authorization"], second.headers["Authorization"])
    assert sent == ("Bearer first", "Bearer rotated")
