"""An agent's recommended queue filters (from the tags, priorities and teams of their own tickets, skipping what
their views already show) and personal tips (first response by weekday against the team), with the figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import Role, Ticket
from autocrm.models.base import utcnow
from autocrm.services import views
from autocrm.services.actor import Actor
from autocrm.services.ai import recommendations
from autocrm.services.errors import NotFound, PermissionDenied
from autocrm.services.views import ViewCreate
from tests.factories import make_ticket, make_user


def _recommended(actor):
    with read_session() as s:
        return recommendations.recommended_filters(s, actor=actor)


def test_filters_come_from_the_agents_own_tickets(db_url):
    agent_user = make_user(Role.agent)
    agent, other = Actor.for_user(agent_user), make_user(Role.agent)
    for number in range(6):
        make_ticket(
            by=agent_user,
            requester=make_user(Role.customer),
            assignee_id=agent_user.id,
            tags=["billing"],
            priority="high" if number < 3 else "normal",
        )
    for _ in range(2):
        make_ticket(by=agent_user, requester=make_user(Role.customer), assignee_id=agent_user.id, tags=["other"])
    make_ticket(by=other, requester=make_user(Role.customer), assignee_id=other.id, tags=["shipping"])
    found = _recommended(agent)
    assert [(f.label, f.tickets) for f in found] == [("Tagged “billing”", 6), ("“billing”, High", 3)]
    assert found[0].filters["tags_any"] == ["billing"] and "priority" not in found[0].filters
    assert found[1].filters["priority"] == ["high"]
    assert found[0].reason == "6 of your 8 tickets in the last 30 days"
    with write_session() as s:  # saved as a view, it is not recommended again
        views.create_view(s, actor=agent, data=ViewCreate(name="Billing", filters=found[0].filters))
    assert [f.label for f in _recommended(agent)] == ["“billing”, High"]
    with read_session() as s, pytest.raises(PermissionDenied):
        recommendations.recommended_filters(s, actor=Actor.for_user(make_user(Role.customer)))


def test_a_tip_names_the_weekday_the_agent_answers_slower_than_the_team(db_url):
    slow, quick = make_user(Role.agent), make_user(Role.agent)
    made = [
        make_ticket(by=agent, requester=make_user(Role.customer), assignee_id=agent.id)
        for agent in [slow] * 5 + [quick] * 10
    ]
    # The same Monday morning for all; the slow agent answers in 3 hours, the quick one in 30 minutes.
    now = utcnow()
    monday = (now - timedelta(days=now.weekday() + 7)).replace(hour=9, minute=0, second=0, microsecond=0)
    with write_session() as s:
        for ticket in s.exec(select(Ticket).where(Ticket.id.in_([m.id for m in made]))).all():  # type: ignore[union-attr]
            ticket.created_at = monday
            ticket.first_response_at = monday + (
                timedelta(hours=3) if ticket.assignee_id == slow.id else timedelta(minutes=30)
            )
            s.add(ticket)
    with read_session() as s:
        tips = recommendations.personal_tips(s, actor=Actor.for_user(slow))
        none_for_quick = recommendations.personal_tips(s, actor=Actor.for_user(quick))
    assert len(tips) == 1 and none_for_quick == []
    assert tips[0].figures["weekday"] == 0 and tips[0].figures["your_median_seconds"] == 3 * 3600
    assert tips[0].figures["team_median_seconds"] == 30 * 60
    assert tips[0].text.startswith("Your first response on Monday takes 3 hours")
    admin = Actor.for_user(make_user(Role.admin))
    with read_session() as s:  # admins read any agent's, as for an agent's figures; agents only their own
        seen_by_admin = recommendations.for_agent(s, actor=admin, agent_id=slow.id)
        assert [tip.figures for tip in seen_by_admin.tips] == [tip.figures for tip in tips]
        with pytest.raises(PermissionDenied):
            recommendations.personal_tips(s, actor=Actor.for_user(quick), agent_id=slow.id)
        with pytest.raises(NotFound):
            recommendations.for_agent(s, actor=admin, agent_id=make_user(Role.customer).id)
