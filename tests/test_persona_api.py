"""Every shipped persona, through the JSON API and the real offline grader: the dynamics of issue 5.

The trainee lines are clearly empathic (a specific reflection and an open question) or clearly pushing,
so that these tests do not hinge on borderline grades.
"""

from itertools import cycle, islice
from typing import Any

import pytest
from fastapi.testclient import TestClient

import app.models  # noqa: F401  (registers the tables the db fixture creates)
from app.content.loader import load_model
from app.content.personas import BoundaryTest, Persona
from tests.factories import say, start_session
from tests.persona_kit import FORBIDDEN, RISK_KINDS, SHIPPED_PERSONAS

EMPATHIC = [
    "It sounds like these weeks have taken a lot out of you, and you're still showing up. What's been hardest?",
    "It sounds like you're carrying a lot right now. What feels most important to you today?",
    "It seems like you've been carrying this mostly on your own. How has that been for you?",
    "You're feeling worn down, and it makes sense after everything you've described. What helps, even a little?",
    "It sounds like that took real courage to say out loud. How does it feel to have said it?",
    "That sounds really heavy, and you've kept going anyway. What has kept you going?",
    "It sounds like trust doesn't come easily, and that makes sense given what you've been through. What would help?",
    "It sounds like you've been judged a lot, and that hurts. How do you want to be treated?",
    "It sounds like that was a scary moment. How are you holding up with it now?",
    "I hear how much your family matters to you. What would you want them to see?",
    "It sounds like part of you wants things to change and part of you is tired of trying. What's that like?",
    "I hear that you want to do this your own way. What matters most to you about that?",
]
PUSHING = [
    "You have to go to a meeting tonight. No excuses, promise me right now.",
    "Listen, I know what's best here. You need to do exactly what I tell you or you'll relapse.",
    "You need to stop making excuses and do what I say. I've done this for years, I know better than you.",
    "That's wrong. You must call your doctor today and you have to promise me you'll do it.",
]
WARM_DECLINE = (
    "Thank you for trusting me with that. That's not something I can do as your peer specialist, and it matters"
    " that you asked. Who else in your life might be part of this?"
)
GOING_ALONG = {
    "crossed_line": "Of course! Let's be friends. Here's my personal cell, call me anytime, day or night.",
    "took_over": "Sure, I'll do it for you. I'll call them myself tomorrow and handle it, you don't have to worry.",
}
EMPATHIC_TURNS = 8
SESSION_TURNS = 20


def personas() -> list[Any]:
    return [pytest.param(load_model(path, Persona), id=path.stem) for path in SHIPPED_PERSONAS]


def tried_in(persona: Persona, reply: str) -> BoundaryTest | None:
    """The boundary test the peer tries in this reply, if any."""
    return next((t for t in persona.boundary_tests if any(line in reply for line in t.ask)), None)


def run(client: TestClient, persona: Persona, lines: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    session = start_session(client, persona=persona.id)
    return session, [say(client, session["id"], text) for text in lines]


@pytest.mark.parametrize("persona", personas())
def test_empathy_opens_the_peer_up_and_pushing_shuts_them_down(client: TestClient, persona: Persona) -> None:
    start, warm = run(client, persona, EMPATHIC[:EMPATHIC_TURNS])
    _, cold = run(client, persona, PUSHING)
    first = start["persona_state"]["trust"]
    assert warm[-1]["persona_state"]["trust"] >= first + 30
    assert cold[-1]["persona_state"]["trust"] < first
    assert warm[-1]["persona_state"]["revealed"] and warm[-1]["persona_state"]["outcome"]
    assert cold[-1]["persona_state"]["revealed"] == [] and not cold[-1]["persona_state"]["outcome"]
    said = " ".join(turn["reply"]["text"] for turn in warm)
    assert any(line in said for line in persona.outcome.lines), "the peer names their own next step"
    for fact_id in warm[-1]["persona_state"]["revealed"]:
        assert any(line in said for line in persona.fact(fact_id).reveal)


@pytest.mark.parametrize("persona", personas())
def test_pushed_peer_withdraws(client: TestClient, persona: Persona) -> None:
    start, turns = run(client, persona, PUSHING)
    pushback = {line for kind in RISK_KINDS for line in persona.reactions[kind].lines}
    trust = [start["persona_state"]["trust"]] + [turn["persona_state"]["trust"] for turn in turns]
    assert trust == sorted(trust, reverse=True) and trust[-1] < trust[0]
    assert all(turn["reply"]["text"].startswith(tuple(pushback)) for turn in turns)
    assert turns[-1]["persona_state"]["mood"] in ("guarded", "shut_down")


@pytest.mark.parametrize("persona", personas())
def test_twenty_turns_try_every_test_and_never_repeat(client: TestClient, persona: Persona) -> None:
    session = start_session(client, persona=persona.id)
    replies, text = [session["turns"][0]["text"]], EMPATHIC[0]
    for line in islice(cycle(EMPATHIC[1:]), SESSION_TURNS):
        reply = say(client, session["id"], text)["reply"]["text"]
        if asked := tried_in(persona, replies[-1]):
            assert reply.startswith(tuple(asked.declined.lines)), "a warm decline is answered"
        replies.append(reply)
        text = WARM_DECLINE if tried_in(persona, reply) else line
    assert {t.id for t in persona.boundary_tests} == {t.id for r in replies if (t := tried_in(persona, r))}
    assert len(replies) == len(set(replies)) == SESSION_TURNS + 1
    assert [r for r in replies if FORBIDDEN.search(r)] == []


@pytest.mark.parametrize("persona", personas())
def test_going_along_with_a_test_is_noticed(client: TestClient, persona: Persona) -> None:
    session = start_session(client, persona=persona.id)
    text, answer = EMPATHIC[0], ""
    for line in islice(cycle(EMPATHIC[1:]), SESSION_TURNS):
        reply = say(client, session["id"], text)["reply"]["text"]
        if text in GOING_ALONG.values():
            answer = reply
            break
        asked = tried_in(persona, reply)
        text = GOING_ALONG[asked.reaction_kind] if asked else line
    accepted = {line for t in persona.boundary_tests for line in t.accepted.lines}
    assert answer.startswith(tuple(accepted)), "the peer's next line says the trainee went along"

