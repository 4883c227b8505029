"""Where a turn's CPU goes: N turns through the JSON API, in process, under cProfile.

    python bench/turn_profile.py [--sessions 5] [--turns 8] [--top 30] [--persona dana-alcohol] [--repeat]

A fresh SQLite file, the real app (lifespan, middleware, sign-in) driven by httpx over ASGI. Worker-thread
hops (`anyio.to_thread.run_sync`, `asyncio.to_thread`) run inline here so that one profiler sees the whole
turn; that changes scheduling, not the work done. Prints the process CPU time per turn (after one warm-up
session, without the profiler), then the top functions by cumulative and by own CPU time for the same turns
again under cProfile.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import add_trainees, sign_in  # noqa: E402
from bench.texts import trainee_text  # noqa: E402


async def _inline(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
    return func(*args)


async def _inline_to_thread(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


SESSIONS = iter(range(1_000_000))


async def one_session(client: httpx.AsyncClient, persona: str, turns: int, *, repeat: bool) -> None:
    """A session of `turns` turns; unless `repeat`, each text is new to the server (as a real trainee's
    words are), so no cache of earlier texts helps."""
    number = next(SESSIONS)
    started = await client.post("/api/sessions", json={"persona": persona})
    if started.status_code != 201:
        raise RuntimeError(f"start: {started.status_code} {started.text[:200]}")
    session_id = started.json()["id"]
    for index in range(turns):
        answer = await client.post(f"/api/sessions/{session_id}/turns", json={"text": said(index, number, repeat)})
        if answer.status_code != 201:
            raise RuntimeError(f"turn {index}: {answer.status_code} {answer.text[:200]}")


def said(index: int, session: int, repeat: bool) -> str:
    return trainee_text(random.Random(index if repeat else f"{session}-{index}"))


async def run(args: argparse.Namespace, folder: Path) -> None:
    from app.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    [name] = add_trainees(os.environ["PEER_DATABASE_URL"], 1)
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await sign_in(client, name)
            await one_session(client, args.persona, args.turns, repeat=args.repeat)  # warm-up: content, models, caches
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.sessions):
                await one_session(client, args.persona, args.turns, repeat=args.repeat)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            profiler = cProfile.Profile(time.process_time)  # CPU time, the figure that limits a process
            profiler.enable()
            for _ in range(args.sessions):
                await one_session(client, args.persona, args.turns, repeat=args.repeat)
            profiler.disable()
    turns = args.sessions * args.turns
    print(
        f"{turns} turns (+{args.sessions} session starts), not profiled: CPU {cpu / turns * 1000:.1f} ms per turn "
        f"(wall {wall / turns * 1000:.1f} ms); then the same again under the profiler:"
    )
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(str(ROOT / "app"), args.top)  # the project's own functions
    stats.sort_stats("tottime").print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--persona", default="dana-alcohol")
    parser.add_argument("--repeat", action="store_true", help="the same texts every session (as bench/load.py)")
    args = parser.parse_args()
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    asyncio.to_thread = _inline_to_thread  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            PEER_DATABASE_URL=f"sqlite:///{Path(folder) / 'profile.db'}",
            PEER_CONTENT_DIR=str(ROOT),
            PEER_STREAM_DELAY_MS="0",
            PEER_TURNS_PER_MINUTE="1000",
            PEER_DEMO_ACCOUNTS="false",
            PEER_LOG_LEVEL="WARNING",
        )
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
