"""The audit log and the desk settings pages as states: handlers called as their pages call them, no browser."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.audit_log import AuditActor, AuditChange, AuditEntryPublic
from autocrm.services.tickets import TicketUpdate
from autocrm.state.audit import AdminAuditState, entry_row, shown_value
from autocrm.state.settings import AdminSettingsState, _moved, _options
from tests.factories import make_ticket
from tests.state.test_states import _signed_in


def _target(event) -> str:
    """Where an `rx.redirect` sends the browser."""
    for name, value in event.args:
        if str(name._js_expr if hasattr(name, "_js_expr") else name) == "path":
            return str(value._var_value if hasattr(value, "_var_value") else value).strip('"')
    raise AssertionError(event)


def test_the_audit_log_filters_by_url_and_pages_older(people):
    admin, agent = people.make(Role.admin, name="Ada Admin"), people.make(Role.agent, name="Sam Agent")
    ticket = make_ticket(by=agent, requester=people.make(Role.customer))
    with write_session() as s:
        for priority in ("high", "urgent", "low"):
            tickets.update_ticket(
                s, actor=Actor.for_user(agent), ticket_id=ticket.id, data=TicketUpdate(priority=priority)
            )

    state = _signed_in(AdminAuditState, admin, path=f"/admin/audit?person={agent.id}&type=ticket&id={ticket.id}")
    assert state.load() is None and state.loaded
    assert state.f_person == str(agent.id) and state.f_type == "ticket" and state.filtered
    assert len(state.rows) == 4 and all(row["who"] == "Sam Agent" for row in state.rows)
    newest = state.rows[0]
    assert newest["action"] == "ticket.update" and newest["object_link"] == f"/agent/tickets/{ticket.id}"
    assert newest["changes"][0] == {
        "field": "priority",
        "before": "urgent",
        "after": "low",
        "hidden": False,
        "added": False,
    }
    assert {"value": str(agent.id), "label": "Sam Agent"} in state.people
    assert any(o["value"] == "ticket" for o in state.type_options)

    state.set_person("any")
    state.set_type("nonsense")
    assert state.f_type == "any"
    moved = state.apply_filters({"id": "", "action": "ticket.update", "from": "2026-01-01", "to": ""})
    query = parse_qs(urlsplit(_target(moved)).query)
    assert urlsplit(_target(moved)).path == "/admin/audit" and query == {
        "action": ["ticket.update"],
        "from": ["2026-01-01"],
    }
    assert state.apply_filters({"id": "x1", "action": "", "from": "2026-13-01", "to": ""}) is None
    assert set(state.filter_errors) == {"id", "from"}
    assert state.apply_filters({"id": "", "action": "", "from": "2026-02-01", "to": "2026-01-01"}) is None
    assert "to" in state.filter_errors
    assert state.apply_filters({"id": "", "action": "Bad Action!", "from": "", "to": ""}) is None
    assert "action" in state.filter_errors
    assert _target(state.clear_filters()) == "/admin/audit" and not state.filtered
    assert f"person={agent.id}" in _target(state.filter_person(agent.id))

    paged = _signed_in(AdminAuditState, admin, path="/admin/audit")
    paged.load()
    first_ids = [row["id"] for row in paged.rows]
    assert not paged.paged
    older = _signed_in(AdminAuditState, admin, path=f"/admin/audit?before={first_ids[1]}")
    older.load()
    assert older.paged and older.rows[0]["id"] < first_ids[1]
    assert older.older() is None  # the oldest page: nothing older
    assert _target(older.newest()) == "/admin/audit"
    older.next_cursor = "5"
    assert "before=5" in _target(older.older())
    older._refresh_for_language()
    assert older.rows

    dated = _signed_in(AdminAuditState, admin, path="/admin/audit?from=2001-01-01&to=2001-01-02")
    dated.load()
    assert dated.rows == [] and not dated.has_rows


def test_the_audit_log_shows_values_readably_and_is_for_admins_only(people):
    assert shown_value(None) == "–" and shown_value(True) == "Yes" and shown_value(["a", "b"]) == "a, b"
    assert shown_value({"a": 1}) == '{"a": 1}' and shown_value(3) == "3"
    state = _signed_in(AdminAuditState, people.make(Role.agent))
    assert state.load() is not None and not state.loaded
    renamed = AuditEntryPublic(
        id=9,
        created_at=datetime.now(UTC),
        actor=AuditActor(kind="api_key", user_id=None, api_key_id=3, name="ops"),
        action="priority.update",
        object_type="priority",
        object_id=None,
        changes=[
            AuditChange(field="key", before="low", after="low"),
            AuditChange(field="name", before="Low", after="Later"),
        ],
    )
    row = entry_row(renamed)
    assert row["object"] == "Priority low" and row["object_link"] == "/admin/settings" and row["who_kind"] == "API key"
    assert [c["field"] for c in row["changes"]] == ["name"] and row["who_id"] == 0
    secret = renamed.model_copy(
        update={"changes": [AuditChange(field="password", before="(hidden)", after="(hidden)", hidden=True)]}
    )
    assert entry_row(secret)["changes"][0]["hidden"] and entry_row(secret)["object"] == "Priority"


def test_the_settings_page_adds_renames_reorders_and_retires(people):
    admin = people.make(Role.admin)
    state = _signed_in(AdminSettingsState, admin, path="/admin/settings?tab=priorities")
    assert state.load() is None and state.tab == "priorities" and state.loaded
    assert [row["key"] for row in state.statuses][:2] == ["new", "open"]
    assert state.set_tab("fields") is not None and state.tab == "fields"
    state.set_tab("nope")
    assert state.tab == "fields"

    # Statuses: the refusals next to the field, then an added one moved up, renamed, retired and brought back.
    state.add_status({"name": ""})
    assert "name" in state.status_errors
    state.set_new_category("on_hold")
    state.set_new_category("bogus")
    assert state.new_category == "open"
    state.set_new_category("on_hold")
    state.add_status({"name": "Waiting on Ops"})
    assert state.status_errors == {} and state.statuses[-1]["key"] == "waiting_on_ops"
    state.add_status({"name": "waiting on ops"})
    assert "name" in state.status_errors
    state.move_status("waiting_on_ops", -1)
    assert state.statuses[-2]["key"] == "waiting_on_ops"
    assert state.move_status("new", -1) is None
    state.open_rename("status", "waiting_on_ops")
    assert state.renaming and state.rename_name == "Waiting on Ops"
    state.save_rename({"name": ""})
    assert "name" in state.rename_errors and state.renaming
    state.save_rename({"name": "With Ops"})
    assert not state.renaming and any(row["name"] == "With Ops" for row in state.statuses)
    state.open_rename("status", "nope")
    assert not state.renaming
    state.open_rename("status", "open")
    state.set_rename_open(False)
    assert not state.renaming

    ticket = make_ticket(by=people.make(Role.agent), requester=people.make(Role.customer), status="waiting_on_ops")
    state.ask_retire_status("waiting_on_ops")
    assert state.confirming and "With Ops" in state.pending["title"]
    state.confirm_retire()
    assert "1 ticket is in this status" in state.notice
    with write_session() as s:
        tickets.update_ticket(s, actor=Actor.for_user(admin), ticket_id=ticket.id, data=TicketUpdate(status="open"))
    state.ask_retire_status("waiting_on_ops")
    state.confirm_retire()
    assert state.notice == "" and not next(r for r in state.statuses if r["key"] == "waiting_on_ops")["active"]
    state.restore_status("waiting_on_ops")
    assert next(r for r in state.statuses if r["key"] == "waiting_on_ops")["active"]
    assert state.confirm_retire() is None  # nothing pending

    # Priorities.
    state.add_priority({"name": "Critical"})
    assert state.priorities[-1]["key"] == "critical"
    state.add_priority({"name": "critical"})
    assert "name" in state.priority_errors
    state.open_rename("priority", "low")
    state.save_rename({"name": "Someday"})
    assert state.priorities[0]["name"] == "Someday"
    state.move_priority("critical", -1)
    assert [r["key"] for r in state.priorities][-2:] == ["critical", "urgent"]
    state.make_default("high")
    assert next(r for r in state.priorities if r["key"] == "high")["default"]
    state.ask_retire_priority("high")
    state.confirm_retire()
    assert "default" in state.notice
    state.ask_retire_priority("low")
    state.confirm_retire()
    assert not state.priorities[0]["active"]
    state.restore_priority("low")
    assert state.priorities[0]["active"]


def test_the_settings_page_manages_custom_fields_and_tags(people):
    admin = people.make(Role.admin)
    state = _signed_in(AdminSettingsState, admin, path="/admin/settings?tab=fields")
    state.load()
    assert not state.has_fields
    state.open_add_field()
    state.set_field_type("select")
    assert state.field_has_options and not state.editing
    state.save_field({"label": "Plan", "options": ""})
    assert "options" in state.field_errors and state.field_open
    state.set_field_required(True)
    state.set_field_visible(True)
    state.save_field({"label": "Plan", "options": "Free\nPro, Team"})
    assert not state.field_open
    (plan,) = state.fields
    assert plan["options"] == ["Free", "Pro", "Team"] and plan["required"] and plan["visible"]
    state.open_add_field()
    state.save_field({"label": "", "options": ""})
    assert "label" in state.field_errors
    state.save_field({"label": "Order number", "options": ""})
    assert [f["key"] for f in state.fields] == ["plan", "order_number"]
    state.move_field("order_number", -1)
    assert [f["key"] for f in state.fields] == ["order_number", "plan"]
    state.open_edit_field(plan["id"])
    assert state.editing and state.field_options == "Free\nPro\nTeam"
    state.set_field_type("text")  # the type stays
    assert state.field_type == "select"
    state.set_field_visible(False)
    state.set_field_required(False)
    state.save_field({"label": "Plan tier", "options": "Free\nPro"})
    plan = next(f for f in state.fields if f["key"] == "plan")
    assert plan["label"] == "Plan tier" and not plan["visible"] and plan["options_text"] == "Free, Pro"
    state.ask_retire_field(plan["id"])
    assert "Plan tier" in state.pending["title"]
    state.confirm_retire()
    assert not next(f for f in state.fields if f["key"] == "plan")["active"]
    state.restore_field(plan["id"])
    assert next(f for f in state.fields if f["key"] == "plan")["active"]
    state.set_field_open(False)
    assert not state.field_open

    agent, customer = people.make(Role.agent), people.make(Role.customer)
    make_ticket(by=agent, requester=customer, tags=["billing", "vip"])
    make_ticket(by=agent, requester=customer, tags=["invoice"])
    state.search_tags({"q": ""})
    assert state.has_tags and state.tag_rows[0] == {"tag": "billing", "tickets": 1, "tickets_text": "1 ticket"}
    state.open_rename_tag("billing")
    assert state.tag_open and not state.merging and state.tag_into == "billing"
    state.save_tags({"into": "bad tag!"})
    assert "into" in state.tag_errors and state.tag_open
    state.save_tags({"into": "payments"})
    assert not state.tag_open and {r["tag"] for r in state.tag_rows} == {"payments", "vip", "invoice"}
    state.pick_tag("payments", True)
    assert not state.can_merge
    state.pick_tag("invoice", True)
    state.pick_tag("ghost", True)
    assert state.can_merge and state.tag_picked["invoice"] and state.picked_tags == ["payments", "invoice"]
    state.open_merge()
    assert state.merging and state.tag_into == "" and "2 tickets" in state.tag_tickets_text
    state.save_tags({"into": "money"})
    assert {r["tag"] for r in state.tag_rows} == {"money", "vip"} and state.picked_tags == []
    state.search_tags({"q": "vi"})
    assert [r["tag"] for r in state.tag_rows] == ["vip"]
    state.set_tag_open(False)
    state._refresh_for_language()


def test_the_settings_page_is_for_admins_only_and_its_helpers():
    assert _moved(["a", "b", "c"], "b", -1) == ["b", "a", "c"]
    assert _moved(["a", "b"], "b", 1) is None and _moved(["a"], "z", 1) is None
    assert _options("a\n b ,c\n\n") == ["a", "b", "c"]


def test_agents_get_no_settings(people):
    state = _signed_in(AdminSettingsState, people.make(Role.agent))
    assert state.load() is not None and not state.loaded


def test_the_portal_shows_only_the_fields_customers_may_see(people):
    from autocrm.services import desk
    from autocrm.services.desk import CustomFieldCreate
    from autocrm.state.portal import PortalTicketState

    admin = Actor.for_user(people.make(Role.admin))
    with write_session() as s:
        desk.add_custom_field(
            s,
            actor=admin,
            data=CustomFieldCreate(label="Plan", field_type="select", options=["Pro"], visible_to_customers=True),
        )
        desk.add_custom_field(s, actor=admin, data=CustomFieldCreate(label="Churn risk", field_type="number"))
        desk.add_custom_field(
            s, actor=admin, data=CustomFieldCreate(label="Insured", field_type="checkbox", visible_to_customers=True)
        )
    customer = people.make(Role.customer)
    ticket = make_ticket(
        by=people.make(Role.agent),
        requester=customer,
        custom_fields={"plan": "Pro", "churn_risk": 0.9, "insured": True},
    )
    state = _signed_in(PortalTicketState, customer, path=f"/portal/tickets/{ticket.id}")
    state.load()
    assert state.ticket["has_fields"]
    assert state.ticket["shown_fields"] == [{"label": "Plan", "value": "Pro"}, {"label": "Insured", "value": "Yes"}]
    assert "churn" not in str(state.ticket).lower()
