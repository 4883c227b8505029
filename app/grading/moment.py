"""The moment a coaching note is written for: what the peer just said, and what may be said back."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.grading.context_cues import peer_in_crisis
from app.transcript import ContextTurn

TERM = re.compile(r"[A-Za-z][A-Za-z'’-]*")
POSSESSIVE = re.compile(r"['’]s$")
LOWER_CASE_WORD = re.compile(r"\b[a-z][a-zA-Z'’-]*")
MID_SENTENCE_CAPITAL = re.compile(r"(?<![.!?\"“]\s)(?<![\"“])(?<!^)\b[A-Z][a-zA-Z'’-]+")


def term(word: str) -> str:
    """A word as a term: lower case, without a possessive "'s" ("Tyler's" is "tyler") or a closing quote mark
    ("'Sunshine'" is "sunshine")."""
    return POSSESSIVE.sub("", word.lower().replace("’", "'").rstrip("'"))


def terms_of(texts: Iterable[str]) -> frozenset[str]:
    """Every word of some texts as a term: the names, substances and events they mention."""
    return frozenset(term(word) for text in texts for word in TERM.findall(text))


def names_of(texts: Iterable[str]) -> frozenset[str]:
    """The terms some texts write with a capital inside a sentence and never in lower case: names ("Kayla",
    "Murphysboro", "AA"), which keep their capital when said back at the start of one."""
    texts = list(texts)
    capitalised = {term(word) for text in texts for word in MID_SENTENCE_CAPITAL.findall(text)}
    lower = {term(word) for text in texts for word in LOWER_CASE_WORD.findall(text)}
    return frozenset(name for name in capitalised - lower if name != "i" and not name.startswith("i'"))


@dataclass(frozen=True)
class CoachingMoment:
    """The peer's line the trainee answered, the model replies authored with it, the words the trainee
    was told about the persona before the conversation (its name and summary: what a better reply may
    name besides the conversation itself), whether it is a crisis, and the reaction kind the peer's line
    voices (how the trainee's last reply landed: "pushed", "talked_down"...), if it voices one; the
    names the persona's file and the conversation write with a capital (see names_of); and the model
    replies authored for the peer's line before this one (what could be gone back to, after "Mm.")."""

    peer_line: str
    authored_replies: tuple[str, ...]
    briefed_terms: frozenset[str]
    crisis: bool
    reaction: str | None = None
    names: frozenset[str] = frozenset()
    earlier_replies: tuple[str, ...] = ()

    @classmethod
    def from_context(cls, context: Iterable[ContextTurn]) -> "CoachingMoment":
        """The moment as far as the conversation alone tells it (no persona file, nothing authored)."""
        turns = list(context)
        peer_line = next((t.text for t in reversed(turns) if t.role == "peer"), "")
        return cls(
            peer_line=peer_line,
            authored_replies=(),
            briefed_terms=frozenset(),
            crisis=peer_in_crisis(peer_line),
            names=names_of(t.text for t in turns),
        )
