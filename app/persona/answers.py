"""The lines that answer what the trainee asked or mentioned, and what a crisis moment calls for.

Each function returns tiers of lines for the `LinePicker`, best first; no tiers: nothing to answer.
"""

from app.content.personas import Line, Persona
from app.persona.base import PersonaState, TurnReading

Tiers = list[list[Line]]


def topic_tiers(persona: Persona, state: PersonaState, topic_id: str) -> Tiers:
    """A guarded answer at low trust, a fuller one from warming (once the facts it builds on are out)."""
    topic = persona.topic(topic_id)
    fuller_allowed = all(fact in state.revealed for fact in topic.requires)
    if not fuller_allowed:
        return [topic.guarded]
    if state.mood in ("shut_down", "guarded"):
        return [topic.guarded, topic.open]
    return [topic.open, topic.guarded]


def reveal_tiers(persona: Persona, fact_id: str) -> Tiers:
    """The first reveal line carries the context; the others answer follow-ups."""
    reveal = persona.fact(fact_id).reveal
    return [reveal[:1], reveal[1:]]


def fact_tiers(persona: Persona, state: PersonaState, reading: TurnReading, fact_id: str) -> Tiers:
    """A fact asked about: its next reveal line once told, a deflection in character until then."""
    if fact_id in reading.revealed_now:
        return []  # it comes out in its own part of the reply
    fact = persona.fact(fact_id)
    if fact_id in state.revealed:
        return [fact.reveal[1:], fact.reveal[:1]]
    return [fact.deflect or persona.no_answer]


def crisis_tiers(persona: Persona, reading: TurnReading) -> Tiers:
    if reading.crisis is None or reading.crisis.response is None:
        return []
    crisis = persona.crisis(reading.crisis.moment)
    if reading.crisis.response == "answer":
        return [crisis.answer]
    return [crisis.heard.lines if reading.crisis.response == "heard" else crisis.brushed_off.lines]


def asked_tiers(persona: Persona, state: PersonaState, reading: TurnReading) -> Tiers:
    """What answers the trainee's question or mention, before the peer's reaction to the move."""
    asked = reading.asked
    if asked is None or asked.kind == "crisis":
        return []
    if asked.kind == "topic" and asked.id:
        return topic_tiers(persona, state, asked.id)
    if asked.kind == "fact" and asked.id:
        return fact_tiers(persona, state, reading, asked.id)
    return [persona.no_answer] if persona.no_answer else []
