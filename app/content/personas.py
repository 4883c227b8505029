"""Persona schema: a simulated peer, their history, hidden facts and how they react."""

from typing import Literal

from pydantic import Field, model_validator

from app.content.rubrics import ContentFile, StrictModel

Mood = Literal["guarded", "warming", "open"]
Move = Literal["question", "reflection", "statement"]
StageOfChange = Literal["precontemplation", "contemplation", "preparation", "action", "maintenance"]


class RecoveryContext(StrictModel):
    substances: list[str] = Field(default_factory=list)
    mental_health: list[str] = Field(default_factory=list)
    pathways: list[str] = Field(default_factory=list, description="e.g. mutual aid, MOUD, faith-based")


class HiddenFact(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    trust: int = Field(ge=0, le=100, description="Trust the peer needs before saying this")
    summary: str = Field(description="The fact, for supervisors")
    reveal: list[str] = Field(min_length=1, description="What the peer says when they open up about it")


class Reaction(StrictModel):
    """How the peer responds when a reply shows this dimension (at level 2 or more)."""

    trust_change: int = Field(ge=-30, le=30, description="Trust change for a clear (level 2) instance")
    lines: list[str] = Field(min_length=2)


class MoodLines(StrictModel):
    guarded: list[str] = Field(min_length=2)
    warming: list[str] = Field(min_length=2)
    open: list[str] = Field(min_length=2)

    def for_mood(self, mood: Mood) -> list[str]:
        lines: list[str] = getattr(self, mood)
        return lines


class Replies(StrictModel):
    """Lines that fit the trainee's move, by the peer's mood."""

    question: MoodLines
    reflection: MoodLines
    statement: MoodLines

    def for_move(self, move: Move) -> MoodLines:
        lines: MoodLines = getattr(self, move)
        return lines


class Outcome(StrictModel):
    """What success looks like in this conversation: the peer names their own next step."""

    description: str
    trust: int = Field(ge=0, le=100)
    lines: list[str] = Field(min_length=1)


class Persona(ContentFile):
    name: str
    age: int = Field(ge=14, le=100)
    pronouns: str
    summary: str = Field(description="One line for the scenario picker")
    background: str
    recovery_context: RecoveryContext
    stage_of_change: StageOfChange
    strengths: list[str] = Field(min_length=1)
    goals: list[str] = Field(min_length=1)
    triggers: list[str] = Field(min_length=1)
    communication_style: str
    difficulty: Literal["gentle", "standard", "guarded"] = "standard"
    initial_trust: int = Field(ge=0, le=100)
    opening_lines: list[str] = Field(min_length=1)
    hidden_facts: list[HiddenFact] = Field(min_length=1)
    reactions: dict[str, Reaction]
    replies: Replies
    outcome: Outcome

    @model_validator(mode="after")
    def fact_ids_unique(self) -> "Persona":
        ids = [fact.id for fact in self.hidden_facts]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"hidden fact ids must be unique, repeated: {repeated}")
        return self

    def fact(self, fact_id: str) -> HiddenFact:
        return next(f for f in self.hidden_facts if f.id == fact_id)
