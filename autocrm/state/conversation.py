"""Loading one ticket's conversation, shared by the agent's ticket page and the customer's."""

from __future__ import annotations

from typing import Any

from autocrm.core.db import read_session
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound
from autocrm.state.format import message_row, ticket_row
from autocrm.state.session import id_from_path


def load_conversation(actor: Actor, path: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The ticket at `path` and the messages this actor may see, as rows; None when it is not theirs to see."""
    ticket_id = id_from_path(path)
    if ticket_id is None:
        return None
    try:
        with read_session() as session:
            ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
            messages = tickets.list_messages(session, actor=actor, ticket_id=ticket_id)
    except NotFound:
        return None
    return ticket_row(ticket.model_dump(mode="json")), [message_row(m.model_dump(mode="json")) for m in messages]
