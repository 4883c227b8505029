"""Settings: one place, env prefix PEER_, every default works offline."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEER_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'data' / 'peer-practice.db'}",
        description="SQLAlchemy URL of the database (SQLite file by default, or postgresql+psycopg://…).",
    )
    content_dir: Path = Field(
        default=PROJECT_ROOT,
        description="Folder holding personas/, rubrics/ and prompts/.",
    )
    default_rubric: str = Field(default="crss-core", description="Rubric a scenario uses when none is chosen.")
    engine: Literal["offline"] = Field(default="offline", description="Persona engine: offline (scripted, reactive).")
    grader: Literal["offline"] = Field(
        default="offline", description="Grader: offline (embedding classifier + indicators)."
    )
    max_message_chars: int = Field(default=2000, ge=1, description="Longest trainee message accepted, in characters.")
    stream_delay_ms: int = Field(
        default=15,
        ge=0,
        description="Pause between streamed words of the offline persona, so replies read as typed.",
    )
    secret_key: str = Field(
        default="dev-only-change-me",
        description="Key that signs cookies; must be changed when environment is not development.",
    )
    environment: Literal["development", "production"] = Field(
        default="development", description="development or production (production refuses the placeholder secret)."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    if settings.environment == "production" and settings.secret_key == "dev-only-change-me":
        raise ValueError("PEER_SECRET_KEY must be set to a real secret in production")
    return settings
