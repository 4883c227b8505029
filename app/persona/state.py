"""How the peer's hidden state moves with each graded reply: trust, mood, facts said, outcome."""

from dataclasses import dataclass

from app.content.personas import HiddenFact, Mood, Move, Persona
from app.content.rubrics import Rubric
from app.persona.base import PersonaState, TurnReading

SAFE_REPLY_BONUS = 2
"""Trust a reply earns just by carrying no risk at all."""

REACTION_LEVEL = 2
"""A risk dimension at this level or more is one the peer reacts to (a clear instance)."""


@dataclass(frozen=True)
class RateOfChange:
    """How fast a peer's trust moves: multipliers for what a reply earns and what it costs."""

    gains: float
    losses: float


RATES: dict[str, RateOfChange] = {
    "gentle": RateOfChange(gains=1.3, losses=0.7),
    "standard": RateOfChange(gains=1.0, losses=1.0),
    "guarded": RateOfChange(gains=0.7, losses=1.3),
}


def mood_for(trust: int) -> Mood:
    if trust < 40:
        return "guarded"
    if trust < 70:
        return "warming"
    return "open"


def initial_state(persona: Persona) -> PersonaState:
    return PersonaState(trust=persona.initial_trust, mood=mood_for(persona.initial_trust))


def _level(scores: dict[str, int], key: str) -> int:
    return scores.get(key, 0)


def trust_change(*, persona: Persona, rubric: Rubric, scores: dict[str, int]) -> int:
    """Each dimension present moves trust by its reaction's trust_change, scaled by level / 2.

    Level 2 is the clear instance the persona's trust_change is written for; a reply with no risk
    at all earns a small bonus. The persona's difficulty scales gains and losses apart.
    """
    changes = [
        persona.reactions[key].trust_change * _level(scores, key) / 2
        for key in rubric.keys
        if _level(scores, key) >= 1
    ]
    risk_keys = [d.key for d in rubric.dimensions if d.kind == "risk"]
    if all(_level(scores, key) == 0 for key in risk_keys):
        changes.append(SAFE_REPLY_BONUS)
    rate = RATES[persona.difficulty]
    gains = sum(change for change in changes if change > 0)
    losses = sum(change for change in changes if change < 0)
    return round(gains * rate.gains + losses * rate.losses)


def reactions_to(*, rubric: Rubric, scores: dict[str, int]) -> list[str]:
    """Risk dimensions at a clear level or more, strongest first (rubric order breaks ties)."""
    risk_keys = [d.key for d in rubric.dimensions if d.kind == "risk"]
    flagged = [key for key in risk_keys if _level(scores, key) >= REACTION_LEVEL]
    return sorted(flagged, key=lambda key: -_level(scores, key))


def next_fact(*, persona: Persona, state: PersonaState, trust: int) -> HiddenFact | None:
    """The unrevealed fact with the lowest threshold the peer now trusts enough to say."""
    unsaid = [fact for fact in persona.hidden_facts if fact.id not in state.revealed]
    ready = [fact for fact in unsaid if trust >= fact.trust]
    return min(ready, key=lambda fact: fact.trust, default=None)


def reaches_outcome(
    *, persona: Persona, state: PersonaState, trust: int, revealed: list[str]
) -> bool:
    """The peer names their own next step once, when trusting enough and after opening up."""
    return not state.outcome_reached and trust >= persona.outcome.trust and bool(revealed)


def _state_after(state: PersonaState, *, trust: int, reading: TurnReading) -> PersonaState:
    return state.model_copy(
        update={
            "trust": trust,
            "mood": mood_for(trust),
            "revealed": [*state.revealed, *reading.revealed_now],
            "used_lines": list(state.used_lines),
            "turns": state.turns + 1,
            "outcome_reached": state.outcome_reached or reading.outcome_now,
        }
    )


def read_turn(
    *,
    persona: Persona,
    rubric: Rubric,
    state: PersonaState,
    scores: dict[str, int],
    move: Move,
) -> tuple[PersonaState, TurnReading]:
    """The peer's next state and reading of the reply; the given state is left untouched."""
    change = trust_change(persona=persona, rubric=rubric, scores=scores)
    trust = min(100, max(0, state.trust + change))
    reactions = reactions_to(rubric=rubric, scores=scores)
    fact = None if reactions else next_fact(persona=persona, state=state, trust=trust)
    revealed_now = [fact.id] if fact else []
    outcome_now = not reactions and reaches_outcome(
        persona=persona, state=state, trust=trust, revealed=[*state.revealed, *revealed_now]
    )
    reading = TurnReading(
        move=move,
        scores=dict(scores),
        reactions=reactions,
        trust_before=state.trust,
        revealed_now=revealed_now,
        outcome_now=outcome_now,
    )
    return _state_after(state, trust=trust, reading=reading), reading
