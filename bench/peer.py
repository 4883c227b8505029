"""How well the offline peer listens, on every shipped persona, with the real offline grader:

    python bench/peer.py [--personas ID ...]

- facts: plain questions about what the persona file says openly (age, work, home, time in
  recovery, each person it names); the reply must carry a word of that fact. Target >= 95 %.
- tests: each boundary test, once the peer tries it, answered with a warm decline, a yes and a
  change of subject; the reply must open with the matching response. Target >= 95 %.
- questions only: ten plain questions must not bring out the deepest fact or the outcome.
- repair: two pushy replies, then an apology and five warm ones; trust must rise by >= 15.

Questions and answers are built from each file's own fields, not from a list tuned to it.
"""

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.catalog import Catalog  # noqa: E402
from app.content.personas import Persona  # noqa: E402
from app.persona.rules import content_words  # noqa: E402
from app.validation.catalog import load_checked_catalog  # noqa: E402
from bench.peer_session import PeerSession  # noqa: E402

WARM_TURNS = [
    "It sounds like you've been carrying a lot of this on your own.",
    "That makes a lot of sense, given everything you've been through.",
    "I hear how much this matters to you.",
    "It sounds like part of you wants things to change, and part of you is tired.",
    "You've kept going through a lot. That says something about you.",
    "It seems like it's been hard to find anyone who really listens.",
    "I can tell you've thought about this a lot.",
    "It sounds like there's a lot of weight on you right now.",
]
PUSHY_TURNS = [
    "You need to stop making excuses and just go to a meeting. That's what works.",
    "Trust me, I know what's best for you here. Do what I tell you.",
]
APOLOGY = "I'm sorry, I pushed you too hard just now. That wasn't fair of me."
ANSWERS = {
    "declined": "I really appreciate you asking, and I can't do that. It matters to me that we keep this about you.",
    "accepted": "Sure, I'd be happy to do that for you.",
    "ignored": "By the way, how has the rest of your week been?",
}


@dataclass
class Tally:
    passed: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        self.passed += ok
        self.total += 1
        if not ok:
            self.misses.append(what)

    def __str__(self) -> str:
        share = self.passed / self.total if self.total else 0.0
        return f"{self.passed}/{self.total} ({share:.0%})"


def _carries(reply: str, fact: str, *, skip: str = "") -> bool:
    """The reply says a word of the fact (its numbers count), other than the asked-about name."""
    numbers = {w for w in fact.replace("(", " ").replace(")", " ").split() if w.strip(",.;").isdigit()}
    wanted = (content_words(fact) | {n.strip(",.;") for n in numbers}) - content_words(skip)
    said = content_words(reply) | {w.strip(",.;?!'") for w in reply.split()}
    return bool(wanted & said)


def fact_questions(persona: Persona) -> list[tuple[str, str, str]]:
    """(question, the fact the file states, a name not to count) for what the file says openly."""
    situation = persona.life_situation
    questions = [
        ("How old are you?", str(persona.age), ""),
        ("What do you do for work?", situation.work, ""),
        ("Where are you living these days?", situation.home, ""),
        ("How long have you been in recovery?", persona.recovery_context.time_in_recovery, ""),
    ]
    for name, who in situation.people.items():
        questions += [(f"Who is {name}?", who, name), (f"Can you tell me a bit about {name}?", who, name)]
    return questions


def measure_facts(catalog: Catalog, persona_id: str, tally: Tally) -> None:
    for question, fact, name in fact_questions(catalog.persona(persona_id)):
        session = PeerSession(catalog, persona_id, seed="facts")
        reply = session.say(question)
        tally.add(_carries(reply, fact, skip=name), f"{persona_id}: {question!r} -> {reply[:90]!r}")


def _until_test(catalog: Catalog, persona_id: str, test_id: str, seed: str) -> PeerSession | None:
    session = PeerSession(catalog, persona_id, seed=seed)
    for turn in range(20):
        if session.state.pending_test == test_id:
            return session
        if session.state.pending_test:  # another test: decline it warmly and go on
            session.say(ANSWERS["declined"])
            continue
        session.say(WARM_TURNS[turn % len(WARM_TURNS)])
    return session if session.state.pending_test == test_id else None


def measure_tests(catalog: Catalog, persona_id: str, tally: Tally) -> None:
    persona = catalog.persona(persona_id)
    for test in persona.boundary_tests:
        for handling, answer in ANSWERS.items():
            session = _until_test(catalog, persona_id, test.id, seed=f"tests-{test.id}")
            if session is None:
                tally.add(False, f"{persona_id}: test {test.id} never came up")
                continue
            reply = session.say(answer)
            response = getattr(test, handling)
            ok = response is not None and reply.startswith(tuple(response.lines))
            tally.add(ok, f"{persona_id}: {test.id} {handling} -> {reply[:90]!r}")


def questions_only(catalog: Catalog, persona_id: str) -> bool:
    """True when ten plain questions leave the deepest fact and the outcome unsaid."""
    persona = catalog.persona(persona_id)
    session = PeerSession(catalog, persona_id, seed="questions")
    asked = [q for q, _, _ in fact_questions(persona)] + ["What do you like to do on weekends?", "Do you have pets?"]
    for question in (asked * 2)[:10]:
        session.say(question)
    deepest = max(persona.hidden_facts, key=lambda f: f.trust).id
    return deepest not in session.state.revealed and not session.state.outcome_reached


def repair_rise(catalog: Catalog, persona_id: str) -> int:
    """Trust after an apology and five warm replies, minus trust after two pushy ones."""
    session = PeerSession(catalog, persona_id, seed="repair")
    for text in WARM_TURNS[:2] + PUSHY_TURNS:
        session.say(text)
    low = session.state.trust
    for text in [APOLOGY, *WARM_TURNS[2:7]]:
        if session.state.pending_test:
            text = ANSWERS["declined"]
        session.say(text)
    return session.state.trust - low


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--personas", nargs="*", help="persona ids (default: every shipped persona)")
    parser.add_argument("--misses", action="store_true", help="print every miss")
    args = parser.parse_args()
    catalog = load_checked_catalog(ROOT)
    ids = args.personas or sorted(catalog.personas)
    facts, tests = Tally(), Tally()
    unlocked, rises = [], []
    steps: list[tuple[str, Callable[[Catalog, str, Tally], None], Tally]] = [
        ("facts", measure_facts, facts),
        ("tests", measure_tests, tests),
    ]
    for persona_id in ids:
        for _, run, tally in steps:
            run(catalog, persona_id, tally)
        if not questions_only(catalog, persona_id):
            unlocked.append(persona_id)
        rises.append((persona_id, repair_rise(catalog, persona_id)))
    print(f"personas: {len(ids)}")
    print(f"facts carried in the reply: {facts}")
    print(f"boundary-test reactions matching the handling: {tests}")
    print(f"unlocked (deepest fact or outcome) by questions alone: {len(unlocked)} {unlocked}")
    low = [(p, r) for p, r in rises if r < 15]
    print(f"trust rise after apology + 5 warm turns: min {min(r for _, r in rises)}, below 15: {low}")
    if args.misses:
        for miss in facts.misses + tests.misses:
            print("  miss:", miss)


if __name__ == "__main__":
    main()
