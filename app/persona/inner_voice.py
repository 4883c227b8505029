"""The peer's inner voice: what they think but do not say, chosen from what just happened."""

from app.content.personas import Mood, Persona
from app.persona.base import PersonaState, TurnReading
from app.persona.boundary_tests import response_to_answer
from app.persona.lines import LinePicker


def _thoughts_for(persona: Persona, reading: TurnReading) -> list[str]:
    """The most telling thing this turn: a test answered, pushback, the outcome, a fact, a test, feeling heard."""
    response = response_to_answer(persona, reading)
    if response:
        return response.inner_voice
    if reading.reactions:
        return persona.reactions[reading.reactions[0]].inner_voice
    if reading.outcome_now:
        return persona.outcome.inner_voice
    if reading.revealed_now and persona.fact(reading.revealed_now[0]).inner_voice:
        return persona.fact(reading.revealed_now[0]).inner_voice
    if reading.test_now:
        return persona.test(reading.test_now).inner_voice
    heard = [key for key in reading.heard if key in persona.reactions]
    return persona.reactions[heard[0]].inner_voice if heard else []


def think(*, persona: Persona, mood: Mood, state: PersonaState, reading: TurnReading | None = None) -> str:
    """A thought not used yet this session; `state.used_thoughts` remembers it."""
    picker = LinePicker(used_lines=state.used_thoughts, seed=f"{persona.id}/{state.turns}/thought")
    specific = _thoughts_for(persona, reading) if reading else []
    return picker.pick([specific, persona.inner_voice.for_mood(mood)])
