"""What kind of move a trainee's reply makes: a reflection, a question or a statement.

The cue lists are rules of English conversation, not persona content.
"""

import re

from app.content.personas import Move

REFLECTION_CUES = (
    "sounds like",
    "sounds as if",
    "sounds as though",
    "that sounds",
    "it sounds",
    "it seems",
    "seems like",
    "you seem",
    "you feel",
    "you felt",
    "you're feeling",
    "you are feeling",
    "you've been feeling",
    "feels like",
    "i hear",
    "i'm hearing",
    "what i'm hearing",
    "must be",
    "must have been",
    "makes sense that",
    "makes sense you",
    "it makes sense",
    "you're saying",
    "you are saying",
    "if i understand",
    "i can tell",
    "i can see that",
    "i get the sense",
)

QUESTION_WORDS = ("what", "how", "why", "which", "who")

AUXILIARIES = tuple(
    "would could can do does did is are was were will have has had should shall may might".split()
)

SUBJECTS = tuple(
    "you i we they he she it that this there anyone anything someone something".split()
)

INVITATIONS = ("tell me", "i wonder", "i'm wondering", "i'm curious", "help me understand")


def _alternatives(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(map(re.escape, words)) + ")"


# "Do you feel ...?" asks about a feeling rather than mirroring it.
_NOT_ASKED = "".join(rf"(?<!\b{word} )" for word in (*AUXILIARIES, "how", "what"))
_REFLECTION = re.compile(rf"\b{_NOT_ASKED}{_alternatives(REFLECTION_CUES)}\b")
_QUESTION_OPENING = re.compile(
    rf"^(?:{_alternatives(QUESTION_WORDS + INVITATIONS)}"
    rf"|(?:when |where )?{_alternatives(AUXILIARIES)} {_alternatives(SUBJECTS)})\b"
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def _normalise(text: str) -> str:
    """Lower case, curly apostrophes made straight, spaces collapsed."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").lower().split())


def _sentences(text: str) -> list[str]:
    return [sentence.lstrip("\"'(-, ") for sentence in _SENTENCE_BREAK.split(text) if sentence]


def is_reflection(text: str) -> bool:
    return _REFLECTION.search(_normalise(text)) is not None


def is_question(text: str) -> bool:
    normal = _normalise(text)
    return "?" in normal or any(_QUESTION_OPENING.match(s) for s in _sentences(normal))


def classify_move(text: str) -> Move:
    """A reflection mirrors the peer's feeling or meaning and wins over a question asked with it."""
    if is_reflection(text):
        return "reflection"
    if is_question(text):
        return "question"
    return "statement"
