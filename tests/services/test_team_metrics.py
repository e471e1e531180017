"""Team and desk dashboards on a known set of tickets, answers computed by hand. SQLite and PostgreSQL
(the durations and medians are SQL, and each dialect has its own date arithmetic)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import Role, SatisfactionRating, SlaPolicy, Team, TeamMembership, Ticket, TicketSla
from autocrm.services import metrics, tickets
from autocrm.services.errors import NotFound, PermissionDenied
from tests.factories import make_ticket


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def billing(people):
    """Team Billing: Ana (its lead) and Ben; Cleo is in no team. The week is 1-8 November 2026 (UTC), the week
    before 25 October - 1 November.
    - T1 Ana: created 2 Nov 09:00, first response 09:30, solved 13:00 (4 h); SLA: response due 10:00 (met),
      resolution due 12:00 (missed); rated 5 on 2 Nov;
    - T2 Ben: created 3 Nov 10:00, response 11:00, solved 5 Nov 10:00 (48 h); SLA met; rated 3 on 6 Nov;
    - T3 Ana: created 4 Nov 00:00, response 02:00, open;  T4 nobody's: created 6 Nov 08:00, new;
    - T5 Ana: created 28 Oct 10:00, response 10:10, solved 11:00; SLA met; rated 4 (the week before);
    - T6 Cleo, no team: created 3 Nov 00:00, response 01:00, solved 05:00 (the desk only)."""
    ana, ben, cleo = (people.make(Role.agent, name=n) for n in ("Ana Agent", "Ben Agent", "Cleo Agent"))
    customer = people.make(Role.customer)
    with write_session() as s:
        team = Team(name="Billing")
        s.add(team)
        s.flush()
        s.add(TeamMembership(team_id=team.id, user_id=ana.id, lead=True))
        s.add(TeamMembership(team_id=team.id, user_id=ben.id))
        team_id = team.id
    owners = {"T1": ana, "T2": ben, "T3": ana, "T4": None, "T5": ana, "T6": cleo}
    made = {
        name: make_ticket(requester=customer, by=owner or ana, assignee_id=owner.id if owner else None).id
        for name, owner in owners.items()
    }
    for name in ("T1", "T2", "T5", "T6"):
        with write_session() as s:
            actor = people.actor(owners[name])
            tickets.update_ticket(s, actor=actor, ticket_id=made[name], data=tickets.TicketUpdate(status="solved"))
    for name, score in (("T1", 5), ("T2", 3), ("T5", 4)):
        with write_session() as s:
            tickets.rate_ticket(s, actor=people.actor(customer), ticket_id=made[name], score=score)
    times = {
        "T1": (at(2, 9), at(2, 9, 30), at(2, 13)),
        "T2": (at(3, 10), at(3, 11), at(5, 10)),
        "T3": (at(4), at(4, 2), None),
        "T4": (at(6, 8), None, None),
        "T5": (at(28, 10, month=10), at(28, 10, 10, month=10), at(28, 11, month=10)),
        "T6": (at(3), at(3, 1), at(3, 5)),
    }
    rated = {"T1": at(2, 14), "T2": at(6, 9), "T5": at(28, 12, month=10)}
    sla_due = {  # first response due, resolution due
        "T1": (at(2, 10), at(2, 12)),
        "T2": (at(3, 12), at(6)),
        "T5": (at(28, 11, month=10), at(29, month=10)),
    }
    with write_session() as s:
        policy = SlaPolicy(name="Standard", targets={"normal": {"first_response": 60}})
        s.add(policy)
        s.flush()
        for name, (created, responded, solved) in times.items():
            row = s.get(Ticket, made[name])
            row.created_at, row.first_response_at, row.solved_at = created, responded, solved
            row.team_id = team_id if name != "T6" else None
            s.add(row)
        for name, moment in rated.items():
            rating = s.exec(select(SatisfactionRating).where(SatisfactionRating.ticket_id == made[name])).one()
            rating.created_at = moment
            s.add(rating)
        for ticket_id in s.exec(select(TicketSla.ticket_id)).all():
            s.delete(s.get(TicketSla, ticket_id))
        s.flush()
        for name, (first_due, resolution_due) in sla_due.items():
            s.add(
                TicketSla(
                    ticket_id=made[name],
                    policy_id=policy.id,
                    first_response_due_at=first_due,
                    resolution_due_at=resolution_due,
                )
            )
    return team_id, people.actor(ana), people.actor(ben), people.actor(people.make(Role.admin)), cleo


def test_a_teams_week_by_hand(billing):
    team_id, ana, _ben, _admin, _cleo = billing
    with read_session() as s:
        result = metrics.team_metrics(s, actor=ana, team_id=team_id, start=at(1), end=at(8), interval="day")
        # a member's row says what their own stats page says
        ana_alone = metrics.agent_metrics(s, actor=ana, agent_id=int(ana.user_id or 0), start=at(1), end=at(8))
    assert result.team is not None and result.team.name == "Billing" and result.backlog == 2  # T3, T4
    now, before = result.current, result.previous
    assert (now.created, now.solved, now.first_responses) == (4, 2, 3)
    assert now.first_response_median_seconds == 3600  # 30 min, 1 h, 2 h
    assert now.resolution_median_seconds == (4 * 3600 + 48 * 3600) / 2
    assert (now.sla_met, now.sla_breached, now.sla_compliance) == (1, 1, 0.5)
    assert (now.ratings, now.satisfaction_average, now.csat) == (2, 4.0, 0.5)
    assert (before.created, before.solved, before.first_response_median_seconds) == (1, 1, 600)
    assert (before.resolution_median_seconds, before.sla_compliance, before.csat) == (3600, 1.0, 1.0)
    by_day = {p.start.day: p for p in result.series}
    assert list(by_day) == [1, 2, 3, 4, 5, 6, 7]
    assert [by_day[d].created for d in by_day] == [0, 1, 1, 1, 0, 1, 0]
    assert [by_day[d].solved for d in by_day] == [0, 1, 0, 0, 1, 0, 0]
    # 28 October is the 4th day of the week before, so it stands beside 4 November
    assert [(p.previous_created, p.previous_solved) for p in result.series][3] == (1, 1)
    assert sum(p.previous_created for p in result.series) == 1
    rows = [
        (r.agent.name, r.solved, r.first_response_median_seconds, r.resolution_median_seconds, r.ratings, r.csat)
        for r in result.agents
    ]
    assert rows == [("Ana Agent", 1, 4500, 4 * 3600, 1, 1.0), ("Ben Agent", 1, 3600, 48 * 3600, 1, 0.0)]
    assert ana_alone.current.solved == 1 and ana_alone.current.first_response_median_seconds == 4500


def test_the_whole_desk_and_weeks(billing):
    _team_id, _ana, _ben, admin, cleo = billing
    with read_session() as s:
        desk = metrics.team_metrics(s, actor=admin, team_id=None, start=at(1), end=at(8))
        weeks = metrics.team_metrics(
            s, actor=admin, team_id=None, start=at(26, month=10), end=at(9), interval="week", time_zone="Europe/Berlin"
        )
    assert desk.team is None and (desk.current.created, desk.current.solved) == (5, 3)
    assert desk.current.resolution_median_seconds == 5 * 3600  # 4 h, 5 h, 48 h
    assert desk.current.first_response_median_seconds == 3600  # 30 min, 1 h, 1 h, 2 h
    assert {r.agent.name: r.solved for r in desk.agents}["Cleo Agent"] == 1 and cleo.id in {
        r.agent.id for r in desk.agents
    }
    assert [p.start.weekday() for p in weeks.series] == [0, 0, 0]  # Mondays 26 Oct, 2 Nov... in Berlin
    assert sum(p.created for p in weeks.series) == 6 and sum(p.solved for p in weeks.series) == 4


def test_who_sees_which_dashboard(billing):
    team_id, ana, ben, admin, cleo = billing
    with read_session() as s:
        assert [t.name for t in metrics.dashboard_teams(s, actor=ana)] == ["Billing"]
        assert metrics.dashboard_teams(s, actor=ben) == []
        assert [t.id for t in metrics.dashboard_teams(s, actor=admin)] == [team_id]
        with pytest.raises(PermissionDenied):
            metrics.team_metrics(s, actor=ben, team_id=team_id)
        with pytest.raises(PermissionDenied):
            metrics.team_metrics(s, actor=ana, team_id=None)
        with pytest.raises(NotFound):
            metrics.team_metrics(s, actor=admin, team_id=team_id + 99)
        # the drill-down: a lead reads their members' own figures; a member does not read the lead's
        assert (
            metrics.agent_metrics(s, actor=ana, agent_id=int(ben.user_id or 0), start=at(1), end=at(8)).current.solved
            == 1
        )
        with pytest.raises(PermissionDenied):
            metrics.agent_metrics(s, actor=ben, agent_id=int(ana.user_id or 0))
        with pytest.raises(PermissionDenied):
            metrics.agent_metrics(s, actor=ana, agent_id=cleo.id)
        csv_text = metrics.team_metrics_csv(
            metrics.team_metrics(s, actor=admin, team_id=team_id, start=at(1), end=at(8))
        )
    assert csv_text.splitlines()[0] == "Figure,This period,Period before"
    assert "SLA compliance (share),0.5000,1.0000" in csv_text and "Ana Agent,1,4500,14400,1,1.0000" in csv_text
