"""Managing the desk's vocabulary: statuses, priorities and custom fields (admins only, audited, the copy of
every process reloaded), and tags renamed or merged through the ticket services."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, CustomFieldType, Role, StatusCategory
from autocrm.services import api_keys, desk, tags, tickets
from autocrm.services.actor import DESK_MANAGE, DESK_READ, Actor
from autocrm.services.desk import (
    CustomFieldCreate,
    CustomFieldUpdate,
    PriorityCreate,
    PriorityUpdate,
    StatusCreate,
    StatusUpdate,
    key_from,
)
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.tags import TagRename
from autocrm.services.tickets import TicketCreate, TicketUpdate
from tests.factories import make_api_key, make_ticket


def _audited(action: str) -> list[AuditEntry]:
    with read_session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_key_from_a_label():
    assert key_from("Waiting on Ops", set()) == "waiting_on_ops"
    assert key_from("Über café!", set()) == "uber_cafe"
    assert key_from("Billing", {"billing", "billing_2"}) == "billing_3"
    assert key_from("???", set(), fallback="status") == "status"
    assert len(key_from("x" * 90, set())) == 40


def test_admins_add_rename_reorder_and_retire_statuses(people):
    admin = Actor.for_user(people.make(Role.admin))
    with write_session() as s:
        created = desk.create_status(
            s, actor=admin, data=StatusCreate(name="Waiting on Ops", category=StatusCategory.on_hold)
        )
    assert created.key == "waiting_on_ops" and created.is_active and created.tickets == 0
    with read_session() as s:
        assert desk.status_named(s, "waiting_on_ops").name == "Waiting on Ops"  # the cache reloaded
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        desk.create_status(s, actor=admin, data=StatusCreate(name="waiting on ops", category="open"))
    assert "name" in refused.value.details
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        desk.create_status(s, actor=admin, data=StatusCreate(name="Other", key="open", category="open"))
    assert "key" in refused.value.details

    with write_session() as s:
        renamed = desk.update_status(s, actor=admin, key="waiting_on_ops", data=StatusUpdate(name="With Ops"))
    assert renamed.name == "With Ops"
    (entry,) = _audited("status.update")
    assert entry.changes["name"] == ["Waiting on Ops", "With Ops"] and entry.actor_user_id == admin.user_id
    assert _audited("status.create")[0].changes["category"] == [None, "on_hold"]

    with read_session() as s:
        keys = [status.key for status in desk.list_statuses(s, actor=admin)]
    order = [keys[-1], *keys[:-1]]
    with write_session() as s:
        listed = desk.reorder_statuses(s, actor=admin, keys=order)
    assert [row.key for row in listed] == order and _audited("status.reorder")
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        desk.reorder_statuses(s, actor=admin, keys=order[:-1])
    assert "keys" in refused.value.details

    ticket = make_ticket(by=people.make(Role.customer))
    with write_session() as s:
        tickets.update_ticket(s, actor=admin, ticket_id=ticket.id, data=TicketUpdate(status="waiting_on_ops"))
    with pytest.raises(Conflict) as in_use, write_session() as s:
        desk.update_status(s, actor=admin, key="waiting_on_ops", data=StatusUpdate(is_active=False))
    assert "1 ticket is in this status" in in_use.value.message and in_use.value.details["tickets"] == 1
    with write_session() as s:
        tickets.update_ticket(s, actor=admin, ticket_id=ticket.id, data=TicketUpdate(status="open"))
        retired = desk.update_status(s, actor=admin, key="waiting_on_ops", data=StatusUpdate(is_active=False))
    assert not retired.is_active
    with pytest.raises(ValidationFailed), write_session() as s:
        tickets.update_ticket(s, actor=admin, ticket_id=ticket.id, data=TicketUpdate(status="waiting_on_ops"))
    with write_session() as s:
        assert desk.update_status(s, actor=admin, key="waiting_on_ops", data=StatusUpdate(is_active=True)).is_active
    # The desk's only "new" status stays: tickets are opened in it.
    with pytest.raises(Conflict) as last, write_session() as s:
        desk.update_status(s, actor=admin, key="new", data=StatusUpdate(is_active=False))
    assert "last active status" in last.value.message
    with pytest.raises(NotFound), write_session() as s:
        desk.update_status(s, actor=admin, key="nope", data=StatusUpdate(name="x"))


def test_admins_add_rename_default_reorder_and_retire_priorities(people):
    admin = Actor.for_user(people.make(Role.admin))
    with write_session() as s:
        created = desk.create_priority(s, actor=admin, data=PriorityCreate(name="Critical"))
    assert created.key == "critical" and created.rank == 4
    with write_session() as s:
        renamed = desk.update_priority(s, actor=admin, key="low", data=PriorityUpdate(name="Someday"))
    assert renamed.name == "Someday"
    assert _audited("priority.update")[0].changes["name"] == ["Low", "Someday"]
    with pytest.raises(Conflict) as default, write_session() as s:
        desk.update_priority(s, actor=admin, key="normal", data=PriorityUpdate(is_active=False))
    assert "default" in default.value.message
    make_ticket(by=people.make(Role.agent), requester=people.make(Role.customer), priority="critical")
    with pytest.raises(Conflict) as in_use, write_session() as s:
        desk.update_priority(s, actor=admin, key="critical", data=PriorityUpdate(is_active=False))
    assert "1 ticket has this priority" in in_use.value.message
    with write_session() as s:
        made_default = desk.update_priority(s, actor=admin, key="high", data=PriorityUpdate(is_default=True))
        retired = desk.update_priority(s, actor=admin, key="normal", data=PriorityUpdate(is_active=False))
    assert made_default.is_default and not retired.is_active and not retired.is_default
    with read_session() as s:
        assert desk.priority_named(s, None).key == "high"
        assert [p.key for p in desk.list_priorities(s, actor=admin)] == ["low", "normal", "high", "urgent", "critical"]
    with write_session() as s:
        reordered = desk.reorder_priorities(s, actor=admin, keys=["low", "normal", "high", "critical", "urgent"])
    assert [p.key for p in reordered] == ["low", "normal", "high", "critical", "urgent"]
    with pytest.raises(ValidationFailed), write_session() as s:
        desk.update_priority(s, actor=admin, key="normal", data=PriorityUpdate(is_default=True))


def test_admins_add_and_change_custom_fields_customers_see_only_visible_ones(people):
    admin = Actor.for_user(people.make(Role.admin))
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        desk.add_custom_field(s, actor=admin, data=CustomFieldCreate(label="Plan", field_type="select"))
    assert "options" in refused.value.details
    with write_session() as s:
        plan = desk.add_custom_field(
            s,
            actor=admin,
            data=CustomFieldCreate(
                label="Plan",
                field_type=CustomFieldType.select,
                options=["Free", "Pro", "Pro"],
                visible_to_customers=True,
            ),
        )
        desk.add_custom_field(s, actor=admin, data=CustomFieldCreate(label="Risk score", field_type="number"))
    assert plan.key == "plan" and plan.options == ["Free", "Pro"] and plan.visible_to_customers
    assert _audited("custom_field.create")[0].changes["visible_to_customers"] == [None, True]
    with write_session() as s:
        changed = desk.update_custom_field(
            s, actor=admin, field_id=plan.id, data=CustomFieldUpdate(label="Plan tier", options=["Free", "Pro", "Team"])
        )
    assert changed.label == "Plan tier" and changed.options == ["Free", "Pro", "Team"]
    assert _audited("custom_field.update")[0].changes["options"] == [["Free", "Pro"], ["Free", "Pro", "Team"]]
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        risk = next(f for f in desk.list_custom_fields(s, actor=admin) if f.key == "risk_score")
        desk.update_custom_field(s, actor=admin, field_id=risk.id, data=CustomFieldUpdate(options=["a"]))
    assert "options" in refused.value.details

    customer = people.make(Role.customer)
    agent = Actor.for_user(people.make(Role.agent))
    with write_session() as s:
        ticket = tickets.create_ticket(
            s,
            actor=agent,
            data=TicketCreate(
                subject="Upgrade",
                body="Please",
                requester_id=customer.id,
                custom_fields={"plan": "Team", "risk_score": 9},
            ),
        )
    with read_session() as s:
        seen = tickets.customer_ticket(s, actor=Actor.for_user(customer), ticket_id=ticket.id)
    assert [(f.label, f.value) for f in seen.fields] == [("Plan tier", "Team")]
    assert "risk" not in seen.model_dump_json().lower()

    with write_session() as s:
        desk.update_custom_field(s, actor=admin, field_id=risk.id, data=CustomFieldUpdate(is_active=False))
    with read_session() as s:
        assert "risk_score" not in desk.custom_field_definitions(s)
        assert any(not f.is_active for f in desk.list_custom_fields(s, actor=admin))
    with pytest.raises(NotFound), write_session() as s:
        desk.update_custom_field(s, actor=admin, field_id=99999, data=CustomFieldUpdate(label="x"))


def test_tags_are_listed_renamed_and_merged_ticket_by_ticket(people):
    admin = Actor.for_user(people.make(Role.admin))
    customer, agent = people.make(Role.customer), people.make(Role.agent)
    first = make_ticket(by=agent, requester=customer, tags=["billing", "vip"])
    second = make_ticket(by=agent, requester=customer, tags=["invoice"])
    third = make_ticket(by=agent, requester=customer, tags=["billing"])
    with read_session() as s:
        listed = tags.list_tags(s, actor=admin)
        assert [(t.tag, t.tickets) for t in listed][:1] == [("billing", 2)]
        assert [t.tag for t in tags.list_tags(s, actor=admin, query="vo")] == ["invoice"]
    with write_session() as s:
        renamed = tags.rename_tags(s, actor=admin, data=TagRename(tags=["billing"], into="Payments"))
    assert renamed.into == "payments" and renamed.tickets == 2 and renamed.result is not None
    assert sorted(renamed.result.updated) == sorted([first.id, third.id])
    with write_session() as s:
        merged = tags.rename_tags(s, actor=admin, data=TagRename(tags=["invoice", "payments"], into="money"))
    assert merged.tickets == 3
    with read_session() as s:
        assert tickets.get_ticket(s, actor=admin, ticket_id=first.id).tags == ["money", "vip"]
        assert tickets.get_ticket(s, actor=admin, ticket_id=second.id).tags == ["money"]
    assert _audited("tag.rename")[0].changes == {"tags": [["billing"], "payments"], "tickets": [None, 2]}
    assert _audited("tag.merge")
    with read_session() as s:  # each ticket's change is its own audited update
        updates = s.exec(
            select(AuditEntry).where(AuditEntry.action == "ticket.update", AuditEntry.object_id == first.id)
        )
        assert any("tags" in e.changes for e in updates)
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        tags.rename_tags(s, actor=admin, data=TagRename(tags=["nothing-here"], into="x"))
    assert "tags" in refused.value.details
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        tags.rename_tags(s, actor=admin, data=TagRename(tags=["money"], into="bad tag!"))
    assert "into" in refused.value.details
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        tags.rename_tags(s, actor=admin, data=TagRename(tags=["money"], into="money"))
    assert "into" in refused.value.details


def test_only_admins_and_desk_keys_manage_the_vocabulary(people):
    agent = Actor.for_user(people.make(Role.agent))
    with read_session() as s:
        assert desk.list_statuses(s, actor=agent)  # staff read it
        with pytest.raises(PermissionDenied):
            desk.list_statuses(s, actor=Actor.for_user(people.make(Role.customer)))
    writes = [
        lambda s, a: desk.create_status(s, actor=a, data=StatusCreate(name="X", category="open")),
        lambda s, a: desk.update_status(s, actor=a, key="open", data=StatusUpdate(name="Y")),
        lambda s, a: desk.reorder_statuses(s, actor=a, keys=["new"]),
        lambda s, a: desk.create_priority(s, actor=a, data=PriorityCreate(name="X")),
        lambda s, a: desk.update_priority(s, actor=a, key="low", data=PriorityUpdate(name="Y")),
        lambda s, a: desk.reorder_priorities(s, actor=a, keys=["low"]),
        lambda s, a: desk.add_custom_field(s, actor=a, data=CustomFieldCreate(label="X", field_type="text")),
        lambda s, a: desk.update_custom_field(s, actor=a, field_id=1, data=CustomFieldUpdate(label="Y")),
        lambda s, a: desk.reorder_custom_fields(s, actor=a, keys=[]),
        lambda s, a: tags.rename_tags(s, actor=a, data=TagRename(tags=["a"], into="b")),
    ]
    with write_session() as s:
        reader = api_keys.api_key_actor(s, make_api_key(s, scopes=[DESK_READ], role=Role.admin))
        manager = api_keys.api_key_actor(s, make_api_key(s, scopes=[DESK_MANAGE], role=Role.admin))
    for write in writes:
        for actor in (agent, reader):
            with pytest.raises(PermissionDenied), write_session() as s:
                write(s, actor)
    with read_session() as s:
        assert desk.list_priorities(s, actor=reader) and tags.list_tags(s, actor=reader) == []
    with write_session() as s:
        assert desk.create_status(s, actor=manager, data=StatusCreate(name="By key", category="open")).key == "by_key"
    with pytest.raises(PermissionDenied), write_session() as s:  # renaming tags changes tickets: tickets:write too
        tags.rename_tags(s, actor=manager, data=TagRename(tags=["a"], into="b"))
