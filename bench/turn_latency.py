"""Turn latency: what the turn pipeline adds to the LLM, against a local OpenAI-compatible server.

    python bench/turn_latency.py [--turns 30] [--piece-ms 20] [--words 24]

The app runs under uvicorn and the model is a local streaming server (tests/fault_server.py, every
answer paced at --piece-ms per word), both on 127.0.0.1, so the figures are the pipeline's own:

- added latency: a whole turn through the JSON API (save the message, quick offline grade, move the
  peer's state, build the prompt, stream the reply checking every token, save it) minus the bare
  streamed LLM call for the same answer. Target: at most max(10 %, 50 ms). Split into the part
  before the model is asked and the part after its last token.
- first token: from the moment the server sends the LLM's first token to the moment it reaches the
  chat page's SSE client. Target: 20 ms at the 95th percentile.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fault_server import FaultServer, ServerThread, fault_app  # noqa: E402

PASSWORD = "bench password 1"
TURNS_PER_SESSION = 8
ANSWER = "Evenings are the hard part. Work keeps my head busy, then I get home and it is quiet."
TEXTS = [
    "It sounds like the evenings have been hard. What are they like for you?",
    "That makes sense. What has helped, even a little?",
    "I hear how much Tyler matters to you.",
    "What would you like to happen next, in your own words?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def configure(base_url: str, folder: Path) -> str:
    database_url = f"sqlite:///{folder / 'bench.db'}"
    os.environ.update(
        {
            "PEER_DATABASE_URL": database_url,
            "PEER_CONTENT_DIR": str(ROOT),
            "PEER_ENGINE": "llm",
            "PEER_GRADER": "offline",
            "PEER_LLM_BASE_URL": base_url,
            "PEER_PERSONA_MODEL": "peer",
            "PEER_TURNS_PER_MINUTE": "100000",
            "PEER_DEMO_ACCOUNTS": "false",
            "PEER_LOG_LEVEL": "WARNING",
        }
    )
    return database_url


def make_trainee(database_url: str) -> str:
    from sqlmodel import Session

    from app.auth.accounts import create_user
    from app.db import engine_for
    from app.migrations import upgrade_database

    upgrade_database(database_url)
    with Session(engine_for(database_url)) as db:
        create_user(db=db, username="bench", password=PASSWORD, role="trainee")
        db.commit()
    return "bench"


def sign_in(http: httpx.Client, username: str) -> None:
    response = http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]


def new_session(http: httpx.Client) -> str:
    response = http.post("/api/sessions", json={"persona": "dana-alcohol", "rubric": "crss-core"})
    response.raise_for_status()
    session_id: str = response.json()["id"]
    return session_id


async def bare_calls(base_url: str, turns: int) -> list[float]:
    """The same answer from the same server, streamed straight through app.llm, no app around it."""
    from app.llm import ChatMessage, Endpoint, OpenAIChatModel, connection_pool

    endpoint = Endpoint(base_url=base_url, api_key="", timeout_s=30, retries=0, backoff_s=0, json_format="json_schema")
    model = OpenAIChatModel(endpoint)
    messages = [ChatMessage(role="user", content=TEXTS[0])]
    seconds = []
    async with connection_pool():
        for _ in range(turns):
            start = time.perf_counter()
            async for _piece in model.stream_chat(model="peer", messages=messages, max_tokens=200, temperature=0.8):
                pass
            seconds.append(time.perf_counter() - start)
    return seconds


@dataclass
class Turns:
    whole: list[float] = field(default_factory=list)
    before: list[float] = field(default_factory=list)
    """From sending the message to the model receiving its request: save, quick grade, state, prompt."""
    after: list[float] = field(default_factory=list)
    """From the model's last token to the answer reaching the client: save the reply, respond."""


def pipeline_turns(http: httpx.Client, server: FaultServer, turns: int) -> Turns:
    found = Turns()
    session_id = new_session(http)
    for index in range(turns):
        if index and index % TURNS_PER_SESSION == 0:
            session_id = new_session(http)
        server.received.clear()
        server.last_sent.clear()
        start = time.perf_counter()
        response = http.post(f"/api/sessions/{session_id}/turns", json={"text": TEXTS[index % len(TEXTS)]})
        end = time.perf_counter()
        response.raise_for_status()
        assert response.json()["reply"]["error"] is None, response.json()["reply"]
        found.whole.append(end - start)
        found.before.append(server.received[0].at - start)
        found.after.append(end - server.last_sent[0])
    return found


def pending_reply(session_id: str, text: str) -> int:
    """The trainee's words saved and graded as the chat page's form does; the reply is left to stream."""
    from app.config import get_settings
    from app.practice.context import build_context
    from app.practice.turns import submit_turn

    submitted = asyncio.run(submit_turn(ctx=build_context(get_settings()), session_id=session_id, text=text))
    assert submitted.peer_turn.id is not None
    return submitted.peer_turn.id


def first_token_at(http: httpx.Client, url: str) -> float:
    """When the first "token" event reached the client; the rest of the stream is read to its end."""
    arrived = 0.0
    with http.stream("GET", url) as response:
        for line in response.iter_lines():
            if line == "event: token" and not arrived:
                arrived = time.perf_counter()
            if line == "event: done":
                break
    return arrived


def first_token_delays(http: httpx.Client, server: FaultServer, turns: int) -> list[float]:
    delays = []
    session_id = new_session(http)
    for index in range(turns):
        if index and index % TURNS_PER_SESSION == 0:
            session_id = new_session(http)
        turn_id = pending_reply(session_id, TEXTS[index % len(TEXTS)])
        server.first_sent.clear()
        arrived = first_token_at(http, f"/sessions/{session_id}/turns/{turn_id}/stream")
        delays.append(arrived - server.first_sent[0])
    return delays


def report(name: str, values: list[float], unit: float = 1000) -> str:
    return (
        f"{name:<34} median {statistics.median(values) * unit:7.1f} ms   "
        f"p95 {percentile(values, 95) * unit:7.1f} ms   max {max(values) * unit:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--piece-ms", type=float, default=20.0, help="the model's pace: one word every N ms")
    parser.add_argument("--words", type=int, default=24, help="words in each answer")
    args = parser.parse_args()

    server = FaultServer(piece_delay_s=args.piece_ms / 1000)
    server.replies["peer"] = " ".join((ANSWER.split() * args.words)[: args.words])
    with tempfile.TemporaryDirectory() as folder, ServerThread(fault_app(server)) as llm:
        base_url = f"http://127.0.0.1:{llm.port}/v1"
        username = make_trainee(configure(base_url, Path(folder)))
        from app.main import create_app

        with (
            ServerThread(create_app()) as app,
            httpx.Client(base_url=f"http://127.0.0.1:{app.port}", timeout=60) as http,
        ):
            sign_in(http, username)
            pipeline_turns(http, server, 3)  # warm up: the grader's model, the catalog, the connections
            bare = asyncio.run(bare_calls(base_url, args.turns))
            turns = pipeline_turns(http, server, args.turns)
            first = first_token_delays(http, server, args.turns)

    added = [w - b for w, b in zip(sorted(turns.whole), sorted(bare), strict=True)]
    allowed = max(0.10 * statistics.median(bare), 0.050)
    print(f"turn latency over {args.turns} turns; model pace {args.piece_ms:g} ms/word, {args.words} words")
    print(report("bare LLM call (streamed)", bare))
    print(report("whole turn through the API", turns.whole))
    print(report("added by the pipeline", added) + f"   target <= {allowed * 1000:.0f} ms")
    print(report("  before the model is asked", turns.before))
    print(report("  after its last token", turns.after))
    print(report("LLM first token -> SSE client", first) + "   target p95 <= 20 ms")
    ok = statistics.median(added) <= allowed and percentile(first, 95) <= 0.020
    print("within targets" if ok else "OUTSIDE TARGETS")


if __name__ == "__main__":
    main()
