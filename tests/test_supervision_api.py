"""The supervision contracts: progress, agreement and the turns CSV, with their access rules and the
shapes the issue gives; plus the other cohort files and the OpenAPI document."""

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, Cohort, User
from tests.factories import EMPATHIC_LINES, PUSHING_LINES, say, start_session

KEYS = ["pressure", "authority", "dependency", "boundaries", "empathy"]


def user_id(db: Session, username: str) -> int:
    user = db.exec(select(User).where(User.username == username)).one()
    return user.id or 0


def cohort_id(db: Session, name: str) -> int:
    cohort = db.exec(select(Cohort).where(Cohort.name == name)).one()
    return cohort.id or 0


def practise(client: TestClient, lines: list[str], persona: str = "dana-alcohol") -> tuple[str, list[dict[str, Any]]]:
    session_id = start_session(client, persona=persona)["id"]
    return session_id, [say(client, session_id, line) for line in lines]


def override(supervisor: TestClient, session_id: str, turn: dict[str, Any], key: str) -> int:
    """Move one level of a graded turn to a level it is not; returns the new level."""
    level = 0 if turn["grade"]["scores"][key] >= 2 else 3
    response = supervisor.post(
        f"/api/sessions/{session_id}/turns/{turn['turn']['id']}/reviews",
        json={"kind": "override", "dimension": key, "level": level, "text": "Reads differently to me."},
    )
    assert response.status_code == 201, response.text
    return level


@pytest.fixture
def supervisor(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for("supervisor", username="sam", cohort="cohort-a")


def test_progress_lists_every_session_oldest_first_with_scores_after_review(
    client: TestClient, supervisor: TestClient, db: Session
) -> None:
    first, first_turns = practise(client, EMPATHIC_LINES[:2])
    second, second_turns = practise(client, PUSHING_LINES, persona="amara-trauma")
    new_level = override(supervisor, second, second_turns[0], "pressure")
    trainee = user_id(db, "trainee")
    for reader in (client, supervisor):
        response = reader.get(f"/api/trainees/{trainee}/progress")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["trainee"] == {"id": trainee, "username": "trainee"}
        assert [s["id"] for s in body["sessions"]] == [first, second]
        one, two = body["sessions"]
        assert {"id", "persona", "mode", "started_at", "turns", "averages", "flagged", "final_trust"} <= set(one)
        assert one["persona"] == "dana-alcohol" and two["persona"] == "amara-trauma" and one["mode"] == "practice"
        assert one["turns"] == 2 and two["turns"] == 2
        assert set(one["averages"]) == set(KEYS)
        reviewed = [new_level, second_turns[1]["grade"]["scores"]["pressure"]]
        assert two["averages"]["pressure"] == pytest.approx(sum(reviewed) / 2, abs=0.01)
        flagged = sum(any(t["turn"]["scores"][k] >= 2 for k in KEYS[:4]) for t in first_turns)
        assert one["flagged"] == flagged
        assert 0 <= one["final_trust"] <= 100
        assert one["started_at"] <= two["started_at"]


def test_progress_is_404_for_anyone_outside_the_trainees_cohort(
    client: TestClient, client_for: Callable[..., TestClient], db: Session
) -> None:
    practise(client, EMPATHIC_LINES[:1])
    url = f"/api/trainees/{user_id(db, 'trainee')}/progress"
    assert client_for("staff").get(url).status_code == 200
    for outsider in (client_for("trainee", cohort="cohort-b"), client_for("supervisor", cohort="cohort-b")):
        response = outsider.get(url)
        assert response.status_code == 404 and "trainee" in response.json()["detail"]
    assert client_for("trainee", cohort="cohort-a").get(url).status_code == 404, "a cohort-mate is not a supervisor"
    assert client.get("/api/trainees/999999/progress").status_code == 404


def test_running_assessment_keeps_its_grades_from_the_trainee_in_progress(
    client: TestClient, supervisor: TestClient, db: Session
) -> None:
    response = client.post("/api/sessions", json={"persona": "dana-alcohol", "mode": "assessment"})
    say(client, response.json()["id"], EMPATHIC_LINES[0])
    url = f"/api/trainees/{user_id(db, 'trainee')}/progress"
    [own] = client.get(url).json()["sessions"]
    assert own["averages"] == {} and own["flagged"] is None and own["final_trust"] is None and own["turns"] == 1
    [seen] = supervisor.get(url).json()["sessions"]
    assert set(seen["averages"]) == set(KEYS) and seen["final_trust"] is not None


def test_agreement_counts_overrides_per_dimension(client: TestClient, supervisor: TestClient, db: Session) -> None:
    session_id, turns = practise(client, [EMPATHIC_LINES[0], PUSHING_LINES[0], EMPATHIC_LINES[1]])
    override(supervisor, session_id, turns[0], "empathy")
    override(supervisor, session_id, turns[1], "pressure")
    url = f"/api/cohorts/{cohort_id(db, 'cohort-a')}/agreement"
    response = supervisor.get(url)
    assert response.status_code == 200, response.text
    dims = response.json()["dimensions"]
    assert set(dims) == set(KEYS)
    for key in KEYS:
        assert set(dims[key]) == {"n", "exact", "flag_agreement", "kappa"}
        assert dims[key]["n"] == 2, "two reviewed replies; the third was not reviewed"
    assert dims["empathy"]["exact"] == 0.5 and dims["pressure"]["exact"] == 0.5
    assert dims["dependency"]["exact"] == 1.0 and dims["dependency"]["flag_agreement"] == 1.0
    for key in KEYS:
        assert dims[key]["kappa"] is None or -1.0 <= dims[key]["kappa"] <= 1.0
    body = response.json()
    assert body["reviewed_replies"] == 2 and sum(map(sum, body["confusion"]["empathy"])) == 2


def test_agreement_is_404_outside_the_cohort(client_for: Callable[..., TestClient], db: Session) -> None:
    client_for("trainee", username="tia", cohort="cohort-a")
    url = f"/api/cohorts/{cohort_id(db, 'cohort-a')}/agreement"
    assert client_for("staff").get(url).status_code == 200
    for outsider in (client_for("supervisor", cohort="cohort-b"), client_for("trainee", cohort="cohort-a")):
        assert outsider.get(url).status_code == 404
    assert client_for("staff").get("/api/cohorts/424242/agreement").status_code == 404


def test_turns_csv_has_one_row_per_trainee_turn_with_grader_and_reviewed_scores(
    client: TestClient, client_for: Callable[..., TestClient], supervisor: TestClient, db: Session
) -> None:
    first, first_turns = practise(client, EMPATHIC_LINES[:2])
    other = client_for("trainee", username="omar", cohort="cohort-a")
    second, second_turns = practise(other, ["=SUM(A1:A9) is how I feel", PUSHING_LINES[1]])
    practise(client_for("trainee", cohort="cohort-b"), EMPATHIC_LINES[:1])
    new_level = override(supervisor, first, first_turns[1], "empathy")
    response = supervisor.get(f"/api/cohorts/{cohort_id(db, 'cohort-a')}/turns.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4, "one row per trainee turn of the cohort, none from cohort-b"
    for column in ["session_id", "trainee", "persona", "mode", "position", "text", "grader", *KEYS]:
        assert column in rows[0]
    assert all(f"reviewed_{k}" in rows[0] for k in KEYS)
    by_key = {(r["session_id"], int(r["position"])): r for r in rows}
    reviewed_row = by_key[(first, first_turns[1]["turn"]["position"])]
    assert reviewed_row["trainee"] == "trainee" and reviewed_row["text"] == EMPATHIC_LINES[1]
    assert int(reviewed_row["empathy"]) == first_turns[1]["grade"]["scores"]["empathy"]
    assert int(reviewed_row["reviewed_empathy"]) == new_level
    formula = by_key[(second, second_turns[0]["turn"]["position"])]
    assert formula["text"].startswith("'=SUM"), "a formula-looking cell is defused for spreadsheets"
    assert formula["trainee"] == "omar"
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [e.target for e in events] == [f"cohort:{cohort_id(db, 'cohort-a')}"]


def test_turns_csv_is_404_outside_the_cohort(
    client: TestClient, client_for: Callable[..., TestClient], db: Session
) -> None:
    practise(client, EMPATHIC_LINES[:1])
    url = f"/api/cohorts/{cohort_id(db, 'cohort-a')}/turns.csv"
    assert client.get(url).status_code == 404, "a trainee does not read the cohort's turns"
    assert client_for("supervisor", cohort="cohort-b").get(url).status_code == 404
    assert client_for("staff").get(url).status_code == 200


def test_cohort_zip_holds_json_and_csv(client: TestClient, supervisor: TestClient, db: Session) -> None:
    session_id, _ = practise(client, EMPATHIC_LINES[:2])
    response = supervisor.get(f"/api/cohorts/{cohort_id(db, 'cohort-a')}/export.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["cohort.json", "sessions.csv", "turns.csv"]
        document = json.loads(archive.read("cohort.json"))
        sessions = list(csv.DictReader(io.StringIO(archive.read("sessions.csv").decode())))
    assert document["cohort"]["name"] == "cohort-a" and [s["id"] for s in document["sessions"]] == [session_id]
    assert set(document["agreement"]) == set(KEYS)
    assert sessions[0]["id"] == session_id and sessions[0]["turns"] == "2" and "average_empathy" in sessions[0]


def test_contracts_are_in_the_openapi_document(anon_client: TestClient) -> None:
    paths = anon_client.get("/openapi.json").json()["paths"]
    progress = paths["/api/trainees/{user_id}/progress"]["get"]["responses"]
    assert "404" in progress and "200" in progress
    assert "/api/cohorts/{cohort_id}/agreement" in paths
    csv_answer = paths["/api/cohorts/{cohort_id}/turns.csv"]["get"]["responses"]["200"]
    assert "text/csv" in csv_answer["content"]


@pytest.mark.parametrize("level", [True, "2", 2.5])
def test_an_override_level_must_be_a_json_integer(client: TestClient, supervisor: TestClient, level: object) -> None:
    session_id, turns = practise(client, EMPATHIC_LINES[:1])
    response = supervisor.post(
        f"/api/sessions/{session_id}/turns/{turns[0]['turn']['id']}/reviews",
        json={"kind": "override", "dimension": "pressure", "level": level, "text": "Reads differently to me."},
    )
    assert response.status_code == 422, response.text
