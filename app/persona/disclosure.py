"""What the peer opens up about, and when: hidden facts and the outcome (their own next step)."""

from app.content.personas import HiddenFact, Move, Persona, StageOfChange
from app.persona.base import PersonaState

STAGES: tuple[StageOfChange, ...] = ("precontemplation", "contemplation", "preparation", "action", "maintenance")


def fact_ready(fact: HiddenFact, *, trust: int, revealed: list[str], move: Move) -> bool:
    """Trusting enough, the facts it builds on said, and (if the fact asks for one) the right move."""
    return trust >= fact.trust and all(needed in revealed for needed in fact.requires) and fact.on_move in (None, move)


def next_fact(*, persona: Persona, state: PersonaState, trust: int, move: Move) -> HiddenFact | None:
    """The unsaid fact with the lowest threshold the peer is now ready to say."""
    unsaid = [fact for fact in persona.hidden_facts if fact.id not in state.revealed]
    ready = [fact for fact in unsaid if fact_ready(fact, trust=trust, revealed=state.revealed, move=move)]
    return min(ready, key=lambda fact: fact.trust, default=None)


def reaches_outcome(*, persona: Persona, state: PersonaState, trust: int, revealed: list[str]) -> bool:
    """The peer names their own next step once: trusting enough, after opening up enough."""
    outcome = persona.outcome
    return (
        not state.outcome_reached
        and trust >= outcome.trust
        and len(revealed) >= outcome.min_facts
        and all(needed in revealed for needed in outcome.requires)
    )


def current_stage(persona: Persona, state: PersonaState) -> StageOfChange:
    return state.stage or persona.stage_of_change


def stage_after_outcome(stage: StageOfChange) -> StageOfChange:
    """Naming their own next step moves the peer one stage on (maintenance stays maintenance)."""
    return STAGES[min(STAGES.index(stage) + 1, len(STAGES) - 1)]
