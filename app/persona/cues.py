"""Finding a persona's cues (names, aliases, topic words) in what someone said.

The phrase lists here are rules of English conversation, not persona content.
"""

import re
from collections.abc import Iterable
from functools import lru_cache


def normalise(text: str) -> str:
    """Lower case, curly apostrophes made straight, spaces collapsed."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").lower().split())


@lru_cache(maxsize=4096)
def cue_pattern(cue: str) -> re.Pattern[str]:
    """A cue on word bounds, with an optional plural or possessive ending."""
    return re.compile(rf"(?<![\w']){re.escape(normalise(cue))}(?:s|es|'s)?(?![\w])")


def best_cue(text: str, cues: Iterable[str]) -> int:
    """The length of the longest cue found in the (normalised) text; 0 when none is."""
    return max((len(cue) for cue in cues if cue_pattern(cue).search(text)), default=0)


def any_match(patterns: Iterable[str], text: str) -> bool:
    return any(re.search(pattern, text) for pattern in patterns)


FOLLOW_UP = re.compile(
    r"\b(what do you mean|what did you mean|tell me (more|about that|about it)|say (more|a little more)|how so"
    r"|what happened( then| next)?\b|what was (that|it) like|like what|why is that|in what way|go on"
    r"|what about (that|it)|how come|what makes you say|more about (that|this|it)|can you explain)\b"
)
"""A question about the peer's own last words."""

FACT_QUESTION = re.compile(
    r"\b(how old|how long|how many|how much|how far|when (did|do|was|were|is|are)|where (do|did|does|is|are|was)"
    r"|who (is|was|are|were|do|did)|what('?s| is| was) (his|her|their|your \w+'?s?) name|what kind of"
    r"|what year|which (one|town|city|church|job)|what do you do|what did you do|do you have (a|any) "
    r"|favou?rite|do you (like|play|watch|own|read|cook|drive|know))"
)
"""A question after a plain fact: someone's age, a time, a place, a name."""

OPEN_QUESTION = re.compile(
    r"\b(feel|feeling|felt|going|doing|hard|hardest|help|helps|want|wanted|hope|hoping|mean|meant|think|worry"
    r"|worried|afraid|scared|cope|coping|handle|handling|need|matter|matters|important|change|next|plan|goal"
    r"|today|lately|right now|on your mind|what else|how are you|how's it|like for you|sit with you|notice)\b"
)
"""An open question about feelings, meaning or what is next: the peer's ordinary replies answer it."""
