"""Co-editing a ticket's draft: the room tokens (`services/coedit.py`) and the `/yjs/<room>` websocket mounted in
the backend (`api/coedit.py`), reached over a real socket by a real websocket client, which syncs a real Yjs
document (pycrdt) with the room."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest
import uvicorn
import websockets
from pycrdt import Doc, Text, YMessageType, create_sync_message, create_update_message, handle_sync_message
from starlette.types import Receive, Scope, Send

from autocrm.api import coedit as coedit_api
from autocrm.api import wrap_reflex
from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import coedit, users
from autocrm.services.actor import Actor
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


async def _refused(url: str) -> int:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url):
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


def test_a_deactivated_agent_and_an_expired_token_are_refused(people: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = people.make(Role.agent)
    ticket = make_ticket(requester=people.make(Role.customer), by=agent)
    room = coedit.room_name(ticket.id, "reply")
    with read_session() as session:
        token = coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="reply")
    with read_session() as session:
        assert coedit.check_token(session, token, room) == agent.id
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 16 * 60)  # past the 15 minutes a token lasts
    with read_session() as session:
        assert coedit.check_token(session, token, room) is None
    monkeypatch.setattr(time, "time", real_time)
    with write_session() as session:
        users.update_user(session, actor=Actor.system("tests"), user_id=agent.id, is_active=False)
    with read_session() as session:
        assert coedit.check_token(session, token, room) is None
