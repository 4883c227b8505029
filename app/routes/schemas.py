"""Request and response shapes of the JSON API."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt

from app.grading.base import Coaching
from app.models import SessionMode


class PersonaSummary(BaseModel):
    id: str
    name: str
    age: int
    pronouns: str
    summary: str
    stage_of_change: str
    difficulty: str
    version: str


class DimensionSummary(BaseModel):
    key: str
    name: str
    kind: str
    description: str


class RubricSummary(BaseModel):
    id: str
    name: str
    description: str
    version: str
    dimensions: list[DimensionSummary]


class SessionCreate(BaseModel):
    persona: str = Field(max_length=80)
    rubric: str = Field(default="crss-core", max_length=80)
    mode: SessionMode = Field(
        default=SessionMode.PRACTICE,
        description="practice: grades with every turn; assessment: only once the session ends",
    )


class SessionListItem(BaseModel):
    id: str
    trainee_id: int | None
    trainee_name: str
    persona: str
    rubric: str
    status: str
    created_at: datetime
    ended_at: datetime | None


class TurnCreate(BaseModel):
    text: str = Field(description="What the trainee says to the peer")


class OverridePublic(BaseModel):
    """A supervisor's change to one level of the grade, as the coaching beside it reports it."""

    dimension: str
    graded: int = Field(description="The grader's level")
    reviewed: int = Field(description="The supervisor's level, which stands")
    reason: str
    author: str


class GradePublic(BaseModel):
    grader: str
    scores: dict[str, int] = Field(description="The grader's own levels (the reviewed ones are the turn's scores)")
    evidence: dict[str, list[str]]
    coaching: Coaching = Field(description="The coaching, with the supervisors' overrides taken into account")
    overrides: list[OverridePublic] = Field(default_factory=list)


class ReviewPublic(BaseModel):
    id: int
    kind: str
    dimension: str | None
    level: int | None
    text: str
    author_name: str
    created_at: datetime


class ReviewCreate(BaseModel):
    kind: Literal["override", "comment"]
    text: str = Field(max_length=2000, description="The reason for an override, or the comment")
    dimension: str | None = Field(default=None, max_length=40)
    level: StrictInt | None = Field(default=None, ge=0, le=4)  # JSON's true is not a level


class TurnPublic(BaseModel):
    id: int
    position: int
    role: str
    text: str
    status: str
    error: str | None = None
    created_at: datetime
    grade: GradePublic | None = None
    reviews: list[ReviewPublic] = Field(default_factory=list)
    scores: dict[str, int] | None = Field(default=None, description="The grade after supervisors' overrides")
    persona_state: "PersonaStatePublic | None" = Field(
        default=None, description="The peer's state after this peer turn, as the replay shows it (exports only)"
    )


class PersonaStatePublic(BaseModel):
    """The peer's hidden state: shown live in practice mode, always in the supervisor's replay."""

    trust: int = Field(ge=0, le=100)
    mood: str
    revealed: list[str] = Field(description="Ids of the hidden facts the peer has told so far")
    outcome: bool = Field(description="Whether the conversation reached the persona's outcome")
    stage: str | None = Field(default=None, description="Stage of change, which can move on at the outcome")
    inner_voice: str | None = Field(default=None, description="What the peer thinks but does not say")


TurnPublic.model_rebuild()


class SessionPublic(BaseModel):
    id: str
    persona: str
    persona_version: str
    rubric: str
    rubric_version: str
    engine: str
    mode: str
    status: str
    trainee_name: str
    created_at: datetime
    ended_at: datetime | None
    persona_state: PersonaStatePublic | None = Field(description="None while an assessment holds it back")
    turns: list[TurnPublic]


class TurnResult(BaseModel):
    """The saved trainee turn with its grade, and the peer's reply."""

    turn: TurnPublic
    grade: GradePublic | None
    reply: TurnPublic
    persona_state: PersonaStatePublic | None = Field(description="None while an assessment holds it back")


class ErrorDetail(BaseModel):
    detail: Any
