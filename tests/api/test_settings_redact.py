"""Settings from the environment and .env, and the redaction rules on their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from chat_api.settings import LOCALHOST_ORIGIN_REGEX, Settings
from chat_api.store.redact import redact


def test_settings_from_env_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVQA_RATE_LIMIT", "GOVQA_INDEX_DIR", "SLACK_BOT_TOKEN", "GOVQA_PORT"):
        monkeypatch.delenv(name, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "GOVQA_INDEX_DIR=/srv/govqa/index\nGOVQA_RATE_LIMIT=OFF\nSLACK_BOT_TOKEN=xoxb-1\n"
        "GOVQA_PORT=9000\n"
    )
    monkeypatch.setenv("GOVQA_PORT", "9100")  # the environment beats .env

    s = Settings(_env_file=dotenv)  # type: ignore[call-arg]

    assert (s.index_dir, s.rate_limit, s.rate_limit_enabled, s.port) == (
        Path("/srv/govqa/index"), "off", False, 9100
    )
    assert s.slack_bot_token == "xoxb-1"  # Slack's own names, without the GOVQA_ prefix


def test_defaults() -> None:
    s = Settings(_env_file=None, base_url="https://www.tech.gov.sg/")  # type: ignore[call-arg]
    assert s.rate_limit == "30/minute" and s.rate_limit_enabled
    assert s.cors_origin_list == ["https://www.tech.gov.sg"]
    assert s.cors_origin_regex == LOCALHOST_ORIGIN_REGEX
    assert s.feedback_path == Path("var/feedback.sqlite3")
    assert s.storage_uri == "memory://"
    assert (s.web_dir / "widget.js").is_file()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate_limit", "lots", "not a rate limit like '30/minute' or 'off': 'lots'"),
        ("feedback_db", "postgresql://db/govqa", "put a server's URL in GOVQA_DATABASE_URL"),
        ("database_url", "mysql://db/govqa", "unsupported database 'mysql'"),
        ("database_url", "postgresql+psycopg2://db/govqa", "through psycopg 3"),
        ("redis_url", "http://cache:6379", "not a Redis URL"),
        ("storage_uri", "bogus://x", "unknown storage scheme"),
        ("workers", 0, "greater than or equal to 1"),
    ],
)
def test_bad_settings_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **{field: value})  # type: ignore[call-arg,arg-type]
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail john.tan+gov@tech.gov.sg now", "mail [email] now"),
        ("NRIC S1234567D, FIN g7654321x, T0123456Z", "NRIC [nric], FIN [nric], [nric]"),
        ("+65 9123 4567 / (65) 6123-4567 / +6581234567", "[phone] / [phone] / [phone]"),
        ("call 91234567 or 9123 4567 or 1800 123 4567", "call [phone] or [phone] or [phone]"),
        ("+44 20 7946 0958 and +1 (415) 555-2671", "[phone] and [phone]"),
        # Years, counts and ids that are not personal data stay as they are.
        ("DGX 2024 drew 47 countries and 1,200 delegates", "DGX 2024 drew 47 countries and "
         "1,200 delegates"),
        ("form ABC1234567 and ref S12345678D", "form ABC1234567 and ref S12345678D"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
