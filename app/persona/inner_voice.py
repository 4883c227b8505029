"""The peer's inner voice: what they think but do not say, chosen from what just happened.

A thought that circles a hidden fact (the fact's `hint`) comes only while the fact is unsaid, so the
peer never thinks "maybe I'll tell them" about something already told.
"""

from app.content.personas import Mood, Persona
from app.persona.base import PersonaState, TurnReading
from app.persona.boundary_tests import response_to_answer
from app.persona.lines import LinePicker
from app.persona.reactions import reaction_of


def _crisis_thoughts(persona: Persona, reading: TurnReading) -> list[str]:
    if reading.crisis_now:
        return persona.crisis(reading.crisis_now).inner_voice
    if reading.crisis is None or reading.crisis.response in (None, "answer"):
        return []
    crisis = persona.crisis(reading.crisis.moment)
    return crisis.heard.inner_voice if reading.crisis.response == "heard" else crisis.brushed_off.inner_voice


def _thoughts_for(persona: Persona, reading: TurnReading) -> list[str]:
    """The most telling thing this turn: a crisis, a test answered, pushback, an apology, the outcome,
    a fact, a test, feeling heard."""
    if thoughts := _crisis_thoughts(persona, reading):
        return thoughts
    response = response_to_answer(persona, reading)
    if response:
        return response.inner_voice
    if reading.reactions and (reaction := reaction_of(persona, reading.reactions[0])):
        return reaction.inner_voice
    if reading.repaired and persona.repair:
        return persona.repair.inner_voice
    if reading.outcome_now:
        return persona.outcome.inner_voice
    if reading.revealed_now and persona.fact(reading.revealed_now[0]).inner_voice:
        return persona.fact(reading.revealed_now[0]).inner_voice
    if reading.test_now:
        return persona.test(reading.test_now).inner_voice
    heard = [reaction.inner_voice for kind in reading.heard if (reaction := reaction_of(persona, kind))]
    return heard[0] if heard else []


def _mood_thoughts(persona: Persona, mood: Mood, state: PersonaState) -> list[list[str]]:
    mood_lines: list[str] = list(persona.inner_voice.for_mood(mood))
    if mood == "shut_down" and persona.shut_down:
        return [persona.shut_down.inner_voice, mood_lines]
    hints = [line for fact in persona.hidden_facts if fact.id not in state.revealed for line in fact.hint]
    return [[*mood_lines, *(hints if mood != "guarded" else [])]]


def think(*, persona: Persona, mood: Mood, state: PersonaState, reading: TurnReading | None = None) -> str:
    """A thought not used yet this session; `state.used_thoughts` remembers it."""
    picker = LinePicker(used_lines=state.used_thoughts, seed=f"{persona.id}/{state.seed}/{state.turns}/thought")
    specific = _thoughts_for(persona, reading) if reading else []
    return picker.pick([specific, *_mood_thoughts(persona, mood, state)])
