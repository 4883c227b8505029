"""The offline persona engine: move classification, hidden state, scripted replies."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.content.loader import load_model
from app.content.personas import Move, Persona
from app.content.rubrics import Rubric
from app.grading.base import ContextTurn
from app.persona.base import PersonaEngine, PersonaState, TurnReading
from app.persona.moves import classify_move
from app.persona.scripted import LinePicker, ScriptedEngine, line_hash, words
from app.persona.state import initial_state, mood_for, read_turn

ROOT = Path(__file__).resolve().parent.parent
DANA = ROOT / "personas" / "dana-alcohol.yaml"
CRSS_CORE = ROOT / "rubrics" / "crss-core.yaml"
SHIPPED_PERSONAS = sorted((ROOT / "personas").glob("*.yaml"))
RISKS = ("pressure", "authority", "dependency", "boundaries")
MOVES: tuple[Move, ...] = ("question", "reflection", "statement")
MOODS = ("guarded", "warming", "open")

PersonaFactory = Callable[..., Persona]


def levels(**given: int) -> dict[str, int]:
    """Scores on every crss-core dimension: 0 unless given."""
    return {key: given.get(key, 0) for key in (*RISKS, "empathy")}


def dimension(key: str, kind: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": key.title(),
        "kind": kind,
        "description": f"{key} in a reply",
        "principle": f"principle of {key}",
        "why_it_matters": f"why {key} matters",
        "anchors": {level: f"{key} at {level}" for level in range(5)},
        "indicators": [{"pattern": key, "level": 2}],
        "exemplars": [
            {"peer": "I'm tired.", "reply": f"{key} low", "level": 0},
            {"peer": "I'm tired.", "reply": f"{key} high", "level": 3},
        ],
        "coaching_tips": [f"mind {key}"],
    }


@pytest.fixture
def rubric() -> Rubric:
    """The shipped crss-core rubric once it exists, else one with the same dimensions."""
    if CRSS_CORE.exists():
        return load_model(CRSS_CORE, Rubric)
    dimensions = [dimension(key, "risk") for key in RISKS] + [dimension("empathy", "skill")]
    return Rubric(id="crss-core", name="Core", description="test", dimensions=dimensions)


@pytest.fixture
def dana() -> Persona:
    return load_model(DANA, Persona)


def persona_fields(**overrides: Any) -> dict[str, Any]:
    """A small standard persona: trust 30, facts at 45 and 60, outcome at 70."""

    def two(name: str) -> list[str]:
        return [f"{name} line 1", f"{name} line 2"]

    fields: dict[str, Any] = {
        "id": "sam-test",
        "name": "Sam",
        "age": 30,
        "pronouns": "they/them",
        "summary": "test peer",
        "background": "test background",
        "recovery_context": {"substances": ["alcohol"]},
        "stage_of_change": "contemplation",
        "strengths": ["honest"],
        "goals": ["sleep"],
        "triggers": ["evenings"],
        "communication_style": "short",
        "initial_trust": 30,
        "opening_lines": two("opening"),
        "hidden_facts": [
            {"id": "late-fact", "trust": 60, "summary": "later", "reveal": two("late reveal")},
            {"id": "early-fact", "trust": 45, "summary": "sooner", "reveal": two("early reveal")},
        ],
        "reactions": {key: {"trust_change": -10, "lines": two(f"{key} pushback")} for key in RISKS}
        | {"empathy": {"trust_change": 8, "lines": two("empathy")}},
        "replies": {move: {mood: two(f"{move} {mood}") for mood in MOODS} for move in MOVES},
        "outcome": {"description": "names a step", "trust": 70, "lines": two("outcome")},
    }
    return fields | overrides


@pytest.fixture
def make_persona(tmp_path: Path) -> PersonaFactory:
    """Writes a small persona file into tmp_path and loads it the way the catalog does."""

    def make(**overrides: Any) -> Persona:
        path = tmp_path / "sam-test.yaml"
        path.write_text(yaml.safe_dump(persona_fields(**overrides)), encoding="utf-8")
        return load_model(path, Persona)

    return make


def read(
    persona: Persona, rubric: Rubric, state: PersonaState, scores: dict[str, int]
) -> tuple[PersonaState, TurnReading]:
    return read_turn(persona=persona, rubric=rubric, state=state, scores=scores, move="statement")


# --- moves ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "move"),
    [
        ("Sounds like it's been lonely. What's that like?", "reflection"),
        ("It sounds like evenings are the hardest part.", "reflection"),
        ("It seems you've been carrying this alone.", "reflection"),
        ("You feel like nobody at work would get it.", "reflection"),
        ("You're feeling stuck between wanting help and hating to need it.", "reflection"),
        ("You\u2019re feeling worn out.", "reflection"),
        ("I hear how much Tyler means to you.", "reflection"),
        ("That must be exhausting.", "reflection"),
        ("It makes sense that you'd want to keep it quiet.", "reflection"),
        ("So you're saying the Sundays are the worst?", "reflection"),
        ("That sounds really hard.", "reflection"),
        ("What's been the hardest part this week?", "question"),
        ("How do you feel about the meetings?", "question"),
        ("Do you feel ready to talk about it?", "question"),
        ("Would it help to talk through Sunday nights", "question"),
        ("Could you say more about that", "question"),
        ("Is there anyone you can call?", "question"),
        ("Are you sleeping at all", "question"),
        ("Tell me more about Tuesday.", "question"),
        ("When did you start going to St. Anne's", "question"),
        ("Okay. What would a good week look like", "question"),
        ("You need to go to a meeting every day.", "statement"),
        ("I'm really proud of you for coming in.", "statement"),
        ("Do your best this week.", "statement"),
        ("When you're ready, I'm here.", "statement"),
        ("Seven weeks is a real achievement.", "statement"),
        ("Have a good night.", "statement"),
        ("", "statement"),
    ],
)
def test_classify_move(text: str, move: Move) -> None:
    assert classify_move(text) == move


# --- hidden state --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trust", "mood"),
    [
        (0, "guarded"),
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
    state = initial_state(make_persona(initial_trust=55))
    assert (state.trust, state.mood, state.turns, state.revealed) == (55, "warming", 0, [])


def test_trust_rises_on_empathy_and_falls_on_pressure(
    make_persona: PersonaFactory, rubric: Rubric
) -> None:
    persona = make_persona()
    start = initial_state(persona)
    warmer, _ = read(persona, rubric, start, levels(empathy=2))
    colder, reading = read(persona, rubric, start, levels(pressure=3))
    assert warmer.trust == 30 + 8 + 2  # a clear empathy reaction plus the no-risk bonus
    assert colder.trust == 30 - 15  # -10 for a clear instance, scaled by level 3 / 2
    assert reading.reactions == ["pressure"]


def test_reading_leaves_the_given_state_untouched(
    make_persona: PersonaFactory, rubric: Rubric
) -> None:
    persona = make_persona(initial_trust=80)
    start = initial_state(persona)
    after, reading = read(persona, rubric, start, levels(empathy=3))
    assert start == initial_state(persona)
    assert (after.turns, reading.trust_before, reading.scores) == (1, 80, levels(empathy=3))


def test_slight_risk_costs_trust_without_a_reaction(
    make_persona: PersonaFactory, rubric: Rubric
) -> None:
    persona = make_persona()
    after, reading = read(persona, rubric, initial_state(persona), levels(authority=1))
    assert after.trust == 25
    assert reading.reactions == []


@pytest.mark.parametrize(
    ("difficulty", "gain", "loss"),
    [("gentle", 13, -14), ("standard", 10, -20), ("guarded", 7, -26)],
)
def test_difficulty_changes_the_rate(
    make_persona: PersonaFactory, rubric: Rubric, difficulty: str, gain: int, loss: int
) -> None:
    persona = make_persona(difficulty=difficulty, initial_trust=50)
    start = initial_state(persona)
    warmer, _ = read(persona, rubric, start, levels(empathy=2))
    colder, _ = read(persona, rubric, start, levels(pressure=2, authority=2))
    assert (warmer.trust - 50, colder.trust - 50) == (gain, loss)


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
    after, _ = read(persona, rubric, initial_state(persona), scores)
    assert after.trust == trust


def test_reactions_come_strongest_first(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona()
    scores = levels(pressure=2, authority=1, dependency=4, boundaries=3, empathy=3)
    _, reading = read(persona, rubric, initial_state(persona), scores)
    assert reading.reactions == ["dependency", "boundaries", "pressure"]


def test_no_fact_below_its_threshold(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=34)
    after, reading = read(persona, rubric, initial_state(persona), levels(empathy=2))
    assert after.trust == 44
    assert reading.revealed_now == [] and after.revealed == []


def test_facts_come_one_per_turn_lowest_threshold_first(
    make_persona: PersonaFactory, rubric: Rubric
) -> None:
    persona = make_persona(initial_trust=65)
    first, reading = read(persona, rubric, initial_state(persona), levels(empathy=2))
    assert reading.revealed_now == ["early-fact"]
    second, reading = read(persona, rubric, first, levels(empathy=2))
    assert reading.revealed_now == ["late-fact"]
    third, reading = read(persona, rubric, second, levels(empathy=2))
    assert reading.revealed_now == [] and third.revealed == ["early-fact", "late-fact"]


def test_no_fact_while_reacting(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=90)
    after, reading = read(persona, rubric, initial_state(persona), levels(boundaries=2, empathy=4))
    assert after.trust >= 60
    assert reading.reactions == ["boundaries"]
    assert (reading.revealed_now, reading.outcome_now) == ([], False)


def test_outcome_needs_a_fact_and_comes_once(make_persona: PersonaFactory, rubric: Rubric) -> None:
    persona = make_persona(initial_trust=75)
    first, reading = read(persona, rubric, initial_state(persona), levels(empathy=2))
    assert reading.revealed_now == ["early-fact"] and reading.outcome_now and first.outcome_reached
    second, reading = read(persona, rubric, first, levels(empathy=2))
    assert not reading.outcome_now and second.outcome_reached


def test_no_outcome_before_any_fact(make_persona: PersonaFactory, rubric: Rubric) -> None:
    facts = persona_fields()["hidden_facts"]
    persona = make_persona(initial_trust=75, hidden_facts=[facts[0] | {"trust": 90}])
    trusting, reading = read(persona, rubric, initial_state(persona), levels(empathy=2))
    assert trusting.trust == 85 and not reading.outcome_now and not trusting.outcome_reached
    _, reading = read(persona, rubric, trusting, levels(empathy=2))
    assert reading.revealed_now == ["late-fact"] and reading.outcome_now


# --- scripted engine -----------------------------------------------------------------------


async def reply_to(
    engine: PersonaEngine,
    persona: Persona,
    state: PersonaState,
    reading: TurnReading,
    history: list[ContextTurn],
) -> list[str]:
    stream = engine.stream_reply(persona=persona, state=state, reading=reading, history=history)
    return [chunk async for chunk in stream]


class Conversation:
    """A practice chat as the pipeline runs it: read the turn, then stream the peer's reply."""

    def __init__(self, persona: Persona, rubric: Rubric) -> None:
        self.persona, self.rubric = persona, rubric
        self.engine = ScriptedEngine(delay_s=0)
        self.state = initial_state(persona)
        opening = self.engine.opening(persona=persona, state=self.state)
        self.history = [ContextTurn(role="peer", text=opening)]

    async def say(self, text: str, scores: dict[str, int]) -> tuple[TurnReading, str]:
        self.state, reading = read_turn(
            persona=self.persona,
            rubric=self.rubric,
            state=self.state,
            scores=scores,
            move=classify_move(text),
        )
        chunks = await reply_to(self.engine, self.persona, self.state, reading, self.history)
        reply = "".join(chunks)
        self.history.append(ContextTurn(role="trainee", text=text))
        self.history.append(ContextTurn(role="peer", text=reply))
        return reading, reply


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


@pytest.mark.parametrize("path", SHIPPED_PERSONAS, ids=lambda path: path.stem)
async def test_no_line_repeats_over_twenty_turns(path: Path, rubric: Rubric) -> None:
    chat = Conversation(load_model(path, Persona), rubric)
    turns = (EMPATHIC_TURNS + PUSHING_TURNS + [("Okay.", levels())]) * 3
    for text, scores in turns[:20]:
        await chat.say(text, scores)
    said = [turn.text for turn in chat.history if turn.role == "peer"]
    assert len(set(said)) == len(said) == 21
    assert len(set(chat.state.used_lines)) == len(chat.state.used_lines)


async def test_streamed_chunks_join_to_the_reply(
    make_persona: PersonaFactory, rubric: Rubric
) -> None:
    persona = make_persona(initial_trust=75)
    state, reading = read(persona, rubric, initial_state(persona), levels(empathy=3))
    chunks = await reply_to(ScriptedEngine(), persona, state, reading, [])
    text = "".join(chunks)
    assert chunks == words(text) and len(chunks) > 3
    assert all(chunk.strip() and " " not in chunk.strip() for chunk in chunks)
    expected = ["statement open line", "early reveal line", "outcome line"]
    assert all(part in text for part in expected)
    assert len(state.used_lines) == 3


async def test_replays_say_the_same_words(dana: Persona, rubric: Rubric) -> None:
    first, second = Conversation(dana, rubric), Conversation(dana, rubric)
    for text, scores in EMPATHIC_TURNS:
        assert await first.say(text, scores) == await second.say(text, scores)
    assert first.history == second.history


def test_opening_is_an_opening_line_and_is_remembered(make_persona: PersonaFactory) -> None:
    persona = make_persona()
    state = initial_state(persona)
    line = ScriptedEngine().opening(persona=persona, state=state)
    assert line in persona.opening_lines
    assert state.used_lines == [line_hash(line)]
    assert ScriptedEngine.name == "offline"


def test_picker_falls_back_to_the_next_tier() -> None:
    picker = LinePicker(used_lines=[line_hash("a"), line_hash("b")], seed="s")
    assert picker.pick([["a", "b"], ["c"]]) == "c"
    assert picker.used_lines[-1] == line_hash("c")


def test_picker_reuses_the_least_recent_line_only_when_all_are_used() -> None:
    picker = LinePicker(used_lines=[line_hash(x) for x in ("b", "a", "c", "b")], seed="s")
    assert picker.pick([["a", "b"], ["c"]]) == "a"
    assert picker.pick([["a", "b"], ["c"]]) == "c"
