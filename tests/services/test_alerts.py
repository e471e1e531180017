"""Alerts on a team's queue: admins set thresholds, the minute's check fires once per episode and clears, the
team's leads get a bell notification in their language, and webhooks hear of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner, schedule
from autocrm.models import EventRecord, InboxNotification, Role, Ticket, User
from autocrm.models.base import utcnow
from autocrm.services import alerts, events, tickets, users, webhooks
from autocrm.services.actor import Actor
from autocrm.services.alerts import AlertRuleCreate, AlertRuleUpdate
from autocrm.services.errors import PermissionDenied, ValidationFailed
from autocrm.services.events import Event
from tests.factories import make_team, make_ticket


def _desk(people):
    admin = people.make(Role.admin, name="Ada Admin")
    lead = people.make(Role.agent, name="Lena Lead")
    member = people.make(Role.agent, name="Max Member")
    team = make_team(name="Billing", member_ids=[lead.id, member.id])
    with write_session() as s:
        users.set_team_lead(s, actor=Actor.system("tests"), team_id=team.id, user_id=lead.id, lead=True)
        s.get(User, lead.id).locale = "de"  # type: ignore[union-attr]  # the lead reads German
    return admin, lead, member, team


def _events(kind: str) -> list[EventRecord]:
    with read_session() as s:
        return list(s.exec(select(EventRecord).where(EventRecord.type == kind).order_by(EventRecord.id)))


def test_a_rule_fires_once_per_episode_and_rings_the_teams_leads(people):
    admin, lead, member, team = _desk(people)
    customer = people.make(Role.customer)
    first, second = (make_ticket(by=admin, requester=customer, subject=f"Refund {n}", team_id=team.id) for n in (1, 2))
    make_ticket(by=customer, subject="Another team's")  # no team: not Billing's

    with write_session() as s, pytest.raises(PermissionDenied):  # only admins set alerts
        alerts.create_rule(
            s, actor=people.actor(lead), data=AlertRuleCreate(team_id=team.id, kind="unassigned", threshold=1)
        )
    with write_session() as s:
        rule = alerts.create_rule(
            s, actor=people.actor(admin), data=AlertRuleCreate(team_id=team.id, kind="unassigned", threshold=1)
        )
    with write_session() as s, pytest.raises(ValidationFailed) as refused:  # one rule per team and measure
        alerts.create_rule(
            s, actor=people.actor(admin), data=AlertRuleCreate(team_id=team.id, kind="unassigned", threshold=5)
        )
    assert "kind" in refused.value.details

    job = schedule.scheduled_job(alerts.SCHEDULE_NAME)
    assert job is not None
    with write_session() as s:
        assert alerts.measure(s, "unassigned", team.id) == 2
        assert alerts.measure(s, "unassigned", None) == 3
        assert job.run(s) == 0  # it fired as it was made (the admin sees it at once): one event per episode
    (fired,) = _events(alerts.TRIGGERED)
    assert fired.data == {"rule_id": rule.id, "team_id": team.id, "kind": "unassigned", "threshold": 1, "value": 2}

    runner.run_pending_jobs()
    with read_session() as s:
        rung = list(s.exec(select(InboxNotification).where(InboxNotification.kind == alerts.ALERT)))
        lead_view = alerts.active_alerts(s, actor=people.actor(lead))
        with pytest.raises(PermissionDenied):  # a member who leads nothing reads no alerts
            alerts.active_alerts(s, actor=people.actor(member))
    assert [(row.user_id, row.excerpt) for row in rung] == [
        (lead.id, "Billing: 2 nicht zugewiesene Tickets (Warnung bei mehr als 1)")
    ]
    assert [(a.rule_id, a.value, a.summary) for a in lead_view] == [
        (rule.id, 2, "Billing: 2 unassigned tickets (alert above 1)")
    ]

    with write_session() as s:  # someone takes a ticket: back to the threshold, the alert clears
        tickets.update_ticket(
            s, actor=people.actor(lead), ticket_id=first.id, data=tickets.TicketUpdate(assignee_id=lead.id)
        )
    with write_session() as s:
        assert alerts.check_all(s) == 1
    assert [e.data["value"] for e in _events(alerts.CLEARED)] == [1]
    with read_session() as s:
        assert alerts.active_alerts(s, actor=people.actor(admin)) == []
    with write_session() as s:  # switched off, it is not checked; deleting it is audited
        alerts.update_rule(s, actor=people.actor(admin), rule_id=rule.id, data=AlertRuleUpdate(enabled=False))
        tickets.update_ticket(
            s, actor=people.actor(lead), ticket_id=first.id, data=tickets.TicketUpdate(assignee_id=None)
        )
    with write_session() as s:
        assert alerts.check_all(s) == 0
        alerts.delete_rule(s, actor=people.actor(admin), rule_id=rule.id)
    with read_session() as s:
        assert alerts.list_rules(s, actor=people.actor(admin)) == []
    assert second.id


def test_waiting_time_and_breaches_are_measured_and_a_desk_wide_alert_rings_the_admins(people):
    admin = people.make(Role.admin, name="Ada Admin")
    customer = people.make(Role.customer)
    old = make_ticket(by=customer, subject="Waiting since lunch")
    now = utcnow()
    with write_session() as s:
        s.get(Ticket, old.id).created_at = now - timedelta(minutes=95)  # type: ignore[union-attr]
    with write_session() as s:
        assert alerts.measure(s, "oldest_waiting_minutes", None, now=now) == 95
        assert alerts.measure(s, "breaches_24h", None, now=now) == 0
        events.emit(s, "sla.breached", actor=Actor.system("tests"), ticket_id=old.id, data={"target": "first_response"})
    with write_session() as s:
        assert alerts.measure(s, "breaches_24h", None) == 1
        alerts.create_rule(
            s, actor=people.actor(admin), data=AlertRuleCreate(kind="oldest_waiting_minutes", threshold=60)
        )
        assert alerts.check_all(s, now=now) == 0  # fired as it was made
    runner.run_pending_jobs()
    with read_session() as s:
        (rung,) = s.exec(select(InboxNotification).where(InboxNotification.kind == alerts.ALERT))
    assert rung.user_id == admin.id
    assert rung.excerpt == "The whole desk: a ticket has waited 95 minutes for a first reply (alert above 60)"

    # Webhooks offer the alert and the breach, each with its own facts.
    (fired,) = _events(alerts.TRIGGERED)
    event = Event.from_record(fired)
    assert webhooks.webhook_type(event) == "alert.triggered" and "alert.triggered" in webhooks.EVENT_TYPES
    with read_session() as s:
        payload = webhooks._payload_data(s, event, "alert.triggered")
    assert payload == {
        "alert": {"rule_id": 1, "team_id": None, "kind": "oldest_waiting_minutes", "threshold": 60, "value": 95}
    }
