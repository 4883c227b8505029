"""The one place the engine reads a persona's reactions: a graded reply -> the reactions it triggers.

Rubrics and personas meet through reaction kinds (personas/_shared/reaction-kinds.yaml): each rubric
dimension names the kind it triggers (`triggers.when_flagged` for a risk, `when_present` for a
skill) and each persona carries one reaction per kind. So a rubric with any dimension keys works
with every persona, and nothing else in the engine needs to know either side's keys.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from app.content.personas import Persona, Reaction
from app.content.rubrics import Rubric

REACTION_LEVEL = 2
"""A dimension at this level or more is flagged (a risk) or present (a skill): the peer feels it."""


@dataclass(frozen=True)
class TriggeredReaction:
    kind: str
    dimension: str
    level: int
    reaction: Reaction

    @property
    def felt(self) -> bool:
        """A clear instance (level 2+): the peer says and thinks something about it."""
        return self.level >= REACTION_LEVEL

    @property
    def costs_trust(self) -> bool:
        return self.reaction.trust_change < 0


def triggered_reactions(*, persona: Persona, rubric: Rubric, scores: Mapping[str, int]) -> list[TriggeredReaction]:
    """The persona's reaction to each dimension the reply shows at all (level 1 or more), strongest first.

    Slight instances (level 1) only move trust a little; `felt` ones (level 2+) are what the peer
    answers, in the order of Rubric.strongest_first.
    A dimension with no reaction kind, or a kind the persona has no reaction for, triggers nothing
    (`python -m app validate` reports both).
    """
    found = []
    for dimension in rubric.strongest_first(scores):
        kind = dimension.reaction_kind
        reaction = persona.reactions.get(kind) if kind else None
        if kind and reaction is not None:
            level = scores[dimension.key]
            found.append(TriggeredReaction(kind=kind, dimension=dimension.key, level=level, reaction=reaction))
    return found


def reaction_of(persona: Persona, kind: str) -> Reaction | None:
    """The persona's reaction of this kind (for a reading saved earlier), if it has one."""
    return persona.reactions.get(kind)


def dimensions_of_kind(rubric: Rubric, kind: str) -> list[str]:
    """The rubric's dimensions that trigger this reaction kind (a boundary test is about one kind)."""
    return [d.key for d in rubric.dimensions if d.reaction_kind == kind]
