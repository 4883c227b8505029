"""Boundary and dependency tests: when the peer tries one, and how the trainee handled it."""

from app.content.difficulty import DifficultyLevel
from app.content.personas import BoundaryResponse, BoundaryTest, Persona
from app.content.rubrics import Rubric
from app.persona.base import BoundaryAnswer, PersonaState, TurnReading
from app.persona.reactions import triggered_reactions

CROSSED_LEVEL = 2
"""A dimension of the test's reaction kind at this level or more: the trainee went along with it."""


def answer_to_pending(
    *, persona: Persona, rubric: Rubric, state: PersonaState, scores: dict[str, int]
) -> BoundaryAnswer | None:
    """The grade of the reply to last turn's test says whether the trainee declined or went along:
    whether it clearly triggered the reaction kind the test is about (took_over, crossed_line)."""
    if state.pending_test is None:
        return None
    test = persona.test(state.pending_test)
    triggered = triggered_reactions(persona=persona, rubric=rubric, scores=scores)
    crossed = any(t.kind == test.reaction_kind and t.level >= CROSSED_LEVEL for t in triggered)
    return BoundaryAnswer(test=test.id, handling="accepted" if crossed else "declined")


def is_due(test: BoundaryTest, *, state: PersonaState, trust: int, turn: int) -> bool:
    return test.id not in state.tests_tried and turn >= test.min_turn and trust >= test.min_trust


def next_test(
    *, persona: Persona, level: DifficultyLevel, state: PersonaState, trust: int, turn: int
) -> BoundaryTest | None:
    """The first due test in file order, once enough turns have passed since the last one."""
    if state.last_test_turn is not None and turn - state.last_test_turn < level.test_spacing:
        return None
    return next((t for t in persona.boundary_tests if is_due(t, state=state, trust=trust, turn=turn)), None)


def response_to_answer(persona: Persona, reading: TurnReading) -> BoundaryResponse | None:
    """What the peer says about how their test was handled; a decline made while pushing gets pushback."""
    answered = reading.answered
    if answered is None or (answered.handling == "declined" and reading.reactions):
        return None
    test = persona.test(answered.test)
    return test.accepted if answered.handling == "accepted" else test.declined
