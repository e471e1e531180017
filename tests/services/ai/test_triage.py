"""Triage from resolved tickets: a new ticket gets the category, team, priority and skills of the resolved
tickets most like it, with its sources; the history follows tickets into and out of solved and closed through
the after-commit job; staff only. SQLite and PostgreSQL, with the real MiniLM model."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import CustomFieldType, Role, TicketVector
from autocrm.services import agents, balancing, desk, tickets
from autocrm.services.actor import TICKETS_READ, Actor
from autocrm.services.ai import triage
from autocrm.services.ai.triage import TriageRequest
from autocrm.services.api_keys import api_key_actor
from autocrm.services.balancing import SkillNeed
from autocrm.services.errors import PermissionDenied
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
