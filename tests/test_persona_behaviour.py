"""The peer's richer behaviour on explicit grades: boundary tests, reveal conditions, talk, inner voice."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.content.loader import load_model
from app.content.personas import Move, Persona
from app.content.rubrics import Rubric
from app.persona.base import PersonaState, TurnReading
from app.persona.scripted import TALK_EVERY, talks_change
from app.persona.state import initial_state, read_turn
from tests.persona_kit import (
    SHIPPED_PERSONAS,
    Conversation,
    crss_core,
    difficulty,
    levels,
    persona_fields,
    write_persona,
)

PersonaFactory = Callable[..., Persona]
EMPATHIC = levels(empathy=2)


@pytest.fixture
def rubric() -> Rubric:
    return crss_core()


@pytest.fixture
def make_persona(tmp_path: Path) -> PersonaFactory:
    def make(**overrides: Any) -> Persona:
        return load_model(write_persona(tmp_path, **overrides), Persona)

    return make


def begin(persona: Persona) -> PersonaState:
    return initial_state(persona, difficulty()[persona.difficulty], seed="behaviour")


def step(
    persona: Persona, state: PersonaState, scores: dict[str, int], move: Move = "question"
) -> tuple[PersonaState, TurnReading]:
    level = difficulty()[persona.difficulty]
    return read_turn(persona=persona, rubric=crss_core(), level=level, state=state, scores=scores, move=move)


def facts(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The small persona's facts, each updated by id."""
    return [fact | changes.get(fact["id"].replace("-", "_"), {}) for fact in persona_fields()["hidden_facts"]]


# --- boundary tests --------------------------------------------------------------------------------


ONE_TEST = {"boundary_tests": [persona_fields()["boundary_tests"][0]]}


@pytest.mark.parametrize(
    ("words", "answer", "handling"),
    [
        (
            "I'm really glad you asked, and I can't be friends outside of our work. I'm here for you though.",
            EMPATHIC,
            "declined",
        ),
        ("Thanks, but I can't be friends outside of our work.", levels(boundaries=2), "declined"),
        ("Sure, I'd love to!", levels(), "accepted"),
        ("Nope. Not happening.", levels(), "declined_coldly"),
        ("So how did the job interview go?", levels(), "ignored"),
        ("Why do you ask?", levels(), "asked_back"),
    ],
)
async def test_peer_answers_how_a_test_was_handled_from_the_words(
    make_persona: PersonaFactory, rubric: Rubric, words: str, answer: dict[str, int], handling: str
) -> None:
    test = persona_fields()["boundary_tests"][0]
    responses = {
        part: {"lines": [f"{part} says"], "inner_voice": [f"{part} thinks"]}
        for part in ("declined_coldly", "ignored", "asked_back")
    }
    persona = make_persona(initial_trust=30, boundary_tests=[test | responses])
    chat = Conversation(persona, rubric)
    reading, reply = await chat.say("How was your week?", levels())
    assert reading.test_now == "be-friends" and reply.endswith(tuple(persona.test("be-friends").ask))
    assert chat.state.inner_voice in persona.test("be-friends").inner_voice
    reading, reply = await chat.say(words, answer)
    response = getattr(persona.test("be-friends"), handling)
    assert reading.answered is not None and reading.answered.handling == handling
    assert reply.startswith(tuple(response.lines)) and chat.state.inner_voice in response.inner_voice
    assert chat.state.test_results == {"be-friends": handling}
    assert chat.state.pending_test == ("be-friends" if handling == "asked_back" else None)


def test_the_order_of_tests_varies_between_sessions(make_persona: PersonaFactory) -> None:
    persona = make_persona(initial_trust=40)
    level = difficulty()[persona.difficulty]
    firsts = set()
    for seed in range(12):
        state = initial_state(persona, level, seed=str(seed))
        _, reading = read_turn(
            persona=persona, rubric=crss_core(), level=level, state=state, scores=levels(), move="statement"
        )
        firsts.add(reading.test_now)
    assert firsts == {"be-friends", "pick-for-me"}


def test_a_dependency_test_is_judged_on_dependency(make_persona: PersonaFactory) -> None:
    persona = make_persona(boundary_tests=persona_fields()["boundary_tests"][::-1])
    state, reading = step(persona, begin(persona), levels())
    assert reading.test_now == "pick-for-me"
    _, reading = step(persona, state, levels(boundaries=3))
    assert reading.answered is not None and reading.answered.handling == "declined"
    _, reading = step(persona, state, levels(dependency=2))
    assert reading.answered is not None and reading.answered.handling == "accepted"


async def test_a_decline_said_while_pushing_gets_pushback(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona()
    chat = Conversation(persona, rubric)
    await chat.say("How was your week?", levels())
    _, reply = await chat.say("No. You have to go to a meeting tonight.", levels(pressure=3))
    assert reply in persona.reactions["pushed"].lines


@pytest.mark.parametrize(("level", "spacing"), [("gentle", 4), ("standard", 3), ("guarded", 2)])
def test_difficulty_sets_how_often_the_peer_tests(make_persona: PersonaFactory, level: str, spacing: int) -> None:
    hidden = facts(early_fact={"trust": 99}, late_fact={"trust": 99})
    persona = make_persona(difficulty=level, initial_trust=40, hidden_facts=hidden)
    state, tried = begin(persona), []
    for _ in range(spacing + 1):
        state, reading = step(persona, state, levels())
        tried.append(reading.test_now)
    assert tried[1:-1] == [None] * (spacing - 1)
    assert {tried[0], tried[-1]} == {"be-friends", "pick-for-me"}


def test_no_test_while_pushed_or_before_its_turn_and_trust(make_persona: PersonaFactory) -> None:
    tests = persona_fields()["boundary_tests"]
    persona = make_persona(boundary_tests=[tests[0] | {"min_turn": 2}, tests[1] | {"min_trust": 90}])
    state, reading = step(persona, begin(persona), levels())
    assert reading.test_now is None
    _, reading = step(persona, state, levels(pressure=2))
    assert reading.test_now is None and state.tests_tried == []
    _, reading = step(persona, state, levels())
    assert reading.test_now == "be-friends"


# --- reveal conditions, outcome, stage -------------------------------------------------------------


def test_a_fact_waits_for_the_fact_it_requires(make_persona: PersonaFactory) -> None:
    persona = make_persona(initial_trust=70, hidden_facts=facts(early_fact={"requires": ["late-fact"]}))
    state, reading = step(persona, begin(persona), EMPATHIC, move="reflection")
    assert reading.revealed_now == []  # the deepest fact waits for a second reply that listens
    state, reading = step(persona, state, EMPATHIC, move="reflection")
    assert reading.revealed_now == ["late-fact"]
    _, reading = step(persona, state, EMPATHIC)
    assert reading.revealed_now == ["early-fact"]


def test_a_fact_can_wait_for_a_reflection(make_persona: PersonaFactory) -> None:
    hidden = facts(early_fact={"on_move": "reflection"}, late_fact={"trust": 99})
    persona = make_persona(initial_trust=50, hidden_facts=hidden)
    _, reading = step(persona, begin(persona), EMPATHIC, move="question")
    assert reading.revealed_now == []
    _, reading = step(persona, begin(persona), EMPATHIC, move="reflection")
    assert reading.revealed_now == ["early-fact"]


def test_outcome_waits_for_required_facts_and_moves_the_stage_on(make_persona: PersonaFactory) -> None:
    outcome = persona_fields()["outcome"] | {"requires": ["late-fact"]}
    persona = make_persona(initial_trust=75, outcome=outcome)
    state, reading = step(persona, begin(persona), EMPATHIC, move="reflection")
    assert reading.revealed_now == ["early-fact"] and not reading.outcome_now
    assert state.stage == "contemplation"
    state, reading = step(persona, state, EMPATHIC, move="reflection")
    assert reading.revealed_now == ["late-fact"] and reading.outcome_now
    assert state.stage == "preparation" and state.inner_voice in persona.outcome.inner_voice


# --- what the peer says and thinks ------------------------------------------------------------------


@pytest.mark.parametrize("encourager", ["Mm-hm.", "Okay. Go on.", "Right..."])
async def test_a_minimal_encourager_lets_the_peer_go_on_about_their_life(
    make_persona: PersonaFactory, rubric: Rubric, encourager: str
) -> None:
    """Nothing was said to answer, so the peer talks about their life (not "Everybody says that."); and "Go on."
    is heard as the invitation it is, even where the grader reads a push in it."""
    persona = make_persona(boundary_tests=[persona_fields()["boundary_tests"][0] | {"min_turn": 20}])
    chat = Conversation(persona, rubric)
    reading, reply = await chat.say(encourager, levels(pressure=2, authority=2))
    talk = [str(line) for line in [*persona.talk.sustain, *persona.talk.change]]
    assert reading.encouraged and reading.reactions == [] and reply in talk
    reading, reply = await chat.say("I hear you.", levels(pressure=2))
    assert not reading.encouraged and reading.reactions


@pytest.mark.parametrize("path", SHIPPED_PERSONAS, ids=lambda path: path.stem)
async def test_a_trainee_who_ends_the_session_gets_a_goodbye_not_a_reaction(path: Path, rubric: Rubric) -> None:
    """"We're about out of time." can score as a push; the peer hears the end of the session and says goodbye."""
    persona = load_model(path, Persona)
    assert persona.shut_down is not None
    chat = Conversation(persona, rubric)
    reading, _ = await chat.say("Hi, thanks for coming in. What's on your mind today?", levels())
    assert not reading.closing  # a hello, though it thanks them for coming
    reading, reply = await chat.say("Okay, we're about out of time. Thanks for today.", levels(pressure=2))
    goodbyes = tuple(str(line) for line in persona.shut_down.leaving)
    assert reading.closing and reading.reactions == [] and reply.endswith(goodbyes)  # after a test's answer, if open


@pytest.mark.parametrize(("move", "heard"), [("question", False), ("statement", True), ("reflection", False)])
async def test_feeling_heard_answers_a_statement(
    make_persona: PersonaFactory, rubric: Rubric, move: str, heard: bool
) -> None:
    persona = make_persona(boundary_tests=[persona_fields()["boundary_tests"][0] | {"min_turn": 20}])
    chat = Conversation(persona, rubric)
    text = {"question": "What was that like?", "statement": "Thank you.", "reflection": "It sounds lonely."}[move]
    _, reply = await chat.say(text, levels(empathy=3))
    assert (reply in persona.reactions["heard"].lines) == heard
    assert chat.state.inner_voice in persona.reactions["heard"].inner_voice


@pytest.mark.parametrize(
    ("stage", "mood", "change"),
    [
        ("precontemplation", "open", False),
        ("contemplation", "warming", False),
        ("contemplation", "open", True),
        ("preparation", "guarded", False),
        ("preparation", "warming", True),
        ("action", "guarded", True),
    ],
)
def test_change_talk_follows_stage_and_mood(stage: Any, mood: Any, change: bool) -> None:
    assert talks_change(stage, mood) == change


async def test_peer_talks_about_change_every_third_calm_turn(make_persona: PersonaFactory, rubric: Rubric) -> None:
    late_tests = [test | {"min_turn": 20} for test in persona_fields()["boundary_tests"]]
    persona = make_persona(
        hidden_facts=facts(early_fact={"trust": 99}, late_fact={"trust": 99}), boundary_tests=late_tests
    )
    chat = Conversation(persona, rubric)
    replies = [(await chat.say("Thanks for telling me that.", levels()))[1] for _ in range(TALK_EVERY * 2)]
    talk = persona.talk.sustain
    assert [reply in talk for reply in replies] == [False, False, True] * 2


async def test_inner_voice_is_fresh_every_turn(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(boundary_tests=[persona_fields()["boundary_tests"][0] | {"min_turn": 20}])
    chat = Conversation(persona, rubric)
    thoughts = [chat.state.inner_voice]
    for _ in range(3):
        await chat.say("Okay.", levels())
        thoughts.append(chat.state.inner_voice)
    assert set(thoughts) == set(persona.inner_voice.guarded) and thoughts[0] != thoughts[1]
    assert len(chat.state.used_thoughts) == 4


# --- the shipped personas --------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED_PERSONAS, ids=lambda path: path.stem)
async def test_every_test_comes_up_and_a_warm_decline_is_answered(path: Path, rubric: Rubric) -> None:
    persona = load_model(path, Persona)
    chat = Conversation(persona, rubric)
    for turn in range(20):
        text = "It sounds like that's been heavy." if turn % 2 else "What's that been like for you?"
        if chat.state.pending_test:
            text = "I'm really glad you trust me enough to ask, and I can't do that. I'm still here for you."
        reading, reply = await chat.say(text, EMPATHIC)
        if reading.answered:
            assert reply.startswith(tuple(persona.test(reading.answered.test).declined.lines))
    assert set(chat.state.tests_tried) == {test.id for test in persona.boundary_tests}
    assert set(chat.state.test_results.values()) == {"declined"}
    assert len(set(chat.peer_lines)) == len(chat.peer_lines)


@pytest.mark.parametrize("path", SHIPPED_PERSONAS, ids=lambda path: path.stem)
async def test_going_along_with_a_test_is_answered(path: Path, rubric: Rubric) -> None:
    persona = load_model(path, Persona)
    chat = Conversation(persona, rubric)
    for _ in range(20):
        pending = chat.state.pending_test
        kind = persona.test(pending).reaction_kind if pending else None
        crossing = {d.key: 3 for d in rubric.dimensions if kind and d.reaction_kind == kind}
        reading, reply = await chat.say("Sure, I can do that for you.", levels(**crossing) if pending else EMPATHIC)
        if pending:
            assert reply.startswith(tuple(persona.test(pending).accepted.lines))
            assert chat.state.inner_voice in persona.test(pending).accepted.inner_voice
    assert chat.state.test_results and set(chat.state.test_results.values()) == {"accepted"}
