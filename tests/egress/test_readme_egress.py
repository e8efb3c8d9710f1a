"""The README's Egress example, as written: it loads (with the integration it names), and the
policy built from it decides and injects what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from engine.bootstrap import egress_policy, load_config
from engine.egress.context import EgressContext, Subject, system
from engine.egress.policy import EgressPolicy
from engine.egress.request import OutboundRequest
from engine.errors import EgressPolicyDenied

README = Path(__file__).resolve().parents[2] / "README.md"
GITHUB = {"plugin": {"base_url": "https://api.github.com", "operations": [
    {"name": "list_issues", "method": "GET", "path": "/repos/{repo}/issues"},
]}}  # fmt: skip


def readme_example() -> str:
    section = README.read_text(encoding="utf-8").split("## Egress\n", 1)[1]
    found = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def load_example(tmp_path: Path) -> EgressPolicy:
    config = yaml.safe_load(readme_example())
    config.update(
        {"integrations": {"github": GITHUB}, "secrets": {"provider": "file", "config": {"dir": "s"}}}
    )
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "internal-token").write_text("t-internal\n")
    (tmp_path / "s" / "metrics-key").write_text("k-metrics\n")
    path = tmp_path / "gestalt.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    policy = egress_policy(load_config(path))
    assert policy is not None
    return policy


def admitted(policy: EgressPolicy, method: str, url: str, context: EgressContext) -> OutboundRequest | str:
    request = OutboundRequest(method, url, context=context)
    try:
        policy.admit(request)
    except EgressPolicyDenied as exc:
        return exc.public_message
    assert request.decision is not None
    return request


def test_the_readme_example_decides_and_grants_as_documented(tmp_path: Path) -> None:
    policy = load_example(tmp_path)
    user = Subject("user", "u1")
    github = EgressContext(user, "github", "list_issues")
    issues = admitted(policy, "GET", "https://api.github.com/repos/a/b/issues", github)
    assert isinstance(issues, OutboundRequest) and issues.decision is not None
    assert issues.decision.rule == "egress.policies[1]" and issues.headers == {}
    delete = admitted(policy, "DELETE", "https://api.github.com/repos/a/b", EgressContext(user, "github"))
    assert delete == "egress denied by policy: DELETE /repos/a/b"
    docs = admitted(
        policy, "GET", "https://raw.githubusercontent.com/o/r/main/openapi.yaml", system("documents")
    )
    assert isinstance(docs, OutboundRequest)
    internal = admitted(
        policy, "POST", "https://billing.internal.example.com/v1/charges", EgressContext(user)
    )
    assert isinstance(internal, OutboundRequest) and internal.headers == {
        "Authorization": "Bearer t-internal"
    }
    metrics = admitted(policy, "GET", "https://metrics.internal.example.com/v1/q", EgressContext(user))
    assert isinstance(metrics, OutboundRequest) and metrics.headers == {"X-Api-Key": "k-metrics"}
    outside = admitted(policy, "GET", "https://billing.internal.example.com/admin", EgressContext(user))
    assert outside == "egress denied by policy: GET /admin"
    assert (
        admitted(policy, "GET", "https://example.com/", EgressContext(user))
        == "egress denied by policy: GET /"
    )
