"""The service's configuration: GOVQA_* (and SLACK_*) environment variables or `.env`."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from govqa.errors import GovqaError

# The widget's files live beside the packages in a source checkout.
DEFAULT_WEB_DIR = Path(__file__).resolve().parents[1] / "web"

# Pages served from the developer's own machine may call the API on any port.
LOCALHOST_ORIGIN_REGEX = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"


def _slack(name: str) -> AliasChoices:
    # Slack's own variable names, without the GOVQA_ prefix, as Slack's docs spell them.
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Everything the chat service can be told; read once, in the app factory or the CLI."""

    model_config = SettingsConfigDict(
        env_prefix="GOVQA_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    index_dir: Path = Path("var/index")
    model: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1)
    rate_limit: str = "30/minute"
    storage_uri: str = "memory://"
    cors_origins: str = ""
    cors_allow_localhost: bool = True
    admin_token: str | None = None
    # Guessing the admin token: after admin_max_failures wrong tokens within
    # admin_failure_window_s a client is refused for admin_lockout_s, doubled for each of its
    # lockouts in the last day up to admin_max_lockout_s; admin_global_limit caps wrong
    # tokens from all clients together (limits syntax, or off).
    admin_max_failures: int = Field(default=5, ge=1, le=1000)
    admin_failure_window_s: int = Field(default=900, ge=1)
    admin_lockout_s: int = Field(default=60, ge=1)
    admin_max_lockout_s: int = Field(default=3600, ge=1)
    admin_global_limit: str = "100/minute"
    feedback_db: str = "var/feedback.sqlite3"  # the embedded SQLite file, when no database_url
    # Shared state for several replicas; with neither set, one machine keeps it all itself.
    database_url: str | None = None  # postgresql://… or sqlite:///…: votes and question log
    redis_url: str | None = None  # conversations, limits, Slack de-duplication, answers
    redis_prefix: str = "govqa:"  # every key starts with it, so deployments can share a Redis
    redis_timeout_s: float = Field(default=0.25, gt=0, le=10)
    # Whether a rate limit that cannot be checked (its Redis is down) lets requests through.
    rate_limit_fail_open: bool = True
    base_url: str = "https://www.tech.gov.sg"
    web_dir: Path = DEFAULT_WEB_DIR
    reload_interval: float = Field(default=1.0, ge=0)
    forwarded_allow_ips: str = "127.0.0.1"
    access_log: bool = True
    # ONNX Runtime threads per worker; 0 shares the cores among the workers.
    threads: int = Field(default=0, ge=0)
    # Query vectors remembered per worker, so a repeated question skips the encoder; 0: none.
    query_cache: int = Field(default=2048, ge=0)
    # Whole answers kept per worker (and in Redis when set) for questions asked again; 0: none.
    answer_cache_size: int = Field(default=4096, ge=0)
    answer_cache_ttl_s: float = Field(default=3600.0, gt=0)
    # The reader folder: empty for the shipped one, "off" for the feature scorer alone.
    reader: str = ""
    # Request bodies: a chat question is under 2 KB; Slack's payloads run larger.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_slack_body_bytes: int = Field(default=3 * 1024 * 1024, ge=1024)
    # A question-log write waiting this long means the database is stalled: it counts as down.
    database_stall_s: float = Field(default=5.0, gt=0, le=300)
    # A request body that stops arriving for this long gets a 408 and its connection closed.
    body_timeout_s: float = Field(default=10.0, gt=0, le=300)
    # An idle keep-alive connection is closed after this long (uvicorn's timeout_keep_alive).
    keep_alive_s: int = Field(default=5, ge=1, le=300)

    @property
    def engine_threads(self) -> int:

        return self.threads or max(1, (os.cpu_count() or 1) // self.workers)

    slack_bot_token: str | None = Field(default=None, validation_alias=_slack("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(
        default=None, validation_alias=_slack("SLACK_SIGNING_SECRET")
    )
    slack_app_token: str | None = Field(default=None, validation_alias=_slack("SLACK_APP_TOKEN"))
    slack_api_url: str | None = Field(default=None, validation_alias=_slack("SLACK_API_URL"))
    slack_ephemeral: bool = False

    @field_validator("rate_limit", "admin_global_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        value = value.strip()
        if value.lower() in {"off", "none", "0", ""}:
            return "off"
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '30/minute' or 'off': {value!r}") from exc
        return value

    @field_validator("storage_uri")
    @classmethod
    def _check_storage_uri(cls, value: str) -> str:
        value = value.strip() or "memory://"
        if value.startswith("memory://"):
            return value
        from limits.errors import ConfigurationError
        from limits.storage import storage_from_string

        try:
            storage_from_string(value)  # clients connect lazily: this checks the URI only
        except ConfigurationError as exc:
            raise ValueError(f"{exc} (for redis://, pip install 'limits[redis]')") from exc
        return value

    @field_validator("feedback_db")
    @classmethod
    def _check_feedback_db(cls, value: str) -> str:
        if "://" in value and not value.startswith("sqlite:///"):
            raise ValueError("GOVQA_FEEDBACK_DB is the embedded SQLite file; put a server's "
                             "URL in GOVQA_DATABASE_URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if not (value or "").strip():
            return None
        from chat_api.database_url import normalise

        normalise(value or "")  # raises ValueError with the reason
        return (value or "").strip()

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
            raise ValueError(f"not a Redis URL like redis://127.0.0.1:6379/0: {value!r}")
        return value

    @property
    def rate_limit_enabled(self) -> bool:
        return self.rate_limit != "off"

    @property
    def cors_origin_list(self) -> list[str]:
        """The origins allowed to call the API from a browser; the site's own by default."""
        if self.cors_origins.strip():
            return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
        parts = urlsplit(self.base_url)
        return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []

    @property
    def cors_origin_regex(self) -> str | None:
        return LOCALHOST_ORIGIN_REGEX if self.cors_allow_localhost else None

    @property
    def feedback_path(self) -> Path:
        value = self.feedback_db
        if value.startswith("sqlite:///"):
            value = value[len("sqlite:///") :]
        return Path(value)

    @property
    def store_url(self) -> str:
        """Where votes and the question log go: the shared database, else the embedded file."""
        return self.database_url or f"sqlite:///{self.feedback_path}"

    @property
    def limits_storage_uri(self) -> str:
        """Rate-limit counters: GOVQA_STORAGE_URI when set, else the shared Redis, else memory."""
        if self.storage_uri != "memory://" or not self.redis_url:
            return self.storage_uri
        return self.redis_url


class SettingsError(GovqaError):
    """A GOVQA_* variable (or .env entry) has a value that cannot be used."""


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment/.env; CLI flags win by becoming GOVQA_* variables,
    so that every uvicorn worker process (which re-reads the environment) sees them."""
    for name, value in overrides.items():
        if value is not None:
            os.environ[f"GOVQA_{name.upper()}"] = str(value)
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err.get("loc") else "setting"
        env = field.upper() if field.upper().startswith("SLACK_") else f"GOVQA_{field.upper()}"
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise SettingsError(f"{env}: {message}") from None
