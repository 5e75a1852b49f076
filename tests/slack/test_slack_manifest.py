"""The app manifest a workspace admin pastes into Slack matches what the bot handles."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "chat_api" / "slack" / "manifest.yml"
EVENTS_URL = "https://YOUR_HOST/slack/events"


def test_manifest_declares_the_command_events_interactivity_and_minimal_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert [(c["command"], c["url"]) for c in features["slash_commands"]] == [("/ask", EVENTS_URL)]
    assert manifest["oauth_config"]["scopes"] == {
        "bot": ["commands", "app_mentions:read", "chat:write", "im:history"]
    }
    assert settings["event_subscriptions"] == {
        "request_url": EVENTS_URL,
        "bot_events": ["app_mention", "message.im"],
    }
    assert settings["interactivity"] == {"is_enabled": True, "request_url": EVENTS_URL}
    assert settings["socket_mode_enabled"] is False
    # Users can write to the bot directly (message.im needs the Messages tab).
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
