"""Cross-checks of a rubric against the reaction kinds: every dimension names the kind it triggers.

Messages name the field and list what is allowed, for the staff member who wrote the file.
"""

from app.content.reaction_kinds import ReactionKinds
from app.content.rubrics import Dimension, Rubric

SLOT = {"risk": "when_flagged", "skill": "when_present"}
"""The `triggers` field a dimension of each kind must fill."""


def _dimension_problems(index: int, dimension: Dimension, kinds: ReactionKinds) -> list[str]:
    slot, other = SLOT[dimension.kind], SLOT["skill" if dimension.kind == "risk" else "risk"]
    allowed = kinds.of_polarity(dimension.kind)
    field = f"dimensions.{index}.triggers"
    where = f"dimension '{dimension.key}' (a {dimension.kind})"
    if dimension.triggers is None or dimension.reaction_kind is None:
        return [
            f"field '{field}.{slot}' is missing: {where} must name the reaction kind it triggers in the peer,"
            f" e.g. `triggers: {{{slot}: {allowed[0] if allowed else '...'}}}`; expected one of {allowed}"
        ]
    problems = []
    if getattr(dimension.triggers, other) is not None:
        problems.append(f"field '{field}.{other}' is not used for {where}; only '{slot}' is")
    name = dimension.reaction_kind
    kind = kinds.root.get(name)
    if kind is None:
        problems.append(f"field '{field}.{slot}' is '{name}', not a reaction kind; expected one of {allowed}")
    elif kind.polarity != dimension.kind:
        problems.append(
            f"field '{field}.{slot}' is '{name}', a {kind.polarity} kind; {where} needs one of {allowed}"
        )
    return problems


def trigger_problems(rubric: Rubric, kinds: ReactionKinds) -> list[str]:
    """Every dimension maps to a known reaction kind of its own polarity."""
    return [problem for i, d in enumerate(rubric.dimensions) for problem in _dimension_problems(i, d, kinds)]
