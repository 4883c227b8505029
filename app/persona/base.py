"""The persona's hidden state and the protocol persona engines follow."""

from collections.abc import AsyncIterator, Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from app.content.personas import Mood, Move, Persona, StageOfChange
from app.transcript import ContextTurn

Handling = Literal["declined", "accepted"]


class PersonaState(BaseModel):
    """What the peer feels and has said so far; saved with the session after every turn."""

    trust: int = Field(ge=0, le=100)
    mood: Mood
    stage: StageOfChange | None = Field(default=None, description="Stage of change now; None: the persona's")
    inner_voice: str = Field(default="", description="What the peer thinks but does not say, this turn")
    revealed: list[str] = Field(default_factory=list, description="Ids of hidden facts said so far")
    used_lines: list[str] = Field(default_factory=list, description="Hashes of lines already said")
    used_thoughts: list[str] = Field(default_factory=list, description="Hashes of inner-voice lines used")
    turns: int = 0
    outcome_reached: bool = False
    tests_tried: list[str] = Field(default_factory=list, description="Ids of boundary tests tried so far")
    pending_test: str | None = Field(default=None, description="A test tried last turn, awaiting the answer")
    last_test_turn: int | None = None
    test_results: dict[str, Handling] = Field(default_factory=dict, description="How each test was handled")


class BoundaryAnswer(BaseModel):
    """How the trainee handled the boundary test the peer tried last turn."""

    test: str
    handling: Handling


class TurnReading(BaseModel):
    """How the peer reads the trainee's last reply: from the quick grade, before any words are written."""

    move: Move
    scores: dict[str, int]
    reactions: list[str] = Field(description="Risk reaction kinds the peer feels (level 2+), strongest first")
    heard: list[str] = Field(default_factory=list, description="Skill reaction kinds the peer feels (level 2+)")
    trust_before: int
    revealed_now: list[str] = Field(default_factory=list)
    outcome_now: bool = False
    test_now: str | None = Field(default=None, description="A boundary test the peer tries in this reply")
    answered: BoundaryAnswer | None = None


class PersonaEngine(Protocol):
    """Writes the peer's words, streamed piece by piece. State changes happen before, not here."""

    name: str

    def opening(self, *, persona: Persona, state: PersonaState) -> str: ...

    def stream_reply(
        self,
        *,
        persona: Persona,
        state: PersonaState,
        reading: TurnReading,
        history: Sequence[ContextTurn],
    ) -> AsyncIterator[str]: ...
