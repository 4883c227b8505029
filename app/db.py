"""The database: engine, the request session, and short transactions run from async code.

One way to use the database from async code: *short synchronous sessions in worker threads*.
- Sync routes (`def`) get `SessionDep`; FastAPI runs them, and the session, in its thread pool,
  and the session is closed as soon as the route returns (before the response is sent).
- Async code (the turn pipeline, reply streams, the judge) calls `await in_session(work, **kw)`:
  `work(db=session, **kw)` runs in a worker thread with a session of its own, closed when it returns.
  No connection is held across a model call, a stream, the judge or a sleep.
- The thread limiter (`PEER_WORKER_THREADS`) and the connection pool (`PEER_DB_POOL_SIZE` +
  `PEER_DB_MAX_OVERFLOW`) are sized from settings; a thread holds at most one connection, so a pool
  at least as large as the thread limit never makes a thread wait for a connection.

SQLite runs in WAL mode (readers never wait for the writer) with `synchronous=NORMAL` and a busy
timeout; `begin_write()` starts a write transaction with `BEGIN IMMEDIATE`, so a writer waits its
turn instead of failing on a snapshot another writer made stale.
"""

from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends
from sqlalchemy import Connection, Engine, event
from sqlmodel import Session, create_engine

from app.config import Settings, get_settings

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for the one write lock before giving up."""
_IMMEDIATE = "peer_begin_immediate"


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    """A write transaction takes the write lock at once. (Otherwise the driver begins a transaction
    before the first write, and reads outside one see the latest data.)"""
    if connection.get_execution_options().get(_IMMEDIATE, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_s,
    }
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        else:
            engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


@lru_cache
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def new_session() -> Session:
    """A session whose objects stay readable after commit and close (they are handed to async code)."""
    return Session(get_engine(), expire_on_commit=False)


def begin_write(db: Session) -> None:
    """Start the session's write transaction now (ending a read one): on SQLite with BEGIN IMMEDIATE,
    which waits for the write lock; on PostgreSQL an ordinary transaction."""
    if db.in_transaction():
        db.commit()
    db.connection(execution_options={_IMMEDIATE: True})


def _run(work: Callable[..., T], kwargs: dict[str, Any]) -> T:
    with new_session() as db:
        return work(db=db, **kwargs)


async def in_session(work: Callable[..., T], /, **kwargs: Any) -> T:
    """Run `work(db=…, **kwargs)` in a worker thread with a short session of its own."""
    return await anyio.to_thread.run_sync(partial(_run, work, kwargs))


def size_thread_pool(settings: Settings) -> None:
    """The worker threads shared by sync routes, database work and CPU work (grading, password checks)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads


def get_session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
