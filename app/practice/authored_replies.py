"""The model replies authored in persona files, checked the way the coach checks a better reply before
showing it: one that fails is never shown, and the coach composes one instead. `python -m app
check-replies` reports them, so a persona's author can rewrite what would be dropped."""

from collections.abc import Iterator
from dataclasses import dataclass

from app.content.personas import Persona
from app.grading.better_reply import BetterReplies
from app.grading.cues import words
from app.practice.coaching_moment import coaching_moment
from app.transcript import ContextTurn

WORTH_A_REPLY = 5
"""A line this many words long or longer is worth replies of its own; a shorter one ("Okay.", "Mm-hm.")
gets the coach's wording for the move it makes."""


@dataclass(frozen=True)
class DroppedReply:
    field: str
    line: str
    reply: str
    problems: list[str]


def dropped_replies(persona: Persona, better: BetterReplies) -> Iterator[DroppedReply]:
    """Each model reply authored with a line that fails a check when the trainee answers that line."""
    for field, line in persona.spoken_lines():
        context = [ContextTurn(role="peer", text=str(line))]
        moment = coaching_moment(persona=persona, history=context)
        for reply in line.better_replies:
            if problems := better.problems(reply, moment, context):
                yield DroppedReply(field=field, line=str(line), reply=reply, problems=problems)


def lines_without_replies(persona: Persona) -> list[str]:
    """The persona's lines long enough to deserve model replies of their own that have none."""
    return [
        str(line)
        for _, line in persona.spoken_lines()
        if not line.better_replies and len(words(str(line))) >= WORTH_A_REPLY
    ]
