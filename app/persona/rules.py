"""Rules an LLM-written peer reply must keep, checked on the text as it grows.

The peer never claims to be an AI, never turns into the counselor, never says what a hidden fact
holds before its time, and never repeats its instructions. The checks are plain patterns: fast
enough to run on every streamed token, so a reply is stopped at the first word that breaks a rule.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from app.content.personas import Persona

Rule = Literal["claims-ai", "counselor", "hidden-fact", "echoes-prompt", "empty"]

SECRET_WEIGHT = 2
"""How much of an unsaid fact's words give it away: two of its words, or one long (distinctive) one."""

LONG_WORD = 6

ECHO_WORDS = 6
"""This many words in a row from the prompt's own instructions is an echo."""

_AI_CLAIM = re.compile(
    r"\b(?:as an? (?:ai|a\.i\.|artificial intelligence|(?:large )?language model|llm|chatbot|virtual assistant"
    r"|ai assistant|assistant)\b"
    r"|i(?:'m| am) (?:just |only |really |actually )?(?:an? )?(?:ai|a\.i\.|artificial intelligence"
    r"|(?:large )?language model|llm|chat ?bot|bot|virtual assistant|ai assistant|computer program"
    r"|simulation|simulated (?:person|peer|character))\b"
    r"|i(?:'m| am) not (?:a )?(?:real person|real human|human being|human)\b"
    r"|i (?:was|am|'m) (?:trained|programmed|designed) (?:by|to|on)\b"
    r"|\b(?:openai|chatgpt|gpt-\d|anthropic|smollm|hugging ?face)\b"
    r"|i don't have (?:personal )?(?:feelings|emotions|a body|personal experiences)\b)"
)
_COUNSELOR = re.compile(
    r"\b(?:active listening|reflective listening|open[- ]ended questions?|motivational interviewing"
    r"|reflective statements?|person[- ]centered|trauma[- ]informed|stages? of change|rubric"
    r"|as (?:a|your) (?:peer (?:support |recovery )?specialist|counselor|therapist|coach)"
    r"|here are (?:some|a few) (?:tips|strategies|techniques|suggestions|steps)"
    r"|(?:good|great|nice) (?:reflection|open question|use of)"
    r"|(?:you|specialists?) (?:should|could|might) (?:try|use) (?:reflecting|validating|open|empath)"
    r"|(?:your|this|that) (?:technique|approach) (?:is|was|works))\b"
)
_LIST_LINE = re.compile(r"(?m)^\s*(?:\d+[.)]|[-*•]|#+)\s")
_META = re.compile(
    r"\b(?:system prompt|my (?:instructions|prompt|programming|training)|role[- ]?play(?:ing)?|in character"
    r"|hidden facts?|trust (?:level|score)|out of 100|the trainee|this simulation|these instructions)\b"
)
_PATTERNS: tuple[tuple[Rule, re.Pattern[str]], ...] = (
    ("claims-ai", _AI_CLAIM),
    ("counselor", _COUNSELOR),
    ("echoes-prompt", _META),
)
_WORD = re.compile(r"[a-z][a-z']+")
_STOPWORDS = frozenset(
    "about after again almost always another anything because been before being could didn't doesn't don't "
    "every from going gonna have haven't here just know last like little maybe more much never nobody only "
    "other really right said says some something still than that that's their them then there these they "
    "thing things think thought this those three through told took want wanted were what when where which "
    "while with would week weeks month months year years day days night nights time times you're your".split()
)
_SUFFIXES = ("'s", "ing", "ed", "es", "s")


@dataclass(frozen=True)
class Breach:
    rule: Rule
    words: str = ""


def _normal(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def stem(word: str) -> str:
    """The word without a plural, possessive or tense ending: "bottles" and "bottle" are one word."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The stems of the words that carry meaning: four letters or more, not common words."""
    return {stem(w) for w in _WORD.findall(_normal(text)) if len(w) >= 4 and w not in _STOPWORDS}


def _strings(value: object) -> Iterator[str]:
    """Every string inside a dumped model, however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


_secrets_seen: dict[tuple[str, frozenset[str]], dict[str, set[str]]] = {}
"""Secret words by persona (its whole text) and facts allowed: worked out once, then looked up."""


def secret_words(persona: Persona, *, allowed: Iterable[str]) -> dict[str, set[str]]:
    """For each fact not allowed yet, the words that say it: in two or more of its texts, nowhere public.

    Public is everything in the persona file outside its hidden facts, plus the facts allowed now.
    """
    key = (persona.model_dump_json(), frozenset(allowed))
    if key not in _secrets_seen:
        if len(_secrets_seen) > 256:
            _secrets_seen.clear()
        _secrets_seen[key] = _secret_words(persona, allowed=key[1])
    return _secrets_seen[key]


def _secret_words(persona: Persona, *, allowed: frozenset[str]) -> dict[str, set[str]]:
    said = [f for f in persona.hidden_facts if f.id in allowed]
    public_text = [*_strings(persona.model_dump(exclude={"hidden_facts"})), *_strings([f.model_dump() for f in said])]
    public = set().union(*(content_words(t) for t in public_text))
    secrets: dict[str, set[str]] = {}
    for fact in persona.hidden_facts:
        if fact.id in allowed:
            continue
        counts = Counter(word for text in [fact.summary, *fact.reveal] for word in content_words(text))
        secrets[fact.id] = {word for word, n in counts.items() if n >= 2 and word not in public}
    return secrets


def _weight(words: set[str]) -> int:
    return sum(2 if len(word) >= LONG_WORD else 1 for word in words)


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@lru_cache(maxsize=8)
def _prompt_ngrams(instructions: str) -> frozenset[tuple[str, ...]]:
    return frozenset(_ngrams(_WORD.findall(_normal(instructions)), ECHO_WORDS))


class ReplyRules:
    """The checks for one reply: built once, then run on the reply each time it grows."""

    def __init__(self, *, persona: Persona, allowed: Iterable[str], instructions: str) -> None:
        secrets = secret_words(persona, allowed=allowed).values()
        self.secrets = [words for words in secrets if _weight(words) >= SECRET_WEIGHT]
        self.echoes = _prompt_ngrams(instructions)

    def check(self, text: str) -> Breach | None:
        """The first rule the text breaks, with the words that broke it; None if it keeps them all."""
        normal = _normal(text)
        for rule, pattern in _PATTERNS:
            if found := pattern.search(normal):
                return Breach(rule, found.group(0))
        if found := _LIST_LINE.search(text):
            return Breach("counselor", found.group(0).strip())
        return self._secret(normal) or self._echo(normal)

    def _secret(self, normal: str) -> Breach | None:
        said = content_words(normal)
        for words in self.secrets:
            hits = words & said
            if _weight(hits) >= SECRET_WEIGHT:
                return Breach("hidden-fact", ", ".join(sorted(hits)))
        return None

    def _echo(self, normal: str) -> Breach | None:
        words = _WORD.findall(normal)
        found = next((g for g in _ngrams(words, ECHO_WORDS) if g in self.echoes), None)
        return Breach("echoes-prompt", " ".join(found)) if found else None
