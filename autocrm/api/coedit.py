"""The co-editing rooms' websocket (`/yjs/<room>`): pycrdt-websocket's ASGI server, one Yjs document per room
(`services/coedit.py` names them and signs the tokens), every update kept in a SQLite store in the data folder so
a draft survives a reload and a backend restart.

A room lives in this process's memory: with several backend processes two agents could land in different ones
and not see each other, so co-editing is on only while one process serves (`AUTOCRM_COEDIT`, settings).
The rooms run in the backend's lifespan (`serve_rooms`)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
from pycrdt.store import SQLiteYStore
from pycrdt.websocket import ASGIServer, WebsocketServer, YRoom
from pycrdt.websocket.websocket_server import exception_logger

from autocrm.core.db import read_session
from autocrm.core.settings import get_settings
from autocrm.services import coedit

__all__ = ["PATH", "app", "rooms", "serve_rooms"]

log = logging.getLogger(__name__)
PATH = "/yjs"


def _room_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


class _Store(SQLiteYStore):
    # Updates of a draft nobody touched for an hour are squashed into one.
    squash_after_inactivity_of = 3600

    def __init__(self, path: str) -> None:
        self.db_path = str(get_settings().resolved_data_dir / "coedit.db")
        super().__init__(path=path, log=log)


class Rooms(WebsocketServer):
    """Rooms that open with what their store kept, and write all they hold to it when the last client leaves."""

    def __init__(self) -> None:
        super().__init__(rooms_ready=False, auto_clean_rooms=True, exception_handler=exception_logger, log=log)
        self._opening = anyio.Lock()

    async def get_room(self, name: str) -> YRoom:
        name = _room_of(name)
        async with self._opening:  # a second client waits until the stored document is in
            if name not in self.rooms:
                store = _Store(name)
                room = YRoom(ready=False, ystore=store, exception_handler=exception_logger, log=log)
                self.rooms[name] = room
                await self.start_room(room)
                await store.started.wait()
                if store.db_initialized is not None:
                    await store.db_initialized.wait()
                try:
                    await store.apply_updates(room.ydoc)
                except Exception:  # noqa: BLE001 (YDocNotFound: a new draft)
                    log.debug("room %s starts empty", name)
                room.ready = True  # from now on its updates are sent to the clients and stored
                await room.ydoc_observed.wait()
            room = self.rooms[name]
        await self.start_room(room)
        return room

    async def delete_room(self, *, name: str | None = None, room: YRoom | None = None) -> None:
        # Updates still being written are cancelled with the room: the whole document goes in first (applying
        # what is already stored again changes nothing).
        target = room if room is not None else self.rooms.get(name or "")
        if target is not None and target.ystore is not None and target.ready:
            try:
                await target.ystore.encode_state_as_update(target.ydoc)
            except Exception:
                log.exception("could not store a co-edited draft")
        await super().delete_room(name=name, room=room)


rooms = Rooms()


def _query_token(scope: dict[str, Any]) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("token") or [""])[0]


def _allowed(token: str, room: str) -> bool:
    with read_session() as session:
        return coedit.check_token(session, token, room) is not None


def _refused(scope: dict[str, Any]) -> bool:
    """Refused unless co-editing is on, the rooms run, and the token names this room for active staff."""
    if not get_settings().coedit_on or not rooms.running:
        return True
    return not _allowed(_query_token(scope), _room_of(scope.get("path", "")))


_server = ASGIServer(rooms)


async def app(scope: Any, receive: Any, send: Any) -> None:
    """The mounted ASGI app: a websocket is checked before pycrdt-websocket's server takes it."""
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"Not found."})
        return
    connect = await receive()
    if connect.get("type") != "websocket.connect":
        return
    if await anyio.to_thread.run_sync(_refused, scope):
        log.info("co-editing refused for %s", _room_of(scope.get("path", "")))
        await send({"type": "websocket.close", "code": 1008})  # before accepting: the handshake gets a 403
        return
    replay = [connect]

    async def receive_again() -> Any:
        return replay.pop() if replay else await receive()

    await _server(scope, receive_again, send)


async def serve_rooms() -> None:
    """The lifespan task: the rooms run for as long as the backend does."""
    if not get_settings().coedit_on:
        return
    async with rooms:
        await anyio.sleep_forever()
