"""A dry run of a session on the hidden state alone: which facts, tests and outcome a path reaches.

Used by `python -m app validate` to catch a persona whose thresholds no empathic trainee can reach.
"""

from dataclasses import dataclass, field
from itertools import cycle, islice

from app.content.difficulty import DifficultyLevel
from app.content.personas import Move, Persona
from app.content.rubrics import Rubric
from app.persona.state import initial_state, read_turn

SESSION_TURNS = 20
"""A long practice session, in trainee turns: no line may repeat in it."""

EMPATHIC_TURNS = 8
"""An empathic trainee reaches the outcome within this many turns."""

REHEARSAL_SEED = "rehearsal"
"""A dry run is reproducible: the same file always gives the same path."""


@dataclass
class Rehearsal:
    trust: list[int] = field(default_factory=list)
    revealed: list[str] = field(default_factory=list)
    tests_tried: list[str] = field(default_factory=list)
    outcome_turn: int | None = None
    crises_seen: list[str] = field(default_factory=list)


def empathic_scores(rubric: Rubric) -> dict[str, int]:
    """A clearly empathic reply with no risk: skills at level 2, risks at 0."""
    return {d.key: 2 if d.kind == "skill" else 0 for d in rubric.dimensions}


def rehearse(
    *,
    persona: Persona,
    rubric: Rubric,
    level: DifficultyLevel,
    scores: dict[str, int],
    turns: int = SESSION_TURNS,
    moves: tuple[Move, ...] = ("reflection", "question"),
) -> Rehearsal:
    state = initial_state(persona, level, seed=REHEARSAL_SEED)
    result = Rehearsal(trust=[state.trust])
    for turn, move in enumerate(islice(cycle(moves), turns), start=1):
        state, reading = read_turn(persona=persona, rubric=rubric, level=level, state=state, scores=scores, move=move)
        result.trust.append(state.trust)
        if reading.outcome_now:
            result.outcome_turn = turn
    result.revealed, result.tests_tried, result.crises_seen = state.revealed, state.tests_tried, state.crises_seen
    return result
