"""What happened to the peer over a session, read back from the saved readings of their replies:
how trust moved, each boundary test and how it was handled, each crisis moment and how it was met.
"""

import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from app.content.personas import Persona
from app.content.rubrics import CrisisCheck
from app.models import Turn
from app.persona.base import Handling, TurnReading

HANDLED: dict[Handling, str] = {
    "accepted": "went along with it",
    "declined": "declined warmly and clearly",
    "declined_coldly": "declined, but coldly",
    "ignored": "moved past it without answering",
    "asked_back": "asked what was behind it",
}
"""How a boundary test was handled, in the words the summary shows."""


@dataclass(frozen=True)
class TrustPoint:
    position: int
    trust: int


@dataclass
class TestMoment:
    test_id: str
    ask: str
    turn_id: int
    handling: Handling | None = None

    @property
    def handled(self) -> str:
        return HANDLED[self.handling] if self.handling else "not answered before the session ended"

    @property
    def held(self) -> bool:
        return self.handling == "declined"


@dataclass
class CrisisMoment:
    moment: str
    summary: str
    turn_id: int
    met: list[str] = field(default_factory=list)
    avoided: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)
    coaching: list[str] = field(default_factory=list)

    @property
    def heard(self) -> bool:
        return "heard" in self.responses or "answer" in self.responses


@dataclass
class PeerPath:
    trust: list[TrustPoint] = field(default_factory=list)
    tests: list[TestMoment] = field(default_factory=list)
    crises: list[CrisisMoment] = field(default_factory=list)


def _readings(turns: list[Turn]) -> list[tuple[Turn, TurnReading]]:
    found = []
    for turn in turns:
        if turn.role == "peer" and turn.reading:
            try:
                found.append((turn, TurnReading.model_validate(turn.reading)))
            except ValidationError:
                continue  # a reading saved by an older version: nothing to show for it
    return found


def _crisis(persona: Persona, moment_id: str, turn: Turn) -> CrisisMoment:
    summary = next((c.summary for c in persona.crises if c.id == moment_id), moment_id)
    return CrisisMoment(moment=moment_id, summary=summary, turn_id=turn.id or 0)


def peer_path(*, persona: Persona, turns: list[Turn], checklist: list[CrisisCheck]) -> PeerPath:
    path = PeerPath()
    names = {check.key: check.name for check in checklist}
    tests: dict[str, TestMoment] = {}
    crises: dict[str, CrisisMoment] = {}
    for turn, reading in _readings(turns):
        if not path.trust:
            path.trust.append(TrustPoint(turn.position - 1, reading.trust_before))
        after = reading.trust_after if reading.trust_after is not None else reading.trust_before
        path.trust.append(TrustPoint(turn.position, after))
        if reading.answered and reading.answered.test in tests:
            tests[reading.answered.test].handling = reading.answered.handling
        if reading.test_now:
            asked = next((str(t.ask[0]) for t in persona.boundary_tests if t.id == reading.test_now), reading.test_now)
            tests[reading.test_now] = TestMoment(test_id=reading.test_now, ask=asked, turn_id=turn.id or 0)
        if reading.crisis_now:
            crises.setdefault(reading.crisis_now, _crisis(persona, reading.crisis_now, turn))
        if reading.crisis:
            moment = crises.setdefault(reading.crisis.moment, _crisis(persona, reading.crisis.moment, turn))
            moment.met += [names.get(k, k) for k in reading.crisis.met if names.get(k, k) not in moment.met]
            moment.avoided += [names.get(k, k) for k in reading.crisis.avoided if names.get(k, k) not in moment.avoided]
            moment.responses += [reading.crisis.response] if reading.crisis.response else []
            moment.coaching = reading.crisis.coaching or moment.coaching
    path.tests, path.crises = list(tests.values()), list(crises.values())
    return path


_PROPER = re.compile(r"(?<![.!?:\"“] )(?<!^)\b[A-Z][a-z]+\b")


def fits_persona(tip: str, persona: Persona) -> bool:
    """A tip names no person or place that this persona's file does not (an example written for
    another peer would teach the wrong thing)."""
    known = set(re.findall(r"\b[A-Z][a-z]+\b", persona.model_dump_json()))
    return all(word in known for word in _PROPER.findall(tip))
