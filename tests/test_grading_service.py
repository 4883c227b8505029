"""Quick grades in a grading process: the same grades as in a thread, batched, surviving a dead process."""

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings, get_settings
from app.content.catalog import get_catalog
from app.grading.offline import load_offline_grader
from app.grading.service import GradingFailed, GradingService
from app.transcript import ContextTurn
from tests.conftest import PROJECT_ROOT
from tests.factories import make_user, say, sign_in, start_session

CONTEXT = [ContextTurn(role="peer", text="My sister keeps asking if I'm still going to meetings. It drives me mad.")]
REPLIES = [
    "It sounds like her questions feel like pressure. What is that like for you?",
    "You have to go to a meeting tonight, no excuses.",
    "As a professional, I know what's best for you here.",
    "Call me anytime, day or night, I'll sort it out for you.",
    "What kind of puzzles do you like?",
    "I won't come to dinner, since I keep my role here separate, but I'm glad you asked.",
    "ok",
    "Part of you wants her off your back, and part of you might want her to notice how hard you're trying.",
]


@pytest.fixture(scope="module")
def service() -> Iterator[GradingService]:
    running = GradingService(content_dir=PROJECT_ROOT, processes=1)
    running.warm()
    yield running
    running.close()


def _in_thread_scores(reply: str) -> dict[str, int]:
    entry = get_catalog(PROJECT_ROOT).rubrics["crss-core"]
    grader = load_offline_grader(content_dir=PROJECT_ROOT, rubric=entry.item, version=entry.version)
    return grader.grade_now(context=CONTEXT, reply=reply).scores


async def _grade_all(service: GradingService) -> list[dict[str, int]]:
    grades = await asyncio.gather(
        *(service.grade(rubric_id="crss-core", context=CONTEXT, reply=reply, moment=None) for reply in REPLIES)
    )
    return [grade.scores for grade in grades]


def test_a_grading_process_gives_the_grades_a_thread_gives_in_fewer_batches(service: GradingService) -> None:
    batches_before = service.batches
    scores = asyncio.run(_grade_all(service))
    assert scores == [_in_thread_scores(reply) for reply in REPLIES]
    assert service.batches - batches_before < len(REPLIES), "replies that arrive together are graded together"


def test_an_unknown_rubric_fails_alone(service: GradingService) -> None:
    async def both() -> list[object]:
        return await asyncio.gather(
            service.grade(rubric_id="no-such-rubric", context=CONTEXT, reply=REPLIES[0], moment=None),
            service.grade(rubric_id="crss-core", context=CONTEXT, reply=REPLIES[0], moment=None),
            return_exceptions=True,
        )

    unknown, known = asyncio.run(both())
    assert isinstance(unknown, GradingFailed) and "no-such-rubric" in str(unknown)
    assert not isinstance(known, BaseException)


def test_a_dead_grading_process_fails_its_grades_and_is_replaced(service: GradingService) -> None:
    async def grade_while_killed() -> object:
        grading = asyncio.ensure_future(
            service.grade(rubric_id="crss-core", context=CONTEXT, reply=REPLIES[1] + " " * 2000, moment=None)
        )
        await asyncio.sleep(0)
        children = multiprocessing.active_children()
        assert children, "the grading process runs"
        for child in children:
            os.kill(child.pid or 0, signal.SIGKILL)
        try:
            return await grading
        except GradingFailed as exc:
            return exc

    asyncio.run(grade_while_killed())  # graded before the kill landed, or failed: never hangs
    after = asyncio.run(_grade_all(service))
    assert after == [_in_thread_scores(reply) for reply in REPLIES]


@pytest.fixture
def app_with_grading_process(db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("PEER_GRADER_PROCESSES", "1")
    get_settings.cache_clear()
    from app.main import create_app

    return create_app()


def test_turns_are_graded_in_the_grading_process_once_it_is_ready(
    app_with_grading_process: FastAPI, db: Session
) -> None:
    user = make_user(db, role="trainee", username="graded-elsewhere")
    with TestClient(app_with_grading_process) as client:
        deadline = time.monotonic() + 120
        while (health := client.get("/healthz").json())["graders"] != "ready":
            assert time.monotonic() < deadline, "the graders did not load"
            time.sleep(0.2)
        assert health["status"] == "ok" and health["grading_processes"] == 1
        sign_in(client, user.username)
        session = start_session(client)
        result = say(client, session["id"], REPLIES[1])
        graded, batches = client.get("/healthz").json()["graded_in_batches"]
    assert result["grade"]["scores"]["pressure"] >= 2
    assert graded >= 1 and batches >= 1
    assert result["reply"]["text"]
