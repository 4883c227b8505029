"""Quick grades in a grading process of their own, batched across the requests that arrive together.

The offline grade is CPU work in Python and ONNX. Run in the web process's worker threads it competes
with every page for the interpreter's lock; in a child process it has a core of its own. Requests that
arrive while a batch is being graded wait for the next batch and are graded together: one encoder pass
for all of them, so the busier the class, the cheaper each grade.

`PEER_GRADER_PROCESSES` sets how many grading processes a web process starts (0: grade in its worker
threads). A grading process that dies fails the grades it held (the turns are saved ungraded, as for
any grading failure) and is started again for the next batch.
"""

import asyncio
import logging
import multiprocessing
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app.content.catalog import get_catalog
from app.grading.base import Grade
from app.grading.embeddings import use_threads
from app.grading.features import ReplyCase
from app.grading.moment import CoachingMoment
from app.grading.offline import OfflineGrader, load_offline_grader
from app.transcript import ContextTurn

log = logging.getLogger(__name__)

MAX_BATCH = 32
GRADE_TIMEOUT_S = 30.0
"""A turn waits this long for its grade, then is saved ungraded (a grading process stuck on something)."""


@dataclass(frozen=True)
class GradeRequest:
    """One reply to grade with its rubric's quick grader, as sent to a grading process."""

    rubric_id: str
    context: tuple[ContextTurn, ...]
    reply: str
    moment: CoachingMoment | None


# In a grading process: the content folder its graders load from.
_content_dir: Path | None = None


def _start_grading_process(content_dir: str) -> None:
    global _content_dir
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the web process stops us
    use_threads(1)
    _content_dir = Path(content_dir)
    catalog = get_catalog(_content_dir)
    for rubric_id in catalog.rubrics:
        _grader(rubric_id).grade_now(context=[], reply="Thanks for telling me. How are you feeling?")


def _grader(rubric_id: str) -> OfflineGrader:
    assert _content_dir is not None, "not a grading process"
    entry = get_catalog(_content_dir).rubrics[rubric_id]
    return load_offline_grader(content_dir=_content_dir, rubric=entry.item, version=entry.version)


def grade_batch(requests: Sequence[GradeRequest]) -> list[Grade | str]:
    """In a grading process: each request's grade, or why it could not be graded. Requests for the same
    rubric share one encoder pass; a batch that fails is retried reply by reply, so one bad reply fails
    alone."""
    results: list[Grade | str] = ["not graded"] * len(requests)
    for rubric_id in {request.rubric_id for request in requests}:
        indexes = [n for n, request in enumerate(requests) if request.rubric_id == rubric_id]
        try:
            grader = _grader(rubric_id)
            items = [ReplyCase(context=list(requests[n].context), reply=requests[n].reply) for n in indexes]
            grades = grader.grade_many(items, [requests[n].moment for n in indexes])
        except Exception:
            for n in indexes:
                results[n] = _grade_alone(requests[n])
            continue
        for n, grade in zip(indexes, grades, strict=True):
            results[n] = grade
    return results


def _grade_alone(request: GradeRequest) -> Grade | str:
    try:
        grader = _grader(request.rubric_id)
        return grader.grade_now(context=request.context, reply=request.reply, moment=request.moment)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


class GradingFailed(Exception):
    """A grading process could not grade this reply (it died, or grading raised)."""


@dataclass(frozen=True)
class _Waiting:
    request: GradeRequest
    answer: "asyncio.Future[Grade]"


class GradingService:
    """Grading processes fed in batches; `grade` may be awaited from any event loop."""

    def __init__(self, *, content_dir: Path, processes: int) -> None:
        self._content_dir = content_dir
        self.processes = processes
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._in_flight = 0
        self._pool = self._new_pool()
        self.batches = 0
        self.graded = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a process running threads
            initializer=_start_grading_process,
            initargs=(str(self._content_dir),),
        )

    def warm(self) -> None:
        """Start the grading processes and load their graders now (blocks until they are ready)."""
        futures = [self._pool.submit(grade_batch, []) for _ in range(self.processes)]
        for future in futures:
            future.result()

    async def grade(
        self, *, rubric_id: str, context: Sequence[ContextTurn], reply: str, moment: CoachingMoment | None
    ) -> Grade:
        answer: asyncio.Future[Grade] = asyncio.get_running_loop().create_future()
        request = GradeRequest(rubric_id=rubric_id, context=tuple(context), reply=reply, moment=moment)
        with self._lock:
            self._waiting.append(_Waiting(request, answer))
        self._send_batches()
        try:
            return await asyncio.wait_for(answer, GRADE_TIMEOUT_S)
        except TimeoutError:
            raise GradingFailed(f"no grade within {GRADE_TIMEOUT_S:.0f} s") from None

    def _send_batches(self) -> None:
        """Send what waits, a batch per free grading process."""
        while True:
            with self._lock:
                if not self._waiting or self._in_flight >= self.processes:
                    return
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                self._in_flight += 1
            try:
                pool, future = self._submit([item.request for item in batch])
            except (BrokenProcessPool, RuntimeError) as exc:  # RuntimeError: the service is closing
                self._batch_done(batch, self._pool, exc)
                continue
            future.add_done_callback(partial(self._batch_done, batch, pool))

    def _submit(self, requests: list[GradeRequest]) -> "tuple[ProcessPoolExecutor, Future[list[Grade | str]]]":
        """Submit to the grading processes; once more to new ones if they died while idle."""
        pool = self._pool
        try:
            return pool, pool.submit(grade_batch, requests)
        except BrokenProcessPool:
            self._replace_pool(pool)
            pool = self._pool
            return pool, pool.submit(grade_batch, requests)

    def _batch_done(
        self, batch: list[_Waiting], pool: ProcessPoolExecutor, done: "Future[list[Grade | str]] | Exception"
    ) -> None:
        """Runs in the pool's own thread: answer each request on its own event loop, then send more."""
        failure = _failure_of(done)
        if isinstance(failure, BrokenProcessPool):
            self._replace_pool(pool)
        results: Sequence[Grade | str | BaseException]
        results = [failure] * len(batch) if failure else done.result()  # type: ignore[union-attr]
        for item, result in zip(batch, results, strict=True):
            item.answer.get_loop().call_soon_threadsafe(_answer, item.answer, result)
        with self._lock:
            self._in_flight -= 1
            self.batches += 1
            self.graded += len(batch)
        self._send_batches()

    def _replace_pool(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is not broken:
                return
            log.error("a grading process died; starting a new one")
            self._pool = self._new_pool()
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _failure_of(done: "Future[list[Grade | str]] | Exception") -> BaseException | None:
    """Why a batch failed (a cancelled batch too: its pool was replaced or closed), or None."""
    if isinstance(done, Exception):
        return done
    if done.cancelled():
        return CancelledError("the grading processes were stopped")
    return done.exception()


def _answer(answer: "asyncio.Future[Grade]", result: "Grade | str | BaseException") -> None:
    if answer.done():  # the request went away (a cancelled turn)
        return
    if isinstance(result, Grade):
        answer.set_result(result)
    elif isinstance(result, BaseException):
        answer.set_exception(GradingFailed(f"the grading process failed: {result!r}"))
    else:
        answer.set_exception(GradingFailed(result))


_service: GradingService | None = None


def start_grading_service(*, content_dir: Path, processes: int) -> GradingService | None:
    """Start this process's grading processes (none when `processes` is 0) and wait until they are ready."""
    global _service
    if processes <= 0:
        return None
    service = GradingService(content_dir=content_dir, processes=processes)
    service.warm()
    _service = service
    return service


def stop_grading_service() -> None:
    global _service
    service, _service = _service, None
    if service is not None:
        service.close()


def running_grading_service() -> GradingService | None:
    return _service
