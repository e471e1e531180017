"""`autocrm mail-listener`: an SMTP server (aiosmtpd) for sites that route support mail straight to AutoCRM.

Each message is written (`services.email.ingest`) before the server answers 250, so a message the server
acknowledged is stored; when the database cannot take it the answer is a 451, and the sending server retries
later (that is SMTP's own "nothing lost"). A message that cannot become a ticket is still stored and answered
250: it is in the failed list, and bouncing it would only mail its sender a copy.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from aiosmtpd.smtp import SMTP, Envelope, Session

from autocrm.core.db import write_session
from autocrm.core.settings import get_settings
from autocrm.services import email as inbound

log = logging.getLogger(__name__)


MAX_GROUP = 50  # messages written in one transaction at most


def _store_all(raws: list[bytes]) -> list[inbound.InboundResult]:
    with write_session() as session:
        return inbound.ingest(session, [inbound.RawMail(data=data, source="smtp") for data in raws])


class GroupWriter:
    """Group commit: messages that arrive (on any connection) while a write is under way wait for it, then go
    into the next write together, one transaction for all of them; each is still answered only once the
    transaction that holds it committed. A lone message is written at once."""

    def __init__(self) -> None:
        self._turn = asyncio.Lock()
        self._waiting: list[tuple[bytes, asyncio.Future[inbound.InboundResult]]] = []

    async def store(self, data: bytes) -> inbound.InboundResult:
        future: asyncio.Future[inbound.InboundResult] = asyncio.get_running_loop().create_future()
        self._waiting.append((data, future))
        async with self._turn:
            if not future.done():  # not written by the write before: this one writes what is waiting
                group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
                try:
                    results = await asyncio.to_thread(_store_all, [raw for raw, _ in group])
                except Exception as exc:  # the database is away: every message of the group is refused
                    for _, waiting in group:
                        waiting.set_exception(exc)
                else:
                    for (_, waiting), result in zip(group, results, strict=True):
                        waiting.set_result(result)
        return await future


class InboundHandler:
    """aiosmtpd's handler: every message accepted is written (`ingest`) before it is answered."""

    def __init__(self, writer: GroupWriter) -> None:
        self.writer = writer

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802, ARG002 (aiosmtpd's hook)
        data = envelope.original_content or (
            envelope.content if isinstance(envelope.content, bytes) else str(envelope.content or "").encode()
        )
        if len(data) > get_settings().email_max_bytes:
            return "552 Message too large"
        try:
            result = await self.writer.store(data)
        except Exception:  # the database is away: the sender keeps the message and tries again
            log.exception("An inbound message could not be stored")
            return "451 Requested action aborted: try again later"
        log.info("Inbound mail %s: %s %s", result.inbound_id, result.status, result.reason)
        return f"250 OK {result.status}"


async def start_server(host: str, port: int) -> asyncio.Server:
    """The listening server on host:port (0: a free port, read it from `server.sockets`); its connections share
    one group writer."""
    writer = GroupWriter()
    limit = get_settings().email_max_bytes
    return await asyncio.get_running_loop().create_server(
        lambda: SMTP(InboundHandler(writer), data_size_limit=limit, decode_data=False), host, port
    )


async def serve_forever(host: str, port: int) -> None:
    server = await start_server(host, port)
    async with server:
        await server.serve_forever()


class ListenerThread:
    """The listener on an event loop of its own thread: for tests and benchmarks beside other work."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mail-listener", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> ListenerThread:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(start_server(self.host, self.port), self._loop).result(10)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def __exit__(self, *_exc: object) -> None:
        server = self._server
        if server is not None:

            async def close() -> None:
                server.close()
                await server.wait_closed()

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
