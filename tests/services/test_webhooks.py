"""The webhooks service: who may manage subscriptions, what a subscription accepts, how its secret is kept,
what every write leaves behind, and the fan-out's idempotence. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from standardwebhooks import Webhook

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.events import runner
from autocrm.models import AuditEntry, DeliveryStatus, EventRecord, Role, WebhookDelivery, WebhookSubscription
from autocrm.models.base import utcnow
from autocrm.services import webhooks
from autocrm.services.actor import KEYS_MANAGE, WEBHOOKS_MANAGE, Actor
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.events import Event
from autocrm.services.webhooks import WebhookCreate, WebhookUpdate
from tests.factories import make_message, make_ticket

PUBLIC_URL = "https://93.184.215.14/hooks"  # a global address: accepted without resolving a name


def _create(actor: Actor, **fields) -> webhooks.WebhookCreated:
    data = WebhookCreate(**{"url": PUBLIC_URL, "events": ["ticket.created"], **fields})
    with write_session() as s:
        return webhooks.create_webhook(s, actor=actor, data=data)


def _admin(people) -> Actor:
    return people.actor(people.make(Role.admin))


def test_an_admin_manages_subscriptions_and_every_write_is_audited_and_emitted(people):
    admin = _admin(people)
    created = _create(admin, events=["message.created", "ticket.created"], description="CRM sync")
    assert created.secret.startswith("whsec_") and created.active
    assert created.events == ["ticket.created", "message.created"]  # the offered order
    Webhook(created.secret)  # a secret standardwebhooks accepts
    with read_session() as s:
        row = s.get(WebhookSubscription, created.id)
        assert row is not None and created.secret not in row.secret_sealed
        assert webhooks.signing_secret(row) == created.secret
        listed = webhooks.list_webhooks(s, actor=admin)
        assert [w.id for w in listed] == [created.id] and "secret" not in listed[0].model_dump()
    with write_session() as s:
        changed = webhooks.update_webhook(
            s, actor=admin, webhook_id=created.id, data=WebhookUpdate(active=False, events=["rating.submitted"])
        )
    assert changed.active is False and changed.events == ["rating.submitted"]
    with write_session() as s:
        same = webhooks.update_webhook(s, actor=admin, webhook_id=created.id, data=WebhookUpdate(active=False))
    assert same.updated_at == changed.updated_at  # nothing changed, nothing written
    with write_session() as s:
        webhooks.delete_webhook(s, actor=admin, webhook_id=created.id)
    with read_session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.object_type == "webhook"))]
        emitted = [e.type for e in s.exec(select(EventRecord).where(col(EventRecord.type).like("webhook.%")))]
        assert actions == ["webhook.created", "webhook.updated", "webhook.deleted"]
        assert emitted == ["webhook.created", "webhook.updated", "webhook.deleted"]
        assert all(created.secret not in str(e.changes) for e in s.exec(select(AuditEntry)))
        with pytest.raises(NotFound):
            webhooks.get_webhook(s, actor=admin, webhook_id=created.id)


def test_only_admins_and_admin_keys_with_the_scope_may_manage(people):
    agent = people.actor(people.make(Role.agent))
    with pytest.raises(PermissionDenied), read_session() as s:
        webhooks.list_webhooks(s, actor=agent)
    key_without = Actor(role=Role.admin, label="key", api_key_id=1, scopes=frozenset({KEYS_MANAGE}))
    with pytest.raises(PermissionDenied, match="webhooks:manage"), read_session() as s:
        webhooks.list_webhooks(s, actor=key_without)
    key_with = Actor(role=Role.admin, label="key", api_key_id=1, scopes=frozenset({WEBHOOKS_MANAGE}))
    with read_session() as s:
        assert webhooks.list_webhooks(s, actor=key_with) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"events": ["ticket.deleted"]}, "events"),
        ({"url": "ftp://93.184.215.14/x"}, "url"),
        ({"url": "https://user:pw@93.184.215.14/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://127.0.0.1:8000/x"}, "url"),
        ({"url": "http://10.0.0.7/x"}, "url"),
        ({"url": "http://192.168.1.1/x"}, "url"),
        ({"url": "http://169.254.169.254/latest"}, "url"),
        ({"url": "http://[::1]/x"}, "url"),
        ({"url": "http://[::ffff:127.0.0.1]/x"}, "url"),
        ({"url": "http://localhost:8000/x"}, "url"),
        ({"url": "http://0.0.0.0/x"}, "url"),
        ({"description": "bell\x07"}, "description"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_writes_nothing(people, fields, field):
    admin = _admin(people)
    with pytest.raises(ValidationFailed) as refused:
        _create(admin, **fields)
    assert field in refused.value.details
    with read_session() as s:
        assert s.exec(select(WebhookSubscription)).all() == []


def test_private_addresses_are_allowed_only_with_the_setting(people, monkeypatch):
    admin = _admin(people)
    monkeypatch.setenv("AUTOCRM_WEBHOOK_ALLOW_PRIVATE", "1")
    reset_settings()
    assert _create(admin, url="http://127.0.0.1:9/x").url == "http://127.0.0.1:9/x"
    monkeypatch.delenv("AUTOCRM_WEBHOOK_ALLOW_PRIVATE")
    reset_settings()
    with pytest.raises(ValidationFailed), write_session() as s:
        webhooks.update_webhook(s, actor=admin, webhook_id=1, data=WebhookUpdate(url="http://10.0.0.1/"))


def test_fan_out_writes_one_delivery_per_subscription_and_event_even_when_run_twice(people):
    admin = _admin(people)
    both = _create(admin, events=["ticket.created", "message.internal_created"])
    replies = _create(admin, events=["message.created"])
    _create(admin, events=["ticket.created"], active=False)
    agent = people.make(Role.agent)
    ticket = make_ticket(by=people.make(Role.customer))
    make_message(ticket_id=ticket.id, by=agent, body="a note", internal=True)
    runner.run_pending_jobs()
    with write_session() as s:  # the listener running again (a worker killed before marking its job done)
        for row in s.exec(select(EventRecord).where(col(EventRecord.ticket_id) == ticket.id)):
            webhooks.fan_out(s, Event.from_record(row))
    with read_session() as s:
        rows = s.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))).all()
    assert [(r.subscription_id, r.event_type) for r in rows] == [
        (both.id, "ticket.created"),
        (both.id, "message.internal_created"),
    ]
    assert all(r.status == DeliveryStatus.pending for r in rows)
    assert replies.id not in {r.subscription_id for r in rows}


def test_outcomes(db_url):
    now = utcnow()
    assert webhooks.outcome_of(response_code=204, attempts=1, created_at=now, now=now).status == "delivered"
    gone = webhooks.outcome_of(response_code=410, attempts=1, created_at=now, now=now)
    assert gone.status == "failed" and gone.disable_subscription
    retry = webhooks.outcome_of(response_code=None, attempts=3, created_at=now, now=now)
    assert retry.status == "pending" and retry.due_at is not None
    assert timedelta(seconds=10) <= retry.due_at - now <= timedelta(seconds=20)  # 5 s * 2^2, with jitter
    late = webhooks.outcome_of(response_code=302, attempts=9, created_at=now - timedelta(hours=24), now=now)
    assert late.status == "failed"
