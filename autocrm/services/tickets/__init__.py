"""Tickets: create, read, list, reply, note, change, rate. Every rule about tickets is reached from here.

`shapes` holds the inputs, the public shapes and the constants; `reads` one ticket and who may see it;
`queue` the list, its search and its totals; `writes` every change. Callers import from this package.
"""

from autocrm.services.tickets.queue import SEARCH_TOTAL_CAP, SORTS, TOTAL_CAP, list_tickets, queue_totals
from autocrm.services.tickets.reads import get_ticket, list_messages, read_attachment, ticket_audit
from autocrm.services.tickets.shapes import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_TAGS,
    RATEABLE_CATEGORIES,
    UNSOLVED_CATEGORIES,
    AttachmentPublic,
    AuditPublic,
    MessageCreate,
    MessagePublic,
    PersonRef,
    QueueTotal,
    TeamRef,
    TicketCreate,
    TicketFilter,
    TicketPage,
    TicketPublic,
    TicketRef,
    TicketUpdate,
)
from autocrm.services.tickets.writes import (
    TAG_RE,
    active_staff,
    add_attachment,
    add_message,
    clean_body,
    clean_tags,
    create_ticket,
    existing_team,
    rate_ticket,
    update_ticket,
)

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "MAX_TAGS",
    "RATEABLE_CATEGORIES",
    "UNSOLVED_CATEGORIES",
    "SEARCH_TOTAL_CAP",
    "SORTS",
    "TAG_RE",
    "TOTAL_CAP",
    "AttachmentPublic",
    "AuditPublic",
    "MessageCreate",
    "MessagePublic",
    "PersonRef",
    "QueueTotal",
    "TeamRef",
    "TicketCreate",
    "TicketFilter",
    "TicketPage",
    "TicketPublic",
    "TicketRef",
    "TicketUpdate",
    "active_staff",
    "add_attachment",
    "add_message",
    "clean_body",
    "clean_tags",
    "create_ticket",
    "existing_team",
    "get_ticket",
    "list_messages",
    "list_tickets",
    "queue_totals",
    "rate_ticket",
    "read_attachment",
    "ticket_audit",
    "update_ticket",
]
