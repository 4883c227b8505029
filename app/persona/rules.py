"""Rules an LLM-written peer reply must keep, checked on the text as it grows.

The peer never claims to be an AI, never turns into the counselor, never says what a hidden fact
holds before its time, and never repeats its instructions. The checks are plain patterns: fast
enough to run on every streamed token, so a reply is stopped at the first word that breaks a rule.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from app.content.personas import Persona

Rule = Literal["claims-ai", "counselor", "hidden-fact", "echoes-prompt", "empty"]

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
    "about after again always because been before being could didn't doesn't don't every from going have "
    "haven't here just know like maybe more much never nobody only really said says some something still "
    "that that's their them then there they thing things think this those through told want what when where "
    "which while with would you're your".split()
)


@dataclass(frozen=True)
class Breach:
    rule: Rule
    words: str = ""


def _normal(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(_normal(text)) if len(w) >= 4 and w not in _STOPWORDS}


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


def secret_words(persona: Persona, *, allowed: Iterable[str]) -> dict[str, set[str]]:
    """For each fact not allowed yet, the words that say it: in two or more of its texts, nowhere public.

    Public is everything in the persona file outside its hidden facts, plus the facts allowed now.
    """
    allowed = set(allowed)
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


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


class ReplyRules:
    """The checks for one reply: built once, then run on the reply each time it grows."""

    def __init__(self, *, persona: Persona, allowed: Iterable[str], instructions: str) -> None:
        self.secrets = {
            fact: [re.compile(rf"\b{re.escape(w)}(?:s|es|ed|ing)?\b") for w in sorted(words)]
            for fact, words in secret_words(persona, allowed=allowed).items()
            if words
        }
        self.echoes = _ngrams(_WORD.findall(_normal(instructions)), ECHO_WORDS)

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
        for patterns in self.secrets.values():
            hits = [m.group(0) for p in patterns if (m := p.search(normal))]
            if len(hits) >= min(2, len(patterns)):
                return Breach("hidden-fact", ", ".join(hits))
        return None

    def _echo(self, normal: str) -> Breach | None:
        words = _WORD.findall(normal)
        found = next((g for g in _ngrams(words, ECHO_WORDS) if g in self.echoes), None)
        return Breach("echoes-prompt", " ".join(found)) if found else None
