"""Persona schema: a simulated peer, their history, hidden facts, boundary tests and reactions.

Cross-checks between fields (a fact that requires an undefined fact, thresholds out of order, too
few lines for a session) live in `app.content.persona_checks`, so their messages can name the field.
"""

from typing import Literal, get_args

from pydantic import Field

from app.content.persona_parts import (
    CommunicationStyle,
    Identity,
    LifeSituation,
    Mood,
    MoodLines,
    Move,
    RecoveryContext,
    Replies,
    StageOfChange,
    Talk,
)
from app.content.rubrics import ContentFile, StrictModel

__all__ = [
    "Mood",
    "Move",
    "StageOfChange",
    "HiddenFact",
    "Reaction",
    "BoundaryResponse",
    "BoundaryTest",
    "Outcome",
    "Persona",
]

BoundaryKind = Literal[
    "friendship",
    "gift",
    "invitation",
    "money",
    "ride",
    "personal_contact",
    "keep_secret",
    "decide_for_me",
    "do_it_for_me",
]
DEPENDENCY_KINDS: frozenset[str] = frozenset({"decide_for_me", "do_it_for_me"})
"""Tests of self-determination; every other kind tests professional boundaries."""

MOVES: tuple[Move, ...] = get_args(Move)
MOODS: tuple[Mood, ...] = get_args(Mood)
_ID = r"^[a-z0-9][a-z0-9-]*$"


class HiddenFact(StrictModel):
    id: str = Field(pattern=_ID)
    trust: int = Field(ge=0, le=100, description="Trust the peer needs before saying this")
    requires: list[str] = Field(default_factory=list, description="Fact ids that must come out first")
    on_move: Move | None = Field(default=None, description="Only said in answer to this trainee move")
    summary: str = Field(description="The fact, for supervisors")
    reveal: list[str] = Field(min_length=1, description="What the peer says when they open up about it")
    inner_voice: list[str] = Field(default_factory=list, description="What they think as they say it")


class Reaction(StrictModel):
    """How the peer responds to a reaction kind (personas/_shared/reaction-kinds.yaml) a reply triggers."""

    trust_change: int = Field(ge=-30, le=30, description="Trust change for a clear (level 2) instance")
    lines: list[str] = Field(min_length=2)
    inner_voice: list[str] = Field(min_length=1)


class BoundaryResponse(StrictModel):
    lines: list[str] = Field(min_length=1)
    inner_voice: list[str] = Field(min_length=1)


class BoundaryTest(StrictModel):
    """Something the peer tries (asks to be friends, asks for a ride, asks to be told what to do)."""

    id: str = Field(pattern=_ID)
    kind: BoundaryKind
    min_trust: int = Field(default=0, ge=0, le=100, description="Trust the peer needs before trying it")
    min_turn: int = Field(default=1, ge=1, le=20, description="Earliest trainee turn after which it may come")
    ask: list[str] = Field(min_length=1, description="What the peer says to try it")
    inner_voice: list[str] = Field(min_length=1, description="What they think while asking")
    declined: BoundaryResponse = Field(description="The peer's next line after a warm, clear decline")
    accepted: BoundaryResponse = Field(description="The peer's next line after the trainee goes along with it")

    @property
    def reaction_kind(self) -> str:
        """The reaction kind whose dimensions' grades say whether the trainee went along with it."""
        return "took_over" if self.kind in DEPENDENCY_KINDS else "crossed_line"


class Outcome(StrictModel):
    """What success looks like in this conversation: the peer names their own next step."""

    description: str
    trust: int = Field(ge=0, le=100)
    min_facts: int = Field(default=1, ge=0, description="Hidden facts said before the peer gets there")
    requires: list[str] = Field(default_factory=list, description="Fact ids that must have come out")
    lines: list[str] = Field(min_length=1)
    inner_voice: list[str] = Field(min_length=1)


class Persona(ContentFile):
    name: str
    age: int = Field(ge=14, le=100)
    pronouns: str
    summary: str = Field(description="One line for the scenario picker")
    identity: Identity
    life_situation: LifeSituation
    background: str
    recovery_context: RecoveryContext
    stage_of_change: StageOfChange
    strengths: list[str] = Field(min_length=1)
    goals: list[str] = Field(min_length=1, description="In the peer's own words")
    triggers: list[str] = Field(min_length=1)
    communication_style: list[CommunicationStyle] = Field(min_length=1, max_length=3)
    voice: str = Field(description="How they talk: words, rhythm, what they do when uneasy")
    difficulty: str = Field(default="standard", pattern=_ID, description="A level of the difficulty file")
    initial_trust: int = Field(ge=0, le=100)
    opening_lines: list[str] = Field(min_length=1)
    inner_voice: MoodLines = Field(description="What the peer thinks but does not say, by mood")
    hidden_facts: list[HiddenFact] = Field(min_length=1)
    boundary_tests: list[BoundaryTest] = Field(min_length=1)
    reactions: dict[str, Reaction] = Field(description="Reaction kind -> how the peer responds to it")
    talk: Talk
    replies: Replies
    outcome: Outcome

    def fact(self, fact_id: str) -> HiddenFact:
        return next(f for f in self.hidden_facts if f.id == fact_id)

    def test(self, test_id: str) -> BoundaryTest:
        return next(t for t in self.boundary_tests if t.id == test_id)

    def spoken_lines(self) -> list[tuple[str, str]]:
        """Every line the peer can say, with the field it comes from."""
        found = [("opening_lines", line) for line in self.opening_lines]
        for i, fact in enumerate(self.hidden_facts):
            found += [(f"hidden_facts.{i}.reveal", line) for line in fact.reveal]
        for i, test in enumerate(self.boundary_tests):
            parts = {"ask": test.ask, "declined.lines": test.declined.lines, "accepted.lines": test.accepted.lines}
            found += [(f"boundary_tests.{i}.{part}", line) for part, lines in parts.items() for line in lines]
        found += [(f"reactions.{key}.lines", line) for key, r in self.reactions.items() for line in r.lines]
        found += [(f"talk.{kind}", line) for kind in ("sustain", "change") for line in getattr(self.talk, kind)]
        for move in MOVES:
            for mood in MOODS:
                found += [(f"replies.{move}.{mood}", line) for line in self.replies.for_move(move).for_mood(mood)]
        return found + [("outcome.lines", line) for line in self.outcome.lines]
