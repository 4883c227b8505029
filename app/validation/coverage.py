"""Warnings, not errors: parts of the listening peer a persona file does not have yet.

The schema keeps them optional so older files still load; `validate` says what a trainee will miss.
"""

from app.content.personas import Persona
from app.persona.cues import best_cue, normalise


def coverage_warnings(persona: Persona) -> list[str]:
    """What the peer cannot answer or do yet, for the staff member who wrote the file."""
    warnings = []
    if not persona.world:
        warnings.append("no `world`: the peer cannot answer questions about their life, work or people")
    if not persona.no_answer:
        warnings.append("no `no_answer` lines: a question the file cannot answer gets an ordinary reply")
    cues = [cue for topic in persona.world for cue in topic.cues]
    missing = [name for name in persona.life_situation.people if persona.world and not best_cue(normalise(name), cues)]
    if missing:
        warnings.append(f"no `world` topic names {', '.join(missing)} (from life_situation.people)")
    unkeyed = [fact.id for fact in persona.hidden_facts if not fact.key_details]
    if unkeyed:
        warnings.append(f"hidden facts without `key_details` (not checked for leaks): {', '.join(unkeyed)}")
    untested = [test.id for test in persona.boundary_tests if test.ignored is None]
    if untested:
        warnings.append(f"boundary tests without an `ignored` response: {', '.join(untested)}")
    return warnings
