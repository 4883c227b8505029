"""Database tables (SQLModel) and the public shapes the API returns."""

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

SessionStatus = Literal["active", "ended"]
TurnRole = Literal["trainee", "peer"]
TurnStatus = Literal["pending", "streaming", "complete", "failed"]


def utcnow() -> datetime:
    return datetime.now(UTC)


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


Role = Literal["trainee", "supervisor", "staff"]
ROLES: tuple[str, ...] = ("trainee", "supervisor", "staff")


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(default="", max_length=120)
    role: str = Field(max_length=16)
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
    role: str = Field(max_length=16, description="trainee or supervisor")


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
    mode: str = Field(default="practice", max_length=16, description="practice: coaching live; assessment: at the end")
    status: str = Field(default="active", max_length=16)
    persona_state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    ended_at: datetime | None = None


class Turn(SQLModel, table=True):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="practice_sessions.id", index=True, max_length=32)
    position: int = Field(ge=0)
    role: str = Field(max_length=16)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="complete", max_length=16)
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
    kind: str = Field(max_length=16, description="override or comment")
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
