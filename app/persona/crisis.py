"""Crisis moments: when the peer gives a warning sign, and how the trainee's replies meet the rubric's
crisis checklist while the moment is open.

A moment opens when the peer gives its sign or the trainee asks about the risk directly. While it
is open, each reply is checked: the peer is relieved when asked directly and heard, and withdraws
when brushed off. It closes once the trainee connects the peer to help, after a brush-off, or after
a few turns.
"""

import re

from app.content.personas import CrisisMoment, Persona
from app.content.rubrics import CrisisCheck
from app.persona.base import CrisisReading, CrisisResponse, PersonaState
from app.persona.cues import normalise

OPEN_TURNS = 3
"""A crisis moment stays open for this many trainee replies at most."""

CLOSES_IT = "connects_to_help"
"""The checklist item that, once met, closes the moment (the peer is connected to help)."""


def _shows(check: CrisisCheck, text: str) -> bool:
    return any(re.search(cue, text, re.IGNORECASE) for cue in check.cues)


def check_reply(*, moment: str, text: str, checklist: list[CrisisCheck], asked_directly: bool) -> CrisisReading:
    said = normalise(text)
    shown = [check for check in checklist if _shows(check, said)]
    reading = CrisisReading(moment=moment, asked_directly=asked_directly)
    reading.met = [c.key for c in shown if c.kind == "do"]
    reading.avoided = [c.key for c in shown if c.kind == "avoid"]
    reading.missed = [c.key for c in checklist if c.kind == "do" and c not in shown]
    reading.coaching = [c.coaching for c in checklist if c.key in reading.avoided or c.key in reading.missed]
    return reading


def respond(reading: CrisisReading, *, risk_flagged: bool) -> CrisisResponse:
    """Relief when asked directly or heard; withdrawal when brushed off, put off, or pushed."""
    if reading.avoided or risk_flagged or not reading.met:
        return "brushed_off"
    return "heard"


def closes(reading: CrisisReading, state: PersonaState) -> bool:
    return (
        reading.response == "brushed_off"
        or (reading.response == "heard" and CLOSES_IT in reading.met)
        or state.crisis_turns + 1 >= OPEN_TURNS
    )


def due_crisis(*, persona: Persona, state: PersonaState, trust: int, turn: int) -> CrisisMoment | None:
    """A warning sign the peer is ready to give unprompted."""
    for crisis in persona.crises:
        if (
            crisis.id not in state.crises_seen
            and trust >= crisis.trust
            and turn >= crisis.min_turn
            and all(fact in state.revealed for fact in crisis.requires)
        ):
            return crisis
    return None
