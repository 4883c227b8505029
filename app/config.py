"""Settings: one place, env prefix PEER_, every default works offline."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-change-me"
MIN_SECRET_BYTES = 32


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
        default=DEV_SECRET_KEY,
        description="Key that signs CSRF tokens; in production at least 32 random bytes, never the placeholder.",
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="development or production (a real secret required, Secure __Host- cookies, no demo accounts).",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    session_max_age_s: int = Field(
        default=12 * 3600, ge=60, description="How long a sign-in lasts, in seconds, however active it is."
    )
    cookie_secure: bool = Field(
        default=False,
        description="Secure cookies with the __Host- prefix in development too (always on in production).",
    )
    sign_in_failures_per_account: int = Field(
        default=5, ge=1, description="Failed sign-ins one username may have in the window before it must wait."
    )
    sign_in_failures_per_address: int = Field(
        default=20, ge=1, description="Failed sign-ins one network address may have in the window before it must wait."
    )
    sign_in_window_s: int = Field(
        default=15 * 60, ge=1, description="The window, in seconds, in which failed sign-ins are counted."
    )
    reauth_window_s: int = Field(
        default=300,
        ge=0,
        description="After signing in, seconds in which a sensitive API action may omit the password asked again.",
    )
    reset_code_max_age_s: int = Field(
        default=24 * 3600, ge=60, description="How long a one-time password-reset code from staff stays valid (s)."
    )
    turns_per_minute: int = Field(default=20, ge=1, description="Most trainee messages one user may send a minute.")
    sessions_per_hour: int = Field(
        default=30, ge=1, description="Most practice sessions one user may start in an hour (then a 429)."
    )
    grader_processes: int = Field(
        default=1,
        ge=0,
        description="Grading processes each web process starts for the quick offline grade, which batch the "
        "replies that arrive together (0: grade in the worker threads).",
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

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> "Settings":
        if self.environment == "production":
            if self.secret_key == DEV_SECRET_KEY:
                raise ValueError("PEER_SECRET_KEY must be set to a real secret in production (it is the placeholder)")
            if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
                raise ValueError(
                    f"PEER_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes in production; "
                    'make one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
                )
        return self

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS, with the __Host- prefix (no Domain, Path=/): always in production."""
        return self.environment == "production" or self.cookie_secure

    def cookie_name(self, name: str) -> str:
        return f"__Host-{name}" if self.secure_cookies else name


@lru_cache
def get_settings() -> Settings:
    return Settings()
