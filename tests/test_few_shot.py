"""Supervisors' labels -> `python -m app train --rubric ID --examples FILE` -> a measured grader, end to end."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.content.catalog import load_catalog
from app.content.loader import content_hash
from app.grading.accuracy import load_readings, measure
from app.grading.offline import load_offline_grader

LABELS = Path(__file__).parent / "data" / "mi-supervisor-labels.jsonl"
"""40 replies labelled on mi-consistency, in the examples format (docs/labelling-guide.md), plus 2 broken lines."""
RUBRIC = "mi-consistency"
MI_KEYS = ["reflecting", "evoking", "directing", "confronting", "fixing"]


@pytest.fixture
def untrained(content_copy: Path) -> Path:
    """The content copy (no examples files) with mi-consistency's shipped model taken away."""
    shutil.rmtree(content_copy / "rubrics" / RUBRIC / "model")
    return content_copy


@pytest.fixture
def staff(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for("staff", username="pat")


def grader_for(content: Path) -> str:
    rubric = load_catalog(content).rubric(RUBRIC)
    version = content_hash(content / "rubrics" / f"{RUBRIC}.yaml")
    grader = load_offline_grader(content_dir=content, rubric=rubric, version=version)
    grade = grader.grade_now(context=[], reply="You need to stop today. I'll call the clinic for you.")
    assert list(grade.scores) == MI_KEYS
    return grade.grader


def test_with_no_examples_the_rubric_grades_with_indicators_and_says_so(
    untrained: Path, staff: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--rubric", RUBRIC]) == 1
    error = capsys.readouterr().err
    assert "0 labelled replies" in error and "indicator phrases and exemplars" in error
    assert grader_for(untrained) == "offline-indicators"
    status = next(s for s in staff.get("/staff").context["graders"] if s.rubric.id == RUBRIC)  # type: ignore[attr-defined]
    assert status.state == "untrained" and "indicator phrases and nearest exemplars" in status.note


def test_supervisors_labels_train_a_measured_grader(
    untrained: Path, staff: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--rubric", RUBRIC, "--examples", str(LABELS)]) == 0
    printed = capsys.readouterr().out
    assert "40 labelled replies (2 lines skipped)" in printed
    assert all(key in printed for key in MI_KEYS)
    meta = json.loads((untrained / "rubrics" / RUBRIC / "model" / "model.json").read_text(encoding="utf-8"))
    measured = {row["key"]: row for row in meta["info"]["cross_validation"]}
    assert list(measured) == MI_KEYS and all(row["examples"] == 40 for row in measured.values())
    assert measured["directing"]["clear"] == sum(
        json.loads(line)["labels"]["directing"] >= 2 for line in LABELS.read_text().splitlines()[:40]
    )
    assert meta["info"]["transfer_from"], "builds on crss-core's dimensions"
    assert grader_for(untrained) == "offline"
    page = staff.get("/staff")
    status = next(s for s in page.context["graders"] if s.rubric.id == RUBRIC)  # type: ignore[attr-defined]
    labels = {reading.label for reading in load_readings(untrained).readings}
    assert status.state == "measured" and status.examples == 40
    assert [d.accuracy.key for d in status.dimensions] == MI_KEYS
    assert all(d.reading.label in labels for d in status.dimensions)
    assert "Trained on 40 labelled replies" in page.text and 'id="graders"' in page.text


def test_a_missing_examples_file_is_a_clear_error(untrained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--rubric", RUBRIC, "--examples", str(untrained / "nope.jsonl")]) == 1
    assert "no such examples file" in capsys.readouterr().err
    assert main(["train", "--rubric", "no-such-rubric"]) == 1
    assert "no rubric 'no-such-rubric'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("gold", "predicted", "agreement", "majority"),
    [
        ([0, 0, 0, 2], [0, 0, 0, 0], 0.5, 0.75),  # never flagging is chance, however accurate it looks
        ([0, 0, 2, 3], [0, 1, 2, 2], 1.0, 0.5),
        ([0, 0, 0, 0], [0, 2, 0, 0], None, 1.0),
    ],
)
def test_flag_agreement_is_balanced(
    gold: list[int], predicted: list[int], agreement: float | None, majority: float
) -> None:
    result = measure("x", np.array(gold), np.array(predicted))
    assert result.flag_agreement == agreement and result.majority == majority
