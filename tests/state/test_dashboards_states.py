"""The dashboards page's state: the figures in words, and each person offered only the dashboards they may read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import reflex as rx
from reflex.istate.data import RouterData

from autocrm.core.db import write_session
from autocrm.models import Role, Team, TeamMembership
from autocrm.services import auth, metrics
from autocrm.state.dashboards import DashboardState, dashboard_cards


def _figures(**values) -> metrics.TeamFigures:
    empty = {name: None for name in metrics.TeamFigures.model_fields}
    counts = {"created": 0, "solved": 0, "first_responses": 0, "sla_met": 0, "sla_breached": 0, "ratings": 0}
    return metrics.TeamFigures(**(empty | counts | values))


def test_the_cards_say_what_moved():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    result = metrics.TeamMetrics(
        team=None,
        start=start,
        end=start.replace(day=8),
        interval="day",
        time_zone="UTC",
        backlog=40,
        current=_figures(created=12, solved=9, sla_met=3, sla_breached=1, sla_compliance=0.75, csat=0.5, ratings=2),
        previous=_figures(created=10, solved=10, sla_met=1, sla_breached=1, sla_compliance=0.5, csat=0.75),
        series=[],
        agents=[],
    )
    cards = {card["key"]: card for card in dashboard_cards(result)}
    assert (cards["backlog"]["value"], cards["backlog"]["text"], cards["backlog"]["tone"]) == (
        "40",
        "+3 this period (created − solved)",
        "red",
    )
    assert cards["created"]["text"] == "+20 % vs the period before" and cards["created"]["tone"] == "gray"
    assert cards["solved"]["tone"] == "red"
    assert (cards["sla"]["value"], cards["sla"]["detail"], cards["sla"]["tone"]) == ("75 %", "1 breached", "green")
    assert (
        cards["satisfaction"]["value"] == "50 %" and cards["satisfaction"]["text"] == "-25 points vs the period before"
    )
    nothing = dashboard_cards(result.model_copy(update={"current": _figures(), "previous": _figures()}))
    assert {c["key"]: c["text"] for c in nothing}["sla"] == ""  # no SLA figure: nothing to compare


def _page(user) -> DashboardState:
    with write_session() as session:
        token = auth.start_login_session(session, user=user)
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(DashboardState.get_full_name().split(".")[1:])
    root.router = RouterData.from_router_data(
        {"headers": {"host": "localhost:3000", "cookie": f"autocrm_session={token}"}, "asPath": "/admin/dashboards"}
    )
    return state


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the service tests cover both databases
def test_a_lead_gets_their_team_and_an_agent_nothing(people):
    lead, agent = people.make(Role.agent, name="Lena Lead"), people.make(Role.agent, name="Arlo Agent")
    with write_session() as session:
        team = Team(name="Payments")
        session.add(team)
        session.flush()
        session.add(TeamMembership(team_id=team.id, user_id=lead.id, lead=True))
        session.add(TeamMembership(team_id=team.id, user_id=agent.id))
        team_id = team.id
    state = _page(lead)
    state.load()
    assert state.teams == [{"value": str(team_id), "label": "Payments"}] and state.team == str(team_id)
    assert state.leads_a_team and state.error == "" and len(state.cards) == 7
    assert {row["name"] for row in state.agents} == {"Lena Lead", "Arlo Agent"}
    assert state.csv_href.startswith("/api/dashboards/export.csv?") and f"team={team_id}" in state.csv_href
    state.set_team("desk")  # not offered to a lead: nothing changes
    assert state.team == str(team_id)
    member = _page(agent)
    member.load()
    assert member.teams == [] and member.cards == [] and member.error == "Dashboards are for admins and team leads."
    assert not member.leads_a_team


def test_an_admin_sets_an_alert_it_fires_on_the_dashboard_and_a_lead_only_reads_it(people):
    from autocrm.services import alerts
    from tests.factories import make_ticket

    admin, lead = people.make(Role.admin, name="Ada Admin"), people.make(Role.agent, name="Lena Lead")
    with write_session() as session:
        team = Team(name="Payments")
        session.add(team)
        session.flush()
        session.add(TeamMembership(team_id=team.id, user_id=lead.id, lead=True))
        team_id = team.id
    state = _page(admin)
    state.load()
    state.set_team(str(team_id))
    assert state.can_manage_alerts and state.alert_rules == [] and state.alerts_firing == []
    state.add_alert({"threshold": "lots"})
    assert "threshold" in state.alert_errors and state.alert_rules == []  # refused next to its field
    state.set_alert_kind("unassigned")
    events = state.add_alert({"threshold": "0"})
    assert "checked every minute" in str(events) and state.alert_errors == {}
    assert [(r["what"], r["threshold"], r["firing"]) for r in state.alert_rules] == [("Unassigned tickets", "0", False)]

    make_ticket(by=admin, requester=people.make(Role.customer), subject="Refund", team_id=team_id)
    with write_session() as session:
        alerts.check_all(session)
    state.set_period("7d")  # any reading of the page reads the alerts again (the live push does the same)
    (firing,) = state.alerts_firing
    assert firing["summary"] == "Payments: 1 unassigned ticket (alert above 0)"

    reader = _page(lead)
    reader.load()
    assert not reader.can_manage_alerts and [a["summary"] for a in reader.alerts_firing] == [firing["summary"]]

    rule_id = state.alert_rules[0]["id"]
    state.switch_alert(rule_id, False)
    assert state.alert_rules[0]["enabled"] is False and state.alerts_firing == []
    state.ask_delete_alert(rule_id)
    assert "Unassigned tickets" in state.pending["title"]
    assert "Alert deleted." in str(state.confirm_delete_alert()) and state.alert_rules == []
