"""Request and response shapes of the JSON API."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.grading.base import Coaching


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
    trainee_name: str = Field(default="", max_length=80)


class TurnCreate(BaseModel):
    text: str = Field(description="What the trainee says to the peer")


class GradePublic(BaseModel):
    grader: str
    scores: dict[str, int]
    evidence: dict[str, list[str]]
    coaching: Coaching


class TurnPublic(BaseModel):
    id: int
    position: int
    role: str
    text: str
    status: str
    error: str | None = None
    created_at: datetime
    grade: GradePublic | None = None


class PersonaStatePublic(BaseModel):
    trust: int
    mood: str
    revealed: list[str]
    outcome: bool


class SessionPublic(BaseModel):
    id: str
    persona: str
    persona_version: str
    rubric: str
    rubric_version: str
    engine: str
    status: str
    trainee_name: str
    created_at: datetime
    ended_at: datetime | None
    persona_state: PersonaStatePublic
    turns: list[TurnPublic]


class TurnResult(BaseModel):
    """The saved trainee turn with its grade, and the peer's reply."""

    turn: TurnPublic
    grade: GradePublic | None
    reply: TurnPublic
    persona_state: PersonaStatePublic


class ErrorDetail(BaseModel):
    detail: Any
