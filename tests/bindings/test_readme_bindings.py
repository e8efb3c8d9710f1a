"""The README's webhook example, as written, is the shipped ``bindings.d/github-notes.yaml`` and
files a GitHub issue delivery as a note against a real upstream."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.bootstrap import build_gateway, build_runtime, load_config
from engine.egress.client import default_client
from engine.egress.limits import Limits
from tests.bindings.webhooks import body, hex_hmac
from tests.support.app_client import app_client
from tests.support.configs import write_config
from tests.support.readme import readme_yaml
from tests.support.upstream import Upstream

REPO = Path(__file__).resolve().parents[2]


def test_the_readme_example_is_the_shipped_file() -> None:
    shipped = yaml.safe_load((REPO / "bindings.d" / "github-notes.yaml").read_text())
    example = readme_yaml("signature_scheme: github")
    assert example["config"].pop("signing_secret") == "secret://GITHUB_WEBHOOK_SECRET"
    assert shipped["config"].pop("signing_secret") == "dev-webhook-secret"
    assert example == shipped


def test_the_readme_example_files_an_issue_as_a_note(
    tmp_path: Path, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "s3cret")
    upstream.reply("/posts", 201, {"id": 101})
    notes = yaml.safe_load((REPO / "providers.d" / "notes.yaml").read_text())
    notes["plugin"]["base_url"] = upstream.url
    path = write_config(tmp_path, {"notes": notes})
    (tmp_path / "bindings.d").mkdir()
    (tmp_path / "bindings.d" / "github-notes.yaml").write_text(
        yaml.safe_dump(readme_yaml("signature_scheme: github"))
    )
    with app_client(
        build_gateway(build_runtime(load_config(path), default_client(Limits(timeout=2.0))))
    ) as client:
        raw = body(action="opened", issue={"title": "Crash on start"}, sender={"id": 42})
        headers = {"X-Hub-Signature-256": "sha256=" + hex_hmac("s3cret", raw), "X-GitHub-Delivery": "abc-1"}
        response = client.post("/api/v1/bindings/github-notes/github", content=raw, headers=headers)
        assert (response.status_code, response.json()) == (201, {"id": 101})
    sent = upstream.last().json()
    assert (sent["title"], sent["userId"]) == ("Crash on start", 42)


def test_the_readme_proxy_example_forwards_to_the_named_host(tmp_path: Path, upstream: Upstream) -> None:
    upstream.reply("/user/repos", 200, [{"name": "r"}])
    github = {
        "plugin": {"base_url": upstream.url, "operations": [{"name": "x", "method": "GET", "path": "/x"}]}
    }
    path = write_config(tmp_path, {"github": github})
    (tmp_path / "bindings.d").mkdir()
    (tmp_path / "bindings.d" / "gh.yaml").write_text(yaml.safe_dump(readme_yaml("type: proxy")))
    with app_client(
        build_gateway(build_runtime(load_config(path), default_client(Limits(timeout=2.0))))
    ) as client:
        headers = {"X-Forwarded-Host": upstream.url.removeprefix("http://"), "X-Forwarded-Proto": "http"}
        response = client.get("/api/v1/bindings/gh/github/user/repos?per_page=5", headers=headers)
        assert response.json() == [{"name": "r"}]
    assert upstream.last().target == "/user/repos?per_page=5"
