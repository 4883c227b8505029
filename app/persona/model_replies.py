"""The replies a skilled peer specialist would give to what the peer actually said.

A peer's reply may join several lines of the persona file (an answer, a fact, a test). Each line
carries its own model replies or shares those of its owner (a fact, a test, a topic, a crisis, the
outcome). The line the trainee most needs to answer wins: a crisis, then an ask (a test, or a
response to one that asks again or calls out the dodge: "You didn't answer me. Stays with you or
not?"), a fact, the outcome, the peer leaving (a warm close, not another question), a topic, the
peer's response to how a test was handled (the new thing said beside it wins), their reaction to how
the last reply landed, then anything else. A goodbye said with a reaction gets the reaction's reply,
then the close (see _joined); where the reaction line has none, none: the coach composes the repair
that closes. A line said once a test or crisis is settled (a yes, a no, a crisis heard) does not share
its owner's replies: "I can't lend money" does not answer "Smart. Money between people goes sideways".

Where one turn says two things that each need an answer, the first replies answer both (see _joined):
an ask beside a fact or the outcome ("Would you tell him? There's something Beth doesn't know…") gets
the ask's answer and then the fact's reply; a question beside an ask ("Why, is that going in a report?
If my truck dies, could you give me a ride?") gets its answer, then the ask's; a goodbye beside an ask,
a fact, the outcome, a topic or a reaction ("You gonna call somebody on me? I should go.") gets what
that line's reply says and then the warm close.
"""

from collections.abc import Iterator

from app.content.memo import per_content
from app.content.personas import RESPONSES, Line, Persona
from app.grading.cues import without_closing_questions
from app.persona.cues import normalise

Authored = tuple[int, Line, tuple[str, ...]]
"""How much the line needs an answer (lower first), the line, and its owner's model replies."""

CRISIS, TEST, FACT, OUTCOME, LEAVING, TOPIC, RESPONSE, REACTION, OTHER = range(9)
STILL_ASKING = ("asked_back",)
"""Responses after which the test's ask still stands (the peer explains why they ask), so its model replies (a
warm no) still fit; after a yes, a no or a change of subject the peer may have let it drop ("Forget the show"),
and a line of its own, or one composed from its words, answers it."""


def _owned(persona: Persona) -> Iterator[Authored]:
    for crisis in persona.crises:
        shared = tuple(crisis.better_replies)
        for line in [*crisis.signal, *crisis.answer, *crisis.brushed_off.lines]:
            yield CRISIS, line, shared
        yield from ((CRISIS, line, ()) for line in crisis.heard.lines)  # heard, the peer has moved on
    for test in persona.boundary_tests:
        yield from ((TEST, line, tuple(test.better_replies)) for line in test.ask)
        for part in RESPONSES:
            response = getattr(test, part)
            shared = tuple(test.better_replies) if part in STILL_ASKING else ()
            for line in response.lines if response else []:  # one that asks again, or calls out a dodge, is an ask
                yield (TEST if part == "ignored" or "?" in str(line) else RESPONSE), line, shared
    for fact in persona.hidden_facts:
        yield from ((FACT, line, tuple(fact.better_replies)) for line in [*fact.reveal, *fact.deflect])
    yield from ((OUTCOME, line, tuple(persona.outcome.better_replies)) for line in persona.outcome.lines)
    if persona.shut_down:  # a peer on the way out gets a warm close, not another question
        yield from ((LEAVING, line, ()) for line in persona.shut_down.leaving)
    for topic in persona.world:
        yield from ((TOPIC, line, tuple(topic.better_replies)) for line in [*topic.guarded, *topic.open])
    for reaction in persona.reactions.values():  # how the last reply landed
        yield from ((REACTION, line, ()) for line in reaction.lines)


def _authored(persona: Persona) -> list[Authored]:
    owned = list(_owned(persona))
    seen = {str(line) for _, line, _ in owned}
    others: list[Authored] = [(OTHER, line, ()) for _, line in persona.spoken_lines() if str(line) not in seen]
    return owned + others


@per_content
def _index(persona: Persona) -> list[tuple[int, str, tuple[str, ...], bool]]:
    """Every line with model replies, normalised once per persona version, and whether it asks something."""
    return [
        (rank, normalise(line), line.better_replies or shared, "?" in str(line))
        for rank, line, shared in _authored(persona)
        if line.better_replies or shared
    ]


Found = tuple[int, int, tuple[str, ...], bool]
"""A line found in the peer's turn: its rank, minus where it starts (a later line wins a tie), its replies, and
whether it asks something."""


def model_replies_for(persona: Persona, peer_text: str) -> list[str]:
    """The authored replies for what the peer said: those answering two lines that each need an answer
    first (see _joined), then those of the line that most needs one; [] if none."""
    said = normalise(peer_text)
    index = [entry for entry in _index(persona) if entry[1] and entry[1] in said]
    found = sorted((rank, -said.find(text), replies, asks) for rank, text, replies, asks in index)
    if not found:
        return []
    rank, _, replies, _ = found[0]
    if rank == LEAVING and reaction_said(persona, peer_text) is not None:
        return _joined(found)  # owning the misstep, then the close; where none is authored, the coach composes it
    return [*_joined(found), *replies]


def _joined(found: list[Found]) -> list[str]:
    """Where the turn joins two lines that each need an answer: what the first line's reply says (its closing
    question left out), then each reply of the second. A goodbye comes second, after an ask, a fact, the
    outcome, a topic or a reaction; an ask (a test) comes before a fact or the outcome; any other question
    ("Why, is that going in a report?") before the ask, fact or outcome that wins."""

    def first_of(*ranks: int) -> Found | None:
        return next((f for f in found if f[0] in ranks), None)

    top = found[0]
    if top[0] == CRISIS:
        return []  # a crisis is the whole of what matters now
    other_question = next((f for f in found[1:] if f[0] == TEST or f[3]), None)
    first: Found | None
    last: Found | None
    if leaving := first_of(LEAVING):
        first, last = first_of(TEST, FACT, OUTCOME, TOPIC, REACTION), leaving
    elif top[0] == TEST and (news := first_of(FACT, OUTCOME)):
        first, last = top, news
    else:
        first, last = (other_question, top) if top[0] in (TEST, FACT, OUTCOME) else (None, None)
    said = without_closing_questions(first[2][0], before_goodbye=last is leaving) if first and last else ""
    return [f"{said} {reply}" for reply in last[2][:2]] if said and last else []


def crisis_said(persona: Persona, peer_text: str) -> bool:
    """Whether the peer's words carry one of their crisis lines (a warning sign, an honest answer...)."""
    said = normalise(peer_text)
    return any(text in said for text in _crisis_lines(persona))


@per_content
def _crisis_lines(persona: Persona) -> list[str]:
    return [text for rank, line, _ in _owned(persona) if rank == CRISIS and (text := normalise(line))]


def reaction_said(persona: Persona, peer_text: str) -> str | None:
    """The reaction kind (personas/_shared/reaction-kinds.yaml) whose line the peer's words carry: the peer
    answering how the trainee's last reply landed ("I'll thank you not to hurry me" is `pushed`); None if none."""
    said = normalise(peer_text)
    return next((kind for kind, text in _reaction_lines(persona) if text in said), None)


@per_content
def _reaction_lines(persona: Persona) -> list[tuple[str, str]]:
    return [(kind, text) for kind, r in persona.reactions.items() for line in r.lines if (text := normalise(line))]
