"""The ONE place listeners are declared.

- `IN_TRANSACTION`: called by `emit` with the writer's session, before anyone sees the change (routing and
  SLA will be these). They must be quick and may raise a domain error to refuse the write.
- `AFTER_COMMIT`: side effects (mail, push, webhooks, indexing). `emit` writes one job row per listener; the
  job runner runs it after the commit, in its own write transaction, retrying on failure. A handler must be
  idempotent: it may run twice for one event (a worker killed after the work, before marking it done).

The listener name is stable: it keys the job row (one job per event id and listener name). A listener never
gets an event its own work emitted (`Event.caused_by`), see `services/events.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from autocrm.services import notifications, verification, webhooks
from autocrm.services.events import Event

AfterCommit = Callable[[Session, Event], None]
InTransaction = Callable[[Session, Event], None]

IN_TRANSACTION: dict[str, list[tuple[str, InTransaction]]] = {}

AFTER_COMMIT: dict[str, list[tuple[str, AfterCommit]]] = {
    # The account mails (sign-up verification, password reset, "someone signed up with your address").
    verification.VERIFICATION_REQUESTED: [("mail.account", verification.send_account_mail)],
    verification.RESET_MAIL_REQUESTED: [("mail.account", verification.send_account_mail)],
    verification.SIGNUP_ATTEMPT_ON_EXISTING: [("mail.account", verification.send_account_mail)],
    # Notification mails to customers and agents (`services/notifications.py`).
    "ticket.created": [
        ("mail.ticket_created", notifications.ticket_created),
        ("webhooks.fan_out", webhooks.fan_out),
    ],
    "message.created": [
        ("mail.agent_replied", notifications.agent_replied),
        ("webhooks.fan_out", webhooks.fan_out),
    ],
    "ticket.updated": [
        ("mail.ticket_solved", notifications.ticket_solved),
        ("mail.ticket_assigned", notifications.ticket_assigned),
        ("webhooks.fan_out", webhooks.fan_out),
    ],
    # Webhooks (`services/webhooks.py`): one delivery row per matching subscription, sent by the job runner.
    "rating.submitted": [("webhooks.fan_out", webhooks.fan_out)],
    "attachment.added": [("webhooks.fan_out", webhooks.fan_out)],
}


def after_commit_handler(name: str) -> AfterCommit | None:
    """The after-commit handler called `name`, whatever event type it listens to."""
    for handlers in AFTER_COMMIT.values():
        for listener, handler in handlers:
            if listener == name:
                return handler
    return None
