"""What the trainee asked or mentioned: a topic of the peer's world, a hidden fact, a crisis asked
about directly, a follow-up on the peer's own last words, or a plain fact the file has no answer to.

Cues come from the persona file (names, aliases, topic words); the longest cues found win, so
"your son's birthday" goes to the son rather than to the peer's own birthday.
"""

import re

from app.content.personas import CrisisMoment, Move, Persona
from app.persona.base import Asked, PersonaState
from app.persona.cues import FACT_QUESTION, FOLLOW_UP, OPEN_QUESTION, best_cue, normalise

DIRECT_QUESTIONS: dict[str, tuple[str, ...]] = {
    "suicidal": (
        r"\bsuicid",
        r"\bkill(ing)? (yourself|urself)",
        r"\b(end|ending|take|taking) (your|ur) (own )?life",
        r"\b(hurt|hurting|harm|harming) (yourself|urself)",
        r"\b(want|wanting|wanted|wish|wishing) to (die|be dead|not be here|not wake up|disappear)",
        r"\bnot (want|wanting|wanna) to (be alive|live|wake up|be here|be around)",
        r"\bbetter off dead",
        r"\bthoughts? (of|about) (death|dying|not being here|not waking up|ending)",
        r"\b(not|never) wak(e|ing) up",
    ),
    "overdose": (r"\boverdos", r"\bod\b", r"\bnarcan\b", r"\bnaloxone\b", r"\busing alone\b", r"\btolerance\b"),
    "harm_from_others": (
        r"\bare you safe\b",
        r"\bfeel safe\b",
        r"\bsafe (at|in) (home|the house|your home)",
        r"\b(hurt|hurts|hurting|hit|hits|hitting|threaten\w*|scare[sd]?) you\b",
        r"\bafraid of (him|her|them)\b",
    ),
}
"""Plain words for asking about a risk directly, by the family of the crisis's `risk`."""

RISK_FAMILY = {
    "passive_suicidal": "suicidal",
    "active_suicidal": "suicidal",
    "overdose": "overdose",
    "harm_from_others": "harm_from_others",
}


def asks_about_crisis(crisis: CrisisMoment, text: str) -> bool:
    """The trainee asks about this risk in plain words (or in the persona's own words for it)."""
    patterns = DIRECT_QUESTIONS[RISK_FAMILY[crisis.risk]]
    return any(re.search(p, text) for p in patterns) or best_cue(text, crisis.cues) > 0


def _matches(persona: Persona, text: str) -> list[tuple[int, Asked]]:
    found = [(best_cue(text, t.cues), Asked(kind="topic", id=t.id)) for t in persona.world]
    found += [(best_cue(text, f.cues), Asked(kind="fact", id=f.id)) for f in persona.hidden_facts]
    return [(score, asked) for score, asked in found if score > 0]


def _best(persona: Persona, text: str) -> Asked | None:
    matches = _matches(persona, text)
    return max(matches, key=lambda match: match[0])[1] if matches else None


def _last_subject(persona: Persona, state: PersonaState, last_peer: str) -> Asked | None:
    """What the peer's own last words were about: a fact just told, what they answered, a cue in them."""
    told = [
        f.id
        for f in persona.hidden_facts
        if f.id in state.revealed and any(normalise(x) in last_peer for x in f.reveal)
    ]
    if told:
        return Asked(kind="fact", id=told[-1])
    if state.last_asked is not None and state.last_asked.kind in ("topic", "fact"):
        return state.last_asked
    return _best(persona, last_peer)


def hear(*, persona: Persona, state: PersonaState, text: str, last_peer: str, move: Move) -> Asked | None:
    """What the trainee's words ask or mention, if anything the peer can answer to."""
    said = normalise(text)
    crisis = next((c for c in persona.crises if asks_about_crisis(c, said)), None)
    if crisis is not None:
        return Asked(kind="crisis", id=crisis.id)
    if FOLLOW_UP.search(said) and last_peer:
        before = _last_subject(persona, state, normalise(last_peer))
        if before is not None:
            return before.model_copy(update={"follow_up": True})
    asked = _best(persona, said)
    if asked is not None:
        return asked
    if move == "question" and FACT_QUESTION.search(said) and not OPEN_QUESTION.search(said):
        return Asked(kind="no_answer")
    return None
