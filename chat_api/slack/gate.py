"""The door to /slack/events: signature on the raw bytes, well-formed bodies, no replays."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from chat_api.state.seen import SeenKeys

log = logging.getLogger("chat_api.slack")

# Slack's timestamps are Unix seconds; anything else is not from Slack (and int() on it
# would raise inside the verifier).
_TIMESTAMP = re.compile(r"\d{1,12}")
REPLAY_WINDOW_S = 5 * 60  # Slack's own rule: a request older than this is refused


@dataclass
class Refusal:
    status: int  # 401 not from Slack, 400 from Slack but unreadable, 200 a replay (ignored)
    message: str


@dataclass
class SlackGate:
    """Checks each request before Bolt sees it, so nothing a stranger sends can raise there:
    the signature is checked on the bytes as they came, before any decoding."""

    signing_secret: str
    seen: SeenKeys

    def signed(self, body: bytes, timestamp: str, signature: str) -> bool:
        """Slack's v0 signature, over the bytes: slack_sdk's verifier decodes the body as
        UTF-8 first, which a stranger's bytes need not be."""
        if abs(time.time() - int(timestamp)) > REPLAY_WINDOW_S:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    async def check(self, body: bytes, headers: Mapping[str, str]) -> Refusal | None:
        """None when the request may go on; else why not, and with what status."""
        timestamp = headers.get("x-slack-request-timestamp") or ""
        signature = headers.get("x-slack-signature") or ""
        if not (_TIMESTAMP.fullmatch(timestamp) and signature
                and self.signed(body, timestamp, signature)):
            return Refusal(401, "not a request signed by Slack in the last five minutes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return Refusal(400, "the body is not UTF-8")
        kind = _kind(text, headers.get("content-type") or "")
        if kind is None:
            return Refusal(400, "the body is neither a Slack event, command nor interaction")
        # Events carry an id that Bolt's middleware de-duplicates (Slack's own retries
        # re-sign them); a command or a click has none, so its signed bytes are the key.
        if kind in ("command", "interaction"):
            digest = hashlib.sha256(timestamp.encode() + b":" + body).hexdigest()
            if await self.seen.check_and_add(f"signed:{digest}"):
                log.info("ignoring a replayed Slack %s", kind)
                return Refusal(200, "")
        return None


def _kind(text: str, content_type: str) -> str | None:
    """"event", "command", "interaction" or "ssl_check" for a body Bolt can parse; None
    otherwise."""
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return "event" if isinstance(data, dict) else None
    try:
        form = urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None  # "payload=%ff": bytes that are not UTF-8 once unquoted
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return None
        return "interaction" if isinstance(payload, dict) else None
    if "ssl_check" in form:
        return "ssl_check"  # Slack checking the certificate of a command's URL
    return "command" if "command" in form else None
