"""Lines that give a hidden fact away before it can be out, and copied personas that still name
the old person.

A fact's `key_details` may be said only in its own reveal, or in a line that can only come after
it: one whose owner (another fact, a test, a crisis, a topic's fuller lines, the outcome) requires
it, directly or through the facts it requires.
"""

import re
from collections.abc import Iterator

from app.content.personas import Line, Persona
from app.persona.cues import cue_pattern, normalise

Said = tuple[str, str, frozenset[str]]
"""Where a text is (field), the text, and the facts certainly out before it can be said."""


def _after(persona: Persona, requires: list[str]) -> frozenset[str]:
    """The facts out before something that requires these: them and everything they require."""
    out: set[str] = set()
    todo = list(requires)
    while todo:
        fact_id = todo.pop()
        if fact_id not in out and any(f.id == fact_id for f in persona.hidden_facts):
            out.add(fact_id)
            todo += persona.fact(fact_id).requires
    return frozenset(out)


def _with_better(field: str, lines: list[Line], after: frozenset[str]) -> Iterator[Said]:
    for i, line in enumerate(lines):
        yield f"{field}.{i}", str(line), after
        yield from ((f"{field}.{i}.better_replies", reply, after) for reply in line.better_replies)


def _facts_and_tests(persona: Persona) -> Iterator[Said]:
    for i, fact in enumerate(persona.hidden_facts):
        after = _after(persona, fact.requires) | {fact.id}
        yield from _with_better(f"hidden_facts.{i}.reveal", fact.reveal, after)
        yield from ((f"hidden_facts.{i}.inner_voice", t, after) for t in fact.inner_voice)
        yield from ((f"hidden_facts.{i}.better_replies", t, after) for t in fact.better_replies)
        before = _after(persona, fact.requires)
        yield from _with_better(f"hidden_facts.{i}.deflect", fact.deflect, before)
        yield from ((f"hidden_facts.{i}.hint", t, before) for t in fact.hint)
    for i, test in enumerate(persona.boundary_tests):
        after = _after(persona, test.requires)
        yield from _with_better(f"boundary_tests.{i}.ask", test.ask, after)
        yield from (
            (f"boundary_tests.{i}.{part}", t, after)
            for part in ("inner_voice", "better_replies")
            for t in getattr(test, part)
        )
        for part in ("declined", "accepted", "declined_coldly", "ignored", "asked_back"):
            if (response := getattr(test, part)) is not None:
                yield from _with_better(f"boundary_tests.{i}.{part}.lines", response.lines, after)
                yield from ((f"boundary_tests.{i}.{part}.inner_voice", t, after) for t in response.inner_voice)


def _world_and_crises(persona: Persona) -> Iterator[Said]:
    none: frozenset[str] = frozenset()
    for i, topic in enumerate(persona.world):
        yield from _with_better(f"world.{i}.guarded", topic.guarded, none)
        yield from _with_better(f"world.{i}.open", topic.open, _after(persona, topic.requires))
        yield from ((f"world.{i}.better_replies", t, none) for t in topic.better_replies)
    for i, crisis in enumerate(persona.crises):
        after = _after(persona, crisis.requires)
        for part in ("signal", "answer"):
            yield from _with_better(f"crises.{i}.{part}", getattr(crisis, part), after)
        for part in ("heard", "brushed_off"):
            yield from _with_better(f"crises.{i}.{part}.lines", getattr(crisis, part).lines, after)
            yield from ((f"crises.{i}.{part}.inner_voice", t, after) for t in getattr(crisis, part).inner_voice)
        yield from (
            (f"crises.{i}.{part}", t, after)
            for part in ("inner_voice", "better_replies")
            for t in getattr(crisis, part)
        )


def said_texts(persona: Persona) -> Iterator[Said]:
    """Every text the peer may say or think, or the coach may show, with what is out before it."""
    none: frozenset[str] = frozenset()
    already = {"hidden_facts", "boundary_tests", "world", "crises"}
    for field, line in persona.spoken_lines():
        if field.split(".")[0] not in already:
            after = _after(persona, persona.outcome.requires) if field == "outcome.lines" else none
            yield from _with_better(field, [line], after)
    yield from _facts_and_tests(persona)
    yield from _world_and_crises(persona)
    yield from (
        (f"inner_voice.{mood}", t, none)
        for mood in ("guarded", "warming", "open")
        for t in persona.inner_voice.for_mood(mood)
    )
    yield from (
        (f"reactions.{key}.inner_voice", t, none) for key, r in persona.reactions.items() for t in r.inner_voice
    )
    outcome_after = _after(persona, persona.outcome.requires)
    yield from (("outcome.inner_voice", t, outcome_after) for t in persona.outcome.inner_voice)
    yield from (("outcome.better_replies", t, outcome_after) for t in persona.outcome.better_replies)


def leak_problems(persona: Persona) -> list[str]:
    """A fact's key details said where the fact may not be out yet."""
    problems = []
    for fact in persona.hidden_facts:
        details = [(d, cue_pattern(d)) for d in fact.key_details]
        for field, text, after in said_texts(persona):
            if fact.id in after:
                continue
            found = [detail for detail, pattern in details if pattern.search(normalise(text))]
            if found:
                problems.append(
                    f"field '{field}': {text[:70]!r} gives away hidden fact '{fact.id}' ({', '.join(found)}) before it"
                    f" can be out; say it only in the fact's reveal, or add '{fact.id}' to that part's `requires`"
                )
    return problems


def copy_problems(persona: Persona, others: list[Persona]) -> list[str]:
    """Lines that still name another shipped peer: the file was copied and not fully rewritten."""
    own = {persona.name.split()[0], *persona.life_situation.people}
    problems = []
    for other in others:
        first = other.name.split()[0]
        if other.id == persona.id or first in own:
            continue
        name = re.compile(rf"\b{re.escape(first)}\b")
        for field, text, _ in said_texts(persona):
            if name.search(text):
                problems.append(
                    f"field '{field}': {text[:70]!r} names '{first}', the peer of persona '{other.id}';"
                    f" a copied file must name only its own people"
                )
    return problems
