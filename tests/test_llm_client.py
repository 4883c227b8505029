"""app.llm over real HTTP against the fault-injecting server: retries, backoff, timeouts, broken streams."""

import json

import pytest

from app.llm import ChatMessage, Endpoint, JsonSchema, LlmError, OpenAIChatModel, connection_pool
from tests.fault_server import INVALID_JSON, RATE_LIMITED, SERVER_ERROR, Behaviour, FaultServer, cut, hang, says

SCHEMA = JsonSchema(name="answer", schema={"type": "object", "properties": {"ok": {"type": "boolean"}}})
HELLO = [ChatMessage(role="user", content="hello")]


def model_at(server: FaultServer, *, retries: int = 2, timeout_s: float = 1.0) -> OpenAIChatModel:
    endpoint = Endpoint(
        base_url=server.base_url,
        api_key="",
        timeout_s=timeout_s,
        retries=retries,
        backoff_s=0.01,
        json_format="json_schema",
    )
    return OpenAIChatModel(endpoint)


async def ask_json(model: OpenAIChatModel, name: str = "m") -> dict[str, bool]:
    def parse(text: str) -> dict[str, bool]:
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("not an object")
        return value

    return await model.json_chat(model=name, messages=HELLO, schema=SCHEMA, parse=parse, max_tokens=50)


async def stream_all(model: OpenAIChatModel, name: str = "m") -> list[str]:
    return [piece async for piece in model.stream_chat(model=name, messages=HELLO, max_tokens=50, temperature=0)]


async def test_streams_piece_by_piece(fault_server: FaultServer) -> None:
    fault_server.reset()
    fault_server.enqueue("m", says("one two three"))
    assert await stream_all(model_at(fault_server)) == ["one ", "two ", "three "]


@pytest.mark.parametrize(
    "first",
    [RATE_LIMITED, SERVER_ERROR, Behaviour(status=503, retry_after="0.05"), hang(1.5), INVALID_JSON],
    ids=["429", "500", "503-retry-after", "timeout", "invalid-json"],
)
async def test_a_passing_fault_is_retried(fault_server: FaultServer, first: Behaviour) -> None:
    fault_server.reset()
    fault_server.enqueue("m", first, says('{"ok": true}'))
    assert await ask_json(model_at(fault_server)) == {"ok": True}
    assert len(fault_server.calls("m")) == 2


@pytest.mark.parametrize(
    ("fault", "reason"),
    [(SERVER_ERROR, "server error"), (RATE_LIMITED, "rate limited"), (INVALID_JSON, "invalid output")],
)
async def test_a_lasting_fault_gives_up_with_a_reason(fault_server: FaultServer, fault: Behaviour, reason: str) -> None:
    fault_server.reset()
    fault_server.enqueue("m", fault, fault, fault, says('{"ok": true}'))
    with pytest.raises(LlmError) as caught:
        await ask_json(model_at(fault_server, retries=2))
    assert caught.value.reason == reason
    assert len(fault_server.calls("m")) == 3, "the first try and two retries"


async def test_a_timeout_gives_up_after_the_retries(fault_server: FaultServer) -> None:
    fault_server.reset()
    fault_server.enqueue("m", hang(2), hang(2))
    with pytest.raises(LlmError) as caught:
        await ask_json(model_at(fault_server, retries=1, timeout_s=0.3))
    assert caught.value.reason == "timed out"


async def test_a_client_error_is_not_retried(fault_server: FaultServer) -> None:
    fault_server.reset()
    fault_server.enqueue("m", Behaviour(status=400))
    with pytest.raises(LlmError) as caught:
        await ask_json(model_at(fault_server))
    assert caught.value.reason == "refused (400)"
    assert len(fault_server.calls("m")) == 1


async def test_a_stream_that_fails_to_start_is_retried(fault_server: FaultServer) -> None:
    fault_server.reset()
    fault_server.enqueue("m", RATE_LIMITED, SERVER_ERROR, says("hi there"))
    assert await stream_all(model_at(fault_server)) == ["hi ", "there "]


async def test_a_stream_cut_halfway_keeps_its_pieces_and_raises(fault_server: FaultServer) -> None:
    fault_server.reset()
    fault_server.enqueue("m", cut(after=2))
    received: list[str] = []
    with pytest.raises(LlmError) as caught:
        async for piece in model_at(fault_server).stream_chat(model="m", messages=HELLO, max_tokens=50, temperature=0):
            received.append(piece)
    assert received == ["Evenings ", "are "]
    assert "broke off" in caught.value.reason
    assert len(fault_server.calls("m")) == 1, "words were shown: no retry"


async def test_the_pool_keeps_one_client_per_endpoint(fault_server: FaultServer) -> None:
    fault_server.reset()
    model = model_at(fault_server)
    async with connection_pool():
        assert await stream_all(model) and await stream_all(model)
    assert len(fault_server.calls("m")) == 2
