"""Triage from resolved tickets: a new ticket gets the category, team, priority and skills of the resolved
tickets most like it, with its sources; the history follows tickets into and out of solved and closed through
the after-commit job; staff only. SQLite and PostgreSQL, with the real MiniLM model."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import AuditEntry, CustomFieldType, Role, TicketVector
from autocrm.services import agents, balancing, desk, routing, tickets
from autocrm.services.actor import TICKETS_READ, Actor
from autocrm.services.ai import provider, triage
from autocrm.services.ai.triage import TriageRequest
from autocrm.services.api_keys import api_key_actor
from autocrm.services.balancing import SkillNeed
from autocrm.services.errors import PermissionDenied, ValidationFailed
from autocrm.services.routing import RuleActions, RuleCreate, TrialTicket
from tests.factories import make_api_key, make_team, make_ticket

SYSTEM = Actor.system("tests")
ACCOUNT = [
    ("I forgot my password", "I cannot sign in since I forgot my password, please reset it."),
    ("Locked out of my account", "My login stopped working and the password reset mail never came."),
    ("Can't log in", "The sign-in page says my password is wrong, how do I reset it?"),
]
BILLING = [
    ("Charged twice", "My credit card was charged twice for the same invoice, I want a refund."),
    ("Refund for my order", "Please refund the payment for my last invoice, it was billed by mistake."),
    ("Wrong amount on invoice", "The invoice charged my card more than the price, please refund the difference."),
]


@pytest.fixture
def history(people):
    """Six solved tickets of two kinds: account (Access team, high, skill `security`) and billing (Billing team,
    low), with `category` set as a custom field."""
    triage.forget()
    agent = people.make(Role.agent, name="Ann")
    access, billing = make_team(name="Access"), make_team(name="Billing")
    with write_session() as s:
        desk.create_custom_field(s, actor=SYSTEM, key="category", label="Category", field_type=CustomFieldType.text)
        security = agents.create_skill(s, actor=SYSTEM, name="security")
    made: dict[str, list[int]] = {"account": [], "billing": []}
    for category, team, priority, rows in (
        ("account", access, "high", ACCOUNT),
        ("billing", billing, "low", BILLING),
    ):
        for subject, body in rows:
            ticket = make_ticket(subject=subject, body=body)
            with write_session() as s:
                tickets.update_ticket(
                    s,
                    actor=people.actor(agent),
                    ticket_id=ticket.id,
                    data=tickets.TicketUpdate(
                        status="solved", team_id=team.id, priority=priority, custom_fields={"category": category}
                    ),
                )
                if category == "account":
                    balancing.set_requirements(
                        s, actor=SYSTEM, ticket_id=ticket.id, required_skills=[SkillNeed(skill_id=security.id, level=3)]
                    )
            made[category].append(ticket.id)
    runner.run_pending_jobs()
    with read_session() as s:
        triage.history(s, wait_for_fit=True)  # the classifiers too, not the neighbours alone of a fresh process
    yield {"agent": agent, "access_team": access, "billing_team": billing, "security": security, **made}
    triage.forget()


def test_a_new_ticket_gets_what_its_resolved_look_alikes_had(history):
    with read_session() as s:
        result = triage.triage(
            s,
            actor=Actor.for_user(history["agent"]),
            data=TriageRequest(subject="Password reset", body="I can't sign in, my password does not work anymore."),
        )
    assert result.category == "account" and result.team_id == history["access_team"].id and result.priority == "high"
    assert 0.5 < result.category_confidence <= 1 and result.confidence == result.category_confidence
    assert [(s.skill_id, s.level) for s in result.skills] == [(history["security"].id, 3)]
    assert result.similar_tickets[0].ticket_id in history["account"]
    assert [t.similarity for t in result.similar_tickets] == sorted(
        (t.similarity for t in result.similar_tickets), reverse=True
    )

    with read_session() as s:
        refund = triage.triage(
            s,
            actor=Actor.for_user(history["agent"]),
            data=TriageRequest(body="Please refund the double charge on my card."),
        )
    assert (refund.category, refund.team_id, refund.priority, refund.skills) == (
        "billing",
        history["billing_team"].id,
        "low",
        [],
    )
    assert refund.similar_tickets[0].ticket_id in history["billing"]


def test_the_history_follows_tickets_into_and_out_of_resolved(history):
    agent = Actor.for_user(history["agent"])
    with read_session() as s:
        assert {row.ticket_id for row in s.exec(select(TicketVector))} == set(history["account"] + history["billing"])
    open_ticket = make_ticket(subject="Password reset again", body="Still cannot sign in.")
    runner.run_pending_jobs()
    with read_session() as s:
        assert s.get(TicketVector, open_ticket.id) is None  # not resolved: not history
    reopened = history["billing"][0]
    with write_session() as s:
        tickets.update_ticket(s, actor=agent, ticket_id=reopened, data=tickets.TicketUpdate(status="open"))
        tickets.update_ticket(s, actor=agent, ticket_id=open_ticket.id, data=tickets.TicketUpdate(status="closed"))
    runner.run_pending_jobs()
    with read_session() as s:
        assert s.get(TicketVector, reopened) is None
        assert s.get(TicketVector, open_ticket.id) is not None
        found = triage.triage(s, actor=agent, data=TriageRequest(subject="Password reset again"))
    assert found.similar_tickets[0].ticket_id == open_ticket.id and reopened not in [
        t.ticket_id for t in found.similar_tickets
    ]
    # A solved ticket's label changes without its text: no new vector, but every process reads it again.
    relabelled = history["billing"][1]
    with read_session() as s:
        stamped, vector = s.get(TicketVector, relabelled).updated_at, s.get(TicketVector, relabelled).vector
    with write_session() as s:
        tickets.update_ticket(s, actor=agent, ticket_id=relabelled, data=tickets.TicketUpdate(priority="urgent"))
    runner.run_pending_jobs()
    with read_session() as s:
        row = s.get(TicketVector, relabelled)
        assert row.updated_at > stamped and row.vector == vector
        known = triage.history(s)
    assert known.labels["priority"][known.ids.index(relabelled)] == "urgent"
    # The backfill finds nothing left to do; a vector lost (an import, an upgrade) is made again.
    with write_session() as s:
        assert triage.index_missing(s) == 0
        s.delete(s.get(TicketVector, open_ticket.id))
    assert triage.index_all() == 1


def test_only_staff_with_the_scope_may_triage(history, people):
    customer = people.make(Role.customer)
    no_scope = api_key_actor_of(make_api_key(role=Role.agent, scopes=[TICKETS_READ]))
    with read_session() as s:
        for actor in (Actor.for_user(customer), no_scope):
            with pytest.raises(PermissionDenied):
                triage.triage(s, actor=actor, data=TriageRequest(subject="Password reset"))


def test_the_input_is_checked():
    for bad in (
        {},
        {"subject": " ", "body": ""},
        {"subject": "x" * 251},
        {"body": "x" * 20_001},
        {"subject": "a", "x": 1},
    ):
        with pytest.raises(ValueError):
            TriageRequest.model_validate(bad)


def test_an_empty_history_suggests_nothing(people):
    triage.forget()
    with read_session() as s:
        result = triage.triage(s, actor=Actor.for_user(people.make(Role.agent)), data=TriageRequest(subject="Hello"))
    assert (result.category, result.team_id, result.confidence, result.similar_tickets) == (None, None, 0.0, [])


def api_key_actor_of(raw: str) -> Actor:
    with write_session() as s:
        return api_key_actor(s, raw)


def test_a_fresh_process_answers_from_the_neighbours_while_it_fits(history):
    triage.forget()  # as a process that just started
    with read_session() as s:
        first = triage.history(s)  # returns at once: the fit runs in a thread
        result = triage.triage(s, actor=Actor.for_user(history["agent"]), data=TriageRequest(subject="Password reset"))
        fitted = triage.history(s, wait_for_fit=True)
    assert result.category == "account" and fitted is first
    assert set(fitted.fit.classifiers) == {"category", "team_id", "priority"}
    assert fitted.fit.classifiers["category"].labels == ["account", "billing"]


# ---- triage in routing rules, and on the ticket page ------------------------------------------------------


def test_a_routing_rule_acts_on_what_triage_says(history, people):
    admin = people.actor(people.make(Role.admin))
    refunds = make_team(name="Refunds desk")
    sure_it_is_billing = {"field": "triage.category", "op": "is", "value": "billing", "min_confidence": 0.5}
    with write_session() as s:
        rule = routing.create_rule(
            s,
            actor=admin,
            data=RuleCreate(
                name="Billing to Refunds",
                conditions=sure_it_is_billing,
                actions=RuleActions(team_id=refunds.id, add_tags=["refund"]),
            ),
        )
    assert rule.description == "triage.category is billing (confidence at least 0.5)"
    routed = make_ticket(subject="Double charge", body="You charged my card twice for one invoice, refund it please.")
    left = make_ticket(subject="Cannot sign in", body="My password stopped working.")
    assert routed.team is not None and routed.team.id == refunds.id and routed.tags == ["refund"]
    assert left.team is None and left.tags == []
    with read_session() as s:
        trial = routing.try_ticket(
            s, actor=admin, data=TrialTicket(subject="Refund", body="Please refund the payment on my invoice.")
        )
    assert trial.rule_id == rule.id and trial.triage is not None and trial.triage.category == "billing"
    assert trial.triage.category_confidence >= 0.5
    # Switched off by an admin: triage says nothing, and a triage test holds for no ticket.
    with write_session() as s:
        provider.set_switches(s, actor=admin, features={"triage": False})
    assert make_ticket(subject="Double charge", body="Refund the second charge on my card.").team is None


def test_the_ticket_page_offers_what_the_ticket_lacks_and_applies_it_audited(history, people):
    agent = Actor.for_user(history["agent"])
    ticket = make_ticket(subject="Password reset", body="I can't sign in, my password does not work anymore.")
    with read_session() as s:
        offered = triage.for_ticket(s, actor=agent, ticket_id=ticket.id)
    chosen = {(o.field, o.value, o.level) for o in offered.suggestions}
    assert chosen == {
        ("category", "account", 0),
        ("team_id", str(history["access_team"].id), 0),
        ("priority", "high", 0),
        ("skill", str(history["security"].id), 3),
    }
    assert {o.label for o in offered.suggestions} >= {"Access", "High", "security"} and offered.agreed == []
    assert offered.similar_tickets and offered.similar_tickets[0].ticket_id in history["account"]
    with write_session() as s:
        changed = triage.apply_to_ticket(
            s,
            actor=agent,
            ticket_id=ticket.id,
            data=triage.TriageApply(
                category="account",
                team_id=history["access_team"].id,
                priority="high",
                skills=[SkillNeed(skill_id=history["security"].id, level=3)],
            ),
        )
    assert changed.team.id == history["access_team"].id and changed.priority == "high"
    assert changed.custom_fields["category"] == "account"
    with read_session() as s:
        entries = list(
            s.exec(select(AuditEntry).where(AuditEntry.object_id == ticket.id, AuditEntry.action == "ticket.update"))
        )
        timeline = tickets.timeline(s, actor=agent, ticket_id=ticket.id, kinds=frozenset({"change"}))
        again = triage.for_ticket(s, actor=agent, ticket_id=ticket.id)
    assert {entry.actor_user_id for entry in entries} == {history["agent"].id}
    changed_fields = {change.field for entry in timeline for change in entry.changes}
    assert {"team", "priority", "fields", "skills"} <= changed_fields
    assert (again.suggestions, again.agreed) == ([], ["category", "team_id", "priority", "skill"])
    # A resolved ticket is not its own neighbour; nothing chosen is refused; switched off, nothing is offered.
    own = history["account"][0]
    with read_session() as s:
        assert own not in [t.ticket_id for t in triage.for_ticket(s, actor=agent, ticket_id=own).similar_tickets]
    with write_session() as s, pytest.raises(ValidationFailed):
        triage.apply_to_ticket(s, actor=agent, ticket_id=ticket.id, data=triage.TriageApply())
    with write_session() as s:
        provider.set_switches(s, actor=Actor.system("tests"), enabled=False)
    with read_session() as s, pytest.raises(provider.AiUnavailable):
        triage.for_ticket(s, actor=agent, ticket_id=ticket.id)
