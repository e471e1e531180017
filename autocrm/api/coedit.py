"""The co-editing rooms' websocket (`/yjs/<room>`): pycrdt-websocket's ASGI server, one Yjs document per room
(`services/coedit.py` names them and signs the tokens), every update kept in a SQLite store in the data folder so
a draft survives a reload and a backend restart.

A room lives in a process's memory: with several backend processes (a Redis URL) the processes relay each
room's changes through Redis pub/sub, so two agents served by different processes still edit one document.
The rooms run in the backend's lifespan (`serve_rooms`); `AUTOCRM_COEDIT=false` turns co-editing off."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from pycrdt.store import SQLiteYStore
from pycrdt.websocket import ASGIServer, WebsocketServer, YRoom
from pycrdt.websocket.websocket_server import exception_logger

from autocrm.core.db import read_session
from autocrm.core.settings import get_settings
from autocrm.services import coedit

__all__ = ["PATH", "Rooms", "app", "make_app", "rooms", "serve_rooms"]

log = logging.getLogger(__name__)
PATH = "/yjs"
_CHANNEL = "autocrm:coedit:"
_UPDATE, _WANT = b"U", b"S"  # a Yjs update; a state vector asking for the updates beyond it


def _room_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


class _Store(SQLiteYStore):
    # Updates of a draft nobody touched for an hour are squashed into one.
    squash_after_inactivity_of = 3600

    def __init__(self, path: str, db_path: str) -> None:
        self.db_path = db_path
        super().__init__(path=path, log=log)


class Rooms(WebsocketServer):
    """Rooms that open with what their store kept, and write all they hold to it when the last client leaves.

    With a Redis URL (several backend processes) every change of an open room is published on
    `autocrm:coedit:<room>`, and the same room open in another process applies it, so agents served by
    different processes edit one document; a process opening a room asks the others for what it lacks."""

    def __init__(self, store_path: str | None = None) -> None:
        """`store_path`: the SQLite file of the drafts (default: `coedit.db` in the data folder)."""
        self._store_path = store_path
        super().__init__(rooms_ready=False, auto_clean_rooms=True, exception_handler=exception_logger, log=log)
        self._opening = anyio.Lock()
        self._me = uuid.uuid4().hex.encode()
        self._outbox: MemoryObjectSendStream[tuple[str, bytes]] | None = None
        self._applying = False  # an update from another process is going in: not sent back

    def _publish(self, name: str, kind: bytes, payload: bytes) -> None:
        if self._outbox is not None and not (kind == _UPDATE and self._applying):
            try:
                self._outbox.send_nowait((f"{_CHANNEL}{name}", self._me + kind + payload))
            except anyio.WouldBlock:
                log.warning("co-editing relay is behind: an update of %s was not relayed", name)

    async def run(self, redis_url: str | None) -> None:
        """Serves the rooms (and relays them through Redis when given a URL) until cancelled."""
        if not redis_url:
            async with self:
                await anyio.sleep_forever()
            return
        send, receive = anyio.create_memory_object_stream[tuple[str, bytes]](max_buffer_size=10_000)
        self._outbox = send  # before the first room opens
        try:
            async with self, anyio.create_task_group() as group:
                group.start_soon(self._send_relayed, str(redis_url), receive)
                group.start_soon(self._receive_relayed, str(redis_url))
        finally:
            self._outbox = None

    async def _send_relayed(self, url: str, receive: MemoryObjectReceiveStream[tuple[str, bytes]]) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(url)
        try:
            async for channel, message in receive:
                try:
                    await client.publish(channel, message)
                except Exception as exc:  # Redis away: this update reaches the others' clients on their resync
                    log.warning("co-editing relay paused: %s", exc)
        finally:
            await client.aclose()

    async def _receive_relayed(self, url: str) -> None:
        import redis.asyncio as aioredis

        while True:
            try:
                client = aioredis.Redis.from_url(url)
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(f"{_CHANNEL}*")
                    async for message in pubsub.listen():
                        self._relayed(message)
            except Exception as exc:
                log.warning("co-editing relay from Redis paused: %s", exc)
                await anyio.sleep(2)

    def _relayed(self, message: dict[str, Any]) -> None:
        channel, data = message.get("channel"), message.get("data")
        if not isinstance(channel, bytes) or not isinstance(data, bytes) or data.startswith(self._me):
            return
        room = self.rooms.get(channel.decode()[len(_CHANNEL) :])
        if room is None or not room.ready:
            return  # not open here: whoever opens it here reads the store and asks for the rest
        kind, payload = data[32:33], data[33:]
        name = channel.decode()[len(_CHANNEL) :]
        if kind == _UPDATE:
            self._applying = True
            try:
                room.ydoc.apply_update(payload)  # its clients here get what is new in it, and the store keeps it
            finally:
                self._applying = False
        elif kind == _WANT:
            self._publish(name, _UPDATE, room.ydoc.get_update(payload))

    async def get_room(self, name: str) -> YRoom:
        name = _room_of(name)
        async with self._opening:  # a second client waits until the stored document is in
            if name not in self.rooms:
                store = _Store(name, self._store_path or str(get_settings().resolved_data_dir / "coedit.db"))
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
                if self._outbox is not None:
                    room.ydoc.observe(lambda event, name=name: self._publish(name, _UPDATE, event.update))
                    self._publish(name, _WANT, room.ydoc.get_state())  # what the other processes have beyond
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


def _refused(served: Rooms, scope: dict[str, Any]) -> bool:
    """Refused unless co-editing is on, the rooms run, and the token names this room for active staff."""
    if not get_settings().coedit_on or not served.running:
        return True
    return not _allowed(_query_token(scope), _room_of(scope.get("path", "")))


def make_app(served: Rooms) -> Any:
    """The ASGI app mounted at /yjs: a websocket is checked before pycrdt-websocket's server takes it."""
    server = ASGIServer(served)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Not found."})
            return
        connect = await receive()
        if connect.get("type") != "websocket.connect":
            return
        if await anyio.to_thread.run_sync(_refused, served, scope):
            log.info("co-editing refused for %s", _room_of(scope.get("path", "")))
            await send({"type": "websocket.close", "code": 1008})  # before accepting: the handshake gets a 403
            return
        replay = [connect]

        async def receive_again() -> Any:
            return replay.pop() if replay else await receive()

        await server(scope, receive_again, send)

    return app


app = make_app(rooms)


async def serve_rooms() -> None:
    """The lifespan task: the rooms run for as long as the backend does, relayed through Redis when set."""
    settings = get_settings()
    if settings.coedit_on:
        await rooms.run(settings.redis_url)
