"""The notification mails end to end: a real write emits its event, the job runner runs the listeners declared
in `events/listeners.py`, and the mails land in the outbox (no handler called by hand)."""

from __future__ import annotations

import email
from email.policy import default as default_policy

from autocrm.core.db import write_session
from autocrm.core.settings import get_settings
from autocrm.events.runner import run_pending_jobs
from autocrm.models import Role
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.tickets import TicketUpdate
from tests.factories import make_message, make_ticket


def _delivered() -> list[tuple[str, str]]:
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=default_policy)
        for path in sorted(get_settings().outbox_dir.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    ]
    return [(str(mail["To"]), str(mail["Subject"])) for mail in mails]


def test_a_tickets_life_mails_its_requester_and_assignee_through_the_runner(people):
    customer, agent, lead = people.make(Role.customer), people.make(Role.agent), people.make(Role.admin)
    ticket = make_ticket(by=customer, subject="Card declined abroad")
    run_pending_jobs()
    make_message(ticket_id=ticket.id, by=agent, body="Checking with the card network", internal=True)
    make_message(ticket_id=ticket.id, by=agent, body="It works again, please retry.")
    with write_session() as s:
        tickets.update_ticket(
            s, actor=Actor.for_user(lead), ticket_id=ticket.id, data=TicketUpdate(assignee_id=agent.id, status="solved")
        )
    run_pending_jobs()
    sent = _delivered()
    assert [to for to, _subject in sent].count(customer.email) == 3  # created, the public reply, solved
    assert any(to == agent.email for to, _subject in sent)  # assigned by someone else
    assert all("Checking with the card network" not in subject for _to, subject in sent)
    assert all(f"#{ticket.number}" in subject for _to, subject in sent)
    assert run_pending_jobs() == 0 and len(_delivered()) == len(sent)  # nothing runs, or is sent, twice
