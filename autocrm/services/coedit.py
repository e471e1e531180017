"""Co-editing a ticket's draft: one shared document per ticket and composer mode (the reply, the internal note),
edited live by every agent who has it open (a Yjs CRDT; the server side is `api/coedit.py`).

A browser joins a room only with a token from `room_token`: signed with the desk's secret key, naming the user
and the room, good for `coedit_token_ttl_seconds`. Only staff who may see the ticket get one; customers never.
The server checks it with `check_token` before the websocket is accepted."""

from __future__ import annotations

import re

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session

from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.models import User
from autocrm.services.actor import Actor
from autocrm.services.errors import field_error
from autocrm.services.tickets.reads import visible_ticket

_SALT = "autocrm.coedit-room"
MODES = ("reply", "note")
_ROOM = re.compile(r"^ticket-([1-9][0-9]{0,17})-(reply|note)$")


def room_name(ticket_id: int, mode: str) -> str:
    if mode not in MODES:
        raise field_error("mode", t("A draft is a reply or an internal note."))
    return f"ticket-{int(ticket_id)}-{mode}"


def parse_room(room: str) -> tuple[int, str] | None:
    """The ticket id and mode a room name stands for, None for any other name."""
    match = _ROOM.match(room)
    return (int(match.group(1)), match.group(2)) if match else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key, salt=_SALT)


def room_token(session: Session, *, actor: Actor, ticket_id: int, mode: str) -> str:
    """A short-lived pass into the ticket's shared draft for `mode`, for staff who may see the ticket."""
    actor.require_staff()
    ticket = visible_ticket(session, actor, ticket_id)
    return str(_serializer().dumps({"u": actor.user_id, "r": room_name(int(ticket.id or 0), mode)}))


def check_token(session: Session, token: str, room: str) -> int | None:
    """The user id a valid, unexpired token for this very room names, while that user is still active staff;
    None otherwise."""
    if not token or parse_room(room) is None:
        return None
    try:
        data = _serializer().loads(token, max_age=get_settings().coedit_token_ttl_seconds)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or data.get("r") != room or not isinstance(data.get("u"), int):
        return None
    user = session.get(User, int(data["u"]))
    if user is None or not user.is_active or not user.role.is_staff:
        return None
    return int(data["u"])
