"""A deployment with an upstream operation and webhook bindings in ``bindings.d``, and signed
requests as the senders make them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import yaml

from tests.support.configs import write_config

SECRET = "whsec-PLAINTEXT-1"


def events_provider(base_url: str) -> dict[str, Any]:
    return {
        "plugin": {
            "base_url": base_url,
            "operations": [
                {
                    "name": "record",
                    "method": "POST",
                    "path": "/events",
                    "parameters": [
                        {"name": "kind", "type": "string"},
                        {"name": "number", "type": "int"},
                    ],
                },
            ],
        }
    }


def write_deployment(
    root: Path, base_url: str, bindings: dict[str, dict[str, Any]], extra: dict[str, Any] | None = None
) -> Path:
    path = write_config(root, {"events": events_provider(base_url)}, extra)
    folder = root / "bindings.d"
    folder.mkdir(exist_ok=True)
    for name, body in bindings.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def forwarding(config: dict[str, Any]) -> dict[str, Any]:
    """A webhook forwarding to events.record."""
    return {
        "type": "webhook",
        "providers": ["events"],
        "config": {"provider": "events", "operation": "record", **config},
    }


def body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def stripe_header(secret: str, raw: bytes, at: int | None = None) -> str:
    stamp = int(time.time()) if at is None else at
    return f"t={stamp},v1={hex_hmac(secret, f'{stamp}.'.encode() + raw)}"


def slack_headers(secret: str, raw: bytes, at: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if at is None else at)
    signature = "v0=" + hex_hmac(secret, b"v0:" + stamp.encode() + b":" + raw)
    return {"X-Slack-Signature": signature, "X-Slack-Request-Timestamp": stamp}
