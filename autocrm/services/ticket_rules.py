"""The rules of a ticket's life, as pure functions: no session, no clock, no I/O.

Every path that writes tickets (one by one in `tickets`, in batches in `imports`, the demo `seed`) asks
these functions, so a ticket solved, answered or reopened reads the same whichever way it got there:

- status timestamps: entering a solved status stamps `solved_at` (once), entering a closed one stamps
  `closed_at` (and `solved_at` if it was never solved), and going back to an unsolved status clears both;
- first response: the first public reply by staff stamps `first_response_at`; notes never count, and nor does
  a reply by the system (the bot, a rule, a channel);
- what the requester sees change: a public message, the status or the subject (`customer_updated_at`); notes
  and staff-only fields (tags, priority, assignee, team, custom fields, due date) do not;
- replies: a closed ticket takes no more messages; the customer's public reply reopens a pending or solved
  ticket, and staff's first public reply moves a new ticket to open.

The callers say what kind of author wrote a message (`AuthorKind`), so a new kind of author (the bot, the
system, a channel) gets its answer here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from autocrm.models import StatusCategory

# The ticket fields its requester is shown; a change to any other is staff's business only.
CUSTOMER_VISIBLE_FIELDS = frozenset({"subject", "status"})

# A customer's public reply on a ticket waiting in one of these means it needs work again.
_REOPENED_BY_CUSTOMER = frozenset({StatusCategory.pending, StatusCategory.solved})


class AuthorKind(StrEnum):
    """Who wrote a message, as the rules see it."""

    customer = "customer"  # the requester, or anyone else who is not staff
    staff = "staff"  # an agent or an admin, signed in or through an API key
    # the bot, a rule, a channel or the system: its reply neither counts as the first response nor moves a new
    # ticket to open, since no agent has looked at the ticket yet
    system = "system"


@dataclass(frozen=True)
class StatusTimes:
    solved_at: datetime | None = None
    closed_at: datetime | None = None


def times_on_entering(category: StatusCategory, times: StatusTimes, *, at: datetime) -> StatusTimes:
    """The ticket's solved and closed times once it enters a status of `category` at `at`."""
    if category == StatusCategory.solved:
        return StatusTimes(solved_at=times.solved_at or at, closed_at=times.closed_at)
    if category == StatusCategory.closed:
        return StatusTimes(solved_at=times.solved_at or at, closed_at=at)
    return StatusTimes()


def counts_as_first_response(author: AuthorKind, *, internal: bool) -> bool:
    """Whether a message answers the customer: a public one by staff."""
    return author == AuthorKind.staff and not internal


def first_response_after(
    first_response_at: datetime | None, author: AuthorKind, *, internal: bool, at: datetime
) -> datetime | None:
    """The ticket's first-response time once a message by `author` is added at `at`."""
    if first_response_at is None and counts_as_first_response(author, internal=internal):
        return at
    return first_response_at


def takes_messages(category: StatusCategory) -> bool:
    """A closed ticket takes no more replies or notes: a new question opens a follow-up ticket."""
    return category != StatusCategory.closed


def category_after_message(category: StatusCategory, author: AuthorKind, *, internal: bool) -> StatusCategory | None:
    """The category a message moves the ticket into (the first open status of it), or None if it stays."""
    if internal:
        return None
    if author == AuthorKind.customer and category in _REOPENED_BY_CUSTOMER:
        return StatusCategory.open
    if author == AuthorKind.staff and category == StatusCategory.new:
        return StatusCategory.open
    return None


def customer_sees_message(*, internal: bool) -> bool:
    """Whether a new message changes what the requester sees (and so their ticket's "updated" time)."""
    return not internal


def customer_sees_changes(changed_fields: set[str] | frozenset[str]) -> bool:
    """Whether changing these ticket fields changes what the requester sees."""
    return bool(CUSTOMER_VISIBLE_FIELDS & changed_fields)
