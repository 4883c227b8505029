"""How the peer's hidden state moves with each reply: trust, mood, facts said, tests, crises, outcome.

The peer reads the reply from its grade and from its words: what was asked or mentioned, how an
open boundary test was answered, an apology, a crisis asked about or brushed off.
"""

import secrets
from dataclasses import dataclass

from app.content.difficulty import DifficultyLevel
from app.content.personas import Mood, Move, Persona
from app.content.rubrics import CrisisCheck, Rubric
from app.grading.context_cues import ends_the_session, is_encourager, owns_a_misstep
from app.persona.base import Asked, BoundaryAnswer, CrisisReading, PersonaState, TurnReading
from app.persona.boundary_tests import next_test
from app.persona.crisis import check_reply, closes, due_crisis, respond
from app.persona.disclosure import current_stage, fact_ready, next_fact, reaches_outcome, stage_after_outcome
from app.persona.hearing import hear
from app.persona.inner_voice import think
from app.persona.reactions import REACTION_LEVEL, dimensions_of_kind, triggered_reactions
from app.persona.test_answers import read_handling
from app.persona.trust import (
    CRISIS_CHANGE,
    HANDLING_CHANGE,
    INFO_QUESTION_GAIN,
    REPAIR_BONUS,
    REPAIR_WINDOW,
    RUPTURE,
    grade_change,
    scaled,
)

SHUT_DOWN_BELOW = 20
LEAVES_AFTER = 3
"""Turns in a row shut down before the peer tries to leave."""


def mood_for(trust: int) -> Mood:
    if trust < SHUT_DOWN_BELOW:
        return "shut_down"
    if trust < 40:
        return "guarded"
    if trust < 70:
        return "warming"
    return "open"


def starting_trust(persona: Persona, level: DifficultyLevel) -> int:
    return min(100, max(0, persona.initial_trust + level.trust_offset))


def initial_state(persona: Persona, level: DifficultyLevel, *, seed: str | None = None) -> PersonaState:
    """A new session's state; the seed (random unless given) varies openings and test order."""
    trust = starting_trust(persona, level)
    state = PersonaState(
        trust=trust,
        mood=mood_for(trust),
        stage=persona.stage_of_change,
        seed=secrets.token_hex(4) if seed is None else seed,
    )
    state.inner_voice = think(persona=persona, mood=state.mood, state=state)
    return state


@dataclass(frozen=True)
class Reply:
    """The trainee's reply as the peer takes it in."""

    scores: dict[str, int]
    move: Move
    text: str = ""
    last_peer: str = ""


def _handling(persona: Persona, rubric: Rubric, state: PersonaState, reply: Reply) -> BoundaryAnswer | None:
    if state.pending_test is None:
        return None
    test = persona.test(state.pending_test)
    score = max((reply.scores.get(key, 0) for key in dimensions_of_kind(rubric, test.reaction_kind)), default=0)
    if not reply.text:
        return BoundaryAnswer(test=test.id, handling="accepted" if score >= REACTION_LEVEL else "declined")
    asked_back = state.test_results.get(test.id) == "asked_back"
    handling = read_handling(test=test, text=reply.text, move=reply.move, score=score, asked_back_before=asked_back)
    return BoundaryAnswer(test=test.id, handling=handling)


def peer_scores(
    persona: Persona, rubric: Rubric, scores: dict[str, int], answered: BoundaryAnswer | None
) -> dict[str, int]:
    """The grade as the peer feels it: a decline read from the words is never felt as crossing the line."""
    if answered is None:
        return dict(scores)
    felt = dict(scores)
    for dimension in dimensions_of_kind(rubric, persona.test(answered.test).reaction_kind):
        if answered.handling == "accepted":
            felt[dimension] = max(felt.get(dimension, 0), REACTION_LEVEL)
        elif answered.handling in ("declined", "declined_coldly"):
            felt[dimension] = 0
    return felt


def _crisis(
    persona: Persona, state: PersonaState, reply: Reply, asked: Asked | None, checklist: list[CrisisCheck], pushed: bool
) -> CrisisReading | None:
    direct = asked is not None and asked.kind == "crisis"
    moment = state.crisis or (asked.id if direct and asked else None)
    if moment is None:
        return None
    reading = check_reply(moment=moment, text=reply.text, checklist=checklist, asked_directly=direct)
    answered_before = state.crisis_results.get(moment) == "answer"
    if direct and not answered_before:
        reading.response = "answer"
    else:
        reading.response = respond(reading, risk_flagged=pushed, asked_before=answered_before)
    return reading


@dataclass
class _Turn:
    persona: Persona
    rubric: Rubric
    level: DifficultyLevel
    state: PersonaState
    reply: Reply
    checklist: list[CrisisCheck]


def _trust(turn: _Turn, reading: TurnReading, felt: dict[str, int]) -> int:
    change = grade_change(persona=turn.persona, rubric=turn.rubric, level=turn.level, scores=felt)
    if _info_question(reading):
        change = min(change, INFO_QUESTION_GAIN)
    if reading.answered:
        change += scaled(HANDLING_CHANGE[reading.answered.handling], turn.level)
    if reading.crisis and reading.crisis.response:
        change += scaled(CRISIS_CHANGE[reading.crisis.response], turn.level)
    if reading.repaired:
        change += scaled(REPAIR_BONUS, turn.level)
    return min(100, max(0, turn.state.trust + change))


def _info_question(reading: TurnReading) -> bool:
    """A plain question after a fact of the peer's life: rapport, not listening."""
    return reading.move == "question" and reading.asked is not None and reading.asked.kind != "crisis"


def _listened(reading: TurnReading) -> bool:
    """A reply that reflects, or validates in a statement: real listening, which deep facts need."""
    return not reading.reactions and (
        reading.move == "reflection" or (bool(reading.heard) and reading.move == "statement")
    )


def _disclose(turn: _Turn, reading: TurnReading, trust: int, listened: int) -> None:  # noqa: C901
    """What the peer says of their own accord this turn: a fact, the outcome, a crisis sign or a test."""
    persona, state = turn.persona, turn.state
    if reading.reactions or reading.crisis:
        return
    asked = reading.asked
    if asked and asked.kind == "fact" and asked.id not in state.revealed:
        asked_fact = persona.fact(asked.id or "")
        ready = fact_ready(asked_fact, trust=trust, revealed=state.revealed, move=reading.move)
        reading.revealed_now = [asked_fact.id] if ready and _deep_enough(persona, asked_fact.id, listened) else []
        return  # a fact asked about is said or deflected, and nothing else comes out
    fact = None if _info_question(reading) else next_fact(persona=persona, state=state, trust=trust, move=reading.move)
    reading.revealed_now = [fact.id] if fact and _deep_enough(persona, fact.id, listened) else []
    revealed = [*state.revealed, *reading.revealed_now]
    reading.outcome_now = listened >= LISTENING_FOR_DEPTH and reaches_outcome(
        persona=persona, state=state, trust=trust, revealed=revealed
    )
    if reading.revealed_now or reading.outcome_now:
        return
    turn_number = state.turns + 1
    crisis = due_crisis(persona=persona, state=state, trust=trust, turn=turn_number)
    if crisis is not None:
        reading.crisis_now = crisis.id
        return
    test = next_test(persona=persona, level=turn.level, state=state, trust=trust, turn=turn_number)
    reading.test_now = test.id if test else None


LISTENING_FOR_DEPTH = 2
"""Replies that really listened before the peer says their deepest fact or names their next step."""


def _deep_enough(persona: Persona, fact_id: str, listened: int) -> bool:
    deepest = max(f.trust for f in persona.hidden_facts)
    return persona.fact(fact_id).trust < deepest or listened >= LISTENING_FOR_DEPTH


def _reading(turn: _Turn) -> tuple[TurnReading, int]:
    persona, state, reply = turn.persona, turn.state, turn.reply
    answered = _handling(persona, turn.rubric, state, reply)
    felt = peer_scores(persona, turn.rubric, reply.scores, answered)
    triggered = triggered_reactions(persona=persona, rubric=turn.rubric, scores=felt)
    kinds = {d.key: d.kind for d in turn.rubric.dimensions}
    encouraged = is_encourager(reply.text)  # "Go on.": heard as the invitation it is, whatever its grade
    closing = ends_the_session(reply.text)  # "We're about out of time.": a goodbye, not a push
    heard_as_meant = encouraged or closing  # neither is felt as a push, whatever the grade
    risks = [  # strongest first, as triggered_reactions orders them
        t for t in triggered if kinds[t.dimension] == "risk" and t.level >= REACTION_LEVEL and not heard_as_meant
    ]
    asked = (
        hear(persona=persona, state=state, text=reply.text, last_peer=reply.last_peer, move=reply.move)
        if reply.text
        else None
    )
    reading = TurnReading(
        move=reply.move,
        scores=dict(reply.scores),
        reactions=[t.kind for t in risks],
        heard=[t.kind for t in triggered if kinds[t.dimension] == "skill" and t.level >= REACTION_LEVEL],
        trust_before=state.trust,
        answered=answered,
        asked=asked,
        encouraged=encouraged,
        closing=closing,
    )
    reading.crisis = _crisis(persona, state, reply, asked, turn.checklist, pushed=bool(risks))
    recent = state.ruptured_at is not None and state.turns + 1 - state.ruptured_at <= REPAIR_WINDOW
    reading.repaired = recent and not risks and owns_a_misstep(reply.text)
    trust = _trust(turn, reading, felt)
    listened = state.listened + (1 if _listened(reading) else 0)
    _disclose(turn, reading, trust, listened)
    reading.trust_after = trust
    return reading, listened


def _crisis_update(state: PersonaState, reading: TurnReading) -> dict[str, object]:
    seen = [*state.crises_seen, *([reading.crisis_now] if reading.crisis_now else [])]
    results = dict(state.crisis_results)
    crisis, turns = state.crisis, state.crisis_turns
    if reading.crisis_now:
        crisis, turns = reading.crisis_now, 0
    elif reading.crisis:
        moment = reading.crisis.moment
        seen = seen if moment in seen else [*seen, moment]
        if reading.crisis.response:
            results[moment] = reading.crisis.response
        still_open = not closes(reading.crisis, state.model_copy(update={"crisis_turns": turns}))
        crisis, turns = (moment, turns + 1) if still_open else (None, 0)
    return {"crisis": crisis, "crisis_turns": turns, "crises_seen": seen, "crisis_results": results}


def _last_asked(reading: TurnReading) -> Asked | None:
    """What this reply was about, for a follow-up next turn: what was asked, else a fact just told."""
    if reading.revealed_now:
        return Asked(kind="fact", id=reading.revealed_now[-1])
    return reading.asked


def _state_after(turn: _Turn, reading: TurnReading, listened: int) -> PersonaState:
    persona, state = turn.persona, turn.state
    trust = reading.trust_after if reading.trust_after is not None else state.trust
    stage = current_stage(persona, state)
    mood = mood_for(trust)
    low_turns = state.low_turns + 1 if mood == "shut_down" else 0
    reading.leaving = persona.shut_down is not None and low_turns >= LEAVES_AFTER and low_turns % LEAVES_AFTER == 0
    pending = reading.test_now
    if reading.answered and reading.answered.handling == "asked_back":
        pending = reading.answered.test  # the peer explains and asks again: the test stays open
    ruptured = state.ruptured_at
    if trust - state.trust <= RUPTURE and reading.reactions:
        ruptured = state.turns + 1
    elif reading.repaired:
        ruptured = None
    after = state.model_copy(
        update={
            "trust": trust,
            "mood": mood,
            "stage": stage_after_outcome(stage) if reading.outcome_now else stage,
            "revealed": [*state.revealed, *reading.revealed_now],
            "used_lines": list(state.used_lines),
            "used_thoughts": list(state.used_thoughts),
            "turns": state.turns + 1,
            "outcome_reached": state.outcome_reached or reading.outcome_now,
            "tests_tried": [*state.tests_tried, *([reading.test_now] if reading.test_now else [])],
            "pending_test": pending,
            "last_test_turn": state.turns + 1 if reading.test_now else state.last_test_turn,
            "test_results": state.test_results
            | ({reading.answered.test: reading.answered.handling} if reading.answered else {}),
            "listened": listened,
            "ruptured_at": ruptured,
            "low_turns": low_turns,
            "last_asked": _last_asked(reading),
            **_crisis_update(state, reading),
        }
    )
    after.inner_voice = think(persona=persona, mood=after.mood, state=after, reading=reading)
    return after


def read_turn(
    *,
    persona: Persona,
    rubric: Rubric,
    level: DifficultyLevel,
    state: PersonaState,
    scores: dict[str, int],
    move: Move,
    text: str = "",
    last_peer: str = "",
    checklist: list[CrisisCheck] | None = None,
) -> tuple[PersonaState, TurnReading]:
    """The peer's next state and reading of the reply; the given state is left untouched.

    `text` is the trainee's words and `last_peer` the peer's last reply (for follow-ups); without
    them the peer reads the grade alone. `checklist` defaults to the rubric's crisis checklist.
    """
    reply = Reply(scores=scores, move=move, text=text, last_peer=last_peer)
    turn = _Turn(persona, rubric, level, state, reply, rubric.crisis_checklist if checklist is None else checklist)
    reading, listened = _reading(turn)
    return _state_after(turn, reading, listened), reading
