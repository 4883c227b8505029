"""Parts of a persona file: who the peer is, their recovery, and the lines they say by move and mood."""

from typing import Literal

from pydantic import Field

from app.content.persona_lines import Line
from app.content.rubrics import StrictModel

Mood = Literal["shut_down", "guarded", "warming", "open"]
"""How the peer feels, from the trust meter: shut down below 20, guarded below 40, warming below 70."""
Move = Literal["question", "reflection", "statement"]
StageOfChange = Literal["precontemplation", "contemplation", "preparation", "action", "maintenance"]
CommunicationStyle = Literal["reserved", "talkative", "guarded", "people-pleasing", "upset", "tangential", "sarcastic"]
PathwayKind = Literal[
    "mutual_aid",
    "moud",
    "medication",
    "faith_based",
    "harm_reduction",
    "treatment",
    "therapy",
    "peer_support",
    "recovery_housing",
    "court_mandated",
    "family",
    "self_directed",
    "other",
]


class Identity(StrictModel):
    gender: str
    culture: str = Field(description="Heritage, faith, community: what shapes how they see help")
    languages: list[str] = Field(min_length=1)
    location: str


class LifeSituation(StrictModel):
    home: str
    work: str
    family: str
    people: dict[str, str] = Field(
        default_factory=dict, description="Name -> who they are; every line must agree with these"
    )


class Pathway(StrictModel):
    kind: PathwayKind
    detail: str


class RecoveryContext(StrictModel):
    substances: list[str] = Field(default_factory=list)
    mental_health: list[str] = Field(default_factory=list)
    pathways: list[Pathway] = Field(min_length=1)
    time_in_recovery: str = Field(description="In the peer's terms, e.g. 'seven weeks (since March 2)'")


class MoodLines(StrictModel):
    """Lines by mood; a peer who has shut down says the guarded ones (or the file's `shut_down` lines)."""

    guarded: list[Line] = Field(min_length=2)
    warming: list[Line] = Field(min_length=2)
    open: list[Line] = Field(min_length=2)

    def for_mood(self, mood: Mood) -> list[Line]:
        lines: list[Line] = getattr(self, "guarded" if mood == "shut_down" else mood)
        return lines


class Replies(StrictModel):
    """Lines that fit the trainee's move, by the peer's mood."""

    question: MoodLines
    reflection: MoodLines
    statement: MoodLines

    def for_move(self, move: Move) -> MoodLines:
        lines: MoodLines = getattr(self, move)
        return lines


class Talk(StrictModel):
    """How the peer talks about changing: sustain talk early in change, change talk later."""

    sustain: list[Line] = Field(min_length=3, description="Reasons not to change yet, ambivalence")
    change: list[Line] = Field(min_length=3, description="Desire, ability, reasons, need, commitment")
