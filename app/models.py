"""Database tables (SQLModel) and the public shapes the API returns."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlalchemy import Enum as SqlEnum
from sqlmodel import Field, SQLModel


class SessionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class SessionMode(StrEnum):
    """practice: coaching with every reply; assessment: grades, coaching and the peer's feelings at the end."""

    PRACTICE = "practice"
    ASSESSMENT = "assessment"


class TurnRole(StrEnum):
    TRAINEE = "trainee"
    PEER = "peer"


class TurnStatus(StrEnum):
    """A peer reply is pending (to be written), streaming (being written), then complete or failed."""

    PENDING = "pending"
    STREAMING = "streaming"
    COMPLETE = "complete"
    FAILED = "failed"


class Role(StrEnum):
    TRAINEE = "trainee"
    SUPERVISOR = "supervisor"
    STAFF = "staff"


class ReviewKind(StrEnum):
    OVERRIDE = "override"
    COMMENT = "comment"


def enum_column(enum: type[StrEnum], **kwargs: Any) -> Any:
    """A VARCHAR(16) column holding the enum's values (no database enum type, so new values need no migration)."""
    kind = SqlEnum(enum, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    return Field(sa_column=Column(kind, nullable=False), **kwargs)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_session_id() -> str:
    return uuid.uuid4().hex


class ContentVersion(SQLModel, table=True):
    """A snapshot of a persona or rubric file as a session used it."""

    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("kind", "item_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    item_id: str = Field(max_length=80, index=True)
    version: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


ROLES: tuple[str, ...] = tuple(Role)


class User(SQLModel, table=True):
    __tablename__ = "users"
    # AUTOINCREMENT: SQLite never hands a deleted user's id to a new account (PostgreSQL sequences never do).
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(default="", max_length=120)
    role: Role = enum_column(Role)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Cohort(SQLModel, table=True):
    __tablename__ = "cohorts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class CohortMember(SQLModel, table=True):
    """A trainee in a cohort, or a supervisor of it."""

    __tablename__ = "cohort_members"

    cohort_id: int = Field(foreign_key="cohorts.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True)
    role: Role = enum_column(Role, description="trainee or supervisor")


class PracticeSession(SQLModel, table=True):
    __tablename__ = "practice_sessions"

    id: str = Field(default_factory=new_session_id, primary_key=True, max_length=32)
    trainee_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    trainee_name: str = Field(default="", max_length=80)
    persona_id: str = Field(max_length=80, index=True)
    persona_version: str = Field(max_length=32)
    rubric_id: str = Field(max_length=80)
    rubric_version: str = Field(max_length=32)
    engine: str = Field(max_length=32)
    mode: SessionMode = enum_column(SessionMode, default=SessionMode.PRACTICE)
    status: SessionStatus = enum_column(SessionStatus, default=SessionStatus.ACTIVE)
    persona_state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    ended_at: datetime | None = None


class Turn(SQLModel, table=True):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="practice_sessions.id", index=True, max_length=32)
    position: int = Field(ge=0)
    role: TurnRole = enum_column(TurnRole)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: TurnStatus = enum_column(TurnStatus, default=TurnStatus.COMPLETE)
    error: str | None = Field(default=None, max_length=500)
    reading: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON), description="How the peer read the trainee's last reply"
    )
    persona_state: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON), description="Peer's hidden state after this peer turn"
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class GradeRecord(SQLModel, table=True):
    __tablename__ = "grades"

    id: int | None = Field(default=None, primary_key=True)
    turn_id: int = Field(foreign_key="turns.id", unique=True)
    grader: str = Field(max_length=120)
    scores: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    evidence: dict[str, list[str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    coaching: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Review(SQLModel, table=True):
    """A supervisor's override of one dimension's grade, or a comment on a turn."""

    __tablename__ = "reviews"

    id: int | None = Field(default=None, primary_key=True)
    turn_id: int = Field(foreign_key="turns.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="users.id")
    author_name: str = Field(default="", max_length=120)
    kind: ReviewKind = enum_column(ReviewKind)
    dimension: str | None = Field(default=None, max_length=40)
    level: int | None = Field(default=None, ge=0, le=4)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who viewed, overrode, exported or deleted what. Kept when the actor is deleted."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_name: str = Field(default="", max_length=80)
    action: str = Field(max_length=40, index=True)
    target: str = Field(max_length=120)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class AuthSession(SQLModel, table=True):
    """One sign-in. The cookie holds a random id; this row holds only its SHA-256, the user, and when and
    from what browser it was used. Deleting the row ends the sign-in everywhere at once."""

    __tablename__ = "auth_sessions"

    key_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class SignInFailure(SQLModel, table=True):
    """A failed sign-in, counted per account and per address to slow down password guessing."""

    __tablename__ = "sign_in_failures"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, index=True)
    address: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class PasswordReset(SQLModel, table=True):
    """A one-time code staff hand to a user so they can choose a new password; only its hash is kept."""

    __tablename__ = "password_resets"

    code_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_by: str = Field(default="", max_length=80)
    expires_at: datetime


class BlindGrade(SQLModel, table=True):
    """A supervisor's grade of one trainee reply, given without seeing the grader's scores."""

    __tablename__ = "blind_grades"
    __table_args__ = (UniqueConstraint("turn_id", "author_id"),)

    id: int | None = Field(default=None, primary_key=True)
    turn_id: int = Field(foreign_key="turns.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="users.id")
    author_name: str = Field(default="", max_length=120)
    scores: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ReviewReceipt(SQLModel, table=True):
    """When a trainee last opened a session of theirs: reviews after it are new to them."""

    __tablename__ = "review_receipts"

    session_id: str = Field(foreign_key="practice_sessions.id", primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id", primary_key=True)
    seen_at: datetime = Field(default_factory=utcnow)
