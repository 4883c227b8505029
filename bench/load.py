"""Load: a whole class at once, against a real uvicorn process over real HTTP.

    python bench/load.py [--quick] [--database sqlite|postgres] [--workers N] [--check class|streams|both]

Two checks (issue 11), each on a fresh database and a fresh server (`python -m app serve`):

- class: N signed-in trainees (default 200) each take 8 turns through the JSON API, with think
  times averaging 5 s, typing delay off. Prints errors and the turn latency (p50/p95/max).
  Target on one process with SQLite: 0 errors, turn p95 <= 300 ms.
- streams: 60 peer replies stream at once over the chat page's SSE path (typing delay on), while
  another signed-in user loads a page every 0.2 s. Prints how many streams completed and that
  user's page latency. Target: every stream completes, page p95 <= 250 ms.

`--database postgres` uses PEER_BENCH_POSTGRES_URL (default: the local test server) in a schema of
its own, dropped afterwards; it defaults to 2 workers. `--quick`: 20 trainees x 3 turns, 2 s think
time, 20 streams: a sanity run in well under a minute.
"""

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.texts import trainee_text  # noqa: E402

PASSWORD = "bench password 1"
PG_URL = os.environ.get("PEER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Exit|Timeout)\b")
STREAM_URL = re.compile(r'sse-connect="(/sessions/[0-9a-f]{32}/turns/\d+/stream)"')


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def figures(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name}: n={len(ms)} p50={percentile(ms, 50):.0f} ms p95={percentile(ms, 95):.0f} ms "
        f"max={max(ms, default=float('nan')):.0f} ms mean={statistics.fmean(ms) if ms else float('nan'):.0f} ms"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'load.db'}"
        return
    from sqlalchemy import create_engine, text

    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def add_trainees(database_url: str, count: int) -> list[str]:
    """`count` trainee accounts sharing one password hash (hashing each would take minutes)."""
    from sqlmodel import Session

    from app.auth.accounts import _hasher
    from app.db import make_engine
    from app.migrations import upgrade_database
    from app.models import Role, User

    upgrade_database(database_url)
    engine = make_engine(database_url)
    password_hash = _hasher.hash(PASSWORD)
    names = [f"trainee{n:04d}" for n in range(count)]
    with Session(engine) as db:
        db.add_all(User(username=n, display_name=n, role=Role.TRAINEE, password_hash=password_hash) for n in names)
        db.commit()
    engine.dispose()
    return names


def cpu_seconds(root_pid: int, grading_depth: int) -> tuple[float, float]:
    """CPU time (user + system) of a server and all its descendants, from /proc (Linux): the web
    processes' and the grading processes' (the web processes' children, `grading_depth` below the
    server: 1 with one worker, 2 under uvicorn's supervisor), apart."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    depth = {root_pid: 0}
    for level in range(1, 4):  # the server, its workers, their grading processes
        depth |= {pid: level for pid, (parent, _) in stats.items() if depth.get(parent) == level - 1}
    web, grading = 0.0, 0.0
    for pid, level in depth.items():
        if level >= grading_depth:
            grading += stats.get(pid, (0, 0.0))[1]
        else:
            web += stats.get(pid, (0, 0.0))[1]
    return web, grading


@dataclass
class Server:
    base_url: str
    pid: int
    workers: int

    def cpu_s(self) -> tuple[float, float]:
        return cpu_seconds(self.pid, grading_depth=1 if self.workers == 1 else 2)


@contextmanager
def server(database_url: str, workers: int, stream_delay_ms: int) -> Iterator[Server]:
    """`python -m app serve` on a free port, with its log in a temporary file; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "PEER_DATABASE_URL": database_url,
        "PEER_CONTENT_DIR": str(ROOT),
        "PEER_STREAM_DELAY_MS": str(stream_delay_ms),
        "PEER_TURNS_PER_MINUTE": "1000",
        "PEER_DEMO_ACCOUNTS": "false",
        "PEER_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base_url, process)
            yield Server(base_url, process.pid, workers)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.seek(0)
            lines = log.read().decode(errors="replace").splitlines()
            raised = [line for line in lines if EXCEPTION_LINE.match(line)]
            if raised:
                print(f"  server log: {len(raised)} exceptions:", *sorted(set(raised))[:5], sep="\n    ")


def wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited at start")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).json().get("graders") == "ready":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not start and load its graders in 120 s")


async def signed_in(base_url: str, username: str) -> httpx.AsyncClient:
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so a POST never races its close.
    client = httpx.AsyncClient(base_url=base_url, timeout=120, limits=httpx.Limits(keepalive_expiry=3.0))
    await sign_in(client, username)
    return client


async def sign_in(client: httpx.AsyncClient, username: str) -> None:
    """Sign in through the JSON API with a CSRF token, as a JSON client does."""
    client.headers["X-CSRFToken"] = (await client.get("/api/auth/csrf")).json()["csrftoken"]
    response = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()


@dataclass
class ClassRun:
    turn_s: list[float] = field(default_factory=list)
    start_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    web_cpu_s: float = 0.0
    """CPU time of the web processes while the class took its turns (after everyone signed in)."""
    grading_cpu_s: float = 0.0
    """The same for the grading processes."""
    client_cpu_s: float = 0.0
    """The same for this load generator."""
    turns_s: float = 0.0
    """How long the turns took, first to last."""
    graded_in_batches: tuple[int, int] = (0, 0)
    """Replies the grading processes graded meanwhile, and in how many batches (of the worker /healthz reached)."""


async def sign_in_all(base_url: str, names: list[str], at_once: int = 8) -> list[httpx.AsyncClient]:
    """Everyone signs in before class starts (each sign-in is a deliberately slow password check)."""
    gate = asyncio.Semaphore(at_once)

    async def one(name: str) -> httpx.AsyncClient:
        async with gate:
            return await signed_in(base_url, name)

    return list(await asyncio.gather(*(one(name) for name in names)))


async def trainee_turns(client: httpx.AsyncClient, turns: int, think_s: float, run: ClassRun) -> None:
    await asyncio.sleep(random.uniform(0, think_s))  # the class does not press send in step
    started = time.perf_counter()
    response = await client.post("/api/sessions", json={"persona": "dana-alcohol"})
    run.start_s.append(time.perf_counter() - started)
    if response.status_code != 201:
        run.errors.append(f"start: {response.status_code}")
        return
    session_id = response.json()["id"]
    words = random.Random(session_id)
    for _ in range(turns):
        await asyncio.sleep(random.uniform(0, 2 * think_s))
        started = time.perf_counter()
        try:
            text = trainee_text(words)
            answer = await client.post(f"/api/sessions/{session_id}/turns", json={"text": text})
        except httpx.HTTPError as exc:
            run.errors.append(f"turn: {exc!r}")
            continue
        run.turn_s.append(time.perf_counter() - started)
        if answer.status_code != 201:
            run.errors.append(f"turn: {answer.status_code} {answer.text[:80]}")


def grading_counts(base_url: str) -> tuple[int, int]:
    graded, batches = httpx.get(f"{base_url}/healthz", timeout=10).json()["graded_in_batches"]
    return int(graded), int(batches)


async def class_check(app: Server, names: list[str], turns: int, think_s: float) -> ClassRun:
    run = ClassRun()
    clients = await sign_in_all(app.base_url, names)
    graded, batches = grading_counts(app.base_url)
    (web, grading), client, started = app.cpu_s(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(trainee_turns(client, turns, think_s, run) for client in clients))
    (web_after, grading_after), run.turns_s = app.cpu_s(), time.perf_counter() - started
    graded_after, batches_after = grading_counts(app.base_url)
    run.graded_in_batches = (graded_after - graded, batches_after - batches)
    run.web_cpu_s, run.grading_cpu_s = web_after - web, grading_after - grading
    run.client_cpu_s = time.process_time() - client
    for client in clients:
        await client.aclose()
    return run


@dataclass
class StreamRun:
    completed: int = 0
    stream_s: list[float] = field(default_factory=list)
    page_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def pending_reply(base_url: str, username: str) -> tuple[httpx.AsyncClient, str]:
    """A trainee's message sent the way the chat page sends it: the peer's reply is left to stream."""
    client = await signed_in(base_url, username)
    started = await client.post("/api/sessions", json={"persona": "dana-alcohol"})
    started.raise_for_status()
    session_id = started.json()["id"]
    text = trainee_text(random.Random(session_id))
    exchange = await client.post(f"/sessions/{session_id}/turns", data={"text": text}, headers={"HX-Request": "true"})
    match = STREAM_URL.search(exchange.text)
    assert match, exchange.text[:300]
    return client, match.group(1)


async def read_stream(client: httpx.AsyncClient, url: str, run: StreamRun) -> None:
    started = time.perf_counter()
    try:
        async with client.stream("GET", url) as response:
            async for line in response.aiter_lines():
                if line == "event: done":
                    run.completed += 1
                    run.stream_s.append(time.perf_counter() - started)
                    return
        run.errors.append("a stream ended without its done event")
    except httpx.HTTPError as exc:
        run.errors.append(f"stream: {exc!r}")


async def page_loads(client: httpx.AsyncClient, streaming: asyncio.Event, run: StreamRun) -> None:
    while not streaming.is_set():
        started = time.perf_counter()
        response = await client.get("/")
        run.page_s.append(time.perf_counter() - started)
        if response.status_code != 200:
            run.errors.append(f"page: {response.status_code}")
        await asyncio.sleep(max(0.0, 0.2 - (time.perf_counter() - started)))


async def streams_check(base_url: str, names: list[str]) -> StreamRun:
    run = StreamRun()
    gate = asyncio.Semaphore(8)

    async def prepared(name: str) -> tuple[httpx.AsyncClient, str]:
        async with gate:
            return await pending_reply(base_url, name)

    streamers = await asyncio.gather(*(prepared(name) for name in names[1:]))
    reader = await signed_in(base_url, names[0])
    done = asyncio.Event()
    loads = asyncio.create_task(page_loads(reader, done, run))
    await asyncio.sleep(1.0)  # the reader's pace before the streams start
    await asyncio.gather(*(read_stream(client, url, run) for client, url in streamers))
    done.set()
    await loads
    for client, _ in streamers:
        await client.aclose()
    await reader.aclose()
    return run


def run_class(args: argparse.Namespace, folder: Path) -> None:
    with database(args.database, folder) as url:
        names = add_trainees(url, args.trainees)
        with server(url, args.workers, stream_delay_ms=0) as app:
            started = time.perf_counter()
            run = asyncio.run(class_check(app, names, args.turns, args.think_s))
            took = time.perf_counter() - started
    print(f"class: {args.trainees} trainees x {args.turns} turns, think time mean {args.think_s} s, "
          f"{args.database}, {args.workers} worker(s), {took:.0f} s")
    print(f"  errors: {len(run.errors)}" + (f" (first: {run.errors[0]})" if run.errors else ""))
    print("  " + figures("turn", run.turn_s))
    print("  " + figures("start session", run.start_s))
    turns = max(1, len(run.turn_s))
    print(
        f"  CPU per turn (session starts included, sign-ins not): web process {run.web_cpu_s / turns * 1000:.1f} ms, "
        f"grading processes {run.grading_cpu_s / turns * 1000:.1f} ms, this load generator "
        f"{run.client_cpu_s / turns * 1000:.1f} ms"
    )
    graded, batches = run.graded_in_batches
    print(f"  grading processes: {graded} replies in {batches} batches ({graded / max(1, batches):.2f} a batch)")
    print(
        f"  cores busy while the class took its turns ({run.turns_s:.0f} s): web {run.web_cpu_s / run.turns_s:.2f}, "
        f"grading {run.grading_cpu_s / run.turns_s:.2f}, load generator {run.client_cpu_s / run.turns_s:.2f}"
    )


def run_streams(args: argparse.Namespace, folder: Path) -> None:
    with database(args.database, folder) as url:
        names = add_trainees(url, args.streams + 1)
        with server(url, args.workers, stream_delay_ms=15) as app:
            run = asyncio.run(streams_check(app.base_url, names))
    print(f"streams: {args.streams} replies at once (typing delay 15 ms/word), one user loading a page "
          f"every 0.2 s, {args.database}, {args.workers} worker(s)")
    print(f"  completed: {run.completed}/{args.streams}, errors: {len(run.errors)}"
          + (f" (first: {run.errors[0]})" if run.errors else ""))
    print("  " + figures("page load", run.page_s))
    print("  " + figures("whole stream", run.stream_s))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 trainees x 3 turns, 2 s think time, 20 streams")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=None, help="uvicorn workers (sqlite: 1, postgres: 2)")
    parser.add_argument("--check", choices=["class", "streams", "both"], default="both")
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--think-s", type=float, default=5.0)
    parser.add_argument("--streams", type=int, default=60)
    args = parser.parse_args()
    if args.quick:
        args.trainees, args.turns, args.think_s, args.streams = 20, 3, 2.0, 20
    args.workers = args.workers or (2 if args.database == "postgres" else 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "class").mkdir()
        (folder / "streams").mkdir()
        if args.check in ("class", "both"):
            run_class(args, folder / "class")
        if args.check in ("streams", "both"):
            run_streams(args, folder / "streams")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
