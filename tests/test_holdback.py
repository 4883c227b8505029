"""A running assessment keeps grades, coaching, reviews and the peer's trust, mood and inner voice from
its trainee in every answer: the turn and session APIs, the chat page and its stream, both exports."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Turn
from tests.factories import PUSHING_LINES, say

SECRET_KEYS = ("grade", "coaching", "inner_voice", "trust", "mood", "scores", "persona_state")


def secrets_in(value: Any) -> list[str]:
    """Every place in a JSON value where a held-back field has a value."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_KEYS and item not in (None, [], {}, "held back until this assessment ends"):
                found.append(key)
            found += secrets_in(item)
    elif isinstance(value, list):
        for item in value:
            found += secrets_in(item)
    return found


@pytest.fixture
def assessment(client: TestClient) -> str:
    response = client.post("/api/sessions", json={"persona": "dana-alcohol", "mode": "assessment"})
    assert response.status_code == 201
    assert secrets_in(response.json()) == [], "not even the opening state"
    return str(response.json()["id"])


def test_the_turn_and_session_apis_hold_back(client: TestClient, assessment: str) -> None:
    turn = say(client, assessment, PUSHING_LINES[0])
    assert secrets_in(turn) == [], turn
    running = client.get(f"/api/sessions/{assessment}").json()
    assert secrets_in(running) == [], running
    ended = client.post(f"/api/sessions/{assessment}/end").json()
    assert ended["persona_state"]["trust"] >= 0 and ended["turns"][1]["grade"]["scores"], "shown once it ends"


@pytest.mark.parametrize("path", ["/api/me/export", "/me/export"])
def test_both_exports_hold_back(client: TestClient, assessment: str, path: str) -> None:
    say(client, assessment, PUSHING_LINES[0])
    export = json.loads(client.get(path).content)
    session = next(s for s in export["sessions"] if s["id"] == assessment)
    assert secrets_in(session) == [], session
    assert [t["text"] for t in session["turns"]][1] == PUSHING_LINES[0], "the words are exported"
    client.post(f"/api/sessions/{assessment}/end")
    after = json.loads(client.get(path).content)
    ended = next(s for s in after["sessions"] if s["id"] == assessment)
    assert ended["turns"][1]["grade"]["scores"] and ended["persona_state"]["trust"] >= 0


def test_the_chat_page_and_its_stream_hold_back(client: TestClient, assessment: str, db: Session) -> None:
    exchange = client.post(
        f"/sessions/{assessment}/turns", data={"text": PUSHING_LINES[0]}, headers={"HX-Request": "true"}
    )
    assert exchange.status_code == 200
    context = exchange.context  # type: ignore[attr-defined]
    assert context["exchange"].trainee.grade is None and context["state"] is None
    assert 'role="meter"' not in exchange.text and "held back" in exchange.text
    peer = db.exec(select(Turn).where(Turn.session_id == assessment, Turn.position == 2)).one()
    stream = client.get(f"/sessions/{assessment}/turns/{peer.id}/stream").text
    assert "event: reply-done" in stream and "event: grade" not in stream
    assert 'role="meter"' not in stream and "Trust" not in stream and "thinks, but" not in stream
    page = client.get(f"/sessions/{assessment}")
    assert page.context["state"] is None and 'role="meter"' not in page.text  # type: ignore[attr-defined]


def test_the_supervisor_still_sees_a_running_assessment(
    client: TestClient, assessment: str, client_for: Callable[..., TestClient]
) -> None:
    say(client, assessment, PUSHING_LINES[0])
    supervisor = client_for("supervisor", cohort="cohort-a")
    seen = supervisor.get(f"/api/sessions/{assessment}").json()
    assert seen["turns"][1]["grade"]["scores"] and seen["persona_state"]["trust"] >= 0
