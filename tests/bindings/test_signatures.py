"""The verifiers against the vectors the senders publish in their documentation."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from engine.bindings.signatures import verifier
from engine.errors import SignatureInvalid, SignatureMissing, StaleTimestamp

# docs.github.com, "Validating webhook deliveries".
GITHUB = ("It's a Secret to Everybody", b"Hello, World!",
          "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")  # fmt: skip
# api.slack.com, "Verifying requests from Slack".
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_HEADERS = {
    "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    "x-slack-request-timestamp": "1531420618",
}


def test_githubs_published_vector() -> None:
    secret, payload, signature = GITHUB
    check = verifier("github", [secret], "", 300)
    check.verify(payload, {"x-hub-signature-256": signature}, 0)
    with pytest.raises(SignatureInvalid):
        check.verify(payload + b" ", {"x-hub-signature-256": signature}, 0)
    with pytest.raises(SignatureMissing):
        check.verify(payload, {"x-signature": signature}, 0)


def test_slacks_published_vector_and_its_window() -> None:
    check = verifier("slack", ["rotated-out", SLACK_SECRET], "", 300)
    check.verify(SLACK_BODY, SLACK_HEADERS, 1531420618 + 299)
    with pytest.raises(StaleTimestamp):
        check.verify(SLACK_BODY, SLACK_HEADERS, 1531420618 + 301)
    with pytest.raises(StaleTimestamp):
        check.verify(SLACK_BODY, SLACK_HEADERS, 1531420618 - 301)
    with pytest.raises(SignatureInvalid):  # the timestamp is signed: changing it breaks the signature
        check.verify(SLACK_BODY, {**SLACK_HEADERS, "x-slack-request-timestamp": "1531420619"}, 1531420618)


def test_stripe_accepts_any_v1_and_ignores_other_schemes() -> None:
    payload, stamp = b'{"id":"evt_1"}', 1700000000
    good = hmac.new(b"whsec_x", f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    header = f"t={stamp},v0={'0' * 64},v1={'1' * 64},v1={good}"
    verifier("stripe", ["whsec_x"], "", 300).verify(payload, {"stripe-signature": header}, stamp)
    with pytest.raises(SignatureInvalid):
        verifier("stripe", ["whsec_x"], "", 300).verify(payload, {"stripe-signature": f"t={stamp}"}, stamp)
