"""`python -m app export-labels`: supervisors' overrides and blind grades as training examples, from a
database migrated the way `serve` migrates it."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.cli import main
from app.config import Settings
from app.db import engine_for
from app.migrations import upgrade_database
from tests.factories import EMPATHIC_LINES, PUSHING_LINES, make_user, say, sign_in, start_session


def test_export_labels_writes_the_labelling_guide_format(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.main import create_app

    upgrade_database(settings.database_url)
    with Session(engine_for(settings.database_url)) as db:
        make_user(db, role="trainee", username="tia", cohort="pilot")
        make_user(db, role="supervisor", username="sam", cohort="pilot")
    with TestClient(create_app()) as trainee, TestClient(create_app()) as supervisor:
        sign_in(trainee, "tia")
        sign_in(supervisor, "sam")
        session_id = start_session(trainee)["id"]
        pushed = say(trainee, session_id, PUSHING_LINES[0])
        say(trainee, session_id, EMPATHIC_LINES[0])  # not reviewed: not a label
        reviewed = 4 if pushed["grade"]["scores"]["authority"] < 4 else 3  # an override must change the level
        response = supervisor.post(
            f"/api/sessions/{session_id}/turns/{pushed['turn']['id']}/reviews",
            json={"kind": "override", "dimension": "authority", "level": reviewed, "text": "It talks down."},
        )
        assert response.status_code == 201
    out = tmp_path / "labels.jsonl"
    assert main(["export-labels", "--rubric", "crss-core", "--cohort", "1", str(out)]) == 0
    assert "wrote 1 labelled replies" in capsys.readouterr().out
    [example] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert example["reply"] == PUSHING_LINES[0] and example["why"] == "It talks down."
    assert example["labels"] == {**pushed["grade"]["scores"], "authority": reviewed}
    assert [turn["role"] for turn in example["context"]] == ["peer"]
    assert main(["export-labels", "--rubric", "crss-core", "--cohort", "99", str(out)]) == 1
    assert main(["export-labels", "--rubric", "other-rubric", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == ""
