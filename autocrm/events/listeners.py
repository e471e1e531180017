"""The ONE place listeners are declared.

- `IN_TRANSACTION`: called by `emit` with the writer's session, before anyone sees the change (routing and
  SLA will be these). They must be quick and may raise a domain error to refuse the write.
- `AFTER_COMMIT`: side effects (mail, push, webhooks, indexing). `emit` writes one job row per listener; the
  job runner runs it after the commit, in its own write transaction, retrying on failure. A handler must be
  idempotent: it may run twice for one event (a worker killed after the work, before marking it done).

The listener name is stable: it keys the job row (one job per event id and listener name). A listener never
gets an event its own work emitted (`Event.caused_by`), see `services/events.py`.

`wants` says from the event alone whether the listener has anything to do with it, so `emit` writes no job
that would only be dropped (a note is never mailed). The handler still checks the stored rows: the event is
what was true then. `rows_only` marks a listener whose work is only rows in this database (no mail, no
request out): the runner runs a batch of those in one transaction, each in a savepoint of its own, so a
busy desk pays one commit per batch, not per job. A listener that reaches outside gets a transaction to
itself, so a crash repeats at most one mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from autocrm.services import (
    agents,
    alerts,
    balancing,
    bulk,
    inbox,
    kb,
    notifications,
    routing,
    sla,
    teams,
    verification,
    webhooks,
)
from autocrm.services.ai import triage
from autocrm.services.events import Event
from autocrm.services.kb import index as kb_index

# An in-transaction handler returns True when it changed the rows being written (the writer reads them
# again); what an after-commit handler returns is ignored.
Handler = Callable[[Session, Event], object]


@dataclass(frozen=True)
class Listener:
    name: str
    handler: Handler
    wants: Callable[[Event], bool] | None = None
    rows_only: bool = False


_ACCOUNT_MAIL = Listener("mail.account", verification.send_account_mail)
_WEBHOOKS = Listener("webhooks.fan_out", webhooks.fan_out, rows_only=True)

_ROUTING = Listener(routing.LISTENER, routing.run_rules)
_BALANCING = Listener(balancing.LISTENER, balancing.assign_ticket, wants=balancing.wants_assignment)
_SLA = Listener(sla.LISTENER, sla.follow_ticket)
# Triage learns from resolved tickets: a ticket's vector follows it into and out of the solved and closed statuses.
_TICKET_VECTOR = Listener(triage.LISTENER, triage.store_vector, wants=triage.wants_vector)
# Someone may be able to take a waiting ticket now: the teams it touched offer theirs again.
_OFFER = Listener(balancing.OFFER_LISTENER, balancing.offer_after, wants=balancing.frees_someone, rows_only=True)

IN_TRANSACTION: dict[str, list[Listener]] = {
    # Routing rules act on a ticket before anyone sees it (`services/routing.py`), then the team's load balancing
    # gives it an assignee if it has none (`services/balancing.py`); the SLA clock follows every change that can
    # move it, after both (`services/sla.py`).
    "ticket.created": [_ROUTING, _BALANCING, _SLA],
    "ticket.updated": [_ROUTING, _BALANCING, _SLA],
    "message.created": [_SLA],
}

AFTER_COMMIT: dict[str, list[Listener]] = {
    # The account mails (sign-up verification, password reset, "someone signed up with your address").
    verification.VERIFICATION_REQUESTED: [_ACCOUNT_MAIL],
    verification.RESET_MAIL_REQUESTED: [_ACCOUNT_MAIL],
    verification.SIGNUP_ATTEMPT_ON_EXISTING: [_ACCOUNT_MAIL],
    # Notification mails to customers and agents (`services/notifications.py`), and webhooks
    # (`services/webhooks.py`: one delivery row per matching subscription, sent by the job runner's sender).
    "ticket.created": [Listener("mail.ticket_created", notifications.ticket_created), _WEBHOOKS, _TICKET_VECTOR],
    "message.created": [
        Listener("mail.agent_replied", notifications.agent_replied, wants=notifications.is_public_staff_reply),
        # Teammates @mentioned in a note get an inbox row (the bell) and a `notification.created` event.
        Listener("inbox.mentions", inbox.notify_mentions, wants=inbox.wants_mentions, rows_only=True),
        _WEBHOOKS,
        _TICKET_VECTOR,
    ],
    "ticket.updated": [
        Listener("mail.ticket_solved", notifications.ticket_solved, wants=notifications.changes_status),
        Listener("mail.ticket_assigned", notifications.ticket_assigned, wants=notifications.assigns_someone),
        _OFFER,
        _WEBHOOKS,
        _TICKET_VECTOR,
    ],
    agents.AVAILABILITY_CHANGED: [_OFFER],
    agents.CAPACITY_CHANGED: [_OFFER],
    agents.SKILLS_CHANGED: [_OFFER],
    agents.SKILL_DELETED: [_OFFER],
    teams.MEMBERS_CHANGED: [_OFFER],
    teams.SHIFTS_CHANGED: [_OFFER],
    teams.TEAM_UPDATED: [_OFFER],
    "rating.submitted": [_WEBHOOKS],
    "attachment.added": [_WEBHOOKS],
    # Search follows every publish, edit, unpublish and delete: the passages' vectors, made off the write path.
    kb.ARTICLE_CHANGED: [Listener(kb_index.LISTENER, kb_index.embed_pending)],
    # An SLA target missed, and a queue alert that starts firing: webhooks; the alert also rings its team's leads
    # (`services/alerts.py`).
    sla.BREACHED: [_WEBHOOKS],
    alerts.TRIGGERED: [Listener("inbox.alerts", alerts.notify_leads, rows_only=True), _WEBHOOKS],
    # A teammate @mentioned in a note: the mail beside the bell (`services/notifications.py`).
    inbox.NOTIFICATION_CREATED: [
        Listener("mail.mentioned", notifications.agent_mentioned, wants=notifications.wants_mention_mail)
    ],
    # A bulk change of more than a hundred tickets, one committed chunk per run (`services/bulk.py`).
    bulk.REQUESTED: [Listener(bulk.LISTENER, bulk.run_chunk)],
}


def after_commit_listener(name: str) -> Listener | None:
    """The after-commit listener called `name`, whatever event type it listens to."""
    for declared in AFTER_COMMIT.values():
        for listener in declared:
            if listener.name == name:
                return listener
    return None
