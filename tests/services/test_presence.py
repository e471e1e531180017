"""Presence on tickets: the in-process store and real Redis (database 11), expiry, two processes' stores over one
Redis seeing each other, the rules (staff only, names and ids only), and handling time written in batches."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from sqlmodel import col, func, select

from autocrm.core import presence as presence_store
from autocrm.core.db import read_session
from autocrm.core.settings import reset_settings
from autocrm.models import AuditEntry, Role, TicketWork
from autocrm.services import presence
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied, ValidationFailed
from tests.factories import make_ticket

REDIS_URL = "redis://127.0.0.1:6379/11"
T0 = 1_800_000_000.0  # an instant to beat at (2027-01-15), so expiry is tested without waiting


def _staff(user_id: int, name: str) -> Actor:
    return Actor(role=Role.agent, label=f"user:{user_id}", user_id=user_id, name=name)


@pytest.fixture
def fresh(monkeypatch) -> Iterator[None]:
    """A new tally and new stores, a 30 s time-to-live."""
    monkeypatch.setenv("AUTOCRM_PRESENCE_TTL_SECONDS", "30")
    reset_settings()
    monkeypatch.setattr(presence, "_WORK", presence._WorkTally())
    presence_store._stores.clear()
    yield
    presence_store._stores.clear()
    reset_settings()


@pytest.fixture
def in_redis(monkeypatch, fresh) -> Iterator[redis.Redis]:
    monkeypatch.setenv("AUTOCRM_REDIS_URL", REDIS_URL)
    reset_settings()
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(params=["memory", "redis"])
def backend(request, monkeypatch, fresh) -> Iterator[str]:
    if request.param == "redis":
        request.getfixturevalue("in_redis")
    else:
        monkeypatch.delenv("AUTOCRM_REDIS_URL", raising=False)
        reset_settings()
    yield request.param


def test_who_is_on_a_ticket_and_what_they_do(backend):
    ana, ben = _staff(1, "Ana Lopez"), _staff(2, "Ben Cho")
    assert isinstance(
        presence_store.store(), presence_store.RedisStore if backend == "redis" else presence_store.MemoryStore
    )
    assert presence.beat(actor=ana, ticket_id=7, activity="viewing", tab="a1", now=T0) is True
    # The same heartbeat again changes nothing: no push follows it.
    assert presence.beat(actor=ana, ticket_id=7, activity="viewing", tab="a1", now=T0 + 10) is False
    assert presence.beat(actor=ben, ticket_id=7, activity="away", tab="b1", now=T0 + 10) is True  # hidden: viewing
    assert presence.beat(actor=ana, ticket_id=7, activity="replying", tab="a1", now=T0 + 11) is True
    # A second tab of Ana's, only viewing: she is still shown once, replying.
    presence.beat(actor=ana, ticket_id=7, activity="viewing", tab="a2", now=T0 + 12)
    presence.beat(actor=ben, ticket_id=8, activity="viewing", tab="b2", now=T0 + 12)
    found = presence.on_tickets(actor=ana, ticket_ids=[7, 8, 9], now=T0 + 13)
    assert set(found) == {7, 8}
    assert [(p.user_id, p.name, p.activity) for p in found[7]] == [
        (1, "Ana Lopez", "replying"),
        (2, "Ben Cho", "viewing"),
    ]
    assert set(presence.PresencePerson.model_fields) == {"user_id", "name", "activity"}  # no e-mail, no tab
    # Ana's replying tab leaves: her other tab still shows her, viewing.
    assert presence.leave(actor=ana, ticket_id=7, tab="a1") is True
    assert presence.leave(actor=ana, ticket_id=7, tab="a1") is False
    assert [(p.name, p.activity) for p in presence.on_tickets(actor=ana, ticket_ids=[7], now=T0 + 14)[7]] == [
        ("Ana Lopez", "viewing"),
        ("Ben Cho", "viewing"),
    ]


def test_an_entry_lapses_without_a_heartbeat(backend):
    ana = _staff(1, "Ana Lopez")
    presence.beat(actor=ana, ticket_id=7, activity="viewing", tab="a1", now=T0)
    assert presence.on_tickets(actor=ana, ticket_ids=[7], now=T0 + 29)[7][0].name == "Ana Lopez"
    assert presence.on_tickets(actor=ana, ticket_ids=[7], now=T0 + 31) == {}
    # Back after lapsing: a change again, so screens hear of it.
    assert presence.beat(actor=ana, ticket_id=7, activity="viewing", tab="a1", now=T0 + 40) is True


def test_only_signed_in_staff_mark_or_read_presence(backend):
    customer = Actor(role=Role.customer, label="user:5", user_id=5, name="Carla")
    with pytest.raises(PermissionDenied):
        presence.beat(actor=customer, ticket_id=7, activity="viewing", tab="c1")
    with pytest.raises(PermissionDenied):
        presence.on_tickets(actor=customer, ticket_ids=[7])
    with pytest.raises(PermissionDenied):  # an API key is nobody in particular
        presence.beat(actor=Actor(role=Role.agent, label="api_key:1"), ticket_id=7, activity="viewing", tab="k")
    ana = _staff(1, "Ana Lopez")
    with pytest.raises(ValidationFailed):
        presence.beat(actor=ana, ticket_id=7, activity="dancing", tab="a1")
    with pytest.raises(ValidationFailed):
        presence.beat(actor=ana, ticket_id=0, activity="viewing", tab="a1")


def test_two_processes_over_one_redis_see_each_other(in_redis):
    """Two stores (as two app processes hold) over the same Redis: what one is told, the other reads, and a
    change rings the other's subscription; the hash itself expires once nobody beats."""
    first, second = presence_store.RedisStore(REDIS_URL), presence_store.RedisStore(REDIS_URL)
    pubsub = in_redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(presence_store.CHANNEL)
    pubsub.get_message(timeout=1)
    now = time.time()
    entry = presence_store.Entry(ticket_id=7, user_id=1, name="Ana Lopez", activity="viewing", tab="t1")
    assert first.beat(entry, ttl=30, now=now) is True
    assert [e.name for e in second.on_tickets([7], now=now + 1)[7]] == ["Ana Lopez"]
    message = pubsub.get_message(timeout=2)
    assert message is not None and message["channel"] == presence_store.CHANNEL.encode()
    assert second.beat(entry, ttl=30, now=now + 2) is False  # the other process's heartbeat: no change
    assert pubsub.get_message(timeout=0.3) is None
    assert 0 < in_redis.pttl(f"{presence_store.KEY_PREFIX}7") <= 60_000
    assert second.leave(7, 1, "t1") is True
    assert first.on_tickets([7], now=now + 3) == {}
    pubsub.close()


def test_handling_time_is_written_in_batches_not_per_heartbeat(db_url, people, fresh):
    agent = people.make(Role.agent, name="Ana Lopez")
    ana = people.actor(agent)
    ticket = make_ticket(requester=people.make(Role.customer), by=agent).id
    for step in range(0, 60, 10):  # a minute viewing, a beat every 10 s
        presence.beat(actor=ana, ticket_id=ticket, activity="viewing", tab="a1", now=T0 + step)
    presence.beat(actor=ana, ticket_id=ticket, activity="away", tab="a1", now=T0 + 60)  # +10 (it was viewing)
    presence.beat(actor=ana, ticket_id=ticket, activity="replying", tab="a1", now=T0 + 200)  # away: nothing
    presence.beat(actor=ana, ticket_id=ticket, activity="replying", tab="a1", now=T0 + 500)  # a gap: 30 s at most
    with read_session() as s:
        assert s.exec(select(func.count()).select_from(TicketWork)).one() == 0  # heartbeats never write
    assert presence.flush_work(now=T0 + 500) == 1
    presence.leave(actor=ana, ticket_id=ticket, tab="a1", now=T0 + 505)  # +5
    assert presence.flush_work(now=T0 + 505) == 1
    assert presence.flush_work(now=T0 + 506) == 0
    with read_session() as s:
        rows = s.exec(select(TicketWork).order_by(col(TicketWork.id))).all()
        audits = s.exec(select(AuditEntry).where(AuditEntry.action == "ticket_work.recorded")).all()
    assert [(r.user_id, r.ticket_id, r.seconds) for r in rows] == [(agent.id, ticket, 90), (agent.id, ticket, 5)]
    assert rows[0].started_at.timestamp() == T0
    assert [a.changes["rows"][1] for a in audits] == [1, 1]
