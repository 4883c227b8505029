"""A trainee's own data: downloading all of it, staff deleting all of it, and the audit log of who saw what."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import AuditEvent, CohortMember, GradeRecord, PracticeSession, Review, Turn, User
from tests.factories import EMPATHIC_LINES, PASSWORD, PUSHING_LINES, say, start_session

WORDS = "My cousin Bartholomew was the one who drove me to my first meeting."


def _delete_user(staff: TestClient, user_id: int | None) -> Any:
    """Staff delete someone through the API, with their own password again."""
    return staff.request("DELETE", f"/api/users/{user_id}", json={"password": PASSWORD})


@dataclass
class Practised:
    """A trainee with two graded sessions, one reviewed by their cohort's supervisor."""

    trainee: TestClient
    supervisor: TestClient
    staff: TestClient
    session_ids: list[str]
    turn_id: int


@pytest.fixture
def practised(client: TestClient, client_for: Callable[..., TestClient]) -> Practised:
    first = start_session(client)
    turn_id = say(client, first["id"], WORDS)["turn"]["id"]
    say(client, first["id"], EMPATHIC_LINES[0])
    second = start_session(client, persona="marcus-buprenorphine")
    say(client, second["id"], PUSHING_LINES[0])
    supervisor = client_for("supervisor", username="sup", cohort="cohort-a")
    review = {"kind": "override", "dimension": "empathy", "level": 3, "text": "Warmer than the grade says."}
    assert supervisor.post(f"/api/sessions/{first['id']}/turns/{turn_id}/reviews", json=review).status_code == 201
    return Practised(
        trainee=client,
        supervisor=supervisor,
        staff=client_for("staff", username="boss"),
        session_ids=[first["id"], second["id"]],
        turn_id=turn_id,
    )


def _user(db: Session, username: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.username == username)).one()


def _strings(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def check_export(export: dict[str, Any], practised: Practised) -> None:
    assert export["user"]["username"] == "trainee"
    assert [s["id"] for s in export["sessions"]] == practised.session_ids
    first = export["sessions"][0]
    trainee_turns = [t for t in first["turns"] if t["role"] == "trainee"]
    assert [t["text"] for t in trainee_turns] == [WORDS, EMPATHIC_LINES[0]]
    assert all(set(t["grade"]["scores"]) == {"pressure", "authority", "dependency", "boundaries", "empathy"}
               for t in trainee_turns)
    assert trainee_turns[0]["reviews"][0]["text"] == "Warmer than the grade says."
    assert [t["role"] for t in export["sessions"][1]["turns"]] == ["peer", "trainee", "peer"]
    assert export["cohorts"] == [{"name": "cohort-a", "role": "trainee"}]
    assert "export" in [event["action"] for event in export["audit_events_by_you"]]
    text = _strings(export)
    assert "password" not in text and "$argon2" not in text


def test_a_trainee_downloads_all_their_data_from_the_api(practised: Practised) -> None:
    response = practised.trainee.get("/api/me/export")
    assert response.status_code == 200
    check_export(response.json(), practised)


def test_a_trainee_downloads_all_their_data_as_a_file(practised: Practised) -> None:
    response = practised.trainee.get("/me/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == (
        'attachment; filename="peer-practice-trainee.json"; filename*=UTF-8\'\'peer-practice-trainee.json'
    )
    check_export(json.loads(response.content), practised)


def test_an_export_holds_nobody_else_s_data(practised: Practised, client_for: Callable[..., TestClient]) -> None:
    other = client_for("trainee", cohort="cohort-a")
    other_session = start_session(other)
    say(other, other_session["id"], "Someone else's words, not the trainee's.")
    export = practised.trainee.get("/api/me/export").json()
    assert other_session["id"] not in _strings(export)
    assert "Someone else's words" not in _strings(export)
    assert other.get("/api/me/export").json()["sessions"][0]["id"] == other_session["id"]


def _count(db: Session, model: Any, *where: Any) -> int:
    return int(db.exec(select(func.count()).select_from(model).where(*where)).one())


def test_staff_delete_a_trainee_and_all_of_their_data(practised: Practised, db: Session) -> None:
    trainee_id = _user(db, "trainee").id
    turn_ids = list(db.exec(select(Turn.id).where(col(Turn.session_id).in_(practised.session_ids))).all())
    assert _count(db, GradeRecord, col(GradeRecord.turn_id).in_(turn_ids)) == 3
    assert _count(db, Review, col(Review.turn_id).in_(turn_ids)) == 1

    response = _delete_user(practised.staff, trainee_id)
    assert response.status_code == 204
    db.expire_all()
    assert db.get(User, trainee_id) is None
    assert _count(db, PracticeSession, col(PracticeSession.id).in_(practised.session_ids)) == 0
    assert _count(db, PracticeSession, PracticeSession.trainee_id == trainee_id) == 0
    assert _count(db, Turn, col(Turn.id).in_(turn_ids)) == 0
    assert _count(db, GradeRecord, col(GradeRecord.turn_id).in_(turn_ids)) == 0
    assert _count(db, Review, col(Review.turn_id).in_(turn_ids)) == 0
    assert _count(db, CohortMember, CohortMember.user_id == trainee_id) == 0
    words = db.exec(select(Turn).where(col(Turn.text).contains("Bartholomew"))).all()
    assert not words, "the trainee's words are gone"

    assert practised.trainee.get("/api/auth/me").status_code == 401, "their sign-in ended with them"
    assert practised.supervisor.get(f"/api/sessions/{practised.session_ids[0]}").status_code == 404
    assert _delete_user(practised.staff, trainee_id).status_code == 404


def test_deleting_a_supervisor_keeps_their_reviews_without_them(practised: Practised, db: Session) -> None:
    supervisor_id = _user(db, "sup").id
    assert _delete_user(practised.staff, supervisor_id).status_code == 204
    db.expire_all()
    [review] = db.exec(select(Review).where(Review.turn_id == practised.turn_id)).all()
    assert review.author_id is None and review.text == "Warmer than the grade says."
    assert _count(db, CohortMember, CohortMember.user_id == supervisor_id) == 0
    transcript = practised.trainee.get(f"/api/sessions/{practised.session_ids[0]}").json()
    assert transcript["turns"][1]["scores"]["empathy"] == 3, "the override still counts"


def test_staff_cannot_delete_themselves(practised: Practised, db: Session) -> None:
    staff = _user(db, "boss")
    assert _delete_user(practised.staff, staff.id).status_code == 409
    assert practised.staff.get("/api/auth/me").status_code == 200


def _events(staff: TestClient) -> list[dict[str, Any]]:
    response = staff.get("/api/audit")
    assert response.status_code == 200
    events: list[dict[str, Any]] = response.json()
    return events


def _find(events: list[dict[str, Any]], action: str, actor: str, target: str) -> dict[str, Any]:
    found = [e for e in events if (e["action"], e["actor_name"], e["target"]) == (action, actor, target)]
    assert found, f"no audit event {action} by {actor} on {target}: {[(e['action'], e['target']) for e in events]}"
    return found[0]


def test_the_audit_log_records_views_overrides_exports_and_deletions(practised: Practised, db: Session) -> None:
    session_id = practised.session_ids[0]
    assert practised.supervisor.get(f"/api/sessions/{session_id}").status_code == 200
    assert practised.supervisor.get(f"/supervisor/sessions/{session_id}").status_code == 200
    assert practised.supervisor.get(f"/supervisor/sessions/{session_id}/export").status_code == 200
    assert practised.trainee.get("/api/me/export").status_code == 200
    trainee = _user(db, "trainee")
    supervisor = _user(db, "sup")
    assert _delete_user(practised.staff, trainee.id).status_code == 204

    events = _events(practised.staff)
    view = _find(events, "view", "sup", f"session:{session_id}")
    assert view["actor_id"] == supervisor.id and view["created_at"]
    override = _find(events, "override", "sup", f"turn:{practised.turn_id}")
    assert override["detail"]["dimension"] == "empathy" and override["detail"]["level"] == 3
    _find(events, "export", "sup", f"session:{session_id}")
    _find(events, "export", "trainee", f"user:{trainee.id}")
    deletion = _find(events, "delete-user", "boss", f"user:{trainee.id}")
    assert deletion["detail"]["sessions_deleted"] == 2
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True), "newest first"


def test_reading_your_own_session_is_not_an_audit_event(practised: Practised) -> None:
    practised.trainee.get(f"/api/sessions/{practised.session_ids[0]}")
    events = _events(practised.staff)
    assert not [e for e in events if e["action"] == "view" and e["actor_name"] == "trainee"]


def test_the_audit_log_keeps_events_of_deleted_users(practised: Practised, db: Session) -> None:
    practised.supervisor.get(f"/api/sessions/{practised.session_ids[0]}")
    supervisor_id = _user(db, "sup").id
    _delete_user(practised.staff, supervisor_id)
    db.expire_all()
    kept = db.exec(select(AuditEvent).where(AuditEvent.actor_id == supervisor_id)).all()
    assert {e.action for e in kept} >= {"view", "override"}


@pytest.mark.parametrize("who", ["trainee", "supervisor"])
def test_only_staff_read_the_audit_log(practised: Practised, who: str) -> None:
    client = practised.trainee if who == "trainee" else practised.supervisor
    response = client.get("/api/audit")
    assert response.status_code == 403
    assert "view" not in response.text and "sup" not in response.text
    assert client.get("/staff", follow_redirects=False).status_code == 403
