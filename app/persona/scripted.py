"""The offline persona engine: the peer's words come from the persona file, chosen by the reading.

Lines never repeat within a session (see `app.persona.lines`). A reply is built from a body line
(the answer to a boundary test, pushback, feeling heard, talk about change, or a reply to the move),
then what the peer opens up about, then a boundary test they try, then their own next step.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Sequence

from app.content.persona_parts import Mood, Move, Replies, StageOfChange
from app.content.personas import MOODS, MOVES, Persona
from app.persona.base import PersonaState, TurnReading
from app.persona.boundary_tests import response_to_answer
from app.persona.disclosure import STAGES, current_stage
from app.persona.lines import LinePicker
from app.transcript import ContextTurn

TALK_EVERY = 3
"""On every third calm turn the peer talks about change itself (sustain or change talk)."""
_WORD = re.compile(r"\s*\S+\s*")


def words(text: str) -> list[str]:
    """The text cut word by word, each word keeping the spaces after it."""
    return _WORD.findall(text)


def reply_tiers(replies: Replies, move: Move, mood: Mood) -> list[list[str]]:
    """Lines for this move and mood, then the move's other moods, then other moves in this mood."""
    for_move = replies.for_move(move)
    return [
        for_move.for_mood(mood),
        *(for_move.for_mood(other) for other in MOODS if other != mood),
        *(replies.for_move(other).for_mood(mood) for other in MOVES if other != move),
    ]


def talks_change(stage: StageOfChange, mood: Mood) -> bool:
    """Change talk once stage and mood together are far enough on; sustain talk before."""
    return STAGES.index(stage) + MOODS.index(mood) >= 3


def talk_lines(persona: Persona, state: PersonaState) -> list[str]:
    return persona.talk.change if talks_change(current_stage(persona, state), state.mood) else persona.talk.sustain


def first_tier(persona: Persona, state: PersonaState, reading: TurnReading) -> list[list[str]]:
    """What the body of the reply answers first, if anything comes before the move itself."""
    response = response_to_answer(persona, reading)
    if response:
        return [response.lines]
    if reading.reactions:
        return [persona.reactions[key].lines for key in reading.reactions]
    if reading.heard and reading.move != "reflection":
        return [persona.reactions[key].lines for key in reading.heard if key in persona.reactions]
    if state.turns % TALK_EVERY == 0 and not reading.revealed_now:
        return [talk_lines(persona, state)]
    return []


def body_tiers(persona: Persona, state: PersonaState, reading: TurnReading) -> list[list[str]]:
    return [*first_tier(persona, state, reading), *reply_tiers(persona.replies, reading.move, state.mood)]


def compose_reply(*, persona: Persona, state: PersonaState, reading: TurnReading, picker: LinePicker) -> str:
    """The body line, then what the peer opens up about, a test they try, their own next step."""
    parts = [picker.pick(body_tiers(persona, state, reading))]
    parts += [picker.pick([persona.fact(fact_id).reveal]) for fact_id in reading.revealed_now]
    if reading.test_now:
        parts.append(picker.pick([persona.test(reading.test_now).ask]))
    if reading.outcome_now:
        parts.append(picker.pick([persona.outcome.lines]))
    return " ".join(parts)


class ScriptedEngine:
    """Offline, reactive, reproducible: a replay of the same turns says the same lines."""

    name = "offline"

    def __init__(self, *, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    def opening(self, *, persona: Persona, state: PersonaState) -> str:
        picker = LinePicker(used_lines=state.used_lines, seed=f"{persona.id}/{state.turns}/0")
        return picker.pick([persona.opening_lines])

    async def stream_reply(
        self,
        *,
        persona: Persona,
        state: PersonaState,
        reading: TurnReading,
        history: Sequence[ContextTurn],
    ) -> AsyncIterator[str]:
        seed = f"{persona.id}/{state.turns}/{len(history)}"
        picker = LinePicker(used_lines=state.used_lines, seed=seed)
        text = compose_reply(persona=persona, state=state, reading=reading, picker=picker)
        for index, chunk in enumerate(words(text)):
            if index:
                await asyncio.sleep(self.delay_s)
            yield chunk
