"""What a persona engine sends while it writes: words to add, the reply taken back and rewritten, a notice.

An engine that checks its words as they stream (the LLM engine) can take back what it has sent so
far: the page then swaps the words shown for the new text, and only the final text is saved.
"""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from app.content.personas import Persona
from app.persona.base import PersonaEngine, PersonaState, TurnReading
from app.transcript import ContextTurn


@dataclass(frozen=True)
class Piece:
    """More words of the reply."""

    text: str


@dataclass(frozen=True)
class Replace:
    """Everything sent so far is withdrawn: the reply is now `text`, and more pieces may follow."""

    text: str


@dataclass(frozen=True)
class Notice:
    """Something the trainee should know about this reply; saved as the turn's error."""

    message: str


ReplyEvent = Piece | Replace | Notice


def revise(text: str, event: ReplyEvent) -> str:
    """The reply so far, after one more event."""
    if isinstance(event, Piece):
        return text + event.text
    if isinstance(event, Replace):
        return event.text
    return text


@runtime_checkable
class RevisingEngine(Protocol):
    """A persona engine that may take back words it has streamed."""

    def stream_events(
        self, *, persona: Persona, state: PersonaState, reading: TurnReading, history: Sequence[ContextTurn]
    ) -> AsyncIterator[ReplyEvent]: ...


async def reply_events(
    engine: PersonaEngine,
    *,
    persona: Persona,
    state: PersonaState,
    reading: TurnReading,
    history: Sequence[ContextTurn],
) -> AsyncIterator[ReplyEvent]:
    """The engine's reply as events, whether or not it can revise it."""
    if isinstance(engine, RevisingEngine):
        async for event in engine.stream_events(persona=persona, state=state, reading=reading, history=history):
            yield event
        return
    async for piece in engine.stream_reply(persona=persona, state=state, reading=reading, history=history):
        yield Piece(piece)
