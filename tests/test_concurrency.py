"""Many requests at once, in one process: one turn at a time per session, no connection held while a
reply streams, and a stream that comes back after a dropped connection gets the saved words."""

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import Settings, get_settings
from app.models import Turn, TurnRole, TurnStatus
from tests.factories import EMPATHIC_LINES, PASSWORD, make_user, start_session


async def signed_in(app: FastAPI, username: str) -> httpx.AsyncClient:
    """An async client on the app in this event loop, signed in as `username` (CSRF header set)."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    client.headers["X-CSRFToken"] = (await client.get("/api/auth/csrf")).json()["csrftoken"]
    response = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
async def trainee(app: FastAPI, db: Session) -> AsyncIterator[httpx.AsyncClient]:
    make_user(db, username="racer", cohort="cohort-a")
    db.close()  # the test's own session gives its connection back
    client = await signed_in(app, "racer")
    yield client
    await client.aclose()


def roles_in_order(db: Session, session_id: str) -> list[tuple[TurnRole, TurnStatus]]:
    db.expire_all()
    turns = db.exec(select(Turn).where(Turn.session_id == session_id).order_by(col(Turn.position))).all()
    return [(t.role, t.status) for t in turns]


@pytest.mark.parametrize("posts", [20])
async def test_parallel_posts_to_one_session_take_turns(trainee: httpx.AsyncClient, db: Session, posts: int) -> None:
    session_id = (await trainee.post("/api/sessions", json={"persona": "dana-alcohol"})).json()["id"]
    texts = [f"{EMPATHIC_LINES[i % len(EMPATHIC_LINES)]} ({i})" for i in range(posts)]
    answers = await asyncio.gather(
        *(trainee.post(f"/api/sessions/{session_id}/turns", json={"text": text}) for text in texts)
    )
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert all("still answering" in a.json()["detail"] for a in answers if a.status_code == 409)
    order = roles_in_order(db, session_id)
    roles = [role for role, _ in order]
    assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), "trainee and peer alternate"
    assert roles.count(TurnRole.TRAINEE) == statuses.count(201), "every accepted message is saved, once"
    assert all(status == TurnStatus.COMPLETE for _, status in order), "every accepted message has its reply"
    transcript = (await trainee.get(f"/api/sessions/{session_id}")).json()
    saved = {t["text"] for t in transcript["turns"] if t["role"] == "trainee"}
    accepted = {a.json()["turn"]["text"] for a in answers if a.status_code == 201}
    assert saved == accepted


async def test_a_message_sent_while_the_peer_answers_gets_409_and_nothing_is_saved(
    trainee: httpx.AsyncClient, db: Session
) -> None:
    session_id = (await trainee.post("/api/sessions", json={"persona": "dana-alcohol"})).json()["id"]
    htmx = {"HX-Request": "true"}
    sent = await trainee.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC_LINES[0]}, headers=htmx)
    assert sent.status_code == 200
    db.expire_all()
    peer = db.exec(select(Turn).where(Turn.session_id == session_id, Turn.position == 2)).one()
    peer.status = TurnStatus.STREAMING  # another request is writing the reply right now
    db.add(peer)
    db.commit()
    words = "What would help most this week?"
    again = await trainee.post(f"/api/sessions/{session_id}/turns", json={"text": words})
    assert again.status_code == 409 and "still answering" in again.json()["detail"]
    page = await trainee.post(f"/sessions/{session_id}/turns", data={"text": words})
    assert page.status_code == 409 and words in page.text, "the words stay in the box"
    assert [role for role, _ in roles_in_order(db, session_id)] == [TurnRole.PEER, TurnRole.TRAINEE, TurnRole.PEER]


@pytest.fixture
def one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process may hold two connections: one for this test's own session, one for the app."""
    monkeypatch.setenv("PEER_DB_POOL_SIZE", "2")
    monkeypatch.setenv("PEER_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("PEER_DB_POOL_TIMEOUT_S", "3")


async def test_no_connection_is_held_while_replies_stream(
    one_connection: None, settings: Settings, app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEER_STREAM_DELAY_MS", "600")  # replies read as typed: each takes several seconds
    get_settings.cache_clear()
    assert get_settings().db_pool_size == 2 and get_settings().stream_delay_ms == 600
    make_user(db, username="streamer", cohort="cohort-a")
    db.close()
    client = await signed_in(app, "streamer")
    htmx = {"HX-Request": "true"}
    streams = []
    for _ in range(3):
        session_id = (await client.post("/api/sessions", json={"persona": "dana-alcohol"})).json()["id"]
        await client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC_LINES[0]}, headers=htmx)
        peer = db.exec(select(Turn).where(Turn.session_id == session_id, Turn.position == 2)).one()
        db.close()
        streams.append(asyncio.create_task(client.get(f"/sessions/{session_id}/turns/{peer.id}/stream")))
    await asyncio.sleep(0.3)
    listing = await client.get("/api/sessions")
    page = await client.get("/")
    assert listing.status_code == 200 and page.status_code == 200
    assert not all(task.done() for task in streams), "the replies were still streaming"
    for task in streams:
        body = (await task).text
        assert "event: reply-done" in body and "event: done" in body
    await client.aclose()


def test_a_stream_that_comes_back_gets_the_saved_reply_whole(client: TestClient, db: Session) -> None:
    session_id = start_session(client)["id"]
    htmx = {"HX-Request": "true"}
    client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC_LINES[0]}, headers=htmx)
    peer = db.exec(select(Turn).where(Turn.session_id == session_id, Turn.position == 2)).one()
    first = client.get(f"/sessions/{session_id}/turns/{peer.id}/stream").text
    again = client.get(f"/sessions/{session_id}/turns/{peer.id}/stream").text
    db.refresh(peer)
    assert "event: token" in first and peer.status == TurnStatus.COMPLETE
    assert "event: token" not in again and "event: replace" in again and "event: done" in again
    assert peer.text.split()[0] in again


def test_a_reply_whose_writer_died_is_written_on_the_next_read(client: TestClient, db: Session) -> None:
    session_id = start_session(client)["id"]
    client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC_LINES[0]}, headers={"HX-Request": "true"})
    peer = db.exec(select(Turn).where(Turn.session_id == session_id, Turn.position == 2)).one()
    assert peer.status == TurnStatus.PENDING  # the page closed before its stream began
    transcript = client.get(f"/api/sessions/{session_id}").json()
    assert transcript["turns"][2]["status"] == "complete" and transcript["turns"][2]["text"]


@pytest.fixture
def few_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEER_SESSIONS_PER_HOUR", "2")


def test_session_creation_has_a_per_user_limit_on_both_faces(
    few_sessions: None, client_for: Callable[..., TestClient]
) -> None:
    client = client_for("trainee", cohort="cohort-a")
    for _ in range(2):
        start_session(client)
    api = client.post("/api/sessions", json={"persona": "dana-alcohol"})
    page = client.post("/sessions", data={"persona": "dana-alcohol"}, follow_redirects=False)
    assert api.status_code == page.status_code == 429
    assert int(api.headers["Retry-After"]) > 0 and int(page.headers["Retry-After"]) > 0
    assert "practice sessions in the last hour" in api.json()["detail"]
    assert "practice sessions in the last hour" in page.text
    other = client_for("trainee", cohort="cohort-a")
    assert other.post("/api/sessions", json={"persona": "dana-alcohol"}).status_code == 201, "the limit is per user"
