"""The LLM persona engine: the peer's words come from a model, streamed, and checked as they come.

Each token is checked against the rules (app.persona.rules) before it is sent on. A reply that
breaks one is stopped there, taken back and written again once; if the second try breaks a rule
too, the scripted engine's line replaces it. When the endpoint does not answer at all, the scripted
line is used and the turn says why; when it fails mid-reply, what arrived is kept and the error
goes up to the pipeline, which saves both.
"""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass

from app.content.personas import Persona
from app.llm import ChatMessage, ChatModel, LlmError
from app.persona.base import PersonaEngine, PersonaState, TurnReading
from app.persona.events import Notice, Piece, Replace, ReplyEvent, revise
from app.persona.llm_prompt import PersonaPrompt
from app.persona.rules import Breach, ReplyRules
from app.transcript import ContextTurn

log = logging.getLogger(__name__)

ATTEMPTS = 2
"""A reply that breaks a rule is written again once, then replaced by the scripted line."""

HISTORY_TURNS = 24
"""How many of the latest turns the model sees (the system prompt carries what came before)."""


@dataclass(frozen=True)
class PersonaModel:
    name: str
    max_tokens: int
    temperature: float


def conversation(history: Sequence[ContextTurn]) -> list[ChatMessage]:
    """The peer's turns as the model's own, the trainee's as the user's."""
    return [
        ChatMessage(role="assistant" if turn.role == "peer" else "user", content=turn.text)
        for turn in history[-HISTORY_TURNS:]
    ]


class _Draft:
    """One attempt at the reply: the words sent so far and the rule they broke, if any."""

    def __init__(self, rules: ReplyRules) -> None:
        self.rules = rules
        self.text = ""
        self.breach: Breach | None = None

    def accept(self, token: str) -> bool:
        """Take the token if the reply still keeps every rule with it."""
        self.breach = self.rules.check(self.text + token)
        if self.breach is None:
            self.text += token
        return self.breach is None


class LlmPersonaEngine:
    name = "llm"

    def __init__(self, *, llm: ChatModel, model: PersonaModel, prompt: PersonaPrompt, fallback: PersonaEngine) -> None:
        self.llm = llm
        self.model = model
        self.prompt = prompt
        self.fallback = fallback

    def opening(self, *, persona: Persona, state: PersonaState) -> str:
        """The persona file's opening line: nothing has happened yet for a model to react to."""
        return self.fallback.opening(persona=persona, state=state)

    async def stream_reply(
        self, *, persona: Persona, state: PersonaState, reading: TurnReading, history: Sequence[ContextTurn]
    ) -> AsyncIterator[str]:
        """The checked reply in one piece, for callers that cannot take back words already shown."""
        text = ""
        async for event in self.stream_events(persona=persona, state=state, reading=reading, history=history):
            text = revise(text, event)
        yield text

    async def stream_events(
        self, *, persona: Persona, state: PersonaState, reading: TurnReading, history: Sequence[ContextTurn]
    ) -> AsyncIterator[ReplyEvent]:
        system = self.prompt.render(persona=persona, state=state, reading=reading)
        messages = [ChatMessage(role="system", content=system), *conversation(history)]
        rules = ReplyRules(
            persona=persona, allowed=[*state.revealed, *reading.revealed_now], instructions=self.prompt.instructions()
        )
        for attempt in range(1, ATTEMPTS + 1):
            draft = _Draft(rules)
            try:
                async for piece in self._write(messages, draft):
                    yield piece
            except LlmError as exc:
                if draft.text:
                    raise  # words were shown: they stay, and the pipeline says the reply broke off
                log.warning("persona model did not answer: %s", exc.reason)
                yield Notice(f"The language model did not answer ({exc.reason}), so the scripted peer replied.")
                break
            if draft.breach is None:
                return
            log.warning("persona reply broke the %s rule (attempt %d)", draft.breach.rule, attempt)
            if draft.text and attempt < ATTEMPTS:
                yield Replace("")
        yield Replace(await self._scripted(persona=persona, state=state, reading=reading, history=history))

    async def _write(self, messages: list[ChatMessage], draft: _Draft) -> AsyncIterator[Piece]:
        """Stream one attempt, stopping before the first token that would break a rule."""
        tokens = self.llm.stream_chat(
            model=self.model.name,
            messages=messages,
            max_tokens=self.model.max_tokens,
            temperature=self.model.temperature,
        )
        async with aclosing(tokens):
            async for token in tokens:
                if not draft.accept(token):
                    return
                yield Piece(token)
        if not draft.text.strip():
            draft.breach = Breach("empty")

    async def _scripted(
        self, *, persona: Persona, state: PersonaState, reading: TurnReading, history: Sequence[ContextTurn]
    ) -> str:
        pieces = self.fallback.stream_reply(persona=persona, state=state, reading=reading, history=history)
        return "".join([piece async for piece in pieces]).strip()
