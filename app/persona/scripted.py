"""The offline persona engine: the peer's words come from the persona file, chosen by the reading.

Lines never repeat within a session: every line said is remembered as a short hash in
`PersonaState.used_lines`. When the lines that fit are all used, the engine falls back to lines that
fit less well (see `reply_tiers`); only when every one of those is used too does it reuse the line
said least recently.
"""

import asyncio
import hashlib
import random
import re
from collections.abc import AsyncIterator, Sequence
from typing import get_args

from app.content.personas import Mood, Move, Persona, Replies
from app.grading.base import ContextTurn
from app.persona.base import PersonaState, TurnReading

MOODS: tuple[Mood, ...] = get_args(Mood)
MOVES: tuple[Move, ...] = get_args(Move)
_WORD = re.compile(r"\s*\S+\s*")


def line_hash(line: str) -> str:
    """How a line said is remembered: the first 12 hex digits of its SHA-1."""
    return hashlib.sha1(line.strip().encode("utf-8")).hexdigest()[:12]


def words(text: str) -> list[str]:
    """The text cut word by word, each word keeping the spaces after it."""
    return _WORD.findall(text)


class LinePicker:
    """Chooses lines the peer has not said yet, reproducibly from a seed, and remembers them."""

    def __init__(self, *, used_lines: list[str], seed: str) -> None:
        self.used_lines = used_lines
        self.rng = random.Random(seed)

    def pick(self, tiers: Sequence[Sequence[str]]) -> str:
        """An unused line from the first tier that has one, else the line said least recently."""
        said = set(self.used_lines)
        for tier in tiers:
            fresh = [line for line in tier if line_hash(line) not in said]
            if fresh:
                return self._say(self.rng.choice(fresh))
        return self._say(self._least_recent([line for tier in tiers for line in tier]))

    def _least_recent(self, lines: list[str]) -> str:
        last_said = {key: turn for turn, key in enumerate(self.used_lines)}
        return min(lines, key=lambda line: last_said[line_hash(line)])

    def _say(self, line: str) -> str:
        self.used_lines.append(line_hash(line))
        return line.strip()


def reply_tiers(replies: Replies, move: Move, mood: Mood) -> list[list[str]]:
    """Lines for this move and mood, then the move's other moods, then other moves in this mood."""
    for_move = replies.for_move(move)
    return [
        for_move.for_mood(mood),
        *(for_move.for_mood(other) for other in MOODS if other != mood),
        *(replies.for_move(other).for_mood(mood) for other in MOVES if other != move),
    ]


def body_tiers(persona: Persona, state: PersonaState, reading: TurnReading) -> list[list[str]]:
    """Pushback for the dimensions the peer reacts to, strongest first; else a reply to the move."""
    pushback = [persona.reactions[key].lines for key in reading.reactions]
    return [*pushback, *reply_tiers(persona.replies, reading.move, state.mood)]


def compose_reply(
    *, persona: Persona, state: PersonaState, reading: TurnReading, picker: LinePicker
) -> str:
    """The reply line, then what the peer opens up about, then the peer's own next step."""
    parts = [picker.pick(body_tiers(persona, state, reading))]
    parts += [picker.pick([persona.fact(fact_id).reveal]) for fact_id in reading.revealed_now]
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
