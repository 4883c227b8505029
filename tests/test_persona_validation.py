"""`python -m app validate` catches contradictions in a persona file, and names file, field and expectation."""

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.content.difficulty import DIFFICULTY_FILE
from app.content.reaction_kinds import REACTION_KINDS_FILE, load_reaction_kinds
from app.validation.catalog import checked_catalog, load_checked_catalog
from app.validation.persona_checks import persona_problems
from app.validation.report import report_content
from tests.persona_kit import ROOT, SHIPPED_PERSONAS, crss_core, difficulty

Data = dict[str, Any]
DANA = ROOT / "personas" / "dana-alcohol.yaml"


def content_dir(tmp_path: Path, change: Callable[[Data], None] = lambda data: None) -> Path:
    """The core rubric, the difficulty levels, the reaction kinds and Dana, changed by `change`."""
    for source in (ROOT / "rubrics" / "crss-core.yaml", ROOT / DIFFICULTY_FILE, ROOT / REACTION_KINDS_FILE):
        target = tmp_path / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    data = yaml.safe_load(DANA.read_text(encoding="utf-8"))
    change(data)
    write(tmp_path / "personas" / DANA.name, data)
    return tmp_path


def write(path: Path, data: Data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def report(content: Path) -> tuple[int, str]:
    out = io.StringIO()
    return report_content(content, out=out), out.getvalue()


def fact(index: int, **fields: Any) -> Callable[[Data], None]:
    return lambda data: data["hidden_facts"][index].update(fields)


def boundary_test(index: int, **fields: Any) -> Callable[[Data], None]:
    return lambda data: data["boundary_tests"][index].update(fields)


def all_tests(**fields: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        for entry in data["boundary_tests"]:
            entry.update(fields)

    return change


def outcome(**fields: Any) -> Callable[[Data], None]:
    return lambda data: data["outcome"].update(fields)


def say_too(line: str) -> Callable[[Data], None]:
    return lambda data: data["talk"]["change"].append(line)


def replies_cut_to(count: int) -> Callable[[Data], None]:
    def cut(data: Data) -> None:
        for by_mood in data["replies"].values():
            for mood in by_mood:
                by_mood[mood] = by_mood[mood][:count]

    return cut


def copy_line(source: tuple[str, ...], target: tuple[str, ...]) -> Callable[[Data], None]:
    def copy(data: Data) -> None:
        node = data
        for key in target[:-1]:
            node = node[key]
        line = data
        for key in source:
            line = line[key]
        text = line["say"] if isinstance(line, dict) else line  # a line with model replies: its words
        node[target[-1]].append(str(text).upper())

    return copy


CONTRADICTIONS: list[tuple[str, Callable[[Data], None], str]] = [
    ("undefined-fact", fact(1, requires=["nope"]), "field 'hidden_facts.1.requires': fact 'nope' is not defined"),
    ("outcome-undefined-fact", outcome(requires=["nope"]), "field 'outcome.requires': fact 'nope' is not defined"),
    ("fact-requires-itself", fact(0, requires=["closet-bottle"]), "cannot require itself"),
    ("fact-below-start", fact(0, trust=20), "field 'hidden_facts.0.trust' is 20 but the peer starts at trust 30"),
    ("fact-out-of-range", fact(0, trust=140), "field 'hidden_facts.0.trust'"),
    ("out-of-order", fact(1, trust=50, requires=["christmas-eve-drive"]), "requires 'christmas-eve-drive' at 75"),
    ("outcome-below-start", outcome(trust=25), "field 'outcome.trust' is 25"),
    ("outcome-too-many-facts", outcome(min_facts=5), "field 'outcome.min_facts' is 5; expected at most 3"),
    ("outcome-too-late", outcome(trust=95), "field 'outcome.trust': the outcome comes at turn"),
    ("missing-reaction", lambda d: d["reactions"].pop("heard"), "field 'reactions' has no reaction for kind 'heard'"),
    ("reaction-sign", lambda d: d["reactions"]["pushed"].update(trust_change=5), "expected a negative number"),
    ("old-reaction-key", lambda d: d["reactions"].update(pressure=d["reactions"]["pushed"]), "rename-reaction-keys"),
    ("too-few-lines", replies_cut_to(2), "field 'replies.question.guarded': a question in a guarded mood reaches only"),
    ("duplicate-line", copy_line(("opening_lines", 0), ("talk", "sustain")), "appears 2 times (opening_lines, talk"),
    ("claims-ai", say_too("Honestly, as an AI I can't drink."), "steps out of character"),
    ("coaches", say_too("That was a good reflection, keep going."), "coaches the trainee"),
    ("unknown-test-kind", boundary_test(0, kind="hug"), "field 'boundary_tests.0.kind'"),
    ("test-without-lines", boundary_test(1, ask=[]), "field 'boundary_tests.1.ask'"),
    ("test-id-twice", boundary_test(2, id="coffee-after-meeting"), "field 'boundary_tests': ids must be unique"),
    ("test-never-tried", all_tests(min_turn=18), "') never comes up in 20 empathic turns"),
    ("unknown-difficulty", lambda d: d.update(difficulty="brutal"), "field 'difficulty' is 'brutal'; expected one of"),
    ("unknown-style", lambda d: d.update(communication_style=["shy"]), "field 'communication_style.0'"),
]


@pytest.mark.parametrize(("change", "expected"), [pytest.param(*case[1:], id=case[0]) for case in CONTRADICTIONS])
def test_validate_names_file_and_field(tmp_path: Path, change: Callable[[Data], None], expected: str) -> None:
    code, output = report(content_dir(tmp_path, change))
    assert code == 1
    assert "INVALID personas/dana-alcohol.yaml" in output
    assert expected in output, output


def test_unchanged_copy_is_valid(tmp_path: Path) -> None:
    code, output = report(content_dir(tmp_path))
    assert code == 0, output
    assert "ok      personas/dana-alcohol.yaml" in output


@pytest.mark.parametrize("path", SHIPPED_PERSONAS, ids=lambda path: path.stem)
def test_every_shipped_persona_passes_the_cross_checks(path: Path) -> None:
    persona = load_checked_catalog(ROOT).personas[path.stem].item
    assert persona_problems(persona, rubrics=[crss_core()], levels=difficulty(), kinds=load_reaction_kinds(ROOT)) == []


def test_missing_difficulty_file_is_reported(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    (content / DIFFICULTY_FILE).unlink()
    code, output = report(content)
    assert code == 1 and f"INVALID {DIFFICULTY_FILE}" in output and "difficulty levels file is missing" in output


def test_difficulty_file_needs_three_levels(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    levels = yaml.safe_load((content / DIFFICULTY_FILE).read_text(encoding="utf-8"))
    write(content / DIFFICULTY_FILE, {"guarded": levels["guarded"]})
    code, output = report(content)
    assert code == 1 and "expected at least three levels" in output


def test_edits_are_picked_up_without_a_restart(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    assert checked_catalog(content).persona("dana-alcohol").name == "Dana Whitfield"
    path = content / "personas" / DANA.name
    data = yaml.safe_load(path.read_text(encoding="utf-8")) | {"name": "Dana W."}
    write(path, data)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert checked_catalog(content).persona("dana-alcohol").name == "Dana W."
    write(content / "personas" / "second.yaml", data | {"id": "second"})
    assert set(checked_catalog(content).personas) == {"dana-alcohol", "second"}
