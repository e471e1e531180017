"""Loading one ticket's conversation: the staff shapes for the agent's ticket page, the customer's for the portal."""

from __future__ import annotations

from typing import Any

from autocrm.core.db import read_session
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound
from autocrm.state.format import (
    customer_message_row,
    customer_ticket_row,
    requester_row,
    ticket_row,
    timeline_row,
)
from autocrm.state.session import id_from_path


def load_agent_ticket(actor: Actor, path: str) -> dict[str, Any] | None:
    """The staff's ticket page at `path`: the ticket, its conversation, its timeline (the conversation with the
    ticket's changes and ratings between the messages) and its requester's context; None when there is none."""
    ticket_id = id_from_path(path)
    if ticket_id is None:
        return None
    try:
        with read_session() as session:
            ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
            entries = tickets.timeline(session, actor=actor, ticket_id=ticket_id)
            context = tickets.requester_context(session, actor=actor, ticket_id=ticket_id)
    except NotFound:
        return None
    rows = [timeline_row(entry.model_dump(mode="json"), position) for position, entry in enumerate(entries)]
    return {
        "ticket": ticket_row(ticket.model_dump(mode="json")),
        "messages": [row["message"] for row in rows if row["message"]],
        "entries": rows,
        "context": requester_row(context.model_dump(mode="json")),
    }


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
