"""A local OpenAI-compatible server that misbehaves on cue, for tests over real HTTP.

Each model name has its own script: a queue of behaviours, one used per request; with the queue
empty the server answers well. A streamed answer is the model's `reply` text, word by word; a JSON
answer is a valid verdict for whatever dimension keys the request's schema asks for.
"""

import asyncio
import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

DEFAULT_REPLY = "Evenings are the hard part. I keep busy at work, then I get home and it's quiet."


@dataclass(frozen=True)
class Behaviour:
    """What the server does with one request: answer (perhaps late), fail with a status, or break."""

    status: int = 200
    delay_s: float = 0.0
    retry_after: str | None = None
    invalid_json: bool = False
    cut_after: int | None = None
    """Streamed answers only: send this many pieces, then drop the connection."""
    text: str | None = None


OK = Behaviour()
RATE_LIMITED = Behaviour(status=429, retry_after="0")
SERVER_ERROR = Behaviour(status=500)
INVALID_JSON = Behaviour(invalid_json=True)


def hang(seconds: float) -> Behaviour:
    return Behaviour(delay_s=seconds)


def cut(after: int) -> Behaviour:
    return Behaviour(cut_after=after)


def says(text: str) -> Behaviour:
    return Behaviour(text=text)


def verdict_for(schema: dict[str, Any], level: int = 1) -> dict[str, Any]:
    keys = schema["properties"]["scores"]["required"]
    return {
        "scores": {key: {"evidence": [], "reason": f"{key} looks like level {level}.", "level": level} for key in keys},
        "worked": ["You asked an open question."],
        "better_reply": "What has this week been like for you?",
        "summary": "A steady reply.",
    }


def _schema(body: dict[str, Any]) -> dict[str, Any]:
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema: dict[str, Any] = response_format["json_schema"]["schema"]
        return schema
    return dict(response_format.get("schema") or {})


@dataclass
class Received:
    model: str
    stream: bool
    messages: list[dict[str, str]]
    response_format: dict[str, Any] | None
    at: float


@dataclass
class FaultServer:
    scripts: dict[str, deque[Behaviour]] = field(default_factory=lambda: defaultdict(deque))
    replies: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    first_sent: list[float] = field(default_factory=list)
    """When each streamed answer's first piece was sent (time.perf_counter)."""
    last_sent: list[float] = field(default_factory=list)
    """When each streamed answer's last piece was sent."""
    base_url: str = ""
    piece_delay_s: float = 0.0

    def enqueue(self, model: str, *behaviours: Behaviour) -> None:
        self.scripts[model].extend(behaviours)

    def reset(self) -> None:
        self.scripts.clear()
        self.replies.clear()
        self.received.clear()
        self.first_sent.clear()
        self.last_sent.clear()
        self.piece_delay_s = 0.0

    def calls(self, model: str) -> list[Received]:
        return [r for r in self.received if r.model == model]

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        model = str(body.get("model", ""))
        stream = bool(body.get("stream"))
        received = Received(model, stream, body["messages"], body.get("response_format"), time.perf_counter())
        self.received.append(received)
        script = self.scripts[model]
        behaviour = script.popleft() if script else OK
        await asyncio.sleep(behaviour.delay_s)
        if behaviour.status != 200:
            headers = {"retry-after": behaviour.retry_after} if behaviour.retry_after else {}
            error = {"error": {"message": f"injected {behaviour.status}", "type": "injected", "code": None}}
            return JSONResponse(error, status_code=behaviour.status, headers=headers)
        text = behaviour.text or self.replies.get(model, DEFAULT_REPLY)
        if stream:
            return StreamingResponse(self._pieces(model, text, behaviour.cut_after), media_type="text/event-stream")
        content = "{not json" if behaviour.invalid_json else behaviour.text or json.dumps(verdict_for(_schema(body)))
        return JSONResponse(_completion(model, content))

    async def _pieces(self, model: str, text: str, cut_after: int | None) -> AsyncIterator[str]:
        words = [word + " " for word in text.split(" ")]
        for index, word in enumerate(words):
            if cut_after is not None and index == cut_after:
                raise ConnectionAbortedError("injected: stream cut")
            await asyncio.sleep(self.piece_delay_s)
            if index == 0:
                self.first_sent.append(time.perf_counter())
            yield _chunk(model, {"content": word}, None)
        self.last_sent.append(time.perf_counter())
        yield _chunk(model, {}, "stop")
        yield "data: [DONE]\n\n"


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }


def _chunk(model: str, delta: dict[str, str], finish_reason: str | None) -> str:
    chunk = {
        "id": "chatcmpl-fault",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


class ServerThread:
    """An ASGI app served by uvicorn on 127.0.0.1 (a free port), in a thread."""

    def __init__(self, app: Any) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        config = uvicorn.Config(app, log_level="critical", lifespan="on", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


def fault_app(server: FaultServer) -> Starlette:
    return Starlette(routes=[Route("/v1/chat/completions", server.chat, methods=["POST"])])
