"""Boundary and dependency tests: when the peer tries one, and what they say to how it was handled."""

import random

from app.content.difficulty import DifficultyLevel
from app.content.personas import BoundaryTest, Persona, Response
from app.persona.base import PersonaState, TurnReading


def is_due(test: BoundaryTest, *, state: PersonaState, trust: int, turn: int) -> bool:
    return (
        test.id not in state.tests_tried
        and turn >= test.min_turn
        and trust >= test.min_trust
        and all(fact in state.revealed for fact in test.requires)
    )


def next_test(
    *, persona: Persona, level: DifficultyLevel, state: PersonaState, trust: int, turn: int
) -> BoundaryTest | None:
    """One of the due tests (which one varies by session), once enough turns have passed since the last."""
    if state.last_test_turn is not None and turn - state.last_test_turn < level.test_spacing:
        return None
    due = [t for t in persona.boundary_tests if is_due(t, state=state, trust=trust, turn=turn)]
    return random.Random(f"{state.seed}/{turn}").choice(due) if due else None


def response_to_answer(persona: Persona, reading: TurnReading) -> Response | None:
    """What the peer says about how their test was handled; a decline made while pushing gets pushback.

    A file without a line for a cold no or a question back uses its warm-decline lines; one without a
    line for an ignored ask says nothing about it (the peer lets it drop).
    """
    answered = reading.answered
    if answered is None or (answered.handling != "accepted" and reading.reactions):
        return None
    test = persona.test(answered.test)
    if answered.handling == "accepted":
        return test.accepted
    if answered.handling == "ignored":
        return test.ignored
    written: Response | None = getattr(test, answered.handling)
    return written or test.declined
