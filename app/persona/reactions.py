"""The one place the engine reads a persona's reaction to a graded reply.

A reply triggers a reaction for each rubric dimension the peer reacts to: a risk at a clear level
(the peer pulls back) or a skill clearly present (the peer feels heard). In this version a reaction's
kind is the dimension's key.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from app.content.personas import Persona, Reaction
from app.content.rubrics import Rubric

REACTION_LEVEL = 2
"""A dimension at this level or more is one the peer reacts to (a clear instance)."""


@dataclass(frozen=True)
class TriggeredReaction:
    kind: str
    dimension: str
    level: int
    reaction: Reaction


def triggered_reactions(*, persona: Persona, rubric: Rubric, scores: Mapping[str, int]) -> list[TriggeredReaction]:
    """Every dimension scored 1 or more that the persona has a reaction for, in rubric order.

    Callers pick what they need: risks at `REACTION_LEVEL` for pushback, skills for feeling heard,
    and every level for the trust change.
    """
    return [
        TriggeredReaction(kind=d.key, dimension=d.key, level=scores.get(d.key, 0), reaction=persona.reactions[d.key])
        for d in rubric.dimensions
        if scores.get(d.key, 0) >= 1 and d.key in persona.reactions
    ]


def reaction_of(persona: Persona, kind: str) -> Reaction | None:
    """The persona's reaction of this kind (for a reading saved earlier), if it has one."""
    return persona.reactions.get(kind)
