"""Helpers for LINE tests: signed webhook bodies and their events (the `fake_line` fixture is
in incubator/tests/conftest.py)."""

import base64
import hashlib
import hmac
import json

CHANNEL_SECRET = "test-channel-secret"


def signed(events: list[dict], *, secret: str = CHANNEL_SECRET) -> tuple[bytes, str]:
    """A webhook body and its X-Line-Signature (HMAC-SHA256 of the body, base64)."""
    body = json.dumps({"destination": "Uxxxxxxxx", "events": events}).encode()
    return body, sign(body, secret=secret)


def sign(body: bytes, *, secret: str = CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def follow_event(user_id: str, kind: str = "follow") -> dict:
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": 1767225600000,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": "01HXXXXXXXXXXXXXXXXXXXXXXX",
        "deliveryContext": {"isRedelivery": False},
    }
    if kind == "follow":
        event["replyToken"] = "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"
        event["follow"] = {"isUnblocked": False}
    return event
