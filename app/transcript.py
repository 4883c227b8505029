"""What a conversation is, for every layer that reads one: the grader, the persona engines, the practice loop."""

from typing import Literal

from pydantic import BaseModel

Speaker = Literal["peer", "trainee"]


class ContextTurn(BaseModel):
    """One line of the conversation so far: who said it, and what."""

    role: Speaker
    text: str
