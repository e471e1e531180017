"""The audit log as admins read it: filters, keyset paging, who acted, and never a secret's value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, Role
from autocrm.services import audit, audit_log, tickets
from autocrm.services.actor import AUDIT_READ, TICKETS_READ, Actor
from autocrm.services.audit_log import HIDDEN, AuditQuery
from autocrm.services.errors import PermissionDenied, ValidationFailed
from autocrm.services.tickets import TicketUpdate
from tests.factories import make_api_key, make_ticket


def _list(actor: Actor, **query):
    with read_session() as s:
        return audit_log.list_entries(s, actor=actor, query=AuditQuery(**query))


def test_admins_filter_the_log_by_person_object_action_and_date(people):
    admin, agent = people.make(Role.admin, name="Ada Admin"), people.make(Role.agent, name="Sam Agent")
    ticket = make_ticket(by=people.make(Role.customer))
    other = make_ticket(by=people.make(Role.customer))
    with write_session() as s:
        tickets.update_ticket(s, actor=Actor.for_user(agent), ticket_id=ticket.id, data=TicketUpdate(priority="high"))
    admin_actor = Actor.for_user(admin)

    by_agent = _list(admin_actor, actor_id=agent.id)
    (entry,) = by_agent.items
    assert entry.actor.kind == "person" and entry.actor.name == "Sam Agent" and entry.actor.user_id == agent.id
    assert entry.action == "ticket.update" and entry.object_type == "ticket" and entry.object_id == ticket.id
    assert [(c.field, c.before, c.after) for c in entry.changes] == [("priority", "normal", "high")]

    on_ticket = _list(admin_actor, object_type="ticket", object_id=ticket.id)
    assert {e.object_id for e in on_ticket.items} == {ticket.id} and len(on_ticket.items) == 2
    assert [e.id for e in on_ticket.items] == sorted((e.id for e in on_ticket.items), reverse=True)
    assert all(e.object_id == other.id for e in _list(admin_actor, object_type="ticket", object_id=other.id).items)
    assert {e.action for e in _list(admin_actor, action="ticket.update").items} == {"ticket.update"}

    now = datetime.now(UTC)
    assert _list(admin_actor, start=now + timedelta(hours=1)).items == []
    assert len(_list(admin_actor, start=now - timedelta(hours=1), end=now + timedelta(hours=1)).items) >= 3
    with pytest.raises(ValidationFailed) as refused:
        _list(admin_actor, start=now, end=now - timedelta(days=1))
    assert "end" in refused.value.details


def test_the_log_pages_by_keyset_until_the_oldest(people):
    admin = people.make(Role.admin)
    with write_session() as s:
        for n in range(7):
            audit.record(s, actor=Actor.system("job"), action="test.tick", object_type="desk", object_id=n + 1)
    actor = Actor.for_user(admin)
    seen, cursor = [], None
    while True:
        page = _list(actor, action="test.tick", limit=3, cursor=cursor)
        seen += [e.object_id for e in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [7, 6, 5, 4, 3, 2, 1]
    (first,) = _list(actor, action="test.tick", limit=1).items
    assert first.actor.kind == "system" and first.actor.name == "job"
    with pytest.raises(ValidationFailed) as refused:
        _list(actor, cursor="abc")
    assert "cursor" in refused.value.details


def test_secrets_never_leave_the_log(people):
    admin = people.make(Role.admin)
    with write_session() as s:
        audit.record(
            s,
            actor=Actor.system(),
            action="test.secrets",
            object_type="user",
            object_id=admin.id,
            changes={
                "password_hash": ("$2b$12$abc", "$2b$12$def"),
                "client_secret": (None, "***"),
                "totp_secret_sealed": (None, "gAAAA"),
                "settings": ({"token": "t0k"}, {"token": "t1k", "name": "ok"}),
                "note": (None, "acrm_ab12cd34_secretpart"),
                "hook": (None, "whsec_abcdef"),
                "body": (None, "x" * 1000),
                "name": ("Old", "New"),
            },
        )
    (entry,) = _list(Actor.for_user(admin), action="test.secrets").items
    shown = {c.field: c for c in entry.changes}
    for secret in ("password_hash", "client_secret", "totp_secret_sealed"):
        assert shown[secret].hidden and shown[secret].before == HIDDEN == shown[secret].after
    assert shown["settings"].after == {"token": HIDDEN, "name": "ok"}
    assert shown["note"].after == HIDDEN and shown["hook"].after == HIDDEN
    assert len(shown["body"].after) == 300
    assert (shown["name"].before, shown["name"].after) == ("Old", "New")
    dumped = entry.model_dump_json()
    for leaked in ("$2b$", "gAAAA", "t0k", "t1k", "acrm_", "whsec_"):
        assert leaked not in dumped


def test_the_log_is_for_admins_and_keys_with_audit_read(people):
    agent, admin = people.make(Role.agent), people.make(Role.admin)
    with pytest.raises(PermissionDenied):
        _list(Actor.for_user(agent))
    with pytest.raises(PermissionDenied):
        _list(Actor.for_user(people.make(Role.customer)))
    with write_session() as s:
        from autocrm.services import api_keys

        reader = api_keys.api_key_actor(s, make_api_key(s, scopes=[AUDIT_READ], role=Role.admin))
        other = api_keys.api_key_actor(s, make_api_key(s, scopes=[TICKETS_READ], role=Role.admin))
        agent_key = api_keys.api_key_actor(s, make_api_key(s, scopes=[AUDIT_READ], role=Role.agent))
    assert _list(reader).items
    with pytest.raises(PermissionDenied):
        _list(other)
    with pytest.raises(PermissionDenied):
        _list(agent_key)
    # A key's own entries name the key.
    with read_session() as s:
        key_entry = s.exec(select(AuditEntry).where(AuditEntry.action == "api_key.create")).first()
    assert key_entry is not None
    (listed,) = [e for e in _list(Actor.for_user(admin), action="api_key.create").items if e.id == key_entry.id]
    assert listed.actor.kind == "system"
