"""The suggested agent for a ticket, from who resolved the tickets most like it (triage's history, the real
MiniLM model), how fast against the desk's median and how well rated; its rule action. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import AuditEntry, Role, Ticket
from autocrm.services import agents, metrics, routing, tickets
from autocrm.services.actor import Actor
from autocrm.services.ai import best_agent, provider, triage
from autocrm.services.errors import PermissionDenied, ValidationFailed
from autocrm.services.routing import RuleActions, RuleCreate
from tests.factories import make_team, make_ticket

SYSTEM = Actor.system("tests")
REFUNDS = [
    ("Charged twice", "My credit card was charged twice for the same invoice, I want a refund."),
    ("Refund for my order", "Please refund the payment for my last invoice, it was billed by mistake."),
    ("Wrong amount on invoice", "The invoice charged my card more than the price, please refund the difference."),
    ("Double payment", "I paid the invoice twice by card, please refund one of the payments."),
    ("Refund please", "You billed my card for an order I cancelled, I would like my money back."),
]
ACCOUNT = [
    ("I forgot my password", "I cannot sign in since I forgot my password, please reset it."),
    ("Locked out of my account", "My login stopped working and the password reset mail never came."),
]


def _solve(people, agent, subject: str, body: str, *, hours: float, score: int | None, team_id: int) -> int:
    """A ticket resolved by `agent` `hours` after it was opened, rated `score` by its requester."""
    requester = people.make(Role.customer)
    ticket = make_ticket(requester=requester, subject=subject, body=body)
    with write_session() as s:
        tickets.update_ticket(
            s,
            actor=people.actor(agent),
            ticket_id=ticket.id,
            data=tickets.TicketUpdate(status="solved", team_id=team_id, assignee_id=agent.id),
        )
        row = s.get(Ticket, ticket.id)
        assert row is not None and row.solved_at is not None
        row.created_at = row.solved_at - timedelta(hours=hours)
        s.add(row)
    if score is not None:
        with write_session() as s:
            tickets.rate_ticket(s, actor=people.actor(requester), ticket_id=ticket.id, score=score)
    return ticket.id


@pytest.fixture
def desk(people):
    """Billing (Ana: three refunds in an hour rated 5; Ben: two refunds in two days rated 3) and Access (Dan:
    the password tickets)."""
    triage.forget()
    ana, ben, dan = (people.make(Role.agent, name=n) for n in ("Ana Lopez", "Ben Ruiz", "Dan Weber"))
    billing = make_team(name="Billing", member_ids=[ana.id, ben.id])
    access = make_team(name="Access", member_ids=[dan.id])
    for i, (subject, body) in enumerate(REFUNDS):
        agent, hours, score = (ana, 1, 5) if i < 3 else (ben, 48, 3)
        _solve(people, agent, subject, body, hours=hours, score=score, team_id=billing.id)
    for subject, body in ACCOUNT:
        _solve(people, dan, subject, body, hours=2, score=None, team_id=access.id)
    runner.run_pending_jobs()
    yield {"ana": ana, "ben": ben, "dan": dan, "billing": billing, "access": access}
    triage.forget()


def _new(subject="Refund the double charge", body="You charged my card twice for one invoice, refund it.", **kw):
    return make_ticket(subject=subject, body=body, **kw)


def test_the_fast_well_rated_resolver_of_similar_tickets_is_suggested(desk, people):
    ticket = _new()
    with write_session() as s:
        tickets.update_ticket(
            s, actor=SYSTEM, ticket_id=ticket.id, data=tickets.TicketUpdate(team_id=desk["billing"].id)
        )
    agent = people.actor(desk["ben"])
    with read_session() as s:
        found = best_agent.suggest_agent(s, actor=agent, ticket_id=ticket.id)
    assert [a.agent.name for a in found.agents] == ["Ana Lopez", "Ben Ruiz"]  # Dan is not in Billing
    best, runner_up = found.agents
    assert best.agent.id == desk["ana"].id and best.status == "available"
    assert (best.solved, best.ratings, best.rating, best.median_seconds) == (3, 3, 5.0, 3600.0)
    assert best.reason == "Solved 3 similar tickets, median 1 hour, rated 5/5"
    assert runner_up.reason == "Solved 2 similar tickets, median 2 days, rated 3/5"
    assert best.score > runner_up.score > 0
    assert found.team is not None and found.team.team.name == "Billing" and found.note == ""
    assert found.similar >= 5
    with read_session() as s:  # the desk's median the speeds are measured against: 1, 1, 1, 2, 2, 48, 48 hours
        assert metrics.desk_resolution_median(s) == 7200.0

    with read_session() as s:  # the same data, the same answer
        assert best_agent.suggest_agent(s, actor=agent, ticket_id=ticket.id) == found

    # The best one away: still shown, and said so, after the one who can take it.
    with write_session() as s:
        agents.set_availability(s, actor=people.actor(desk["ana"]), availability="away")
    with read_session() as s:
        away = best_agent.suggest_agent(s, actor=agent, ticket_id=ticket.id)
    assert [(a.agent.name, a.status) for a in away.agents] == [("Ben Ruiz", "available"), ("Ana Lopez", "away")]
    assert away.agents[1].reason.endswith(", away now")

    # Full: at capacity says how full.
    with write_session() as s:
        agents.set_availability(s, actor=people.actor(desk["ana"]), availability="online")
        agents.set_capacity(s, actor=SYSTEM, user_id=desk["ana"].id, max_open_tickets=1)
    make_ticket(subject="Something else", assignee_id=desk["ana"].id, by=desk["ana"], requester=people.make())
    with read_session() as s:
        full = best_agent.suggest_agent(s, actor=agent, ticket_id=ticket.id)
    assert full.agents[1].status == "full" and full.agents[1].reason.endswith(", at capacity (1 of 1 open)")


def test_a_ticket_without_a_team_may_go_to_any_team_member_and_another_language_reads_its_own(desk, people):
    from autocrm.core import i18n

    ticket = _new(subject="Cannot sign in", body="I forgot my password and the reset mail never came.")
    with read_session() as s, i18n.using_locale("es"):
        found = best_agent.suggest_agent(s, actor=people.actor(desk["ana"]), ticket_id=ticket.id)
    assert found.agents[0].agent.name == "Dan Weber" and found.team is not None
    assert found.team.team.name == "Access"
    assert found.agents[0].reason.startswith("Resolvió 2 tickets similares")


def test_too_little_history_suggests_nobody_and_customers_never_see_it(people):
    triage.forget()
    ana = people.make(Role.agent, name="Ana Lopez")
    make_team(name="Billing", member_ids=[ana.id])
    customer = people.make(Role.customer)
    ticket = _new(requester=customer, by=customer)
    with read_session() as s:
        found = best_agent.suggest_agent(s, actor=people.actor(ana), ticket_id=ticket.id)
        assert found.agents == [] and found.team is None
        assert found.note == "Too few similar solved tickets to suggest an agent yet."
        with pytest.raises(PermissionDenied):
            best_agent.suggest_agent(s, actor=people.actor(customer), ticket_id=ticket.id)
    with write_session() as s:
        provider.set_switches(s, actor=SYSTEM, features={"triage": False})
    with read_session() as s, pytest.raises(provider.AiUnavailable):
        best_agent.suggest_agent(s, actor=people.actor(ana), ticket_id=ticket.id)
    triage.forget()


def _rule(people, desk_or_team_id: int) -> routing.RulePublic:
    admin = people.actor(people.make(Role.admin))
    with write_session() as s:
        return routing.create_rule(
            s,
            actor=admin,
            data=RuleCreate(
                name="Refunds to the best",
                conditions={"field": "text", "op": "contains_any", "value": ["refund"]},
                actions=RuleActions(team_id=desk_or_team_id, assign_suggested=True),
            ),
        )


def test_a_rule_assigns_the_suggested_agent_and_the_audit_names_it(desk, people):
    rule = _rule(people, desk["billing"].id)
    assert rule.actions == {"team_id": desk["billing"].id, "assign_suggested": True}
    ticket = _new()
    assert ticket.team is not None and ticket.team.id == desk["billing"].id
    assert ticket.assignee is not None and ticket.assignee.id == desk["ana"].id
    with read_session() as s:
        entries = s.exec(
            select(AuditEntry).where(AuditEntry.object_id == ticket.id, AuditEntry.action == "ticket.update")
        ).all()
    assigned = [e for e in entries if "assignee_id" in e.changes]
    assert [e.actor_label for e in assigned] == [f"rule:{rule.id}:Refunds to the best"]
    assert assigned[0].changes["assignee_id"] == [None, desk["ana"].id]


def test_a_rule_with_no_history_assigns_nobody_and_both_assignees_are_refused(people):
    triage.forget()
    ana = people.make(Role.agent, name="Ana Lopez")
    billing = make_team(name="Billing", member_ids=[ana.id])
    _rule(people, billing.id)
    ticket = _new()
    assert ticket.team is not None and ticket.team.id == billing.id and ticket.assignee is None
    admin = people.actor(people.make(Role.admin))
    with write_session() as s, pytest.raises(ValidationFailed) as refused:
        routing.create_rule(
            s,
            actor=admin,
            data=RuleCreate(
                name="Both",
                conditions={"field": "text", "op": "contains_any", "value": ["x"]},
                actions=RuleActions(assignee_id=ana.id, assign_suggested=True),
            ),
        )
    assert "actions.assignee_id" in refused.value.details
    triage.forget()
