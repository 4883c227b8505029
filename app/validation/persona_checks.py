"""Cross-checks inside a persona file that a schema alone cannot express.

Every message names the field and says what was expected, for the staff member who wrote the file.
The line-count and threshold checks ask the offline engine how it reaches lines and where trust
starts, so the checks and the engine cannot disagree.
"""

import re
from collections import Counter

from app.content.catalog import Catalog
from app.content.difficulty import DifficultyLevel
from app.content.personas import MOODS, MOVES, Persona
from app.content.rubrics import Rubric
from app.persona.rehearsal import SESSION_TURNS
from app.persona.scripted import reply_tiers
from app.persona.state import starting_trust
from app.validation.dynamics import dynamics_problems
from app.validation.leaks import copy_problems, leak_problems

OUT_OF_CHARACTER = re.compile(
    r"\b(as an ai|i'?m an ai|i am an ai|artificial intelligence|language model|chatbot|i'?m (just )?a bot"
    r"|simulat(ed|ion)|role-?play|trainee|rubric)\b",
    re.IGNORECASE,
)
"""A peer never says it is a program, and never steps out of the role-play."""

COACHING = re.compile(
    r"\b(good (reflection|question)|open(-ended)? question|active listening|your technique|try (asking|reflecting)"
    r"|next time,? (try|ask)|you should have (asked|said)|motivational interviewing"
    r"|as a peer (specialist|supporter),? you)\b",
    re.IGNORECASE,
)
"""A peer never coaches the person practising on them."""


def _ids(name: str, ids: list[str]) -> list[str]:
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    return [f"field '{name}': ids must be unique, repeated: {repeated}"] if repeated else []


def _requirements(persona: Persona) -> list[tuple[str, str, list[str]]]:
    wanted = [(f"hidden_facts.{i}.requires", fact.id, fact.requires) for i, fact in enumerate(persona.hidden_facts)]
    wanted += [(f"boundary_tests.{i}.requires", "", test.requires) for i, test in enumerate(persona.boundary_tests)]
    wanted += [(f"world.{i}.requires", "", topic.requires) for i, topic in enumerate(persona.world)]
    wanted += [(f"crises.{i}.requires", "", crisis.requires) for i, crisis in enumerate(persona.crises)]
    return [*wanted, ("outcome.requires", "", persona.outcome.requires)]


def reference_problems(persona: Persona) -> list[str]:
    """Every fact id a fact, test, topic, crisis or the outcome requires is defined; no fact requires itself."""
    known = [fact.id for fact in persona.hidden_facts]
    problems = _ids("hidden_facts", known) + _ids("boundary_tests", [t.id for t in persona.boundary_tests])
    problems += _ids("world", [t.id for t in persona.world]) + _ids("crises", [c.id for c in persona.crises])
    for field, owner, requires in _requirements(persona):
        for fact_id in requires:
            if fact_id not in known:
                problems.append(f"field '{field}': fact '{fact_id}' is not defined (expected one of {known})")
            elif fact_id == owner:
                problems.append(f"field '{field}': fact '{owner}' cannot require itself")
    return problems


def threshold_problems(persona: Persona, level: DifficultyLevel) -> list[str]:
    """Facts and outcome need more trust than the peer starts with, and never less than what they build on."""
    start = starting_trust(persona, level)
    begins = f"the peer starts at trust {start} (initial_trust {persona.initial_trust}, '{persona.difficulty}' offset"
    begins += f" {level.trust_offset:+d})"
    needs = {fact.id: fact.trust for fact in persona.hidden_facts}
    problems = []
    for i, fact in enumerate(persona.hidden_facts):
        if fact.trust <= start:
            problems.append(f"field 'hidden_facts.{i}.trust' is {fact.trust} but {begins}; expected more than {start}")
        for needed in (f for f in fact.requires if needs.get(f, 0) > fact.trust):
            problems.append(
                f"field 'hidden_facts.{i}.trust' is {fact.trust} but it requires '{needed}' at {needs[needed]};"
                f" expected at least {needs[needed]}"
            )
    if persona.outcome.trust <= start:
        problems.append(f"field 'outcome.trust' is {persona.outcome.trust} but {begins}; expected more than {start}")
    if persona.outcome.min_facts > len(persona.hidden_facts):
        problems.append(
            f"field 'outcome.min_facts' is {persona.outcome.min_facts}; expected at most {len(persona.hidden_facts)}"
        )
    return problems


def reaction_problems(persona: Persona, rubrics: list[Rubric]) -> list[str]:
    """A reaction for every dimension of every rubric: risks cost trust, skills earn it."""
    problems = []
    for rubric in rubrics:
        for dimension in rubric.dimensions:
            reaction = persona.reactions.get(dimension.key)
            if reaction is None:
                problems.append(
                    f"field 'reactions' has no reaction for dimension '{dimension.key}' of rubric '{rubric.id}'"
                )
            elif (reaction.trust_change < 0) != (dimension.kind == "risk"):
                sign = "negative" if dimension.kind == "risk" else "positive"
                problems.append(
                    f"field 'reactions.{dimension.key}.trust_change' is {reaction.trust_change};"
                    f" expected a {sign} number for a {dimension.kind} dimension"
                )
    return problems


def line_count_problems(persona: Persona) -> list[str]:
    """Whatever the trainee does, the lines that fit a move in a mood last a whole session."""
    problems = []
    for move in MOVES:
        for mood in MOODS:
            reachable = {line for tier in reply_tiers(persona.replies, move, mood) for line in tier}
            if len(reachable) < SESSION_TURNS:
                problems.append(
                    f"field 'replies.{move}.{mood}': a {move} in a {mood} mood reaches only {len(reachable)} distinct"
                    f" lines (its own, the {move}'s other moods, other moves in this mood);"
                    f" expected at least {SESSION_TURNS} for a {SESSION_TURNS}-turn session"
                )
    return problems


def wording_problems(persona: Persona) -> list[str]:
    """No line said twice anywhere in the file, none out of character, none coaching the trainee."""
    where: dict[str, list[str]] = {}
    for field, line in persona.spoken_lines():
        where.setdefault(" ".join(line.lower().split()), []).append(field)
    problems = [
        f"line {line!r} appears {len(fields)} times ({', '.join(fields)}); expected every line once"
        for line, fields in where.items()
        if len(fields) > 1
    ]
    for field, line in persona.spoken_lines():
        for rule, why in ((OUT_OF_CHARACTER, "steps out of character"), (COACHING, "coaches the trainee")):
            if rule.search(line):
                problems.append(f"field '{field}': line {line!r} {why}; a peer never does")
    return problems


def persona_problems(persona: Persona, *, rubrics: list[Rubric], levels: dict[str, DifficultyLevel]) -> list[str]:
    """Everything wrong with a persona that loaded: references, thresholds, reactions, lines, dynamics."""
    problems = reference_problems(persona) + reaction_problems(persona, rubrics)
    problems += line_count_problems(persona) + wording_problems(persona) + leak_problems(persona)
    level = levels.get(persona.difficulty)
    if level is None:
        return [*problems, f"field 'difficulty' is '{persona.difficulty}'; expected one of {sorted(levels)}"]
    problems += threshold_problems(persona, level)
    if problems:  # a dry run of a broken persona would only repeat the problems above
        return problems
    return [problem for rubric in rubrics for problem in dynamics_problems(persona, rubric, level)]


def catalog_problems(persona: Persona, catalog: Catalog) -> list[str]:
    """A persona checked against the rest of the catalog: its rubrics, levels and the other personas."""
    rubrics = [entry.item for entry in catalog.rubrics.values()]
    others = [entry.item for entry in catalog.personas.values()]
    return persona_problems(persona, rubrics=rubrics, levels=catalog.difficulty) + copy_problems(persona, others)
