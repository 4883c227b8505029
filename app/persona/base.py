"""The persona's hidden state and the protocol persona engines follow."""

from collections.abc import AsyncIterator, Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from app.content.personas import Mood, Move, Persona, StageOfChange
from app.transcript import ContextTurn

Handling = Literal["accepted", "declined", "declined_coldly", "ignored", "asked_back"]
"""How the trainee answered a boundary test: a yes, a warm no, a cold no, a change of subject, a question back."""
AskedKind = Literal["topic", "fact", "crisis", "no_answer"]
CrisisResponse = Literal["answer", "heard", "brushed_off"]


class Asked(BaseModel):
    """What the trainee asked or mentioned, which the reply answers first."""

    kind: AskedKind
    id: str | None = None
    follow_up: bool = False


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
    seed: str = Field(default="", description="Varies openings, line choices and test order between sessions")
    listened: int = Field(default=0, description="Replies that reflected or validated: what deep facts need")
    ruptured_at: int | None = Field(default=None, description="The turn the peer last felt pushed")
    low_turns: int = Field(default=0, description="Turns in a row the peer has been shut down")
    crisis: str | None = Field(default=None, description="The crisis moment open now")
    crisis_turns: int = 0
    crises_seen: list[str] = Field(default_factory=list, description="Crisis moments opened so far")
    crisis_results: dict[str, CrisisResponse] = Field(default_factory=dict, description="How each was met, last")
    last_asked: Asked | None = Field(default=None, description="What the peer last answered about")


class BoundaryAnswer(BaseModel):
    """How the trainee handled the boundary test the peer tried last turn."""

    test: str
    handling: Handling


class CrisisReading(BaseModel):
    """One reply inside a crisis moment, checked against the rubric's crisis checklist."""

    moment: str
    asked_directly: bool = False
    met: list[str] = Field(default_factory=list, description="Checklist items the reply shows")
    missed: list[str] = Field(default_factory=list, description="'do' items it does not show")
    avoided: list[str] = Field(default_factory=list, description="'avoid' items it shows (a problem)")
    coaching: list[str] = Field(default_factory=list, description="What to do, from the checklist")
    response: CrisisResponse | None = None


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
    asked: Asked | None = Field(default=None, description="What the trainee asked or mentioned")
    crisis_now: str | None = Field(default=None, description="A crisis warning sign the peer gives in this reply")
    crisis: CrisisReading | None = Field(default=None, description="The reply checked inside a crisis moment")
    repaired: bool = Field(default=False, description="An apology after a rupture, taken")
    encouraged: bool = Field(default=False, description="A minimal encourager ('Mm-hm.'): the peer keeps talking")
    closing: bool = Field(default=False, description="The trainee ends the session: the peer says goodbye")
    leaving: bool = Field(default=False, description="The peer, shut down, tries to leave")
    trust_after: int | None = None


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
