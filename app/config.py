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
    engine: Literal["offline", "llm"] = Field(
        default="offline", description="Persona engine: offline (scripted, reactive) or llm (PEER_PERSONA_MODEL)."
    )
    grader: Literal["offline", "llm"] = Field(
        default="offline",
        description="Grader: offline (embedding classifier + indicators) or llm (PEER_JUDGE_MODEL, offline fallback).",
    )
    llm_base_url: str = Field(
        default="http://127.0.0.1:8088/v1",
        description="OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp); default: `make llm-local`.",
    )
    llm_api_key: str = Field(default="", description="API key for the endpoint; empty for local servers without one.")
    persona_model: str = Field(default="smollm2", description="Model that writes the peer's words when engine is llm.")
    judge_model: str = Field(default="smollm2", description="Model that grades replies when grader is llm.")
    llm_json_format: Literal["json_schema", "json_object"] = Field(
        default="json_schema",
        description="How the judge asks for JSON: json_schema (OpenAI) or json_object + schema (llama-cpp-python).",
    )
    llm_timeout_s: float = Field(
        default=30.0, gt=0, description="Seconds to wait for a model's answer (and between streamed pieces)."
    )
    llm_retries: int = Field(
        default=2, ge=0, le=10, description="Retries after a rate limit, server error, timeout or invalid JSON."
    )
    llm_retry_backoff_s: float = Field(
        default=0.5, ge=0, description="First wait before a retry, in seconds; doubles each time, with jitter."
    )
    persona_max_tokens: int = Field(default=200, ge=16, description="Longest peer reply the model may write (tokens).")
    persona_temperature: float = Field(
        default=0.8, ge=0, le=2, description="Sampling temperature of the persona model (higher varies more)."
    )
    judge_max_tokens: int = Field(default=900, ge=64, description="Longest judge answer (JSON grade), in tokens.")
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
    session_max_age_s: int = Field(
        default=12 * 3600, ge=60, description="How long a sign-in lasts, in seconds."
    )
    cookie_secure: bool = Field(
        default=False, description="Mark cookies Secure (set true when the app is served over HTTPS)."
    )
    turns_per_minute: int = Field(default=20, ge=1, description="Most trainee messages one user may send a minute.")
    sessions_per_hour: int = Field(
        default=30, ge=1, description="Most practice sessions one user may start in an hour (then a 429)."
    )
    worker_threads: int = Field(
        default=40,
        ge=1,
        description="Worker threads per process for database work, grading and password checks.",
    )
    db_pool_size: int = Field(
        default=10, ge=1, description="Database connections each process keeps open (SQLAlchemy pool_size)."
    )
    db_max_overflow: int = Field(
        default=30,
        ge=0,
        description="Extra connections a process may open at busy times; keep pool size + this >= worker threads.",
    )
    db_pool_timeout_s: float = Field(
        default=30.0, gt=0, description="Seconds a request waits for a free database connection before failing."
    )
    max_body_bytes: int = Field(default=65536, ge=1024, description="Largest request body accepted, in bytes.")
    demo_accounts: bool = Field(
        default=True,
        description="In development, create demo trainee, supervisor and staff accounts when there are no users.",
    )


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    if settings.environment == "production" and settings.secret_key == "dev-only-change-me":
        raise ValueError("PEER_SECRET_KEY must be set to a real secret in production")
    return settings
