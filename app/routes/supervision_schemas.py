"""Shapes of the supervision contracts: a trainee's progress and a cohort's grader-supervisor agreement."""

from datetime import datetime

from pydantic import BaseModel, Field


class TraineeRef(BaseModel):
    id: int
    username: str


class SessionProgressPublic(BaseModel):
    id: str
    persona: str
    mode: str
    started_at: datetime
    turns: int = Field(description="The trainee's replies in the session")
    averages: dict[str, float] = Field(
        description="Average level per dimension after supervisors' overrides; empty while the trainee's own "
        "assessment is running"
    )
    flagged: int | None = Field(description="Replies with a risk dimension at 2 or more, after review")
    final_trust: int | None = Field(description="The peer's trust (0-100) at the end, or now")
    rubric: str
    status: str
    minutes: float = Field(description="Practice time: from the start to the end (or the last reply)")
    boundary_tests: int | None = Field(default=None, description="Boundary tests the peer tried, when recorded")
    boundary_tests_declined: int | None = Field(default=None, description="Of those, the ones the trainee declined")
    crisis_moments: int | None = Field(default=None, description="Crisis moments, when the session records them")


class ProgressPublic(BaseModel):
    trainee: TraineeRef
    sessions: list[SessionProgressPublic] = Field(description="Every session of the trainee, oldest first")


class AgreementPublic(BaseModel):
    n: int = Field(description="Replies compared")
    exact: float | None = Field(description="Share of replies at the same level (null when n is 0)")
    flag_agreement: float | None = Field(description="Share where both flag (level 2+) or both do not")
    kappa: float | None = Field(description="Cohen's kappa; null when it cannot be computed")


class CohortAgreementPublic(BaseModel):
    dimensions: dict[str, AgreementPublic] = Field(description="The grader against the supervisors")
    between_supervisors: dict[str, AgreementPublic] = Field(
        description="Supervisor against supervisor, on replies two of them blind-graded"
    )
    confusion: dict[str, list[list[int]]] = Field(
        description="Per dimension, confusion[grader level][supervisor level]: replies"
    )
    reviewed_replies: int = Field(description="Replies a supervisor overrode or commented on")
    blind_grades: int = Field(description="Blind grades given")
