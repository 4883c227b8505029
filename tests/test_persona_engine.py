"""The offline persona engine: hidden state and scripted replies."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.content.loader import load_model
from app.content.personas import Move, Persona
from app.content.rubrics import Rubric
from app.persona.base import PersonaState, TurnReading
from app.persona.lines import LinePicker, line_hash
from app.persona.scripted import ScriptedEngine, words
from app.persona.state import initial_state, mood_for, read_turn
from tests.persona_kit import (
    ROOT,
    SHIPPED_PERSONAS,
    Conversation,
    crss_core,
    difficulty,
    levels,
    persona_fields,
    write_persona,
)

DANA = ROOT / "personas" / "dana-alcohol.yaml"

PersonaFactory = Callable[..., Persona]


@pytest.fixture
def rubric() -> Rubric:
    return crss_core()


@pytest.fixture
def dana() -> Persona:
    return load_model(DANA, Persona)


@pytest.fixture
def make_persona(tmp_path: Path) -> PersonaFactory:
    """Writes a small persona file into tmp_path and loads it the way the catalog does."""

    def make(**overrides: Any) -> Persona:
        return load_model(write_persona(tmp_path, **overrides), Persona)

    return make


def read(
    persona: Persona, rubric: Rubric, state: PersonaState, scores: dict[str, int], move: Move = "statement"
) -> tuple[PersonaState, TurnReading]:
    level = difficulty()[persona.difficulty]
    return read_turn(persona=persona, rubric=rubric, level=level, state=state, scores=scores, move=move)


def start(persona: Persona) -> PersonaState:
    return initial_state(persona, difficulty()[persona.difficulty], seed="engine-test")


# --- hidden state --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trust", "mood"),
    [
        (0, "shut_down"),
        (19, "shut_down"),
        (20, "guarded"),
        (39, "guarded"),
        (40, "warming"),
        (69, "warming"),
        (70, "open"),
        (100, "open"),
    ],
)
def test_mood_bands(trust: int, mood: str) -> None:
    assert mood_for(trust) == mood


def test_initial_state_starts_from_persona_trust(make_persona: PersonaFactory) -> None:
    state = start(make_persona(initial_trust=55))
    assert (state.trust, state.mood, state.turns, state.revealed) == (55, "warming", 0, [])


def test_trust_rises_on_empathy_and_falls_on_pressure(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona()
    begin = start(persona)
    warmer, _ = read(persona, rubric, begin, levels(empathy=2))
    colder, reading = read(persona, rubric, begin, levels(pressure=3))
    assert warmer.trust == 30 + 8  # empathy (+8) and the no-risk bonus (+2), capped at standard's max_gain (8)
    assert colder.trust == 30 - 15  # -10 for a clear instance, scaled by level 3 / 2
    assert reading.reactions == ["pressure"]


def test_reading_leaves_the_given_state_untouched(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=80)
    begin = start(persona)
    after, reading = read(persona, rubric, begin, levels(empathy=3))
    assert begin == start(persona)
    assert (after.turns, reading.trust_before, reading.scores) == (1, 80, levels(empathy=3))


def test_slight_risk_costs_trust_without_a_reaction(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona()
    after, reading = read(persona, rubric, start(persona), levels(authority=1))
    assert after.trust == 25
    assert reading.reactions == []


@pytest.mark.parametrize(
    ("level", "first", "gain", "loss"),
    [("gentle", 55, 10, -14), ("standard", 50, 8, -20), ("guarded", 45, 7, -26)],  # gains capped by max_gain
)
def test_difficulty_changes_start_and_rate(
    make_persona: PersonaFactory, rubric: Rubric, level: str, first: int, gain: int, loss: int
) -> None:
    persona = make_persona(difficulty=level, initial_trust=50)
    begin = start(persona)
    warmer, _ = read(persona, rubric, begin, levels(empathy=2))
    colder, _ = read(persona, rubric, begin, levels(pressure=2, authority=2))
    assert (begin.trust, warmer.trust - first, colder.trust - first) == (first, gain, loss)


@pytest.mark.parametrize(
    ("initial_trust", "scores", "trust"),
    [(95, levels(empathy=4), 100), (5, levels(pressure=4), 0)],
)
def test_trust_stays_between_0_and_100(
    make_persona: PersonaFactory,
    rubric: Rubric,
    initial_trust: int,
    scores: dict[str, int],
    trust: int,
) -> None:
    persona = make_persona(initial_trust=initial_trust)
    after, _ = read(persona, rubric, start(persona), scores)
    assert after.trust == trust


def test_reactions_come_strongest_first(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona()
    scores = levels(pressure=2, authority=1, dependency=4, boundaries=3, empathy=3)
    _, reading = read(persona, rubric, start(persona), scores)
    assert reading.reactions == ["dependency", "boundaries", "pressure"]


def test_no_fact_below_its_threshold(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=34)
    after, reading = read(persona, rubric, start(persona), levels(empathy=2))
    assert after.trust == 42
    assert reading.revealed_now == [] and after.revealed == []


def test_facts_come_one_per_turn_lowest_threshold_first(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=65)
    first, reading = read(persona, rubric, start(persona), levels(empathy=2))
    assert reading.revealed_now == ["early-fact"]
    second, reading = read(persona, rubric, first, levels(empathy=2))
    assert reading.revealed_now == ["late-fact"]
    third, reading = read(persona, rubric, second, levels(empathy=2))
    assert reading.revealed_now == [] and third.revealed == ["early-fact", "late-fact"]


def test_no_fact_while_reacting(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=90)
    after, reading = read(persona, rubric, start(persona), levels(boundaries=2, empathy=4))
    assert after.trust >= 60
    assert reading.reactions == ["boundaries"]
    assert (reading.revealed_now, reading.outcome_now) == ([], False)


def test_outcome_needs_a_fact_and_listening_and_comes_once(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=75)
    first, reading = read(persona, rubric, start(persona), levels(empathy=2))
    assert reading.revealed_now == ["early-fact"] and not reading.outcome_now  # one reply of listening so far
    second, reading = read(persona, rubric, first, levels(empathy=2))
    assert reading.outcome_now and second.outcome_reached
    third, reading = read(persona, rubric, second, levels(empathy=2))
    assert not reading.outcome_now and third.outcome_reached


def test_no_outcome_before_any_fact(make_persona: PersonaFactory, rubric: Rubric) -> None:
    facts = persona_fields()["hidden_facts"]
    persona = make_persona(initial_trust=75, hidden_facts=[facts[0] | {"trust": 90}])
    trusting, reading = read(persona, rubric, start(persona), levels(empathy=2))
    assert trusting.trust == 83 and not reading.outcome_now and not trusting.outcome_reached
    _, reading = read(persona, rubric, trusting, levels(empathy=2))
    assert reading.revealed_now == ["late-fact"] and reading.outcome_now


# --- scripted engine -----------------------------------------------------------------------

EMPATHIC_TURNS = [
    ("Sounds like the evenings have been really heavy.", levels(empathy=3)),
    ("What's it been like going to St. Anne's on your own?", levels(empathy=2)),
    ("It makes sense that you'd keep it close for now.", levels(empathy=3)),
    ("Seven weeks on your own terms is a real thing.", levels(empathy=2)),
]
PUSHING_TURNS = [
    ("You have to go to a meeting every day, that's what works.", levels(pressure=3, authority=2)),
    ("Trust me, I know what you need. Call your sponsor tonight.", levels(pressure=3, authority=2)),
]


async def test_dana_warms_up_then_pulls_back(dana: Persona, rubric: Rubric) -> None:
    chat = Conversation(dana, rubric)
    assert chat.history[0].text in dana.opening_lines
    trusts = [chat.state.trust]
    for text, scores in EMPATHIC_TURNS:
        reading, reply = await chat.say(text, scores)
        trusts.append(chat.state.trust)
        for fact_id in reading.revealed_now:
            assert any(line in reply for line in dana.fact(fact_id).reveal)
    assert trusts == sorted(trusts) and trusts[-1] > trusts[0]
    assert chat.state.revealed
    for text, scores in PUSHING_TURNS:
        before = chat.state.trust
        reading, reply = await chat.say(text, scores)
        assert reading.reactions == ["pressure", "authority"]
        assert chat.state.trust < before
        assert reply in dana.reactions["pressure"].lines
        assert chat.state.inner_voice in dana.reactions["pressure"].inner_voice


@pytest.mark.parametrize("path", SHIPPED_PERSONAS, ids=lambda path: path.stem)
async def test_no_line_repeats_over_twenty_turns(path: Path, rubric: Rubric) -> None:
    chat = Conversation(load_model(path, Persona), rubric)
    turns = (EMPATHIC_TURNS + PUSHING_TURNS + [("Okay.", levels())]) * 3
    for text, scores in turns[:20]:
        await chat.say(text, scores)
    assert len(set(chat.peer_lines)) == len(chat.peer_lines) == 21
    assert len(set(chat.state.used_lines)) == len(chat.state.used_lines)


async def test_streamed_chunks_join_to_the_reply(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=75)
    state, reading = read(persona, rubric, start(persona), levels(empathy=3), move="reflection")
    stream = ScriptedEngine().stream_reply(persona=persona, state=state, reading=reading, history=[])
    chunks = [chunk async for chunk in stream]
    text = "".join(chunks)
    assert chunks == words(text) and len(chunks) > 3
    assert all(chunk.strip() and " " not in chunk.strip() for chunk in chunks)
    expected = ["reflection open line", "early reveal line"]
    assert all(part in text for part in expected)
    assert len(state.used_lines) == 2


async def test_replays_say_the_same_words(dana: Persona, rubric: Rubric) -> None:
    first, second = Conversation(dana, rubric), Conversation(dana, rubric)
    for text, scores in EMPATHIC_TURNS:
        assert await first.say(text, scores) == await second.say(text, scores)
    assert first.history == second.history
    assert first.state == second.state


def test_opening_is_an_opening_line_and_is_remembered(make_persona: PersonaFactory) -> None:
    persona = make_persona()
    state = start(persona)
    line = ScriptedEngine().opening(persona=persona, state=state)
    assert line in persona.opening_lines
    assert state.used_lines == [line_hash(line)]
    assert state.inner_voice in persona.inner_voice.guarded
    assert ScriptedEngine.name == "offline"


def test_picker_falls_back_to_the_next_tier() -> None:
    picker = LinePicker(used_lines=[line_hash("a"), line_hash("b")], seed="s")
    assert picker.pick([["a", "b"], ["c"]]) == "c"
    assert picker.used_lines[-1] == line_hash("c")


def test_picker_reuses_the_least_recent_line_only_when_all_are_used() -> None:
    picker = LinePicker(used_lines=[line_hash(x) for x in ("b", "a", "c", "b")], seed="s")
    assert picker.pick([["a", "b"], ["c"]]) == "a"
    assert picker.pick([["a", "b"], ["c"]]) == "c"
