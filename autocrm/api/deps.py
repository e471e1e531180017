"""What every route needs from a request: the acting API key, and ids a database can look up.

A route's database work runs in one worker thread, in one hop from the event loop: the API key is
looked up there, in the same session as the work (`read`) or just before it (`write`), instead of in a
dependency of its own. Each hop to the thread pool and back cost ~0.4 ms of CPU when measured, more than
the key lookup's query itself; FastAPI used to make three or four per request (each sync dependency, the
sync route, then validating its return value).

Looking the key up inside the route must not change which error a client gets: before, a key was checked
(and a bad one answered 401) before FastAPI validated the path, query and body. So `api_key` notes the
key in the request's scope, and the validation-error handler checks a noted key before it answers 422
(see `verify_pending_key`): an unknown or revoked key is still a 401, whatever else is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from autocrm.core.db import get_engine, read_session, write_session
from autocrm.services import api_keys
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed
from autocrm.services.inputs import MAX_DB_ID

T = TypeVar("T")

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key: `Authorization: Bearer acrm_…`. Create one with `autocrm create-api-key`.",
)
# The request scope's entry for a key that came with the request but is not looked up yet.
_PENDING_KEY = "autocrm.pending_api_key"

# Worker threads a process gives the routes' database work at once (anyio's default pool allows 40).
# The work holds the GIL for most of its time, so more threads only take turns at it, and each switch
# costs CPU: with 16 clients on 2 workers, queue-page p95 was 52 ms with 8 threads, 39 with 4 and 31-35 with
# 2 (PostgreSQL; SQLite 32 -> 25 ms). Two still overlap one request's wait on the database with another's
# Python, and a slow query holds up only half a worker's database work.
DB_WORK_THREADS = 2
_DB_WORK: RunVar[CapacityLimiter] = RunVar("autocrm_api_db_work")
# SQLite takes one writer at a time. Writers past the first would wait in SQLite's busy handler, which
# sleeps and polls (up to 100 ms a turn), so a process's writers queue here instead and each starts as soon
# as the last one ends (the busy handler still arbitrates between processes, e.g. two uvicorn workers).
_SQLITE_WRITES: RunVar[CapacityLimiter] = RunVar("autocrm_api_sqlite_writes")


def _limiter(var: RunVar[CapacityLimiter], threads: int) -> CapacityLimiter:
    """This event loop's limiter (a limiter belongs to one loop, and tests run several)."""
    try:
        return var.get()
    except LookupError:
        limiter = CapacityLimiter(threads)
        var.set(limiter)
        return limiter


@dataclass(frozen=True, slots=True)
class ApiCredential:
    """A well-formed `Authorization: Bearer` value; whether it is a live key is decided by `actor`."""

    raw_key: str

    def actor(self, session: Session) -> Actor:
        return api_keys.api_key_actor(session, self.raw_key)


async def api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiCredential:
    if credentials is None:
        raise AuthenticationFailed("Send an API key as 'Authorization: Bearer <key>'.")
    if not (credentials.credentials.isascii() and credentials.credentials.isprintable()):
        # Keys are printable ASCII; anything else (a NUL, say) is no key, and PostgreSQL cannot even compare it.
        raise AuthenticationFailed("Send a valid API key as 'Authorization: Bearer <key>'.")
    request.scope[_PENDING_KEY] = credentials.credentials
    return ApiCredential(credentials.credentials)


Credential = Annotated[ApiCredential, Depends(api_key)]


async def verify_pending_key(request: Request) -> None:
    """Raises AuthenticationFailed if the request's key (noted by `api_key`) is no live key.

    For the error paths that are taken before a route runs, so a bad key answers 401 there as it always did.
    """
    raw_key = request.scope.pop(_PENDING_KEY, None)
    if raw_key is not None:
        await run_in_threadpool(_look_up, raw_key)


def _look_up(raw_key: str) -> Actor:
    with read_session() as session:
        return api_keys.api_key_actor(session, raw_key)


async def read(key: ApiCredential, work: Callable[[Session, Actor], T]) -> T:
    """`work(session, actor)` in a worker thread, in the read session that looked the key up."""

    def run() -> T:
        with read_session() as session:
            return work(session, key.actor(session))

    return await to_thread.run_sync(run, limiter=_limiter(_DB_WORK, DB_WORK_THREADS))


async def write(key: ApiCredential, work: Callable[[Session, Actor], T]) -> T:
    """`work(session, actor)` in a worker thread, in a write session of its own, once the key is looked up.

    The key is read in a session of its own, as before: on SQLite a write session holds the write lock from
    its first statement, and the services do their slow parsing before that statement.
    """

    def run() -> T:
        actor = _look_up(key.raw_key)
        with write_session() as session:
            return work(session, actor)

    if get_engine().dialect.name == "sqlite":
        return await to_thread.run_sync(run, limiter=_limiter(_SQLITE_WRITES, 1))
    return await to_thread.run_sync(run, limiter=_limiter(_DB_WORK, DB_WORK_THREADS))


async def outside_session(key: ApiCredential, work: Callable[[Actor], T]) -> T:
    """`work(actor)` in a worker thread, for a service that opens its own short sessions because it waits on
    another server meanwhile (an IMAP connection check): no session is held while it waits."""
    return await to_thread.run_sync(lambda: work(_look_up(key.raw_key)))


def resource_id(description: str) -> Any:
    return Path(ge=1, le=MAX_DB_ID, description=description)
