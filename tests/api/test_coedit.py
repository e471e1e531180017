"""Co-editing a ticket's draft: the room tokens (`services/coedit.py`) and the `/yjs/<room>` websocket mounted in
the backend (`api/coedit.py`), reached over a real socket by a real websocket client, which syncs a real Yjs
document (pycrdt) with the room."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
import uvicorn
import websockets
from pycrdt import Doc, Text, YMessageType, create_sync_message, create_update_message, handle_sync_message
from starlette.types import Receive, Scope, Send

from autocrm.api import coedit as coedit_api
from autocrm.api import wrap_reflex
from autocrm.core.db import read_session
from autocrm.models import Role
from autocrm.services import coedit
from autocrm.services.errors import PermissionDenied, ValidationFailed
from tests.factories import make_ticket


async def _no_ui(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands in for the Reflex backend under the mount: these tests reach only /yjs."""
    raise AssertionError(f"reached the UI: {scope['path']}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _served(port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(wrap_reflex(_no_ui), port=port, lifespan="off", log_level="warning"))
    asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server


async def _refused(url: str, **options: Any) -> int:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url, **options):
            pass
    return int(refused.value.response.status_code)


async def _synced_text(url: str, write: str = "") -> str:
    """Joins the room, syncs its document, optionally types `write` at its end; returns the text then."""
    doc: Any = Doc()
    text = doc.get("t", type=Text)
    async with websockets.connect(url) as ws:
        await ws.send(create_sync_message(doc))
        # The server's step 1 (answered) and its step 2 (our copy of the stored document), in either order.
        got_state = False
        while not got_state:
            message = await asyncio.wait_for(ws.recv(), 5)
            assert isinstance(message, bytes)
            if message[0] != YMessageType.SYNC:
                continue
            reply = handle_sync_message(message[1:], doc)
            if reply is not None:
                await ws.send(reply)
            else:
                got_state = True
        if write:
            updates: list[bytes] = []
            subscription = doc.observe(lambda event: updates.append(event.update))
            text += write
            doc.unobserve(subscription)
            for update in updates:
                await ws.send(create_update_message(update))
            await asyncio.sleep(0.3)  # the room applies and stores it
        return str(text)


def test_only_staff_get_a_token_and_the_room_refuses_any_other(people: Any) -> None:
    agent = people.make(Role.agent)
    other_agent = people.make(Role.agent)
    customer = people.make(Role.customer)
    ticket = make_ticket(requester=customer, by=agent)
    room = coedit.room_name(ticket.id, "note")
    with read_session() as session:
        token = coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="note")
        other_token = coedit.room_token(session, actor=people.actor(other_agent), ticket_id=ticket.id, mode="note")
        reply_token = coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="reply")
        with pytest.raises(PermissionDenied):  # not even for their own ticket
            coedit.room_token(session, actor=people.actor(customer), ticket_id=ticket.id, mode="reply")
        with pytest.raises(ValidationFailed):
            coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="chat")
        assert coedit.check_token(session, token, room) == agent.id
        assert coedit.check_token(session, reply_token, room) is None  # the reply's room is another room
        assert coedit.check_token(session, token + "x", room) is None
        assert coedit.check_token(session, "", room) is None

    async def scenario() -> None:
        port = _free_port()
        server = await _served(port)
        base = f"ws://127.0.0.1:{port}/yjs/{room}"
        try:
            async with coedit_api.rooms:
                assert await _refused(base) == 403
                assert await _refused(f"{base}?token={reply_token}") == 403
                assert await _refused(f"ws://127.0.0.1:{port}/yjs/ticket-{ticket.id}-reply?token={token}") == 403
                assert await _refused(f"{base}?token={token}", origin="https://elsewhere.example") == 403
                # Two agents in one room: what one typed is in the other's copy, also after the room closed
                # (the last client left) and opened again from its store.
                assert await _synced_text(f"{base}?token={token}", "Checked the logs. ") == "Checked the logs. "
                assert await _synced_text(f"{base}?token={other_token}", "Refund due.") == (
                    "Checked the logs. Refund due."
                )
                assert room not in coedit_api.rooms.rooms
            # The rooms stopped (a backend restart): the store still has the draft once they run again.
            async with coedit_api.rooms:
                assert await _synced_text(f"{base}?token={token}") == "Checked the logs. Refund due."
            assert await _refused(f"{base}?token={token}") == 403  # rooms not running: nobody gets in
        finally:
            server.should_exit = True
            await asyncio.sleep(0.2)

    asyncio.run(scenario())


class _Client:
    """A websocket client holding a Yjs document synced with a room for as long as it stays connected."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.doc: Any = Doc()
        self.text: Any = self.doc.get("t", type=Text)
        self.synced = asyncio.Event()

    async def __aenter__(self) -> _Client:
        self.ws = await websockets.connect(self.url)
        await self.ws.send(create_sync_message(self.doc))
        self.reader = asyncio.get_running_loop().create_task(self._read())
        await asyncio.wait_for(self.synced.wait(), 5)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.reader.cancel()
        await self.ws.close()

    async def _read(self) -> None:
        async for message in self.ws:
            assert isinstance(message, bytes)
            if message[0] != YMessageType.SYNC:
                continue
            reply = handle_sync_message(message[1:], self.doc)
            if reply is not None:
                await self.ws.send(reply)
            else:
                self.synced.set()

    async def type(self, words: str) -> None:
        updates: list[bytes] = []
        subscription = self.doc.observe(lambda event: updates.append(event.update))
        self.text += words
        self.doc.unobserve(subscription)
        for update in updates:
            await self.ws.send(create_update_message(update))

    async def sees(self, expected: str) -> None:
        await self.sees_one_of({expected})

    async def sees_one_of(self, expected: set[str]) -> None:
        for _ in range(100):
            if str(self.text) in expected:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{str(self.text)!r} is not one of {expected!r}")


def test_two_backend_processes_relay_a_room_through_redis(people: Any, tmp_path: Any) -> None:
    """Two processes' rooms (each its own store, so only the relay can carry the draft), one agent on each."""
    redis_url = "redis://127.0.0.1:6379/9"
    agent, other = people.make(Role.agent), people.make(Role.agent)
    ticket = make_ticket(requester=people.make(Role.customer), by=agent)
    room = coedit.room_name(ticket.id, "note")
    with read_session() as session:
        token = coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="note")
        other_token = coedit.room_token(session, actor=people.actor(other), ticket_id=ticket.id, mode="note")

    async def scenario() -> None:
        first, second = coedit_api.Rooms(str(tmp_path / "a.db")), coedit_api.Rooms(str(tmp_path / "b.db"))
        ports = _free_port(), _free_port()
        servers = []
        for rooms, port in zip((first, second), ports, strict=True):
            config = uvicorn.Config(coedit_api.make_app(rooms), port=port, lifespan="off", log_level="warning")
            servers.append(uvicorn.Server(config))
        loop = asyncio.get_running_loop()
        running = [loop.create_task(rooms.run(redis_url)) for rooms in (first, second)]
        for server in servers:
            loop.create_task(server.serve())
        while not all(s.started for s in servers) or not (first.running and second.running):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # both subscribed to the relay
        try:
            async with _Client(f"ws://127.0.0.1:{ports[0]}/yjs/{room}?token={token}") as ana:
                await ana.type("Checked the logs. ")
                await asyncio.sleep(0.2)
                # Ben's process opens the room with nothing stored: it asks, Ana's process answers.
                async with _Client(f"ws://127.0.0.1:{ports[1]}/yjs/{room}?token={other_token}") as ben:
                    await ben.sees("Checked the logs. ")
                    await asyncio.gather(ana.type("Refund due."), ben.type(" Approved."))
                    both = {"Checked the logs. Refund due. Approved.", "Checked the logs.  Approved.Refund due."}
                    await ana.sees_one_of(both)
                    await ben.sees(str(ana.text))
        finally:
            for server in servers:
                server.should_exit = True
            for task in running:
                task.cancel()
            await asyncio.sleep(0.3)

    asyncio.run(scenario())
