"""How much a reply moves the peer's trust: its grade, what kind of reply it was, and what it mends.

Plain information questions build a little rapport and no more; an apology after a rupture wins
trust back; how a boundary test or a crisis was met moves it too.
"""

from collections.abc import Mapping

from app.content.difficulty import DifficultyLevel
from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.persona.base import CrisisResponse, Handling
from app.persona.reactions import triggered_reactions

SAFE_REPLY_BONUS = 2
"""Trust a reply earns just by carrying no risk at all."""

INFO_QUESTION_GAIN = 3
"""The most a plain information question earns: rapport, not the trust that opens deep things."""

REPAIR_BONUS = 10
"""Trust an apology wins back after a rupture (before the difficulty's multiplier)."""

RUPTURE = -5
"""A reply that costs at least this much trust is a rupture an apology can mend."""

REPAIR_WINDOW = 4
"""An apology mends a rupture made within this many turns."""

HANDLING_CHANGE: dict[Handling, int] = {
    "accepted": 0,
    "declined": 3,
    "declined_coldly": -3,
    "ignored": -2,
    "asked_back": 1,
}
"""Trust moved by how a boundary test was met, beyond the grade: a warm, clear no earns respect."""

CRISIS_CHANGE: dict[CrisisResponse, int] = {"answer": 4, "heard": 6, "brushed_off": -8}

def grade_change(*, persona: Persona, rubric: Rubric, level: DifficultyLevel, scores: Mapping[str, int]) -> int:
    """Each dimension present moves trust by its reaction's trust_change, scaled by level / 2.

    Level 2 is the clear instance the persona's trust_change is written for; a reply with no risk
    at all earns a small bonus. The difficulty level scales gains and losses apart, and caps what one
    reply can earn, so trust is built over several good turns rather than won by one.
    """
    changes = [
        t.reaction.trust_change * t.level / 2
        for t in triggered_reactions(persona=persona, rubric=rubric, scores=scores)
    ]
    if all(scores.get(d.key, 0) == 0 for d in rubric.dimensions if d.kind == "risk"):
        changes.append(SAFE_REPLY_BONUS)
    gains = sum(change for change in changes if change > 0)
    losses = sum(change for change in changes if change < 0)
    return min(round(gains * level.gains), level.max_gain) + round(losses * level.losses)


def scaled(change: int, level: DifficultyLevel) -> int:
    return round(change * (level.gains if change > 0 else level.losses))
