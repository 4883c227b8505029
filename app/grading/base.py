"""What every grader returns, and the protocol graders follow."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, Field

from app.transcript import ContextTurn

if TYPE_CHECKING:  # moment.py builds on base's types
    from app.grading.moment import CoachingMoment


class CoachingPoint(BaseModel):
    """One thing to change, for one flagged dimension."""

    dimension: str
    name: str
    level: int
    evidence: list[str] = Field(description="The trainee's words that triggered the flag")
    what_to_change: str
    principle: str
    why_now: str = Field(description="Why it matters for this peer at this moment")
    better_reply: str = Field(description="A better way to say it that keeps what went well")


class Coaching(BaseModel):
    worked: list[str] = Field(description="What went well: always at least one item")
    points: list[CoachingPoint] = Field(default_factory=list)
    summary: str


class Grade(BaseModel):
    scores: dict[str, int] = Field(description="Level 0-4 for every rubric dimension")
    evidence: dict[str, list[str]] = Field(default_factory=dict)
    coaching: Coaching
    grader: str = Field(description="Which grader produced this grade, e.g. 'offline'")

    def flagged(self, risk_keys: Sequence[str]) -> list[str]:
        """Risk dimensions at level 2 or more."""
        return [key for key in risk_keys if self.scores.get(key, 0) >= 2]


class Grader(Protocol):
    """Scores one trainee reply in context on every dimension of the grader's rubric.

    `moment` tells the coaching which peer line was answered, the model replies authored with it
    and what the better reply may name; without it, the grader reads the moment from the context."""

    name: str

    async def grade(
        self, *, context: Sequence[ContextTurn], reply: str, moment: "CoachingMoment | None" = None
    ) -> Grade: ...
