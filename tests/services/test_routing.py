"""Routing rules as data: admins manage them, they act on new tickets inside the write's transaction through
the ticket services (audited, emitted with via "rule"), in order, and a broken one never refuses a ticket.
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, EventRecord, Role, Team
from autocrm.services import routing, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied, ValidationFailed
from autocrm.services.routing import RuleActions, RuleCreate, RuleUpdate, TrialTicket
from tests.factories import make_team, make_ticket

CARD_WORDS = {"field": "text", "op": "contains_any", "value": ["card", "atm"]}


def _rule(admin: Actor, **fields) -> routing.RulePublic:
    with write_session() as s:
        return routing.create_rule(s, actor=admin, data=RuleCreate(**fields))


def test_a_rule_routes_a_new_ticket_before_anyone_sees_it(people):
    admin = people.actor(people.make(Role.admin))
    cards = make_team(name="Cards")
    rule = _rule(
        admin,
        name="Card trouble to Cards",
        conditions={"all": [CARD_WORDS, {"field": "priority", "op": "at_most", "value": "high"}]},
        actions=RuleActions(team_id=cards.id, priority="high", add_tags=["cards"]),
    )
    assert rule.description == "(text contains any ['card', 'atm'] and priority at most high)"
    routed = make_ticket(subject="My card was swallowed", body="The ATM kept it")
    other = make_ticket(subject="Change my address", body="I moved")
    assert routed.team is not None and routed.team.id == cards.id  # what create_ticket returned already
    assert (routed.priority, routed.tags) == ("high", ["cards"])
    assert other.team is None and other.tags == []
    with read_session() as s:
        entries = list(
            s.exec(select(AuditEntry).where(AuditEntry.object_id == routed.id, AuditEntry.action == "ticket.update"))
        )
        updated = s.exec(
            select(EventRecord).where(EventRecord.ticket_id == routed.id, EventRecord.type == "ticket.updated")
        ).one()
        timeline = tickets.timeline(s, actor=admin, ticket_id=routed.id, kinds=frozenset({"change"}))
    assert [e.actor_label for e in entries] == [f"rule:{rule.id}:Card trouble to Cards"]
    assert updated.via == "rule" and updated.caused_by == routing.LISTENER
    assert timeline[0].actor_label.startswith(f"rule:{rule.id}:")


def test_rules_go_in_order_and_stop_unless_told_to_go_on(people):
    admin = people.actor(people.make(Role.admin))
    first, second = make_team(name="First"), make_team(name="Second")
    a = _rule(admin, name="A", conditions=CARD_WORDS, actions=RuleActions(team_id=first.id, add_tags=["a"]))
    b = _rule(admin, name="B", conditions=CARD_WORDS, actions=RuleActions(team_id=second.id, add_tags=["b"]))
    assert make_ticket(subject="card").team.name == "First"
    with write_session() as s:
        routing.reorder_rules(s, actor=admin, ids=[b.id, a.id])
    assert make_ticket(subject="card").team.name == "Second"
    with write_session() as s:
        routing.update_rule(s, actor=admin, rule_id=b.id, data=RuleUpdate(continue_after=True))
    both = make_ticket(subject="card")
    assert both.team.name == "First" and both.tags == ["a", "b"]  # B acted, then A on the changed ticket
    with write_session() as s:
        routing.update_rule(s, actor=admin, rule_id=b.id, data=RuleUpdate(enabled=False))
        routing.update_rule(s, actor=admin, rule_id=a.id, data=RuleUpdate(enabled=False))
    assert make_ticket(subject="card").team is None


def test_a_rule_on_updates_and_the_loop_guard(people):
    admin = people.actor(people.make(Role.admin))
    agent = people.make(Role.agent)
    _rule(
        admin,
        name="Urgent is escalated",
        conditions={"field": "priority", "op": "is", "value": "urgent"},
        actions=RuleActions(add_tags=["escalated"]),
        triggers=["ticket.updated"],
    )
    ticket = make_ticket(subject="Hello")
    with write_session() as s:
        changed = tickets.update_ticket(
            s, actor=people.actor(agent), ticket_id=ticket.id, data=tickets.TicketUpdate(priority="urgent")
        )
    assert changed.tags == ["escalated"]
    with read_session() as s:
        updates = s.exec(
            select(EventRecord).where(EventRecord.ticket_id == ticket.id, EventRecord.type == "ticket.updated")
        ).all()
    assert len(updates) == 2  # the agent's change and the rule's, which woke no rule again


def test_a_broken_action_never_refuses_the_ticket(people):
    admin = people.actor(people.make(Role.admin))
    doomed = make_team(name="Doomed")
    rule = _rule(admin, name="To doomed", conditions=CARD_WORDS, actions=RuleActions(team_id=doomed.id, add_tags=["x"]))
    with write_session() as s:
        s.delete(s.get(Team, doomed.id))
    ticket = make_ticket(subject="card")
    assert ticket.team is None and ticket.tags == []  # nothing half-done
    with read_session() as s:
        failed = s.exec(select(AuditEntry).where(AuditEntry.action == "rule.failed")).one()
    assert failed.object_id == ticket.id and failed.changes["rule"] == [None, rule.id]


def test_trying_a_ticket_writes_nothing(people):
    admin = people.actor(people.make(Role.admin))
    lead = people.make(Role.agent, name="Lena")
    cards = make_team(name="Cards", member_ids=[lead.id])
    _rule(
        admin,
        name="VIP",
        conditions={"field": "requester_email", "op": "ends_with", "value": "@vip.example"},
        actions=RuleActions(assignee_id=lead.id, priority="urgent"),
        continue_after=True,
    )
    _rule(admin, name="Cards", conditions=CARD_WORDS, actions=RuleActions(team_id=cards.id))
    with read_session() as s:
        result = routing.try_ticket(
            s, actor=admin, data=TrialTicket(subject="Card blocked", requester_email="boss@vip.example")
        )
        nothing = routing.try_ticket(s, actor=admin, data=TrialTicket(subject="Hello"))
        count = len(list(s.exec(select(col(AuditEntry.id)).where(AuditEntry.action.startswith("ticket")))))
    assert result.rule_name == "VIP" and len(result.matched) == 2
    assert result.actions == {"assignee_id": lead.id, "priority": "urgent", "team_id": cards.id}
    assert result.assignee.name == "Lena" and result.team.name == "Cards"
    assert nothing.rule_id is None and nothing.actions == {}
    assert count == 0


def test_only_admins_manage_rules_and_bad_rules_are_refused(people):
    admin = people.actor(people.make(Role.admin))
    agent = people.actor(people.make(Role.agent))
    with pytest.raises(PermissionDenied):
        _rule(agent, name="x", conditions=CARD_WORDS, actions=RuleActions(priority="high"))
    with pytest.raises(PermissionDenied), read_session() as s:
        routing.list_rules(s, actor=agent)
    with pytest.raises(ValidationFailed):
        _rule(
            admin, name="x", conditions={"field": "moon", "op": "is", "value": 1}, actions=RuleActions(priority="high")
        )
    with pytest.raises(ValidationFailed):
        _rule(admin, name="x", conditions=CARD_WORDS, actions=RuleActions())
    with pytest.raises(ValidationFailed):
        _rule(admin, name="x", conditions=CARD_WORDS, actions=RuleActions(team_id=99999))
    rule = _rule(admin, name="ok", conditions=CARD_WORDS, actions=RuleActions(priority="high"))
    with pytest.raises(ValidationFailed), write_session() as s:
        routing.reorder_rules(s, actor=admin, ids=[rule.id, rule.id])
    with write_session() as s:
        routing.delete_rule(s, actor=admin, rule_id=rule.id)
    with read_session() as s:
        assert routing.list_rules(s, actor=admin) == []
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.object_type == "routing_rule"))]
    assert actions == ["routing_rule.created", "routing_rule.deleted"]
