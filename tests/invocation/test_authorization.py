"""The compiled authorization policy: subjects by email, domain and token id; exact, glob and
annotation matches; connections; deny wins; the default; what listings may read."""

from __future__ import annotations

from engine.auth.principal import Principal
from engine.config.spec_authorization import AssignmentSpec, AuthorizationSpec, GrantSpec, SubjectSpec
from engine.invocation.authorization import DEFAULT_RULE, AuthorizationPolicy, CallTarget, Decision


def policy(default: str = "deny") -> AuthorizationPolicy:
    roles = {
        "reader": (GrantSpec(annotation="read_only"),),
        "deployer": (GrantSpec(integration="ci", operations=("deploy_*", "status"), connections=("prod",)),),
        "lister": (GrantSpec(integration="crm", actions=("read",)),),
        "careful": (GrantSpec(integration="ci", operations=("deploy_prod",), effect="deny"),),
    }
    assignments = (
        AssignmentSpec((SubjectSpec("domain", "Example.com"),), ("reader",)),
        AssignmentSpec(
            (SubjectSpec("email", "ops@example.com"), SubjectSpec("token", "tok1")), ("deployer",)
        ),
        AssignmentSpec((SubjectSpec("token", "tok1"),), ("careful", "lister")),
    )
    return AuthorizationPolicy(AuthorizationSpec(default, roles, assignments))


def call(
    op: str, read_only: bool = False, connection: str | None = "prod", integration: str = "ci"
) -> CallTarget:
    return CallTarget(integration, op, read_only, connection)


def test_subjects_by_email_domain_and_token() -> None:
    p = policy()
    assert p.roles_of(Principal(email="Ops@Example.com")) == {"reader", "deployer"}
    assert p.roles_of(Principal(email="bot@elsewhere.org", token_id="tok1")) == {
        "deployer",
        "careful",
        "lister",
    }
    assert p.roles_of(Principal(email="bot@elsewhere.org", token_id="tok2")) == frozenset()


def test_exact_glob_annotation_connection_and_the_default() -> None:
    p, ops = policy(), Principal(email="ops@example.com")
    assert p.decide(ops, call("deploy_staging")) == Decision(True, "authorization.roles.deployer[0]")
    assert p.decide(ops, call("status")).allowed
    assert p.decide(ops, call("deploy_staging", connection="dev")) == Decision(False, DEFAULT_RULE)
    assert p.decide(ops, call("rollback")) == Decision(False, DEFAULT_RULE)
    assert p.decide(ops, call("anything", read_only=True, integration="crm")) == Decision(
        True, "authorization.roles.reader[0]"
    )
    assert policy("allow").decide(Principal(email="x@y.org"), call("rollback")) == Decision(
        True, DEFAULT_RULE
    )


def test_a_deny_wins_whatever_the_order() -> None:
    bot = Principal(email="bot@elsewhere.org", token_id="tok1")
    p = policy()
    assert p.decide(bot, call("deploy_prod")) == Decision(False, "authorization.roles.careful[0]")
    assert p.decide(bot, call("deploy_staging")).allowed


def test_listings_read_what_a_grant_names_and_a_connection_limit_does_not_hide() -> None:
    p = policy()
    bot = p.permissions(Principal(email="bot@elsewhere.org", token_id="tok1"))
    assert bot.may_read("crm") and bot.may_read("ci") and not bot.may_read("mail")
    assert not bot.decide(call("anything", integration="crm")).allowed  # read only: not invoked
    assert bot.decide(call("deploy_staging", connection=None)).allowed
    assert not bot.decide(call("deploy_prod", connection=None)).allowed
    nobody = p.permissions(Principal(email="x@y.org"))
    assert not nobody.may_read("ci")


def test_callers_with_the_same_roles_share_their_decisions() -> None:
    p = policy()
    a, b = Principal(email="a@example.com"), Principal(email="b@example.com")
    assert p.permissions(a) is p.permissions(b)
