"""The coaching moment of a trainee turn: the one place that gathers it from the persona and the conversation."""

from app.content.personas import Persona
from app.grading.moment import CoachingMoment, terms_of
from app.persona.model_replies import crisis_said, model_replies_for
from app.transcript import ContextTurn

_TERMS: dict[int, tuple[Persona, frozenset[str]]] = {}
"""The words of each persona file in use, by object: the catalog keeps one object per file version."""


def persona_terms(persona: Persona) -> frozenset[str]:
    cached = _TERMS.get(id(persona))
    if cached is None or cached[0] is not persona:
        if len(_TERMS) > 256:
            _TERMS.clear()
        cached = _TERMS[id(persona)] = (persona, terms_of([persona.model_dump_json()]))
    return cached[1]


def coaching_moment(*, persona: Persona, history: list[ContextTurn]) -> CoachingMoment:
    """What the trainee is answering (the peer's last line), with the words of the persona's file
    that a better reply may use besides the conversation's own."""
    base = CoachingMoment.from_context(history)
    return CoachingMoment(
        peer_line=base.peer_line,
        authored_replies=tuple(model_replies_for(persona, base.peer_line)),
        persona_terms=persona_terms(persona),
        crisis=base.crisis or crisis_said(persona, base.peer_line),
    )
