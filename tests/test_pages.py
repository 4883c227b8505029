"""Web pages: template context first, HTML second; every form as a plain POST and through htmx."""

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import Session, select

from app.config import Settings
from app.models import PracticeSession, Turn
from app.persona.events import Piece
from app.routes import streaming

DIMENSIONS = {"pressure", "authority", "dependency", "boundaries", "empathy"}
HTMX = {"HX-Request": "true"}
EMPATHIC = "It sounds like these evenings are really hard. What helps you get through them?"


def start(client: TestClient, persona: str = "") -> str:
    persona = persona or client.get("/").context["personas"][0].id  # type: ignore[attr-defined]
    response = client.post("/sessions", data={"persona": persona, "rubric": "crss-core"}, follow_redirects=False)
    assert response.status_code == 303
    match = re.fullmatch(r"/sessions/([0-9a-f]{32})", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def read_events(client: TestClient, url: str) -> list[tuple[str, str]]:
    """The (event, data) pairs of a server-sent event stream, read to its end."""
    events: list[tuple[str, str]] = []
    name, data = "message", []
    with client.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if data:
                    events.append((name, "\n".join(data)))
                name, data = "message", []
            elif line.startswith("event:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data.append(line.partition(":")[2].removeprefix(" "))
    if data:
        events.append((name, "\n".join(data)))
    return events


def htmx_turn(client: TestClient, session_id: str, text: str = EMPATHIC) -> tuple[Any, str]:
    """Post a turn the way htmx does; return the response and the stream URL of the peer's reply."""
    response = client.post(f"/sessions/{session_id}/turns", data={"text": text}, headers=HTMX)
    assert response.status_code == 200, response.text
    match = re.search(r'sse-connect="([^"]+)"', response.text)
    assert match, response.text
    return response, match.group(1)


def test_home_lists_personas_and_rubrics(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    context = response.context  # type: ignore[attr-defined]
    assert len(context["personas"]) >= 3
    assert "crss-core" in [rubric.id for rubric in context["rubrics"]]
    assert context["section"] == "practice"
    for persona in context["personas"]:
        assert persona.name in response.text
        assert f'value="{persona.id}"' in response.text
    assert '<form method="post" action="/sessions"' in response.text
    assert 'src="/static/vendor/htmx.min.js"' in response.text
    assert "https://" not in response.text.split("<body")[0]


def test_static_files_are_served(client: TestClient) -> None:
    for path in [
        "/static/vendor/htmx.min.js",
        "/static/vendor/htmx-ext-sse.min.js",
        "/static/css/app.css",
        "/static/js/app.js",
        "/static/favicon.svg",
    ]:
        assert client.get(path).status_code == 200, path
    assert "htmx.org@2." in client.get("/static/vendor/VERSIONS.txt").text


def test_start_session_by_plain_post_redirects_to_the_chat(client: TestClient, db: Session) -> None:
    session_id = start(client)
    practice = db.get(PracticeSession, session_id)
    assert practice is not None and practice.trainee_name == "trainee", "the session carries the account's name"
    response = client.get(f"/sessions/{session_id}")
    context = response.context  # type: ignore[attr-defined]
    assert context["practice"].id == session_id
    assert [turn.role for turn in context["turns"]] == ["peer"]
    assert context["state"].trust == practice.persona_state["trust"]
    assert str(escape(context["turns"][0].text)) in response.text


def test_start_session_with_unknown_persona_shows_the_picker_again(client: TestClient) -> None:
    response = client.post("/sessions", data={"persona": "nobody"})
    assert response.status_code == 422
    assert "nobody" in response.context["error"]  # type: ignore[attr-defined]
    assert 'role="alert"' in response.text


def test_chat_page_has_a_form_that_works_with_and_without_htmx(client: TestClient, settings: Settings) -> None:
    session_id = start(client)
    response = client.get(f"/sessions/{session_id}")
    context = response.context  # type: ignore[attr-defined]
    assert context["max_chars"] == settings.max_message_chars
    assert context["error"] is None and context["draft"] == ""
    text = response.text
    assert f'<form id="composer" class="composer" method="post" action="/sessions/{session_id}/turns"' in text
    assert f'hx-post="/sessions/{session_id}/turns"' in text
    assert f'maxlength="{settings.max_message_chars}"' in text
    assert 'id="persona-state"' in text and 'role="meter"' in text
    assert f'action="/sessions/{session_id}/end"' in text


def test_turn_by_plain_post_redirects_and_shows_the_message_with_its_grade(client: TestClient) -> None:
    session_id = start(client)
    response = client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/sessions/{session_id}#turn-")

    page = client.get(response.headers["location"])
    turns = page.context["turns"]  # type: ignore[attr-defined]
    assert [turn.role for turn in turns] == ["peer", "trainee", "peer"]
    trainee, reply = turns[1], turns[2]
    assert trainee.text == EMPATHIC and trainee.grade is not None
    assert set(trainee.grade.scores) == DIMENSIONS
    assert reply.status == "complete" and reply.text
    assert page.context["open_turn_id"] == trainee.id  # type: ignore[attr-defined]
    exchanges = page.context["exchanges"]  # type: ignore[attr-defined]
    assert [(e.trainee, e.peer) for e in exchanges] == [(None, turns[0]), (trainee, reply)]
    assert str(escape(EMPATHIC)) in page.text
    assert page.text.count('class="chip chip-') == 5
    for dimension in page.context["rubric"].dimensions:  # type: ignore[attr-defined]
        assert f'data-dimension="{dimension.key}"' in page.text
    assert "What worked" in page.text


def test_turn_by_htmx_returns_the_fragment_with_a_streaming_peer_bubble(client: TestClient, db: Session) -> None:
    session_id = start(client)
    response, stream_url = htmx_turn(client, session_id)
    exchange = response.context["exchange"]  # type: ignore[attr-defined]
    assert exchange.trainee.text == EMPATHIC
    assert set(exchange.trainee.grade.scores) == DIMENSIONS
    peer_turn = exchange.peer
    assert peer_turn.status == "pending"
    assert stream_url == f"/sessions/{session_id}/turns/{peer_turn.id}/stream"
    assert not response.text.lstrip().startswith("<!doctype")
    assert 'hx-ext="sse"' in response.text and 'sse-close="done"' in response.text
    assert 'sse-swap="token"' in response.text and 'hx-swap="beforeend"' in response.text
    assert 'class="typing"' in response.text


def test_stream_sends_escaped_tokens_then_done_and_saves_the_reply(client: TestClient, db: Session) -> None:
    session_id = start(client)
    _, stream_url = htmx_turn(client, session_id)
    events = read_events(client, stream_url)
    names = [name for name, _ in events]
    assert names[-2:] == ["reply-done", "done"] and names.count("done") == 1
    assert "peer-error" not in names
    tokens = [data for name, data in events if name == "token"]
    peer_id = int(stream_url.split("/")[-2])
    saved = db.exec(select(Turn).where(Turn.id == peer_id)).one()
    assert saved.status == "complete"
    assert tokens and (len(tokens) > 1 or len(saved.text.split()) == 1), "several words stream as several pieces"
    assert html.unescape("".join(tokens)).strip() == saved.text
    reply_done = events[-2][1]
    assert 'id="persona-state"' in reply_done and 'hx-swap-oob="true"' in reply_done

    page = client.get(f"/sessions/{session_id}")
    assert page.context["turns"][-1].text == saved.text  # type: ignore[attr-defined]


def test_stream_escapes_html_in_the_reply(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def reply(**_: Any) -> AsyncIterator[Piece]:
        yield Piece("<b>Bold</b> ")
        yield Piece("& <script>x</script>")

    monkeypatch.setattr(streaming, "stream_peer_events", reply)
    session_id = start(client)
    _, stream_url = htmx_turn(client, session_id)
    tokens = [data for name, data in read_events(client, stream_url) if name == "token"]
    assert tokens == ["&lt;b&gt;Bold&lt;/b&gt; ", "&amp; &lt;script&gt;x&lt;/script&gt;"]


def test_stream_failure_sends_a_readable_error_and_closes(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(**_: Any) -> AsyncIterator[Piece]:
        yield Piece("I was saying ")
        raise RuntimeError("model went away")

    monkeypatch.setattr(streaming, "stream_peer_events", broken)
    session_id = start(client)
    _, stream_url = htmx_turn(client, session_id)
    events = read_events(client, stream_url)
    assert [name for name, _ in events] == ["token", "peer-error", "reply-done", "done"]
    assert "cut off" in events[1][1] and "carry on" in events[1][1]
    monkeypatch.undo()
    assert client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC}).status_code == 200


@pytest.mark.parametrize("text", ["", "   \n  ", "x" * 10_000], ids=["empty", "blank", "too-long"])
def test_rejected_message_by_plain_post_keeps_the_text(client: TestClient, text: str) -> None:
    session_id = start(client)
    response = client.post(f"/sessions/{session_id}/turns", data={"text": text})
    assert response.status_code == 422
    context = response.context  # type: ignore[attr-defined]
    assert context["error"] and context["draft"] == text
    assert [turn.role for turn in context["turns"]] == ["peer"]
    assert str(escape(context["error"])) in response.text
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    if text.strip():
        assert "10,000" in context["error"] and text in response.text


@pytest.mark.parametrize("text", ["", "x" * 10_000], ids=["empty", "too-long"])
def test_rejected_message_by_htmx_returns_the_form_with_the_error(client: TestClient, text: str) -> None:
    session_id = start(client)
    response = client.post(f"/sessions/{session_id}/turns", data={"text": text}, headers=HTMX)
    assert response.status_code == 200  # htmx swaps 2xx only; a 4xx would log a console error
    assert response.headers["HX-Retarget"] == "#composer"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert response.context["draft"] == text  # type: ignore[attr-defined]
    assert response.text.lstrip().startswith('<form id="composer"')
    assert str(escape(response.context["error"])) in response.text  # type: ignore[attr-defined]


def test_turn_after_the_session_ended_is_rejected(client: TestClient) -> None:
    session_id = start(client)
    client.post(f"/sessions/{session_id}/end")
    response = client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC})
    assert response.status_code == 409, "the same status as the JSON API's"
    assert "ended" in response.context["error"]  # type: ignore[attr-defined]
    assert 'id="composer"' not in response.text


def test_end_session_leads_to_the_summary(client: TestClient, db: Session) -> None:
    session_id = start(client)
    for text in [EMPATHIC, "You should just go to a meeting tonight, you have to."]:
        client.post(f"/sessions/{session_id}/turns", data={"text": text})
    response = client.post(f"/sessions/{session_id}/end", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session_id}/summary"
    practice = db.get(PracticeSession, session_id)
    assert practice is not None
    db.refresh(practice)
    assert practice.status == "ended"

    page = client.get(response.headers["location"])
    context = page.context  # type: ignore[attr-defined]
    summary = context["summary"]
    assert summary.graded_count == 2
    assert set(summary.averages) == DIMENSIONS
    assert summary.strongest is not None and summary.weakest is not None
    assert summary.practise_next in DIMENSIONS
    assert context["state"].trust == practice.persona_state["trust"]
    assert str(escape(summary.strongest.turn.text)) in page.text
    assert page.text.count('class="bar-row"') == 5


def test_supervisor_lists_sessions_and_replays_them(client: TestClient) -> None:
    session_id = start(client)
    client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC})
    listing = client.get("/supervisor")
    rows = listing.context["rows"].items  # type: ignore[attr-defined]
    assert [row.practice.id for row in rows] == [session_id]
    assert rows[0].replies == 1 and set(rows[0].averages) == DIMENSIONS
    assert f'href="/supervisor/sessions/{session_id}"' in listing.text and "trainee" in listing.text

    replay = client.get(f"/supervisor/sessions/{session_id}")
    context = replay.context  # type: ignore[attr-defined]
    steps = context["steps"]
    assert [step.turn.role for step in steps] == ["peer", "trainee", "peer"]
    assert steps[1].turn.grade is not None and steps[1].state is None
    assert steps[2].state is not None and steps[2].reading is not None
    assert context["practice"].persona_version in replay.text
    assert context["graders"]
    assert 'href="#t2"' in replay.text and 'id="t3"' in replay.text


def test_trainee_text_is_escaped(client: TestClient) -> None:
    session_id = start(client)
    client.post(f"/sessions/{session_id}/turns", data={"text": "<script>alert(1)</script> how are you?"})
    page = client.get(f"/sessions/{session_id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


@pytest.mark.parametrize(
    "path", ["/sessions/{id}", "/sessions/{id}/summary", "/supervisor/sessions/{id}", "/sessions/{id}/turns/1/stream"]
)
def test_unknown_session_is_a_404_page(client: TestClient, path: str) -> None:
    response = client.get(path.format(id="0" * 32))
    assert response.status_code == 404
    assert response.context["message"] == "No such practice session."  # type: ignore[attr-defined]
    assert "<h1>" in response.text


def test_unknown_turn_stream_is_a_404(client: TestClient) -> None:
    session_id = start(client)
    opening = client.get(f"/sessions/{session_id}").context["turns"][0]  # type: ignore[attr-defined]
    assert client.get(f"/sessions/{session_id}/turns/99999/stream").status_code == 404
    assert client.get(f"/sessions/{session_id}/turns/{opening.id + 1000}/stream").status_code == 404
    assert client.post(f"/sessions/{'0' * 32}/end").status_code == 404


def test_assessment_mode_shows_no_feedback_until_the_end(client: TestClient) -> None:
    persona = client.get("/").context["personas"][0].id  # type: ignore[attr-defined]
    response = client.post("/sessions", data={"persona": persona, "mode": "assessment"}, follow_redirects=False)
    session_id = response.headers["location"].rsplit("/", 1)[-1]
    client.post(f"/sessions/{session_id}/turns", data={"text": "You have to stop drinking. Promise me now."})
    chat = client.get(f"/sessions/{session_id}")
    assert chat.context["held_back"] is True  # type: ignore[attr-defined]
    assert 'class="chip ' not in chat.text and "held back" in chat.text
    assert 'role="meter"' not in chat.text, "the trust meter is hidden during an assessment"
    early = client.get(f"/sessions/{session_id}/summary", follow_redirects=False)
    assert early.status_code == 303 and early.headers["location"] == f"/sessions/{session_id}"
    client.post(f"/sessions/{session_id}/end")
    summary = client.get(f"/sessions/{session_id}/summary")
    assert summary.status_code == 200 and summary.context["summary"].graded_count == 1  # type: ignore[attr-defined]


def test_practice_mode_shows_the_peers_inner_voice(client: TestClient) -> None:
    session_id = start(client)
    client.post(f"/sessions/{session_id}/turns", data={"text": EMPATHIC})
    chat = client.get(f"/sessions/{session_id}")
    inner = chat.context["state"].inner_voice  # type: ignore[attr-defined]
    assert inner and str(escape(inner)) in chat.text
