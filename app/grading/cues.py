"""Surface cues in a reply: the rubric's indicator phrases, and general language cues.

The general cues are plain features of English (obligation modals, tentative phrasing, who the
reply is about, questions, imperatives), not rules for particular replies: the classifier learns
from the labelled examples how much each one counts for each dimension.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.content.rubrics import Rubric

WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+|\n+")
HITS_CACHE_SIZE = 4096


@dataclass(frozen=True)
class IndicatorHit:
    level: int
    text: str
    start: int
    end: int


class IndicatorMatcher:
    """The rubric's indicator phrases, matched case-insensitively on word bounds."""

    def __init__(self, rubric: Rubric) -> None:
        self.keys = rubric.keys
        self._patterns = {
            d.key: [(_on_word_bounds(i.pattern), i.level) for i in d.indicators] for d in rubric.dimensions
        }
        self._screens = {d.key: _screen([i.pattern for i in d.indicators]) for d in rubric.dimensions}
        # the better reply's candidates come back for every trainee who answers the same line
        self._found = lru_cache(maxsize=HITS_CACHE_SIZE)(self._find)

    def hits(self, text: str) -> dict[str, list[IndicatorHit]]:
        """Every indicator match per dimension, strongest first, overlapping matches dropped."""
        return {key: list(hits) for key, hits in self._found(text).items()}

    def clear_cache(self) -> None:
        self._found.cache_clear()

    def _find(self, text: str) -> dict[str, tuple[IndicatorHit, ...]]:
        found: dict[str, tuple[IndicatorHit, ...]] = {}
        for key, patterns in self._patterns.items():
            screen = self._screens[key]
            if screen is not None and screen.search(text) is None:
                found[key] = ()
                continue
            hits = [
                IndicatorHit(level, m.group(0), m.start(), m.end())
                for pattern, level in patterns
                for m in pattern.finditer(text)
                if m.end() > m.start()
            ]
            found[key] = tuple(_without_overlaps(hits))
        return found


def _on_word_bounds(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


GROUP_REFERENCE = re.compile(r"\\\d|\(\?P=|\(\?\(")


def _screen(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One search for all of a dimension's phrases: it finds nothing only when none of them matches
    (one alternation tries every phrase at every position), so most texts skip the phrases one by one.
    None when the phrases cannot be joined (a group reference would change its meaning)."""
    if not patterns or any(GROUP_REFERENCE.search(p) for p in patterns):
        return None
    try:
        return _on_word_bounds("|".join(f"(?:{p})" for p in patterns))
    except re.error:
        return None


def _without_overlaps(hits: list[IndicatorHit]) -> list[IndicatorHit]:
    kept: list[IndicatorHit] = []
    for hit in sorted(hits, key=lambda h: (-h.level, -(h.end - h.start), h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return kept


def split_sentences(text: str) -> list[str]:
    """Sentences of a reply (texting style without punctuation stays one sentence)."""
    parts = [p.strip() for p in SENTENCE_END_RE.split(text.strip())]
    return [p for p in parts if p and WORD_RE.search(p.lower())] or [text.strip()]


INVITES_MORE = re.compile(
    r"\b(?:i'?d (?:rather|like to|love to|really like to) (?:hear|listen|know)|tell me|i'?m (?:still |right )?here"
    r"|whenever you|we can (?:slow|go|take|come back|keep|set|sit)|at your pace|no rush|let me (?:slow|listen)"
    r"|i'?m listening|say more|want to hear|keep talking|where were we)\b",
    re.IGNORECASE,
)


def without_closing_questions(reply: str, before_goodbye: bool = False) -> str:
    """A reply without the questions that close it: what it says, to be followed by something else. Before a
    goodbye, also without the sentences that invite more talk ("I'd rather listen.", "We can slow down.")."""
    sentences = split_sentences(reply)
    while sentences and sentences[-1].rstrip().endswith("?"):
        sentences.pop()
    if before_goodbye:
        sentences = [s for s in sentences if not INVITES_MORE.search(s.replace("’", "'"))]
    return " ".join(sentences)


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower().replace("’", "'"))


def _phrase_re(phrases: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)


OBLIGATION = _phrase_re(
    [r"ha(?:ve|s) to", r"need(?:s)? to", "must", "should(?:n't)?", "gotta", "got to", "ought to",
     r"you(?:'d)? better", r"can't keep", "no excuses?", "period", r"right now", "tonight", "today"]
)
TENTATIVE = _phrase_re(
    [r"would (?:it|you|that)", r"could (?:it|you|we)", "might", "maybe", "perhaps", r"if you(?:'d)? (?:want|like)",
     r"up to you", r"your (?:call|choice|decision)", "whenever", r"are you open", r"is it ok(?:ay)?",
     r"what do you think", r"how does that sound", r"no pressure", "wonder(?:ing)?"]
)
REFLECTION = _phrase_re(
    [r"sounds? like", r"it sounds", r"i hear", r"i'm hearing", r"seems? like", r"must (?:be|feel|have)",
     r"makes sense", r"no wonder", r"that's (?:a lot|hard|so hard|huge|rough|tough|heavy)",
     r"i can (?:hear|tell|see|imagine)",
     r"you're feeling", r"you feel", r"it's (?:hard|scary|painful|okay|ok) to"]
)
SECOND_PERSON = _phrase_re([r"you", r"your", r"you're", r"you've", r"you'll", r"yourself", "u", "ur"])
FIRST_SINGULAR = _phrase_re([r"i", r"me", r"my", r"mine", r"i'm", r"i've", r"i'll", r"i'd", r"myself"])
FIRST_PLURAL = _phrase_re([r"we", r"us", r"our", r"let's", "together"])
IMPERATIVE_START = re.compile(
    r"^\s*(?:just |now |so |ok(?:ay)?,? |look,? |listen,? |seriously,? )?(?:don't|do|go|call|stop|take|tell|get|come|"
    r"quit|start|promise|give|put|throw|delete|leave|make|try|pick|drop|text|meet|sign|keep|let|trust|"
    r"listen|think|remember|stay|pour|cut|ditch|dump|skip|move|find|write|read|forget|swear)\b",
    re.IGNORECASE,
)

CUE_NAMES = (
    "log_words", "sentences", "questions", "ends_question", "exclaims", "obligation", "tentative",
    "reflection", "you_rate", "i_rate", "we_rate", "imperatives", "digits", "peer_overlap",
)


def cue_values(reply: str, sentences: Sequence[str], peer_text: str) -> list[float]:
    """General language cues of a reply, in the order of CUE_NAMES."""
    tokens = words(reply)
    n = max(len(tokens), 1)
    peer_words = {w for w in words(peer_text) if len(w) > 3}
    reply_words = {w for w in tokens if len(w) > 3}
    overlap = len(peer_words & reply_words) / max(len(reply_words), 1)
    imperatives = sum(1 for s in sentences if IMPERATIVE_START.match(s))
    return [
        float(min(len(tokens), 150) ** 0.5 / 10),
        float(min(len(sentences), 10)) / 5,
        float(min(reply.count("?"), 4)) / 2,
        float(reply.rstrip().endswith("?")),
        float(min(reply.count("!"), 4)) / 2,
        float(min(len(OBLIGATION.findall(reply)), 4)) / 2,
        float(min(len(TENTATIVE.findall(reply)), 4)) / 2,
        float(min(len(REFLECTION.findall(reply)), 4)) / 2,
        len(SECOND_PERSON.findall(reply)) / n * 5,
        len(FIRST_SINGULAR.findall(reply)) / n * 5,
        len(FIRST_PLURAL.findall(reply)) / n * 5,
        imperatives / max(len(sentences), 1),
        float(bool(re.search(r"\d", reply))),
        overlap,
    ]
