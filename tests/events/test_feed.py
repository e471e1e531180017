"""Issue 14, live screens: the feed of committed ticket changes that live pages follow (`events/feed.py`), and who
of the watching pages hears about which change (`state/live.py`)."""

from __future__ import annotations

import threading

import pytest
import redis

from autocrm.core.db import write_session
from autocrm.core.settings import reset_settings
from autocrm.events import feed
from autocrm.events.feed import Change, OutboxTail
from autocrm.models import Role
from autocrm.services import events, tickets
from autocrm.services.actor import Actor
from autocrm.state.live import Batch, Watch
from autocrm.state.portal import PortalState
from autocrm.state.queue import QueueState
from tests.factories import make_message, make_ticket

REDIS = "redis://127.0.0.1:6379/15"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 32


def test_the_feed_holds_each_committed_ticket_change_once_and_nothing_rolled_back(people):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    tail = OutboxTail()
    ticket = make_ticket(requester=customer)
    try:
        with write_session() as s:
            make_message(s, ticket_id=ticket.id, by=agent, body="Never sent")
            raise LookupError
    except LookupError:
        pass
    make_message(ticket_id=ticket.id, by=agent, body="On it")
    people.make(Role.customer)  # an account change is no ticket change

    changes = tail.read()
    assert [c.type for c in changes] == ["ticket.created", "message.created"]
    assert {c.ticket_id for c in changes} == {ticket.id}
    assert {c.requester_id for c in changes} == {customer.id}
    assert changes[1].actor_user_id == agent.id and not changes[1].internal
    assert tail.read() == []


def test_a_note_a_file_on_a_note_and_a_mention_in_it_are_marked_internal(people):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    ticket = make_ticket(requester=customer)
    tail = OutboxTail()
    note = make_message(ticket_id=ticket.id, by=agent, body="Fraud suspected", internal=True)
    with write_session() as s:
        tickets.add_attachment(
            s, actor=Actor.for_user(agent), ticket_id=ticket.id, message_id=note.id, filename="ledger.png", data=PNG
        )
        # The bell of a teammate the note mentions (`inbox.notify_mentions`): staff screens only.
        events.emit(
            s,
            "notification.created",
            actor=Actor.system("inbox"),
            ticket_id=ticket.id,
            data={"notification_id": 1, "user_id": agent.id, "kind": "mention", "message_id": note.id},
        )
    changes = tail.read()
    assert [(c.type, c.internal) for c in changes] == [
        ("message.created", True),
        ("attachment.added", True),
        ("notification.created", True),
    ]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite's one writer commits ids in order
def test_a_write_that_commits_late_is_read_when_it_commits(db_url, people):
    """PostgreSQL hands out ids at insert: a transaction holding a lower id may commit after a higher one was read."""
    customer = people.make(Role.customer)
    ticket = make_ticket(requester=customer)
    tail = OutboxTail()
    slow = write_session()
    session = slow.__enter__()
    events.emit(session, "ticket.updated", actor=Actor.system(), ticket_id=ticket.id, data={"changes": {}})
    make_message(ticket_id=ticket.id, by=customer, body="Faster")
    assert [c.type for c in tail.read()] == ["message.created"]
    slow.__exit__(None, None, None)
    assert [c.type for c in tail.read()] == ["ticket.updated"]
    assert tail.read() == []


def test_a_commit_rings_readers_here_and_through_redis_in_other_processes(db_url, people, monkeypatch):
    customer = people.make(Role.customer)
    rung = threading.Event()
    stop = feed.on_commit(rung.set)
    monkeypatch.setenv("AUTOCRM_REDIS_URL", REDIS)
    reset_settings()
    subscriber = redis.Redis.from_url(REDIS).pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(feed.CHANNEL)
    try:
        subscriber.get_message(timeout=1)  # the subscription is in place
        with write_session() as s:
            tickets.create_ticket(
                s, actor=Actor.for_user(customer), data=tickets.TicketCreate(subject="Card stuck", body="Help")
            )
        assert rung.is_set()
        assert subscriber.get_message(timeout=2) is not None
    finally:
        stop()
        subscriber.close()
        reset_settings()


def _change(**values) -> Change:
    defaults = {"event_id": 1, "type": "message.created", "ticket_id": 7, "actor_user_id": 2, "requester_id": 10}
    return Change(**(defaults | {"internal": False} | values))


def test_a_customer_page_hears_only_public_changes_to_their_own_tickets():
    my_list = Watch(state=PortalState, path="/portal", user_id=10, staff=False)
    my_ticket = Watch(state=PortalState, path="/portal/tickets/7", user_id=10, staff=False, ticket_id=7)
    assert my_list.wants(_change()) and my_ticket.wants(_change())
    assert not my_list.wants(_change(internal=True)) and not my_ticket.wants(_change(internal=True))
    assert not my_list.wants(_change(requester_id=11))
    assert not my_ticket.wants(_change(ticket_id=8))


def test_staff_pages_hear_every_ticket_change_notes_included():
    queue = Watch(state=QueueState, path="/agent", user_id=2, staff=True)
    assert queue.wants(_change(internal=True)) and queue.wants(_change(requester_id=99))


def test_tabs_refreshing_for_one_push_share_what_they_read():
    batch = Batch([_change(actor_user_id=2), _change(ticket_id=8, actor_user_id=3)])
    reads: list[str] = []
    for _ in range(200):
        batch.shared(("queue", 2), lambda: reads.append("read") or ["rows"])
    assert reads == ["read"]
    assert batch.ticket_ids() == {7, 8} and batch.ticket_ids(not_by=2) == {8}
