"""`python -m app validate`: report every content problem, exit non-zero if there is one."""

from pathlib import Path
from typing import TextIO

from app.content.catalog import Entry
from app.content.difficulty import DIFFICULTY_FILE
from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.validation.catalog import load_checked_catalog


def report_content(content_dir: Path, *, out: TextIO) -> int:
    catalog = load_checked_catalog(content_dir)
    entries: list[Entry[Rubric] | Entry[Persona]] = [*catalog.rubrics.values(), *catalog.personas.values()]
    for entry in entries:
        out.write(f"ok      {entry.path.relative_to(content_dir)} (version {entry.version})\n")
    if catalog.difficulty:
        out.write(f"ok      {DIFFICULTY_FILE} (levels {', '.join(catalog.difficulty)})\n")
    for error in catalog.errors:
        out.write(f"INVALID {error.path.relative_to(content_dir)}\n")
        for problem in error.problems:
            out.write(f"        - {problem}\n")
    if not catalog.rubrics or not catalog.personas:
        out.write("INVALID no rubric or no persona found in " + str(content_dir) + "\n")
        return 1
    out.write(f"{len(catalog.rubrics)} rubric(s), {len(catalog.personas)} persona(s), {len(catalog.errors)} invalid\n")
    return 1 if catalog.errors else 0
