"""How the peer's hidden state moves with each graded reply: trust, mood, facts said, tests, outcome."""

from app.content.difficulty import DifficultyLevel
from app.content.personas import Mood, Move, Persona
from app.content.rubrics import Rubric
from app.persona.base import PersonaState, TurnReading
from app.persona.boundary_tests import answer_to_pending, next_test
from app.persona.disclosure import current_stage, next_fact, reaches_outcome, stage_after_outcome
from app.persona.inner_voice import think
from app.persona.reactions import triggered_reactions

SAFE_REPLY_BONUS = 2
"""Trust a reply earns just by carrying no risk at all."""


def mood_for(trust: int) -> Mood:
    if trust < 40:
        return "guarded"
    if trust < 70:
        return "warming"
    return "open"


def starting_trust(persona: Persona, level: DifficultyLevel) -> int:
    return min(100, max(0, persona.initial_trust + level.trust_offset))


def initial_state(persona: Persona, level: DifficultyLevel) -> PersonaState:
    trust = starting_trust(persona, level)
    state = PersonaState(trust=trust, mood=mood_for(trust), stage=persona.stage_of_change)
    state.inner_voice = think(persona=persona, mood=state.mood, state=state)
    return state


def _level(scores: dict[str, int], key: str) -> int:
    return scores.get(key, 0)


def _risk_keys(rubric: Rubric) -> list[str]:
    return [d.key for d in rubric.dimensions if d.kind == "risk"]


def trust_change(*, persona: Persona, rubric: Rubric, level: DifficultyLevel, scores: dict[str, int]) -> int:
    """Each dimension present moves trust by its reaction's trust_change, scaled by level / 2.

    Level 2 is the clear instance the persona's trust_change is written for; a reply with no risk
    at all earns a small bonus. The difficulty level scales gains and losses apart, and caps what one
    reply can earn, so trust is built over several good turns rather than won by one.
    """
    triggered = triggered_reactions(persona=persona, rubric=rubric, scores=scores)
    changes = [t.reaction.trust_change * t.level / 2 for t in triggered]
    if all(_level(scores, key) == 0 for key in _risk_keys(rubric)):
        changes.append(SAFE_REPLY_BONUS)
    gains = sum(change for change in changes if change > 0)
    losses = sum(change for change in changes if change < 0)
    return min(round(gains * level.gains), level.max_gain) + round(losses * level.losses)


def felt_kinds(*, persona: Persona, rubric: Rubric, scores: dict[str, int], risks: bool) -> list[str]:
    """Reaction kinds the peer clearly feels (level 2+), risks or skills, strongest first, each once."""
    triggered = triggered_reactions(persona=persona, rubric=rubric, scores=scores)
    return list(dict.fromkeys(t.kind for t in triggered if t.felt and t.costs_trust == risks))


def _reading(
    *,
    persona: Persona,
    rubric: Rubric,
    level: DifficultyLevel,
    state: PersonaState,
    scores: dict[str, int],
    move: Move,
    trust: int,
) -> TurnReading:
    reading = TurnReading(
        move=move,
        scores=dict(scores),
        reactions=felt_kinds(persona=persona, rubric=rubric, scores=scores, risks=True),
        heard=felt_kinds(persona=persona, rubric=rubric, scores=scores, risks=False),
        trust_before=state.trust,
        answered=answer_to_pending(persona=persona, rubric=rubric, state=state, scores=scores),
    )
    if reading.reactions:  # a peer who feels pushed opens up about nothing and tries nothing
        return reading
    fact = next_fact(persona=persona, state=state, trust=trust, move=move)
    reading.revealed_now = [fact.id] if fact else []
    revealed = [*state.revealed, *reading.revealed_now]
    reading.outcome_now = reaches_outcome(persona=persona, state=state, trust=trust, revealed=revealed)
    if not fact and not reading.outcome_now:
        test = next_test(persona=persona, level=level, state=state, trust=trust, turn=state.turns + 1)
        reading.test_now = test.id if test else None
    return reading


def _state_after(persona: Persona, state: PersonaState, *, trust: int, reading: TurnReading) -> PersonaState:
    stage = current_stage(persona, state)
    after = state.model_copy(
        update={
            "trust": trust,
            "mood": mood_for(trust),
            "stage": stage_after_outcome(stage) if reading.outcome_now else stage,
            "revealed": [*state.revealed, *reading.revealed_now],
            "used_lines": list(state.used_lines),
            "used_thoughts": list(state.used_thoughts),
            "turns": state.turns + 1,
            "outcome_reached": state.outcome_reached or reading.outcome_now,
            "tests_tried": [*state.tests_tried, *([reading.test_now] if reading.test_now else [])],
            "pending_test": reading.test_now,
            "last_test_turn": state.turns + 1 if reading.test_now else state.last_test_turn,
            "test_results": state.test_results
            | ({reading.answered.test: reading.answered.handling} if reading.answered else {}),
        }
    )
    after.inner_voice = think(persona=persona, mood=after.mood, state=after, reading=reading)
    return after


def read_turn(
    *,
    persona: Persona,
    rubric: Rubric,
    level: DifficultyLevel,
    state: PersonaState,
    scores: dict[str, int],
    move: Move,
) -> tuple[PersonaState, TurnReading]:
    """The peer's next state and reading of the reply; the given state is left untouched."""
    change = trust_change(persona=persona, rubric=rubric, level=level, scores=scores)
    trust = min(100, max(0, state.trust + change))
    reading = _reading(
        persona=persona, rubric=rubric, level=level, state=state, scores=scores, move=move, trust=trust
    )
    return _state_after(persona, state, trust=trust, reading=reading), reading
