"""How the trainee answered a boundary test, read from their own words: a yes, a warm no, a cold no,
a change of subject, or a question back. The grade only breaks a tie when the words say neither.

The phrase lists are rules of English conversation, not persona content.
"""

import re

from app.content.personas import BoundaryTest, Move
from app.grading.context_cues import ends_the_session
from app.persona.base import Handling
from app.persona.cues import best_cue, normalise
from app.persona.rules import content_words

CROSSED_LEVEL = 2
"""The test's dimension at this level or more, when the words decide nothing: the trainee went along."""
ANY_CROSSING_GOES_ALONG: frozenset[str] = frozenset({"friendship", "invitation", "personal_contact", "decide_for_me"})
"""Kinds of test that any crossing of their line answers: a personal offer goes along with an ask to be
friends, a directive decides for the peer. Every other ask (a gift, a ride, a secret, a task) is taken
up only by words about it: a cell number offered while a scarf is held out does not take the scarf."""

_YES = re.compile(
    r"\b(yes|yeah|yep|yup|sure|of course|absolutely|definitely|certainly|ok(ay)?|alright|all right|happy to"
    r"|glad to|i'?d love to|count me in|deal|sounds good|sounds great|let'?s do (it|that)"
    r"|i promise|you have my word|(it )?stays? between (us|you and me)|my lips are sealed|your secret'?s safe"
    r"|i'?ll (do|call|take|give|drive|keep|pick|tell|text|lend|come|be there|meet|hold|grab|bring|handle|make|send|go)"
    r"|i can (do|call|take|give|drive|keep|lend|come|pick|hold|grab|bring|handle|make|send))\b"
)
_DECIDES = re.compile(
    r"\b((i think )?you should|if i were you|i'?d (go|pick|choose|say|do)|go with|my advice|take the|pick the)\b"
    r"|(^|[.!?] )(go|pick|choose|take|start|stick with|try|call|do) (to|with|the|back|it|him|her|them)\b"
)
"""A choice made for the peer: going along with a test that asks to be decided for, and with no other
("you should go to more meetings" does not take the scarf)."""
_YES_WITH_A_NO = re.compile(
    r"\b(no problem|why not|can'?t wait|wouldn'?t miss it|no doubt"
    r"|(i )?(won'?t|will not|would never|never) (tell|say a word|share|mention|breathe))\b"
)
"""A yes in words that look like a no: these are taken out before looking for a no."""
_LEADING_OKAY = re.compile(r"^(?:(?:ok(?:ay)?|alright|all right|right|so)\b[,.!]*\s*)+")
_NO = re.compile(
    r"(^no\b|[.!?,;:]\s*no\b|\bno(,| thank| thanks|\.|!)|\b(nope|can'?t|cannot|won'?t|will not|wouldn'?t"
    r"|not able|unable|not going to|not gonna|i'?d rather not"
    r"|have to (say no|decline|pass)|decline|pass on|not (something|somewhere|a thing|part of what) (that )?i"
    r"|not my (place|call|decision|role|choice)|isn'?t my|wouldn'?t be (right|fair|appropriate)|not appropriate"
    r"|outside (of )?my role|keep (things|this|it|our work) (professional|within)|(your"
    r"|you'?r?e?) (own )?(call|choice|decision)"
    r"|up to you|only you (can|know)|you (get to|can) decide|yours to (make|decide|choose)|(for|up to) you to decide"
    r"|don'?t think i should|shouldn'?t|not allowed|against (the )?(rules|policy))\b)"
)
_WARM = re.compile(
    r"\b(thank|thanks|appreciate|means a lot|touched|kind of you|sweet of|thoughtful|generous|honou?red"
    r"|i (can )?(hear|see|understand|get)"
    r"|sounds like|makes sense|i care|care about|glad|i know (this|that|how|it)|what i can do|instead"
    r"|but i (can|could|will|'?d|'?m)"
    r"|how about|together|let'?s|we (could|can)|i'?m here|still here|matters|sorry|really want"
    r"|i'?d like to|wish i could"
    r"|it'?s (clear|obvious) (you|that)|you (care|clearly|really)|help you|support you|with you)\b"
)
_THE_ASK = re.compile(
    r"\b(do|handle|take care of|sort|deal with|make|call|write|fill out|hold) (it|that|this)"
    r"( for you)?\b"
)
"""Words that point back at the ask itself ("I'll take care of that for you")."""
_WHY = re.compile(
    r"\b(why (do|did|would|are|is)|what makes you (ask|want)|what'?s behind|how come|what would it mean"
    r"|what do you hope"
    r"|what'?s (got|making) you|what (has|have) you (been )?(thinking|considering)"
    r"|what (is|was) it about|what are you hoping|what would (that|it) (give|do for|change)|why me)\b"
)


def _words_say(test: BoundaryTest, text: str) -> Handling | None:
    rest = _YES_WITH_A_NO.sub(" ", text)
    if _NO.search(rest):
        return "declined" if _WARM.search(text) else "declined_coldly"
    decides = test.kind == "decide_for_me" and _DECIDES.search(text) is not None
    return "accepted" if rest != text or _YES.search(text) or decides else None


def _about_the_ask(test: BoundaryTest, text: str) -> bool:
    asked = set().union(*(content_words(line) for line in test.ask))
    return best_cue(text, test.cues) > 0 or bool(asked & content_words(text)) or _THE_ASK.search(text) is not None


def read_handling(*, test: BoundaryTest, text: str, move: Move, score: int, asked_back_before: bool) -> Handling:
    """How the trainee handled the test, from their words first."""
    said = normalise(text)
    if ends_the_session(text):  # "Okay, we're about out of time.": an "okay" that closes, not a yes
        said = _LEADING_OKAY.sub("", said)
    speaks_for_self = move != "question" or re.search(r"\b(i|i'm|i'll|i'd|me)\b", said) is not None
    handling = _words_say(test, said) if speaks_for_self else None  # "why can't you stay there?" declines nothing
    if handling is not None:
        return handling
    about = _about_the_ask(test, said)
    if move == "question" and (about or _WHY.search(said)) and not asked_back_before:
        return "asked_back"
    if score >= CROSSED_LEVEL and (about or test.kind in ANY_CROSSING_GOES_ALONG):
        return "accepted"
    if about:
        return "declined"  # stays with the ask without doing it: a gentle hand-back
    return "ignored"
