"""Loading one ticket's conversation: the staff shapes for the agent's ticket page, the customer's for the portal."""

from __future__ import annotations

from typing import Any

from autocrm.core.db import read_session
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound
from autocrm.state.format import customer_message_row, customer_ticket_row, message_row, ticket_row
from autocrm.state.session import id_from_path


def load_conversation(actor: Actor, path: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The ticket at `path` and its whole conversation, as rows of the staff shapes; None when there is none."""
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


def load_customer_conversation(actor: Actor, path: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The requester's ticket at `path` and its public conversation, as rows of the customer shapes; None when
    it is not theirs."""
    ticket_id = id_from_path(path)
    if ticket_id is None:
        return None
    try:
        with read_session() as session:
            ticket = tickets.customer_ticket(session, actor=actor, ticket_id=ticket_id)
            messages = tickets.customer_messages(session, actor=actor, ticket_id=ticket_id)
    except NotFound:
        return None
    return customer_ticket_row(ticket.model_dump(mode="json")), [
        customer_message_row(m.model_dump(mode="json")) for m in messages
    ]
