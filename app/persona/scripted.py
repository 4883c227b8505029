"""The offline persona engine: the peer's words come from the persona file, chosen by the reading.

Lines never repeat within a session (see `app.persona.lines`). A reply answers first: an apology
taken, how a boundary test was handled, a crisis moment, what the trainee asked or mentioned. Then
comes the reaction to the move (pushback, feeling heard, talk about change, a reply to the move),
then what the peer opens up about, a warning sign or a test they try, and their own next step.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Sequence

from app.content.persona_parts import Mood, Move, Replies, StageOfChange
from app.content.personas import LINE_MOODS, MOVES, Line, Persona
from app.persona.answers import asked_tiers, crisis_tiers, reveal_tiers
from app.persona.base import PersonaState, TurnReading
from app.persona.boundary_tests import response_to_answer
from app.persona.disclosure import STAGES, current_stage
from app.persona.lines import LinePicker
from app.persona.reactions import reaction_of
from app.transcript import ContextTurn

TALK_EVERY = 3
"""On every third calm turn the peer talks about change itself (sustain or change talk)."""
_WORD = re.compile(r"\s*\S+\s*")


def words(text: str) -> list[str]:
    """The text cut word by word, each word keeping the spaces after it."""
    return _WORD.findall(text)


def reply_tiers(replies: Replies, move: Move, mood: Mood) -> list[list[Line]]:
    """Lines for this move and mood, then the move's other moods, then other moves in this mood."""
    for_move = replies.for_move(move)
    own = for_move.for_mood(mood)
    return [
        own,
        *(for_move.for_mood(other) for other in LINE_MOODS if for_move.for_mood(other) is not own),
        *(replies.for_move(other).for_mood(mood) for other in MOVES if other != move),
    ]


def talks_change(stage: StageOfChange, mood: Mood) -> bool:
    """Change talk once stage and mood together are far enough on; sustain talk before."""
    return STAGES.index(stage) + (LINE_MOODS.index(mood) if mood in LINE_MOODS else 0) >= 3


def talk_lines(persona: Persona, state: PersonaState) -> list[Line]:
    return persona.talk.change if talks_change(current_stage(persona, state), state.mood) else persona.talk.sustain


def _reaction_lines(persona: Persona, kinds: list[str]) -> list[list[Line]]:
    return [reaction.lines for kind in kinds if (reaction := reaction_of(persona, kind)) is not None]


def first_tier(persona: Persona, state: PersonaState, reading: TurnReading) -> list[list[Line]]:
    """What the body of the reply reacts to, if anything comes before a reply to the move itself."""
    if reading.reactions:
        return _reaction_lines(persona, reading.reactions)
    if state.mood == "shut_down" and persona.shut_down:
        return [persona.shut_down.lines]
    if reading.encouraged:  # "Mm-hm.": nothing to answer, so the peer goes on about their life
        return [talk_lines(persona, state)]
    if reading.heard and reading.move == "statement":  # a reflection is answered in kind, a question answered
        return _reaction_lines(persona, reading.heard)
    if state.turns % TALK_EVERY == 0 and not reading.revealed_now:
        return [talk_lines(persona, state)]
    return []


def body_tiers(persona: Persona, state: PersonaState, reading: TurnReading) -> list[list[Line]]:
    return [*first_tier(persona, state, reading), *reply_tiers(persona.replies, reading.move, state.mood)]


def _answers(persona: Persona, state: PersonaState, reading: TurnReading, picker: LinePicker) -> list[str]:
    """The reply's first lines: an apology taken, a test's answer, a crisis, what was asked."""
    parts = []
    if reading.repaired and persona.repair and (repair := picker.pick_fresh([persona.repair.lines])):
        parts.append(repair)
    response = response_to_answer(persona, reading)
    if response:
        parts.append(picker.pick([response.lines]))
    if tiers := crisis_tiers(persona, reading):
        parts.append(picker.pick(tiers))
        if reading.crisis and reading.crisis.response != "brushed_off":
            return parts  # a crisis answered or heard is the whole of what matters now
    question = reading.move == "question"
    no_answer = reading.asked is not None and reading.asked.kind == "no_answer"
    answers = (question or not reading.reactions) and not (parts and no_answer)  # a response said is answer enough
    tiers = asked_tiers(persona, state, reading) if answers else []
    asked = picker.pick_fresh(tiers)  # a line already said is not said again: the reply to the move answers
    return [*parts, *([asked] if asked else [])]


def compose_reply(*, persona: Persona, state: PersonaState, reading: TurnReading, picker: LinePicker) -> str:
    """What answers the trainee first, the reaction to the move, then what the peer brings up."""
    parts = _answers(persona, state, reading, picker)
    if reading.closing and not reading.crisis and persona.shut_down:  # the trainee ends the session: a goodbye
        if goodbye := picker.pick_fresh([persona.shut_down.leaving]):
            return " ".join([*parts, goodbye])  # after the answer to a test left open, if any
    if not parts:
        parts.append(picker.pick(body_tiers(persona, state, reading)))
    elif reading.reactions and not reading.answered:
        parts.append(picker.pick(_reaction_lines(persona, reading.reactions)))
    parts += [picker.pick(reveal_tiers(persona, fact_id)) for fact_id in reading.revealed_now]
    if reading.crisis_now:
        parts.append(picker.pick([persona.crisis(reading.crisis_now).signal]))
    if reading.test_now:
        parts.append(picker.pick([persona.test(reading.test_now).ask]))
    if reading.outcome_now:
        parts.append(picker.pick([persona.outcome.lines]))
    if reading.leaving and persona.shut_down and (leaving := picker.pick_fresh([persona.shut_down.leaving])):
        parts.append(leaving)
    return " ".join(parts)


class ScriptedEngine:
    """Offline, reactive, reproducible: a replay of the same turns says the same lines."""

    name = "offline"

    def __init__(self, *, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    def opening(self, *, persona: Persona, state: PersonaState) -> str:
        picker = LinePicker(used_lines=state.used_lines, seed=f"{persona.id}/{state.seed}/{state.turns}/0")
        return picker.pick([persona.opening_lines])

    async def stream_reply(
        self,
        *,
        persona: Persona,
        state: PersonaState,
        reading: TurnReading,
        history: Sequence[ContextTurn],
    ) -> AsyncIterator[str]:
        seed = f"{persona.id}/{state.seed}/{state.turns}/{len(history)}"
        picker = LinePicker(used_lines=state.used_lines, seed=seed)
        text = compose_reply(persona=persona, state=state, reading=reading, picker=picker)
        for index, chunk in enumerate(words(text)):
            if index:
                await asyncio.sleep(self.delay_s)
            yield chunk
