"""Settings read at the CLI edge (pydantic-settings: environment variables and .env)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class CliSettings(BaseSettings):
    """What the command-line tools need: where the index lives and which model built it."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_", env_file=".env", extra="ignore")

    index_dir: Path = Path("var/index")
    model: str | None = None
    base_url: str = "https://www.tech.gov.sg"
    # The reader folder: empty for the shipped one, "off" for the feature scorer alone.
    reader: str = ""
