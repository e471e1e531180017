"""STAND-IN for the event core's listener registry (issue 14): the ONE place listeners are declared.

The events-core branch owns this module; at merge its version is kept and the mail lines below re-added.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from autocrm.services import notifications
from autocrm.services.events import Event

AfterCommit = Callable[[Session, Event], None]

AFTER_COMMIT: dict[str, list[tuple[str, AfterCommit]]] = {
    "ticket.created": [("mail.ticket_created", notifications.ticket_created)],
    "message.created": [("mail.agent_replied", notifications.agent_replied)],
    "ticket.updated": [
        ("mail.ticket_solved", notifications.ticket_solved),
        ("mail.ticket_assigned", notifications.ticket_assigned),
    ],
}
