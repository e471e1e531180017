"""Webhook deliveries end to end: real writes emit events, the runner fans them out, and the sender POSTs them
to a real HTTP receiver on loopback, which checks every signature with `standardwebhooks`."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select, update
from standardwebhooks import Webhook

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.events import runner, webhook_delivery
from autocrm.models import DeliveryStatus, Role, WebhookDelivery, WebhookSubscription
from autocrm.models.base import utcnow
from autocrm.services import tickets, webhooks
from autocrm.services.actor import Actor
from autocrm.services.tickets import TicketUpdate
from autocrm.services.webhooks import WebhookCreate
from tests.factories import make_message, make_ticket
from tests.webhook_receiver import Receiver, receiver


@pytest.fixture
def private_ok(db_url, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("AUTOCRM_WEBHOOK_ALLOW_PRIVATE", "1")
    reset_settings()
    yield


@pytest.fixture
def hook(private_ok) -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def _subscribe(url: str, events: list[str]) -> webhooks.WebhookCreated:
    with write_session() as s:
        return webhooks.create_webhook(s, actor=Actor.system("tests"), data=WebhookCreate(url=url, events=events))


def _run() -> None:
    runner.run_pending_jobs()
    webhook_delivery.run_pending_deliveries()


def _deliveries(subscription_id: int) -> list[WebhookDelivery]:
    with read_session() as s:
        return list(
            s.exec(
                select(WebhookDelivery)
                .where(col(WebhookDelivery.subscription_id) == subscription_id)
                .order_by(col(WebhookDelivery.id))
            )
        )


def _make_due() -> None:
    with write_session() as s:
        s.exec(update(WebhookDelivery).values(due_at=utcnow() - timedelta(seconds=1)))


def _verified(secret: str, request) -> dict:
    return Webhook(secret).verify(request.body, request.headers)


def test_events_arrive_signed_with_the_public_shapes_and_notes_only_where_asked(hook, people):
    public = _subscribe(hook.url, ["ticket.created", "message.created", "ticket.updated"])
    notes = _subscribe(hook.url + "?notes", ["message.internal_created"])
    customer, agent = people.make(Role.customer), people.make(Role.agent)
    ticket = make_ticket(by=customer, subject="Card declined")
    make_message(ticket_id=ticket.id, by=agent, body="Secret note about the card", internal=True)
    reply = make_message(ticket_id=ticket.id, by=agent, body="Please retry now.")
    with write_session() as s:
        tickets.update_ticket(s, actor=Actor.for_user(agent), ticket_id=ticket.id, data=TicketUpdate(priority="high"))
    _run()
    received = hook.wait_for(4)
    to_public = [r for r in received if not r.path.endswith("?notes")]
    to_notes = [r for r in received if r.path.endswith("?notes")]
    bodies = [_verified(public.secret, r) for r in to_public]
    assert [b["type"] for b in bodies] == ["ticket.created", "message.created", "ticket.updated"]
    assert bodies[0]["data"]["ticket"]["id"] == ticket.id and bodies[0]["data"]["ticket"]["subject"] == "Card declined"
    assert bodies[1]["data"]["message"]["id"] == reply.id and bodies[1]["data"]["message"]["internal"] is False
    assert "changes" in bodies[2]["data"]
    assert all(b"Secret note" not in r.body for r in to_public)
    [note] = [_verified(notes.secret, r) for r in to_notes]
    assert note["type"] == "message.internal_created" and note["data"]["message"]["internal"] is True
    with pytest.raises(Exception):  # noqa: B017, PT011 (any verification error: the other subscription's secret)
        _verified(notes.secret, to_public[0])
    assert all(r.headers["webhook-id"].startswith("evt_") for r in received)
    assert all(d.status == DeliveryStatus.delivered and d.response_code == 200 for d in _deliveries(public.id))
    _run()
    assert len(hook.requests) == 4  # nothing twice


def test_a_500_is_retried_with_the_same_webhook_id_until_delivered(hook, people):
    sub = _subscribe(hook.url, ["ticket.created"])
    hook.statuses = [500, 503]
    make_ticket(by=people.make(Role.customer))
    _run()
    [delivery] = _deliveries(sub.id)
    assert delivery.status == DeliveryStatus.pending and delivery.response_code == 500 and delivery.attempts == 1
    assert delivery.due_at > utcnow()  # backoff: not due again at once
    for _ in range(2):
        _make_due()
        webhook_delivery.run_pending_deliveries()
    [delivery] = _deliveries(sub.id)
    assert delivery.status == DeliveryStatus.delivered and delivery.attempts == 3 and delivery.delivered_at
    ids = {r.headers["webhook-id"] for r in hook.requests}
    assert len(hook.requests) == 3 and len(ids) == 1
    for request in hook.requests:
        _verified(sub.secret, request)


def test_a_timeout_and_a_refused_connection_are_retried(hook, people, monkeypatch):
    monkeypatch.setenv("AUTOCRM_WEBHOOK_TIMEOUT_SECONDS", "0.3")
    reset_settings()
    hook.delay_seconds = 1.0
    slow = _subscribe(hook.url, ["ticket.created"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    refused = _subscribe(f"http://127.0.0.1:{closed_port}/x", ["ticket.created"])
    make_ticket(by=people.make(Role.customer))
    _run()
    for sub, words in ((slow, "in time"), (refused, "Could not reach")):
        [delivery] = _deliveries(sub.id)
        assert delivery.status == DeliveryStatus.pending and delivery.response_code is None
        assert words in (delivery.last_error or "") and delivery.due_at > utcnow()


def test_410_disables_the_subscription(hook, people):
    sub = _subscribe(hook.url, ["ticket.created"])
    hook.statuses = [410]
    make_ticket(by=people.make(Role.customer))
    _run()
    [delivery] = _deliveries(sub.id)
    assert delivery.status == DeliveryStatus.failed and delivery.response_code == 410
    with read_session() as s:
        row = s.get(WebhookSubscription, sub.id)
        assert row is not None and row.active is False and "410" in (row.disabled_reason or "")
    make_ticket(by=people.make(Role.customer))
    _run()
    assert len(_deliveries(sub.id)) == 1 and len(hook.requests) == 1


def test_gives_up_after_the_retry_window(hook, people):
    sub = _subscribe(hook.url, ["ticket.created"])
    hook.statuses = [500] * 5
    make_ticket(by=people.make(Role.customer))
    runner.run_pending_jobs()
    with write_session() as s:  # the delivery was first due 25 hours ago
        s.exec(update(WebhookDelivery).values(created_at=utcnow() - timedelta(hours=25)))
    webhook_delivery.run_pending_deliveries()
    [delivery] = _deliveries(sub.id)
    assert delivery.status == DeliveryStatus.failed and delivery.response_code == 500
    with write_session() as s:  # an admin's retry makes one more try
        webhooks.retry_delivery(s, actor=Actor.system("tests"), webhook_id=sub.id, delivery_id=delivery.id)
    webhook_delivery.run_pending_deliveries()
    assert _deliveries(sub.id)[0].attempts == 2 and len(hook.requests) == 2


def test_one_tickets_deliveries_keep_their_order(hook, people):
    sub = _subscribe(hook.url, ["ticket.created", "message.created"])
    hook.statuses = [500]
    agent = people.make(Role.agent)
    ticket = make_ticket(by=people.make(Role.customer))
    other = make_ticket(by=people.make(Role.customer))
    make_message(ticket_id=ticket.id, by=agent, body="First reply")
    _run()
    # The first ticket's creation failed, so its reply waits; the other ticket is not held back.
    assert len(hook.requests) == 2
    assert json.loads(hook.requests[1].body)["data"]["ticket"]["id"] == other.id
    _make_due()
    webhook_delivery.run_pending_deliveries()
    types = [json.loads(r.body)["type"] for r in hook.requests[2:]]
    assert types == ["ticket.created", "message.created"]
    assert all(d.status == DeliveryStatus.delivered for d in _deliveries(sub.id))


def test_a_lost_lease_is_claimed_again_and_the_old_claim_cannot_finish(hook, people):
    sub = _subscribe(hook.url, ["ticket.created"])
    make_ticket(by=people.make(Role.customer))
    runner.run_pending_jobs()
    [killed] = webhook_delivery.claim(worker="killed", limit=10)  # a worker SIGKILLed before it sent
    assert webhook_delivery.claim(worker="other", limit=10) == []  # leased
    _make_due()  # the lease runs out
    assert webhook_delivery.run_pending_deliveries() == 1
    assert webhook_delivery.send(killed) == "lost"
    [delivery] = _deliveries(sub.id)
    assert delivery.status == DeliveryStatus.delivered and delivery.attempts == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:{port}/x",
        "http://localhost:{port}/x",
    ],
)
def test_private_destinations_are_refused_at_delivery_time_too(hook, people, monkeypatch, url):
    port = hook.url.split(":")[2].split("/")[0]
    sub = _subscribe(url.format(port=port), ["ticket.created"])  # allowed while the setting is on
    monkeypatch.delenv("AUTOCRM_WEBHOOK_ALLOW_PRIVATE")
    reset_settings()
    make_ticket(by=people.make(Role.customer))
    _run()
    [delivery] = _deliveries(sub.id)
    assert delivery.status == DeliveryStatus.pending and "may not reach" in (delivery.last_error or "")
    assert hook.requests == []


def test_the_worker_loop_sends_while_a_slow_receiver_waits(private_ok, people):
    with receiver() as slow, receiver() as fast:
        slow.delay_seconds = 2.0
        _subscribe(slow.url, ["ticket.created"])
        fast_sub = _subscribe(fast.url, ["ticket.created"])
        stop = threading.Event()
        worker = threading.Thread(target=runner.work, args=(stop,), kwargs={"poll_seconds": 0.1}, daemon=True)
        worker.start()
        try:
            make_ticket(by=people.make(Role.customer))
            make_ticket(by=people.make(Role.customer))
            # Once the slow receiver holds its first request (for 2 s), the fast one gets both meanwhile. Waiting
            # for that first request, not assuming it came first, keeps a busy machine's delivery order out of it.
            held = slow.wait_for(1, timeout=10)
            arrived = fast.wait_for(2, timeout=1.5)
            assert len(held) >= 1 and len(arrived) == 2
            for request in arrived:
                _verified(fast_sub.secret, request)
            slow.wait_for(2, timeout=10)
        finally:
            stop.set()
            worker.join(timeout=15)
