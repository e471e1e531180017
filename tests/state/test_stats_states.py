"""The agent's stats page: the metrics service's figures in words, each against the period before it."""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx
from reflex.istate.data import RouterData

from autocrm.core.db import write_session
from autocrm.core.i18n import using_locale
from autocrm.models import Role
from autocrm.services import auth, metrics, tickets
from autocrm.services.tickets import PersonRef
from autocrm.state.stats import StatsState, figure_cards, series_bars
from tests.factories import make_ticket


def _figures(**values) -> metrics.Figures:
    empty = {name: None for name in metrics.Figures.model_fields}
    counts = {"solved": 0, "replies": 0, "first_responses": 0, "reopened": 0, "ratings": 0, "handled": 0}
    return metrics.Figures(**(empty | counts | values))


def _result(current: metrics.Figures, previous: metrics.Figures, points: list[int]) -> metrics.AgentMetrics:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return metrics.AgentMetrics(
        agent=PersonRef(id=1, name="Ada"),
        start=start,
        end=datetime(2026, 11, 4, tzinfo=UTC),
        interval="day",
        time_zone="UTC",
        current=current,
        previous=previous,
        series=[
            metrics.SeriesPoint(start=start.replace(day=1 + i), **_figures(solved=n).model_dump())
            for i, n in enumerate(points)
        ],
    )


def test_each_figure_says_how_it_moved_and_whether_that_is_better():
    result = _result(
        _figures(
            solved=12,
            first_response_median_seconds=1800,
            reopen_rate=0.25,
            satisfaction_average=4.5,
            ratings=4,
            handled=3,
            handling_median_seconds=600,
        ),
        _figures(solved=10, first_response_median_seconds=3600, reopen_rate=0.1, handling_median_seconds=900),
        [3, 0, 9],
    )
    cards = {card["key"]: card for card in figure_cards(result)}
    assert (cards["solved"]["value"], cards["solved"]["text"], cards["solved"]["tone"]) == (
        "12",
        "+20 % vs the period before",
        "green",
    )
    assert cards["first_response"]["value"] == "30 minutes" and cards["first_response"]["tone"] == "green"
    assert cards["reopen"]["value"] == "25 %" and cards["reopen"]["text"] == "+15 points vs the period before"
    assert cards["reopen"]["tone"] == "red"  # more reopened tickets is worse
    assert cards["resolution"]["value"] == "—" and cards["resolution"]["text"] == "no earlier figure"
    assert cards["satisfaction"]["value"] == "4.5 / 5" and cards["satisfaction"]["detail"] == "4 ratings"
    handling = cards["handling"]  # less time per solved ticket reads as better, like the other times
    assert (handling["value"], handling["text"], handling["tone"]) == (
        "10 minutes",
        "-33 % vs the period before",
        "green",
    )
    assert handling["label"] == "Handling time (median)"
    assert handling["detail"] == "per solved ticket, over 3 with time recorded"
    bars = series_bars(result)
    assert [(b["label"], b["solved"], b["height"]) for b in bars] == [
        ("Nov 1", 3, "33%"),
        ("Nov 2", 0, "2px"),
        ("Nov 3", 9, "100%"),
    ]
    with using_locale("de"):
        assert figure_cards(result)[0]["text"] == "+20 % gegenüber dem Vorzeitraum"


def test_the_page_reads_the_signed_in_agents_own_figures(people):
    agent = people.make(Role.agent, name="Ada Agent")
    customer = people.make(Role.customer, name="Cory")
    ticket = make_ticket(by=customer, subject="Card stuck", body="Help", body_format="text")
    with write_session() as session:
        actor = people.actor(agent)
        tickets.add_message(
            session, actor=actor, ticket_id=ticket.id, data=tickets.MessageCreate(body="On it", body_format="text")
        )
        tickets.update_ticket(
            session, actor=actor, ticket_id=ticket.id, data=tickets.TicketUpdate(status="solved", assignee_id=agent.id)
        )
        token = auth.start_login_session(session, user=agent)
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(StatsState.get_full_name().split(".")[1:])
    root.router = RouterData.from_router_data(
        {"headers": {"host": "localhost:3000", "cookie": f"autocrm_session={token}"}, "asPath": "/agent/stats"}
    )
    state.load()
    cards = {card["key"]: card for card in state.cards}
    assert cards["solved"]["value"] == "1" and state.error == ""
    assert sum(bar["solved"] for bar in state.bars) == 1 and len(state.bars) == 31
    state.set_period("12m")
    assert state.period == "12m" and len(state.bars) in (12, 13)
    state.set_period("forever")
    assert state.period == "12m"
    assert [o["value"] for o in state.period_options] == ["7d", "30d", "12w", "12m"]
