"""The LLM path against a real model: SmolLM2-135M behind llama.cpp's OpenAI-compatible server.

The app runs under uvicorn and is spoken to over real HTTP, as a browser would: the peer's reply
must reach the client token by token over server-sent events, and be saved; the judge's grade
must be schema-valid, or the offline grade labelled as a fallback.
"""

import asyncio
import html
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.config import get_settings
from app.practice.context import build_context
from app.practice.turns import submit_turn
from tests.factories import PASSWORD, make_user
from tests.fault_server import ServerThread
from tests.llm_support import llm_env

KEYS = {"pressure", "authority", "dependency", "boundaries", "empathy"}
SLOW_S = 300.0
"""A tiny model on two shared cores: generous, so a busy machine slows the test instead of failing it."""


@pytest.fixture
def live_app(llama_url: str, db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    """The app under uvicorn with persona and judge on the local model; a signed-in trainee's client."""
    env = llm_env(
        llama_url,
        persona_model="smollm2",
        judge_model="smollm2",
        llm_json_format="json_object",
        llm_timeout_s=SLOW_S,
        llm_retries=0,
        persona_max_tokens=32,
        judge_max_tokens=400,
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    user = make_user(db, username="llama-trainee", cohort="cohort-a")
    from app.main import create_app

    with ServerThread(create_app()) as server, httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as http:
        http.headers["X-CSRFToken"] = http.get("/api/auth/csrf").json()["csrftoken"]
        response = http.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield http


def read_events(http: httpx.Client, url: str) -> list[tuple[float, str, str]]:
    """(arrival time, event, data) for each server-sent event, until "done"."""
    found: list[tuple[float, str, str]] = []
    event, data = "message", []
    with http.stream("GET", url, timeout=SLOW_S) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            elif not line and data:
                found.append((time.perf_counter(), event, "\n".join(data)))
                if event == "done":
                    break
                event, data = "message", []
    return found


def pending_reply(db: Session, session_id: str, text: str) -> int:
    """Send the trainee's words the way the chat page does: the peer's reply is left to stream."""
    ctx = build_context(get_settings())
    submitted = asyncio.run(submit_turn(ctx=ctx, session_id=session_id, text=text))
    assert submitted.peer_turn.id is not None
    return submitted.peer_turn.id


def wait_for_judge(http: httpx.Client, session_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + SLOW_S
    while True:
        trainee = http.get(f"/api/sessions/{session_id}").json()["turns"][1]
        if trainee["grade"]["grader"] != "offline" or time.monotonic() > deadline:
            grade: dict[str, Any] = trainee["grade"]
            return grade
        time.sleep(0.5)


def test_the_peer_streams_token_by_token_and_the_judge_grades(live_app: httpx.Client, db: Session) -> None:
    session = live_app.post("/api/sessions", json={"persona": "dana-alcohol", "rubric": "crss-core"}).json()
    turn_id = pending_reply(db, session["id"], "It sounds like evenings are hard. What are they like for you?")

    events = read_events(live_app, f"/sessions/{session['id']}/turns/{turn_id}/stream")
    tokens = [(at, html.unescape(data)) for at, name, data in events if name == "token"]
    assert len(tokens) >= 3, events
    arrivals = [at for at, _ in tokens]
    assert len({round(at, 3) for at in arrivals}) >= len(tokens) // 2, "tokens arrive one by one, not at once"
    assert arrivals[-1] - arrivals[0] > 0.02

    turns = live_app.get(f"/api/sessions/{session['id']}").json()["turns"]
    peer = turns[2]
    assert peer["status"] == "complete" and peer["text"]
    assert peer["text"] in "".join(text for _, text in tokens).strip()

    grade = wait_for_judge(live_app, session["id"])
    assert grade["grader"] == "llm:smollm2" or grade["grader"].startswith("offline (judge: "), grade["grader"]
    assert set(grade["scores"]) == KEYS and all(0 <= level <= 4 for level in grade["scores"].values())
    assert grade["coaching"]["worked"]
