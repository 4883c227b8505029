"""The one place that talks to an OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp).

Two things are asked of a model: a chat reply streamed piece by piece, and a chat reply as JSON that
follows a schema. Rate limits, server errors, timeouts and invalid JSON are retried with backoff;
what still fails raises `LlmError`, whose `reason` is short enough to show ("timed out"). A stream
that breaks after its first piece is not retried: the words already shown stay shown.
"""

import asyncio
import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import openai
from openai import AsyncOpenAI, AsyncStream
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam
from tenacity import AsyncRetrying, RetryCallState, before_sleep_log, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from app.config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
Role = Literal["system", "user", "assistant"]
JsonFormat = Literal["json_schema", "json_object"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class JsonSchema:
    """A JSON schema the answer must follow, with a name for the endpoints that want one."""

    name: str
    schema: dict[str, Any]


class LlmError(Exception):
    """The model could not answer; `reason` says why in a few plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidOutput(ValueError):
    """The model answered, but not with JSON that fits; retried like a server error."""


class ChatModel(Protocol):
    """What the app asks of a language model."""

    def stream_chat(
        self, *, model: str, messages: Sequence[ChatMessage], max_tokens: int, temperature: float
    ) -> AsyncGenerator[str, None]: ...

    async def json_chat(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        schema: JsonSchema,
        parse: Callable[[str], T],
        max_tokens: int,
    ) -> T: ...


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    api_key: str
    timeout_s: float
    retries: int
    backoff_s: float
    json_format: JsonFormat

    @classmethod
    def from_settings(cls, settings: Settings) -> "Endpoint":
        return cls(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
            retries=settings.llm_retries,
            backoff_s=settings.llm_retry_backoff_s,
            json_format=settings.llm_json_format,
        )


RETRYABLE = (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError, InvalidOutput)
"""Rate limits (429), server errors (5xx), timeouts and lost connections, invalid JSON."""


def reason_for(exc: BaseException) -> str:
    """A few plain words for what went wrong, for the page, the API and the logs."""
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.RateLimitError):
        return "rate limited"
    if isinstance(exc, openai.InternalServerError):
        return "server error"
    if isinstance(exc, openai.APIStatusError):
        return f"refused ({exc.status_code})"
    if isinstance(exc, openai.APIConnectionError):
        return "unreachable"
    if isinstance(exc, InvalidOutput):
        return "invalid output"
    return type(exc).__name__


def _retry_after(exc: BaseException | None) -> float | None:
    """The wait a 429 or 503 asks for in its Retry-After header (in seconds), if any."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    try:
        return float(exc.response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _backoff(endpoint: Endpoint) -> Callable[[RetryCallState], float]:
    exponential = wait_exponential_jitter(
        multiplier=endpoint.backoff_s, max=max(endpoint.backoff_s * 8, 0.001), jitter=endpoint.backoff_s / 2
    )

    def wait(state: RetryCallState) -> float:
        asked = _retry_after(state.outcome.exception() if state.outcome else None)
        return min(asked, endpoint.timeout_s) if asked is not None else exponential(state)

    return wait


_pools: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Endpoint, AsyncOpenAI]]" = (
    weakref.WeakKeyDictionary()
)
"""Clients kept open per event loop (connections belong to the loop that opened them)."""


def _new_client(endpoint: Endpoint) -> AsyncOpenAI:
    return AsyncOpenAI(
        base_url=endpoint.base_url,
        api_key=endpoint.api_key or "not-needed",
        timeout=endpoint.timeout_s,
        max_retries=0,
    )


@asynccontextmanager
async def connection_pool() -> AsyncIterator[None]:
    """Keep connections open across the calls made in this event loop until the block ends.

    The app enters it for its lifespan; outside one (a command, a test client without lifespan),
    each call opens its own connection and closes it, so nothing is left open when a loop ends.
    """
    loop = asyncio.get_running_loop()
    _pools[loop] = {}
    try:
        yield
    finally:
        for client in _pools.pop(loop, {}).values():
            await client.close()


@asynccontextmanager
async def _client(endpoint: Endpoint) -> AsyncIterator[AsyncOpenAI]:
    pool = _pools.get(asyncio.get_running_loop())
    if pool is None:
        async with _new_client(endpoint) as client:
            yield client
        return
    if endpoint not in pool:
        pool[endpoint] = _new_client(endpoint)
    yield pool[endpoint]


async def _pieces(stream: AsyncStream[ChatCompletionChunk]) -> AsyncIterator[str]:
    """The text of each chunk; LlmError when the stream breaks or ends without a finish reason."""
    finished = False
    try:
        async for chunk in stream:
            for choice in chunk.choices[:1]:
                if choice.delta.content:
                    yield choice.delta.content
                finished = finished or choice.finish_reason is not None
    except openai.APIError as exc:
        raise LlmError(f"the reply broke off ({reason_for(exc)})") from exc
    if not finished:
        raise LlmError("the reply broke off")


def _as_param(message: ChatMessage) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "assistant":
        return {"role": "assistant", "content": message.content}
    return {"role": "user", "content": message.content}


class OpenAIChatModel:
    """Any OpenAI-compatible endpoint, through the `openai` client, with our own retries."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run `attempt` (a coroutine function: tenacity awaits only those), retrying what may pass."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.endpoint.retries + 1),
            wait=_backoff(self.endpoint),
            retry=retry_if_exception_type(RETRYABLE),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        try:
            return await retrying(attempt)
        except (openai.APIError, InvalidOutput) as exc:
            raise LlmError(reason_for(exc)) from exc

    async def stream_chat(
        self, *, model: str, messages: Sequence[ChatMessage], max_tokens: int, temperature: float
    ) -> AsyncGenerator[str, None]:
        async with _client(self.endpoint) as client:

            async def connect() -> AsyncStream[ChatCompletionChunk]:
                return await client.chat.completions.create(
                    model=model,
                    messages=[_as_param(m) for m in messages],
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stream=True,
                )

            stream = await self._retrying(connect)
            async with stream:
                async for piece in _pieces(stream):
                    yield piece

    async def json_chat(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        schema: JsonSchema,
        parse: Callable[[str], T],
        max_tokens: int,
    ) -> T:
        async def attempt() -> T:
            async with _client(self.endpoint) as client:
                response = await client.chat.completions.create(
                    model=model,
                    messages=[_as_param(m) for m in messages],
                    max_tokens=max_tokens,
                    temperature=0,
                    extra_body={"response_format": self._response_format(schema)},
                )
            content = response.choices[0].message.content if response.choices else None
            try:
                return parse(content or "")
            except ValueError as exc:  # json.JSONDecodeError and pydantic's ValidationError are ValueErrors
                raise InvalidOutput(str(exc)[:300]) from exc

        return await self._retrying(attempt)

    def _response_format(self, schema: JsonSchema) -> dict[str, Any]:
        if self.endpoint.json_format == "json_object":
            return {"type": "json_object", "schema": schema.schema}
        return {"type": "json_schema", "json_schema": {"name": schema.name, "schema": schema.schema, "strict": True}}
