"""The shapes of the tickets service: what its callers send in, what they get back, and the desk-wide constants.

Inputs are `ServiceInput`s (validated on construction, no NUL characters, ids in range); outputs are plain
pydantic models built from what was read or written, never ORM rows, so a state or an API response holds data
that cannot lazy-load or go stale with its session.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from autocrm.core.i18n import N_
from autocrm.models import CallDirection, Channel, Role, StatusCategory
from autocrm.services.inputs import DbId, ServiceInput, Subject

MAX_TAGS = 20
# Once a ticket is in one of these, its requester may rate it; closed ones take no more replies.
RATEABLE_CATEGORIES = frozenset({StatusCategory.solved, StatusCategory.closed})
# Still waiting on someone: what "unsolved" views and the portal's open requests list.
UNSOLVED_CATEGORIES = (StatusCategory.new, StatusCategory.open, StatusCategory.pending, StatusCategory.on_hold)
ALLOWED_ATTACHMENT_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The allowed types a page may show in place (image previews); every other file is only downloaded.
PREVIEWABLE_ATTACHMENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


# ---- input shapes ---------------------------------------------------------------------------------


class TicketCreate(ServiceInput):
    subject: Subject
    body: str = Field(min_length=1, max_length=100_000)
    body_format: Literal["html", "text"] = "html"
    priority: str | None = Field(default=None, max_length=40)
    status: str | None = Field(default=None, max_length=40)
    channel: Channel | None = None
    requester_id: DbId | None = None
    requester_email: str | None = Field(default=None, max_length=254)
    requester_name: str | None = Field(default=None, max_length=200)
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    # The earlier ticket this one continues; staff who name no requester open it for that ticket's requester.
    follow_up_of_id: DbId | None = None


class TicketUpdate(ServiceInput):
    """Only the fields that are set change; `assignee_id: null` unassigns."""

    subject: Subject | None = None
    status: str | None = Field(default=None, max_length=40)
    priority: str | None = Field(default=None, max_length=40)
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    custom_fields: dict[str, Any] | None = None
    due_at: AwareDatetime | None = None

    @field_validator("due_at")
    @classmethod
    def _due_at_in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError("must be a date and time between the years 1 and 9999") from None


class MessageCreate(ServiceInput):
    body: str = Field(min_length=1, max_length=100_000)
    body_format: Literal["html", "text"] = "html"
    internal: bool = False
    channel: Channel | None = None


class CallCreate(ServiceInput):
    """A phone call an agent logs on a ticket: its summary becomes an internal note on the phone channel."""

    direction: CallDirection
    duration_seconds: int = Field(ge=0, le=24 * 3600)
    summary: str = Field(min_length=1, max_length=10_000)


# One-click filters that narrow whatever else is chosen (a saved view, the filter bar): each is one more AND.
QuickFilter = Literal["high_priority", "unassigned", "overdue", "mine", "updated_last_hour"]
QUICK_FILTERS: dict[str, str] = {
    "high_priority": N_("High priority"),
    "unassigned": N_("Unassigned"),
    "overdue": N_("Overdue"),
    "mine": N_("Mine"),
    "updated_last_hour": N_("Updated in the last hour"),
}
# What `TicketFilter.sla` can ask for, read from `ticket_sla`: a target past due ("breached"), every target
# still ahead ("running": on track or at risk), or the clock stopped while the ticket waits ("paused").
SlaFilter = Literal["breached", "running", "paused"]
CustomFieldValue = str | int | float | bool


class TicketFilter(ServiceInput):
    """The one filter shape of every ticket list: the queue, saved views (stored as this, without sort and
    paging), the REST list and the bulk changes by filter. Every field set narrows the list (AND)."""

    status: list[str] = Field(default_factory=list)
    status_category: list[StatusCategory] = Field(default_factory=list)
    priority: list[str] = Field(default_factory=list)
    assignee_id: DbId | Literal["none", "me"] | None = None
    team_id: DbId | None = None
    requester_id: DbId | None = None
    organization_id: DbId | None = None
    channel: list[Channel] = Field(default_factory=list)
    tag: str | None = Field(default=None, max_length=50)
    tags_any: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    tags_all: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    tags_none: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    # custom field key -> the value it must equal.
    custom_fields: dict[str, CustomFieldValue] = Field(default_factory=dict, max_length=10)
    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
    updated_after: AwareDatetime | None = None
    updated_before: AwareDatetime | None = None
    due_after: AwareDatetime | None = None
    due_before: AwareDatetime | None = None
    # Past its due date and not solved or closed; relative to now, so a saved view stays right.
    overdue: bool = False
    sla: list[SlaFilter] = Field(default_factory=list)
    quick: list[QuickFilter] = Field(default_factory=list)
    q: str | None = Field(default=None, max_length=200)
    sort: Literal["updated_at", "-updated_at", "created_at", "-created_at", "number", "-number"] = "-updated_at"
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=25, ge=1, le=100)


# ---- public shapes ----------------------------------------------------------------------------------


class PersonRef(BaseModel):
    id: int
    name: str
    email: str | None = None
    role: Role | None = None


class TeamRef(BaseModel):
    id: int
    name: str


class TicketRef(BaseModel):
    id: int
    number: int


class AttachmentPublic(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class TicketPublic(BaseModel):
    id: int
    number: int
    subject: str
    status: str
    status_name: str
    status_category: StatusCategory
    priority: str
    priority_name: str
    channel: Channel
    requester: PersonRef
    assignee: PersonRef | None
    team: TeamRef | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    follow_up_of: TicketRef | None = None
    rating: int | None = None
    rating_comment: str | None = None


# What a customer is told of each kind of status: a desk's own status names ("Escalated to fraud") are staff's.
CUSTOMER_STATUS_NAMES = {
    StatusCategory.new: N_("Open"),
    StatusCategory.open: N_("Open"),
    StatusCategory.on_hold: N_("Open"),
    StatusCategory.pending: N_("Awaiting your reply"),
    StatusCategory.solved: N_("Solved"),
    StatusCategory.closed: N_("Closed"),
}


class CustomerField(BaseModel):
    """A custom field's value an admin made visible to customers (`visible_to_customers`)."""

    key: str
    label: str
    value: str | int | float | bool


class CustomerTicket(BaseModel):
    """A ticket as its requester sees it, decided here once: no tags, assignee, team, priority, due date,
    internal status name or custom fields other than those made visible to customers. Customer-facing screens
    get this shape and nothing else."""

    id: int
    number: int
    subject: str
    status_name: str
    status_category: StatusCategory
    created_at: datetime
    updated_at: datetime  # the last change the customer can see (`Ticket.customer_updated_at`)
    solved_at: datetime | None
    closed_at: datetime | None
    follow_up_of: TicketRef | None = None
    rating: int | None = None
    rating_comment: str | None = None
    fields: list[CustomerField] = []  # one ticket's read only (`customer_ticket`); lists leave it empty


class TicketPage(BaseModel):
    items: list[TicketPublic]
    # Exact up to TOTAL_CAP matches (SEARCH_TOTAL_CAP for a search). Past it `total_is_estimate` is true and
    # `total` is the cap ("1,000+", "100+") for a filtered list, or the table's size estimate for the whole queue.
    total: int
    page: int
    per_page: int
    total_is_estimate: bool = False


class CustomerTicketPage(BaseModel):
    items: list[CustomerTicket]
    total: int
    page: int
    per_page: int
    total_is_estimate: bool = False


class MessagePublic(BaseModel):
    id: int
    ticket_id: int
    internal: bool
    channel: Channel
    author: PersonRef | None
    body_html: str
    body_text: str
    created_at: datetime
    attachments: list[AttachmentPublic] = []


class CustomerMessage(BaseModel):
    """A public message as the requester sees it: who wrote it by name and side, never a staff account's id."""

    id: int
    author_name: str
    by_staff: bool
    by_you: bool
    body_html: str
    body_text: str
    created_at: datetime
    attachments: list[AttachmentPublic] = []


class CallPublic(BaseModel):
    message: MessagePublic  # the summary, an internal note on the phone channel
    direction: CallDirection
    duration_seconds: int


class MessageAdded(BaseModel):
    """What `add_message` wrote and what the message changed on its ticket, so callers tell the author what
    happened (or an event carries it) without guessing from what they saw before."""

    message: MessagePublic
    status_before: str
    status_after: str
    category_before: StatusCategory
    category_after: StatusCategory
    # This message is the ticket's first response (a public reply by staff on a ticket without one).
    first_response: bool = False

    @property
    def reopened(self) -> bool:
        """The message took a solved ticket back to work (a customer's reply does; closed ones take none)."""
        return self.category_before == StatusCategory.solved and self.category_after != StatusCategory.solved


class RatingPublic(BaseModel):
    ticket_id: int
    score: int
    comment: str
    created_at: datetime


class AuditPublic(BaseModel):
    id: int
    created_at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


class QueueTotal(BaseModel):
    total: int
    total_is_estimate: bool = False
