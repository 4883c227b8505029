"""Helpers for persona tests: a small persona to vary, the shipped content, a chat run on the engine."""

import re
from pathlib import Path
from typing import Any

import yaml

from app.content.difficulty import DifficultyLevel, load_levels
from app.content.loader import load_model
from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.grading.base import ContextTurn
from app.persona.base import PersonaState, TurnReading
from app.persona.moves import classify_move
from app.persona.scripted import ScriptedEngine
from app.persona.state import initial_state, read_turn

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PERSONAS = sorted((ROOT / "personas").glob("*.yaml"))
RISKS = ("pressure", "authority", "dependency", "boundaries")
MOVES = ("question", "reflection", "statement")
MOODS = ("guarded", "warming", "open")

FORBIDDEN = re.compile(
    r"\b(as an ai|i'?m an ai|i am an ai|an ai\b|artificial intelligence|language model|chatbot|i'?m a bot"
    r"|simulated|role-?play|trainee|rubric|good (reflection|question)|open(-ended)? question|active listening"
    r"|your technique|try (asking|reflecting)|next time,? (try|ask)|you should have (asked|said|reflected)"
    r"|nice reflection|as a peer (specialist|supporter),? you should)",
    re.IGNORECASE,
)
"""What a peer must never say: that it is a program, or how the person talking to it should practise."""


def levels(**given: int) -> dict[str, int]:
    """Scores on every crss-core dimension: 0 unless given."""
    return {key: given.get(key, 0) for key in (*RISKS, "empathy")}


def crss_core() -> Rubric:
    return load_model(ROOT / "rubrics" / "crss-core.yaml", Rubric)


def difficulty() -> dict[str, DifficultyLevel]:
    return load_levels(ROOT).root


def _two(name: str) -> list[str]:
    return [f"{name} line 1", f"{name} line 2"]


def _test(test_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    response = {"declined": {"lines": _two(f"{test_id} declined"), "inner_voice": _two(f"{test_id} declined thought")}}
    response["accepted"] = {"lines": _two(f"{test_id} accepted"), "inner_voice": _two(f"{test_id} accepted thought")}
    asking = {"id": test_id, "kind": kind, "ask": _two(f"{test_id} ask"), "inner_voice": _two(f"{test_id} thought")}
    return asking | response | fields


def _reaction(key: str, trust_change: int) -> dict[str, Any]:
    return {"trust_change": trust_change, "lines": _two(f"{key} reaction"), "inner_voice": [f"{key} thought"]}


def persona_fields(**overrides: Any) -> dict[str, Any]:
    """A small standard persona: trust 30, facts at 45 and 60, outcome at 70, two tests."""
    fields: dict[str, Any] = {
        "id": "sam-test",
        "name": "Sam",
        "age": 30,
        "pronouns": "they/them",
        "summary": "test peer",
        "identity": {"gender": "nonbinary", "culture": "test", "languages": ["English"], "location": "Peoria"},
        "life_situation": {"home": "flat", "work": "diner", "family": "a sister", "people": {"Jo": "sister"}},
        "background": "test background",
        "recovery_context": {"substances": ["alcohol"], "pathways": [{"kind": "mutual_aid", "detail": "AA"}]}
        | {"time_in_recovery": "a month"},
        "stage_of_change": "contemplation",
        "strengths": ["honest"],
        "goals": ["I want to sleep."],
        "triggers": ["evenings"],
        "communication_style": ["reserved"],
        "voice": "short",
        "initial_trust": 30,
        "opening_lines": _two("opening"),
        "inner_voice": {mood: _two(f"{mood} thought") for mood in MOODS},
        "hidden_facts": [
            {"id": "late-fact", "trust": 60, "summary": "later", "reveal": _two("late reveal")},
            {"id": "early-fact", "trust": 45, "summary": "sooner", "reveal": _two("early reveal")},
        ],
        "boundary_tests": [
            _test("be-friends", "friendship", min_trust=30, min_turn=1),
            _test("pick-for-me", "decide_for_me", min_trust=30, min_turn=1),
        ],
        "reactions": {key: _reaction(key, -10) for key in RISKS} | {"empathy": _reaction("empathy", 8)},
        "talk": {"sustain": [f"sustain {n}" for n in range(3)], "change": [f"change {n}" for n in range(3)]},
        "replies": {move: {mood: _two(f"{move} {mood}") for mood in MOODS} for move in MOVES},
        "outcome": {"description": "names a step", "trust": 70, "lines": _two("outcome"), "inner_voice": ["step"]},
    }
    return fields | overrides


def write_persona(folder: Path, **overrides: Any) -> Path:
    path = folder / f"{overrides.get('id', 'sam-test')}.yaml"
    path.write_text(yaml.safe_dump(persona_fields(**overrides), sort_keys=False), encoding="utf-8")
    return path


class Conversation:
    """A practice chat as the pipeline runs it: read the turn, then stream the peer's reply."""

    def __init__(self, persona: Persona, rubric: Rubric, *, seed: str = "kit") -> None:
        self.persona, self.rubric = persona, rubric
        self.level = difficulty()[persona.difficulty]
        self.engine = ScriptedEngine(delay_s=0)
        self.state: PersonaState = initial_state(persona, self.level, seed=seed)
        self.history = [ContextTurn(role="peer", text=self.engine.opening(persona=persona, state=self.state))]
        self.readings: list[TurnReading] = []

    async def say(self, text: str, scores: dict[str, int]) -> tuple[TurnReading, str]:
        self.state, reading = read_turn(
            persona=self.persona,
            rubric=self.rubric,
            level=self.level,
            state=self.state,
            scores=scores,
            move=classify_move(text),
            text=text,
            last_peer=self.history[-1].text,
        )
        stream = self.engine.stream_reply(persona=self.persona, state=self.state, reading=reading, history=self.history)
        reply = "".join([chunk async for chunk in stream])
        self.history += [ContextTurn(role="trainee", text=text), ContextTurn(role="peer", text=reply)]
        self.readings.append(reading)
        return reading, reply

    @property
    def peer_lines(self) -> list[str]:
        return [turn.text for turn in self.history if turn.role == "peer"]
