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


def _store(data: bytes) -> inbound.InboundResult:
    with write_session() as session:
        return inbound.ingest_one(session, inbound.RawMail(data=data, source="smtp"))


class InboundHandler:
    """aiosmtpd's handler: every message accepted is one `ingest` in a worker thread."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802, ARG002 (aiosmtpd's hook)
        data = envelope.original_content or (
            envelope.content if isinstance(envelope.content, bytes) else str(envelope.content or "").encode()
        )
        if len(data) > get_settings().email_max_bytes:
            return "552 Message too large"
        try:
            result = await asyncio.to_thread(_store, data)
        except Exception:  # the database is away: the sender keeps the message and tries again
            log.exception("An inbound message could not be stored")
            return "451 Requested action aborted: try again later"
        log.info("Inbound mail %s: %s %s", result.inbound_id, result.status, result.reason)
        return f"250 OK {result.status}"


def _protocol() -> SMTP:
    return SMTP(InboundHandler(), data_size_limit=get_settings().email_max_bytes, decode_data=False)


async def start_server(host: str, port: int) -> asyncio.Server:
    """The listening server on host:port (0: a free port, read it from `server.sockets`)."""
    return await asyncio.get_running_loop().create_server(_protocol, host, port)


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
