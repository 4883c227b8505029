"""The persona's hidden state and the protocol persona engines follow."""

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from pydantic import BaseModel, Field

from app.content.personas import Mood, Move, Persona
from app.grading.base import ContextTurn


class PersonaState(BaseModel):
    """What the peer feels and has said so far; saved with the session after every turn."""

    trust: int = Field(ge=0, le=100)
    mood: Mood
    revealed: list[str] = Field(default_factory=list, description="Ids of hidden facts said so far")
    used_lines: list[str] = Field(default_factory=list, description="Hashes of lines already said")
    turns: int = 0
    outcome_reached: bool = False


class TurnReading(BaseModel):
    """How the peer reads the trainee's last reply: from the quick grade, before any words are written."""

    move: Move
    scores: dict[str, int]
    reactions: list[str] = Field(description="Risk dimensions the peer reacts to, strongest first")
    trust_before: int
    revealed_now: list[str] = Field(default_factory=list)
    outcome_now: bool = False


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
