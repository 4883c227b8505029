"""The audit log: who viewed, overrode, exported or deleted what, as typed events.

A use case records its event in its own transaction (`record` adds the row; the use case commits),
so an action and its audit row are saved together or not at all.
"""

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlmodel import Session, col, select

from app.models import AuditEvent, User


@dataclass(frozen=True, kw_only=True)
class Event:
    """One audited action. Subclasses name the action and say what it was done to (`target`)."""

    action: ClassVar[str]

    @property
    def target(self) -> str:
        raise NotImplementedError

    def detail(self) -> dict[str, Any]:
        """What else the log keeps about it (the target is kept already)."""
        return {}


@dataclass(frozen=True, kw_only=True)
class SessionViewed(Event):
    """Someone other than the trainee read a practice session."""

    action: ClassVar[str] = "view"
    session_id: str

    @property
    def target(self) -> str:
        return f"session:{self.session_id}"


@dataclass(frozen=True, kw_only=True)
class SessionExported(SessionViewed):
    action: ClassVar[str] = "export"


@dataclass(frozen=True, kw_only=True)
class UserDataExported(Event):
    action: ClassVar[str] = "export"
    user_id: int

    @property
    def target(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True, kw_only=True)
class UserCreated(Event):
    action: ClassVar[str] = "create-user"
    user_id: int
    role: str
    cohort: str | None = None

    @property
    def target(self) -> str:
        return f"user:{self.user_id}"

    def detail(self) -> dict[str, Any]:
        return {"role": self.role, "cohort": self.cohort}


@dataclass(frozen=True, kw_only=True)
class UserDeleted(Event):
    action: ClassVar[str] = "delete-user"
    user_id: int
    username: str
    sessions_deleted: int

    @property
    def target(self) -> str:
        return f"user:{self.user_id}"

    def detail(self) -> dict[str, Any]:
        return {"username": self.username, "sessions_deleted": self.sessions_deleted}


@dataclass(frozen=True, kw_only=True)
class MemberAdded(Event):
    action: ClassVar[str] = "add-member"
    cohort_id: int
    user: str

    @property
    def target(self) -> str:
        return f"cohort:{self.cohort_id}"

    def detail(self) -> dict[str, Any]:
        return {"user": self.user}


@dataclass(frozen=True, kw_only=True)
class GradeOverridden(Event):
    action: ClassVar[str] = "override"
    turn_id: int
    session: str
    dimension: str | None
    level: int | None

    @property
    def target(self) -> str:
        return f"turn:{self.turn_id}"

    def detail(self) -> dict[str, Any]:
        return {"session": self.session, "dimension": self.dimension, "level": self.level}


@dataclass(frozen=True, kw_only=True)
class TurnCommented(GradeOverridden):
    action: ClassVar[str] = "comment"


@dataclass(frozen=True, kw_only=True)
class AccountEvent(Event):
    """Something done to or by one account: a sign-in, a password change, a reset code, ended sessions."""

    user_id: int

    @property
    def target(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True, kw_only=True)
class SignedIn(AccountEvent):
    action: ClassVar[str] = "sign-in"
    address: str

    def detail(self) -> dict[str, Any]:
        return {"address": self.address}


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(AccountEvent):
    action: ClassVar[str] = "password-change"
    sessions_ended: int

    def detail(self) -> dict[str, Any]:
        return {"sessions_ended": self.sessions_ended}


@dataclass(frozen=True, kw_only=True)
class PasswordResetDone(AccountEvent):
    action: ClassVar[str] = "password-reset"


@dataclass(frozen=True, kw_only=True)
class ResetCodeIssued(AccountEvent):
    action: ClassVar[str] = "reset-code"
    username: str

    def detail(self) -> dict[str, Any]:
        return {"username": self.username}


@dataclass(frozen=True, kw_only=True)
class SignInEnded(AccountEvent):
    """The user ended one of their own sign-ins."""

    action: ClassVar[str] = "end-session"


@dataclass(frozen=True, kw_only=True)
class SignedOutEverywhere(PasswordChanged):
    action: ClassVar[str] = "sign-out-everywhere"


@dataclass(frozen=True, kw_only=True)
class SignInRefused(Event):
    """A password attempt that was refused, or not even checked (throttled). Kept by the username tried."""

    action: ClassVar[str] = "sign-in-failed"
    username: str
    address: str

    @property
    def target(self) -> str:
        return f"username:{self.username}"

    def detail(self) -> dict[str, Any]:
        return {"address": self.address}


@dataclass(frozen=True, kw_only=True)
class SignInThrottled(SignInRefused):
    action: ClassVar[str] = "sign-in-throttled"


@dataclass(frozen=True, kw_only=True)
class ReauthFailed(SignInRefused):
    action: ClassVar[str] = "reauth-failed"


@dataclass(frozen=True, kw_only=True)
class ResetFailed(SignInRefused):
    action: ClassVar[str] = "reset-failed"


@dataclass(frozen=True, kw_only=True)
class BlindGraded(Event):
    """A supervisor graded a trainee's reply without seeing the grader's scores."""

    action: ClassVar[str] = "blind-grade"
    turn_id: int
    session: str

    @property
    def target(self) -> str:
        return f"turn:{self.turn_id}"

    def detail(self) -> dict[str, Any]:
        return {"session": self.session}


@dataclass(frozen=True, kw_only=True)
class ProgressViewed(AccountEvent):
    """Someone other than the trainee read the trainee's progress."""

    action: ClassVar[str] = "view-progress"


@dataclass(frozen=True, kw_only=True)
class CohortExported(Event):
    action: ClassVar[str] = "export"
    cohort_id: int
    file: str

    @property
    def target(self) -> str:
        return f"cohort:{self.cohort_id}"

    def detail(self) -> dict[str, Any]:
        return {"file": self.file}


@dataclass(frozen=True, kw_only=True)
class LabelsExported(Event):
    """Supervisors' labels on one rubric, exported as training examples."""

    action: ClassVar[str] = "export-labels"
    rubric_id: str
    cohort_id: int | None

    @property
    def target(self) -> str:
        return f"rubric:{self.rubric_id}"

    def detail(self) -> dict[str, Any]:
        return {"cohort": self.cohort_id}


def record(*, db: Session, actor: User | None, event: Event) -> None:
    """Add the event's audit row to the caller's transaction (the caller commits)."""
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            actor_name=actor.username if actor else "",
            action=event.action,
            target=event.target,
            detail=event.detail(),
        )
    )


def recent_events(*, db: Session, limit: int = 200) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)).all())
