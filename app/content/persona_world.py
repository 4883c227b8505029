"""Parts of a persona file that let the peer answer what was asked and meet a crisis honestly.

- `world`: the people, work, home, history, recovery supports, routines and interests the peer can
  talk about, each found by its cues (names, aliases, words a trainee would use) and answered with a
  guarded line at low trust and a fuller one once the peer is warming.
- `crises`: a risk the peer carries (thoughts of suicide, overdose risk, harm from someone else):
  the warning sign they give, their honest answer to a direct question, and how they take being
  heard or brushed off.
- `shut_down` and `repair`: what the peer says at very low trust, and when an apology mends a rupture.
"""

from typing import Literal

from pydantic import Field

from app.content.persona_lines import MAX_BETTER_REPLIES, Line
from app.content.rubrics import StrictModel

TopicKind = Literal["self", "person", "work", "home", "history", "recovery", "routine", "interest"]
RiskKind = Literal["passive_suicidal", "active_suicidal", "overdose", "harm_from_others"]
_ID = r"^[a-z0-9][a-z0-9-]*$"


def better_replies_field() -> list[str]:
    return Field(
        default_factory=list,
        max_length=MAX_BETTER_REPLIES,
        description="Up to three replies a skilled peer specialist would give to any of these lines",
    )


class Topic(StrictModel):
    """Something in the peer's life they can be asked about; every line must agree with the file."""

    id: str = Field(pattern=_ID)
    kind: TopicKind
    cues: list[str] = Field(min_length=1, description="Names, aliases and words that show a trainee means this")
    guarded: list[Line] = Field(min_length=1, description="A short answer that still says the plain facts")
    open: list[Line] = Field(min_length=1, description="A fuller answer, once the peer is warming")
    requires: list[str] = Field(default_factory=list, description="Fact ids these lines build on")
    better_replies: list[str] = better_replies_field()


class Response(StrictModel):
    lines: list[Line] = Field(min_length=1)
    inner_voice: list[str] = Field(min_length=1)


class CrisisMoment(StrictModel):
    """A risk the peer carries: when they signal it, and how they answer and react."""

    id: str = Field(pattern=_ID)
    risk: RiskKind
    summary: str = Field(description="The risk, for supervisors")
    trust: int = Field(ge=0, le=100, description="Trust the peer needs before giving the warning sign")
    min_turn: int = Field(default=1, ge=1, le=20, description="Earliest trainee turn after which it may come")
    requires: list[str] = Field(default_factory=list, description="Fact ids that come out before the sign")
    cues: list[str] = Field(
        default_factory=list, description="Words of a direct question about this risk, besides the common ones"
    )
    signal: list[Line] = Field(min_length=1, description="The warning sign the peer gives, unprompted")
    inner_voice: list[str] = Field(min_length=1, description="What they think as they give it")
    answer: list[Line] = Field(min_length=1, description="Their honest answer when asked directly")
    heard: Response = Field(description="Relief, when asked directly and listened to")
    brushed_off: Response = Field(description="Withdrawal, when the trainee moves past it")
    better_replies: list[str] = better_replies_field()


class ShutDown(StrictModel):
    """At very low trust the peer answers in a few words, and may try to leave."""

    lines: list[Line] = Field(min_length=2)
    leaving: list[Line] = Field(min_length=1)
    inner_voice: list[str] = Field(min_length=1)
