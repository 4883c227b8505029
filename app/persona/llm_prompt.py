"""The LLM persona's system prompt: prompts/persona/system.jinja, filled from the persona file and its state.

Only facts already said and the one fact the quick grade's reading allows now are put in the
prompt; facts the peer is not ready to say never reach the model.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.content.personas import HiddenFact, Persona, StageOfChange
from app.content.prompts import literal_text, load_prompt
from app.persona.answers import asked_tiers, crisis_tiers
from app.persona.base import PersonaState, TurnReading
from app.persona.boundary_tests import response_to_answer
from app.persona.reactions import reaction_of

TEMPLATE = "persona/system.jinja"
EXAMPLES = 3
"""Lines of the persona file shown to the model as samples of its voice, per kind."""

EARLY_STAGES: frozenset[StageOfChange] = frozenset({"precontemplation", "contemplation"})
"""Stages in which the peer mostly talks about reasons not to change yet (sustain talk)."""


def _facts(persona: Persona, ids: Iterable[str]) -> list[HiddenFact]:
    known = {fact.id: fact for fact in persona.hidden_facts}
    return [known[fact_id] for fact_id in ids if fact_id in known]


HANDLED = {
    "accepted": "went along with it",
    "declined": "kindly and clearly said no",
    "declined_coldly": "said no, flatly, with no warmth",
    "ignored": "did not answer it and talked about something else",
    "asked_back": "asked you why you were asking",
}


def _answer_values(persona: Persona, reading: TurnReading) -> dict[str, Any]:
    """The boundary test the peer tried last turn and the lines for how the trainee handled it."""
    known = {test.id: test for test in persona.boundary_tests}
    test = known.get(reading.answered.test) if reading.answered else None
    if test is None or reading.answered is None:
        return {"answered_test": None, "answered_handling": None, "answered_lines": []}
    response = response_to_answer(persona, reading)
    return {
        "answered_test": test,
        "answered_handling": HANDLED[reading.answered.handling],
        "answered_lines": response.lines if response else [],
    }


def _asked_values(persona: Persona, state: PersonaState, reading: TurnReading) -> dict[str, Any]:
    """What the trainee asked about, with lines that answer it; a crisis and how it was met."""
    asked = [line for tier in asked_tiers(persona, state, reading) for line in tier][:EXAMPLES]
    crisis = [line for tier in crisis_tiers(persona, reading) for line in tier][:EXAMPLES]
    signal = persona.crisis(reading.crisis_now).signal[:1] if reading.crisis_now else []
    return {"asked": reading.asked, "asked_lines": asked, "crisis_lines": crisis, "crisis_signal": signal}


def prompt_values(persona: Persona, state: PersonaState, reading: TurnReading) -> dict[str, Any]:
    stage = state.stage or persona.stage_of_change
    tests = {test.id: test for test in persona.boundary_tests}
    talk = persona.talk.sustain if stage in EARLY_STAGES else persona.talk.change
    return {
        "persona": persona,
        "state": state,
        "stage": stage,
        "reading": reading,
        "told": _facts(persona, [f for f in state.revealed if f not in reading.revealed_now]),
        "fact_now": next(iter(_facts(persona, reading.revealed_now)), None),
        "test_now": tests.get(reading.test_now) if reading.test_now else None,
        "reactions": {kind: r for kind in reading.reactions if (r := reaction_of(persona, kind)) is not None},
        "shut_down": persona.shut_down if state.mood == "shut_down" else None,
        "repair": persona.repair if reading.repaired else None,
        "talk": talk[:EXAMPLES],
        "examples": persona.replies.for_move(reading.move).for_mood(state.mood)[:EXAMPLES],
        **_answer_values(persona, reading),
        **_asked_values(persona, state, reading),
    }


@dataclass(frozen=True)
class PersonaPrompt:
    content_dir: Path

    def render(self, *, persona: Persona, state: PersonaState, reading: TurnReading) -> str:
        return load_prompt(self.content_dir, TEMPLATE).render(prompt_values(persona, state, reading)).strip()

    def instructions(self) -> str:
        """The template's own words, which the peer must never repeat."""
        return literal_text(self.content_dir, TEMPLATE)
