"""Persona schema: a simulated peer, their history, hidden facts, boundary tests and reactions.

Cross-checks between fields (a fact that requires an undefined fact, thresholds out of order, too
few lines for a session) live in `app.validation.persona_checks`, so their messages can name the field.
"""

from typing import Literal, get_args

from pydantic import Field

from app.content.persona_lines import Line
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
from app.content.persona_world import CrisisMoment, Response, ShutDown, Topic, better_replies_field
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
    "Line",
    "Topic",
    "CrisisMoment",
    "Response",
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
LINE_MOODS: tuple[Mood, ...] = ("guarded", "warming", "open")
"""The moods a file writes lines for; a peer who has shut down falls back on the guarded ones."""
RESPONSES = ("declined", "accepted", "declined_coldly", "ignored", "asked_back")
"""How a trainee can answer a boundary test, each with the peer's response."""
_ID = r"^[a-z0-9][a-z0-9-]*$"


class HiddenFact(StrictModel):
    id: str = Field(pattern=_ID)
    trust: int = Field(ge=0, le=100, description="Trust the peer needs before saying this")
    requires: list[str] = Field(default_factory=list, description="Fact ids that must come out first")
    on_move: Move | None = Field(default=None, description="Only said in answer to this trainee move")
    summary: str = Field(description="The fact, for supervisors")
    reveal: list[Line] = Field(
        min_length=1, description="What the peer says when they open up; the first line carries the context"
    )
    inner_voice: list[str] = Field(default_factory=list, description="What they think as they say it")
    cues: list[str] = Field(default_factory=list, description="Words of a question that comes close to it")
    deflect: list[Line] = Field(default_factory=list, description="In character, when asked before they're ready")
    key_details: list[str] = Field(
        default_factory=list, description="Words that give it away: no line outside its reveal may say them"
    )
    hint: list[str] = Field(default_factory=list, description="Inner voice circling it, only while it is unsaid")
    better_replies: list[str] = better_replies_field()


class Reaction(StrictModel):
    """How the peer responds when a reply shows this dimension (at level 2 or more)."""

    trust_change: int = Field(ge=-30, le=30, description="Trust change for a clear (level 2) instance")
    lines: list[Line] = Field(min_length=2)
    inner_voice: list[str] = Field(min_length=1)


BoundaryResponse = Response


class BoundaryTest(StrictModel):
    """Something the peer tries (asks to be friends, asks for a ride, asks to be told what to do)."""

    id: str = Field(pattern=_ID)
    kind: BoundaryKind
    min_trust: int = Field(default=0, ge=0, le=100, description="Trust the peer needs before trying it")
    min_turn: int = Field(default=1, ge=1, le=20, description="Earliest trainee turn after which it may come")
    requires: list[str] = Field(default_factory=list, description="Fact ids that come out before the ask")
    cues: list[str] = Field(default_factory=list, description="Words that show a reply is about the ask")
    ask: list[Line] = Field(min_length=1, description="What the peer says to try it")
    inner_voice: list[str] = Field(min_length=1, description="What they think while asking")
    declined: Response = Field(description="The peer's next line after a warm, clear decline")
    accepted: Response = Field(description="The peer's next line after the trainee goes along with it")
    declined_coldly: Response | None = Field(default=None, description="After a flat no with no warmth")
    ignored: Response | None = Field(default=None, description="After a change of subject: pressed, or a hurt note")
    asked_back: Response | None = Field(default=None, description="After a question back: the peer explains")
    better_replies: list[str] = better_replies_field()

    @property
    def dimension(self) -> str:
        """The rubric dimension whose grade says whether the trainee went along with it."""
        return "dependency" if self.kind in DEPENDENCY_KINDS else "boundaries"


class Outcome(StrictModel):
    """What success looks like in this conversation: the peer names their own next step."""

    description: str
    trust: int = Field(ge=0, le=100)
    min_facts: int = Field(default=1, ge=0, description="Hidden facts said before the peer gets there")
    requires: list[str] = Field(default_factory=list, description="Fact ids that must have come out")
    lines: list[Line] = Field(min_length=1)
    inner_voice: list[str] = Field(min_length=1)
    better_replies: list[str] = better_replies_field()


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
    opening_lines: list[Line] = Field(min_length=1)
    inner_voice: MoodLines = Field(description="What the peer thinks but does not say, by mood")
    hidden_facts: list[HiddenFact] = Field(min_length=1)
    boundary_tests: list[BoundaryTest] = Field(min_length=1)
    reactions: dict[str, Reaction]
    talk: Talk
    replies: Replies
    outcome: Outcome
    world: list[Topic] = Field(default_factory=list, description="What the peer can be asked about")
    no_answer: list[Line] = Field(
        default_factory=list, description="When asked something the file has no answer to, said as a person would"
    )
    crises: list[CrisisMoment] = Field(default_factory=list, description="Risks the peer carries")
    shut_down: ShutDown | None = None
    repair: Response | None = Field(default=None, description="When an apology and listening mend a rupture")

    def fact(self, fact_id: str) -> HiddenFact:
        return next(f for f in self.hidden_facts if f.id == fact_id)

    def test(self, test_id: str) -> BoundaryTest:
        return next(t for t in self.boundary_tests if t.id == test_id)

    def topic(self, topic_id: str) -> Topic:
        return next(t for t in self.world if t.id == topic_id)

    def crisis(self, crisis_id: str) -> CrisisMoment:
        return next(c for c in self.crises if c.id == crisis_id)

    def spoken_lines(self) -> list[tuple[str, Line]]:
        """Every line the peer can say, with the field it comes from."""
        found = [("opening_lines", line) for line in self.opening_lines]
        for i, fact in enumerate(self.hidden_facts):
            found += [
                (f"hidden_facts.{i}.{part}", line) for part in ("reveal", "deflect") for line in getattr(fact, part)
            ]
        for i, test in enumerate(self.boundary_tests):
            found += [(f"boundary_tests.{i}.ask", line) for line in test.ask]
            for part in RESPONSES:
                response: Response | None = getattr(test, part)
                found += [(f"boundary_tests.{i}.{part}.lines", line) for line in (response.lines if response else [])]
        found += [(f"reactions.{key}.lines", line) for key, r in self.reactions.items() for line in r.lines]
        found += [(f"talk.{kind}", line) for kind in ("sustain", "change") for line in getattr(self.talk, kind)]
        for move in MOVES:
            for mood in LINE_MOODS:
                found += [(f"replies.{move}.{mood}", line) for line in self.replies.for_move(move).for_mood(mood)]
        found += [("outcome.lines", line) for line in self.outcome.lines]
        return found + self._world_lines() + self._crisis_lines()

    def _world_lines(self) -> list[tuple[str, Line]]:
        found = [
            (f"world.{i}.{part}", line)
            for i, t in enumerate(self.world)
            for part in ("guarded", "open")
            for line in getattr(t, part)
        ]
        found += [("no_answer", line) for line in self.no_answer]
        if self.shut_down:
            found += [
                (f"shut_down.{part}", line) for part in ("lines", "leaving") for line in getattr(self.shut_down, part)
            ]
        return found + [("repair.lines", line) for line in (self.repair.lines if self.repair else [])]

    def _crisis_lines(self) -> list[tuple[str, Line]]:
        found: list[tuple[str, Line]] = []
        for i, crisis in enumerate(self.crises):
            found += [(f"crises.{i}.{part}", line) for part in ("signal", "answer") for line in getattr(crisis, part)]
            found += [
                (f"crises.{i}.{part}.lines", line)
                for part in ("heard", "brushed_off")
                for line in getattr(crisis, part).lines
            ]
        return found
