"""Agent metrics on a known set of tickets, with answers computed by hand. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.models import Message, Role, SatisfactionRating, Ticket
from autocrm.services import metrics, presence, tickets
from autocrm.services.errors import PermissionDenied, ValidationFailed
from tests.factories import make_message, make_ticket


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _set(ticket_id: int, **times) -> None:
    with write_session() as s:
        row = s.get(Ticket, ticket_id)
        for name, value in times.items():
            setattr(row, name, value)
        s.add(row)


def _solve(agent, ticket_id: int, status: str = "solved") -> None:
    with write_session() as s:
        tickets.update_ticket(s, actor=agent, ticket_id=ticket_id, data=tickets.TicketUpdate(status=status))


@pytest.fixture
def desk(people):
    """Agent A's week (1-8 November 2026, UTC), hand-made:
    - T1: created 2 Nov 09:00, first response 09:30 (30 min), solved 13:00 (4 h), rated 5 on 2 Nov;
    - T2: created 3 Nov 10:00, first response 11:00 (1 h), solved, reopened, solved again 5 Nov 10:00 (48 h),
      rated 3 on 6 Nov;
    - T3: created 4 Nov 00:00, first response 02:00 (2 h), still open;
    - T4: B's ticket solved in the week (not A's);
    - T5: A's ticket solved on 28 Oct (the week before): 1 h after it was created.
    A wrote two public replies in the week and one note (notes are not replies)."""
    a_user, b_user = people.make(Role.agent, name="Ana Agent"), people.make(Role.agent, name="Ben Agent")
    a, b = people.actor(a_user), people.actor(b_user)
    customer = people.make(Role.customer)
    made = {}
    for name, owner in (("T1", a_user), ("T2", a_user), ("T3", a_user), ("T4", b_user), ("T5", a_user)):
        made[name] = make_ticket(requester=customer, by=owner, assignee_id=owner.id).id
    for name in ("T1", "T2", "T4", "T5"):
        _solve(b if name == "T4" else a, made[name])
    with write_session() as s:
        tickets.update_ticket(s, actor=a, ticket_id=made["T2"], data=tickets.TicketUpdate(status="open"))
    _solve(a, made["T2"])
    for name, score in (("T1", 5), ("T2", 3)):
        with write_session() as s:
            tickets.rate_ticket(s, actor=people.actor(customer), ticket_id=made[name], score=score)
    _set(made["T1"], created_at=at(2, 9), first_response_at=at(2, 9, 30), solved_at=at(2, 13))
    _set(made["T2"], created_at=at(3, 10), first_response_at=at(3, 11), solved_at=at(5, 10))
    _set(made["T3"], created_at=at(4), first_response_at=at(4, 2), solved_at=None)
    _set(made["T4"], created_at=at(3), first_response_at=at(3, 1), solved_at=at(3, 5))
    _set(
        made["T5"],
        created_at=at(28, 10, month=10),
        first_response_at=at(28, 10, 10, month=10),
        solved_at=at(28, 11, month=10),
    )
    replies = [make_message(ticket_id=made["T1"], by=a_user).id, make_message(ticket_id=made["T2"], by=a_user).id]
    note = make_message(ticket_id=made["T2"], by=a_user, internal=True).id
    with write_session() as s:
        for message_id, moment in zip([*replies, note], [at(2, 9, 30), at(3, 11), at(3, 12)], strict=True):
            message = s.get(Message, message_id)
            message.created_at = moment
            s.add(message)
        for ticket_name, moment in (("T1", at(2, 14)), ("T2", at(6, 9))):
            rating = s.exec(select(SatisfactionRating).where(SatisfactionRating.ticket_id == made[ticket_name])).one()
            rating.created_at = moment
            s.add(rating)
        # the seconds-old messages the tickets were opened with, and the solves' own messages, stay outside the week
    return a_user, a, b, people


def test_an_agents_week_by_hand(desk):
    a_user, a, _b, _people = desk
    with read_session() as s:
        result = metrics.agent_metrics(s, actor=a, agent_id=a_user.id, start=at(1), end=at(8), interval="day")
    now = result.current
    assert now.solved == 2 and now.reopened == 1 and now.reopen_rate == 0.5
    assert now.resolution_median_seconds == now.resolution_mean_seconds == (4 * 3600 + 48 * 3600) / 2
    assert now.first_responses == 3
    assert now.first_response_median_seconds == 3600 and now.first_response_mean_seconds == (1800 + 3600 + 7200) / 3
    assert now.ratings == 2 and now.satisfaction_average == 4.0 and now.csat == 0.5
    assert now.replies == 2
    before = result.previous  # 25 Oct - 1 Nov
    assert before.solved == 1 and before.resolution_median_seconds == 3600 and before.reopen_rate == 0.0
    assert [p.start.day for p in result.series] == [1, 2, 3, 4, 5, 6, 7]
    by_day = {p.start.day: p for p in result.series}
    assert (by_day[2].solved, by_day[5].solved, by_day[3].solved) == (1, 1, 0)
    assert by_day[6].satisfaction_average == 3.0 and by_day[2].satisfaction_average == 5.0


def test_buckets_follow_the_readers_time_zone_and_weeks_start_on_monday(desk):
    a_user, a, _b, _people = desk
    with read_session() as s:
        tokyo = metrics.agent_metrics(
            s, actor=a, agent_id=a_user.id, start=at(1), end=at(8), interval="day", time_zone="Asia/Tokyo"
        )
        weeks = metrics.agent_metrics(
            s, actor=a, agent_id=a_user.id, start=at(1), end=at(30), interval="week", time_zone="Europe/Berlin"
        )
    # 4 Nov 00:00 UTC is 09:00 in Tokyo: T3's first response (02:00 UTC) lands on the 4th there too, but
    # T1's solve at 13:00 UTC on the 2nd is 22:00 in Tokyo, still the 2nd; the series starts on Tokyo's 1st.
    assert str(tokyo.series[0].start.tzinfo) == "Asia/Tokyo"
    assert [p.start.weekday() for p in weeks.series] == [0] * len(weeks.series)
    assert sum(p.solved for p in weeks.series) == 2


def test_who_may_read_and_bad_periods(desk):
    a_user, a, b, people = desk
    admin = people.actor(people.make(Role.admin))
    with read_session() as s:
        with pytest.raises(PermissionDenied):
            metrics.agent_metrics(s, actor=b, agent_id=a_user.id)
        assert metrics.agent_metrics(s, actor=admin, agent_id=a_user.id, start=at(1), end=at(8)).current.solved == 2
        with pytest.raises(ValidationFailed):
            metrics.agent_metrics(s, actor=a, agent_id=a_user.id, start=at(8), end=at(1))
        with pytest.raises(ValidationFailed):
            metrics.agent_metrics(s, actor=a, agent_id=a_user.id, time_zone="Mars/Olympus")


def test_handling_time_per_solved_ticket_by_hand(desk, monkeypatch):
    """Handling time from presence on the same week: A worked T1 40 s and T2 60 s before their solves (and T2
    20 s more after its solve, which does not count), T5 30 s the week before; B's work on T1 is B's.
    Median per solved ticket with recorded work: (40 + 60) / 2 = 50 s this week, 30 s the week before."""
    monkeypatch.setenv("AUTOCRM_PRESENCE_TTL_SECONDS", "36")
    reset_settings()
    monkeypatch.setattr(presence, "_WORK", presence._WorkTally())
    a_user, a, b, _people = desk
    made = _ids_by_subject()

    def beats(actor, name, tab, moments):
        for activity, moment in moments:
            presence.beat(actor=actor, ticket_id=made[name], activity=activity, tab=tab, now=moment.timestamp())
        presence.flush_work(now=moments[-1][1].timestamp())

    t1 = at(2, 9)
    beats(
        a,
        "T1",
        "a-t1",
        [("viewing", t1 + timedelta(seconds=s)) for s in (0, 10, 20)] + [("away", t1 + timedelta(seconds=30))],
    )
    presence.beat(
        actor=a, ticket_id=made["T1"], activity="viewing", tab="a-t1", now=(t1 + timedelta(seconds=40)).timestamp()
    )
    presence.leave(actor=a, ticket_id=made["T1"], tab="a-t1", now=(t1 + timedelta(seconds=50)).timestamp())
    t2 = at(3, 11)
    # Replying, then the tab stops beating for ten minutes: the gap counts one time-to-live (36 s) at most.
    beats(a, "T2", "a-t2", [("replying", t2 + timedelta(seconds=s)) for s in (0, 12, 24, 624)])
    beats(a, "T2", "a-late", [("viewing", at(6, 9)), ("viewing", at(6, 9, 0) + timedelta(seconds=20))])
    beats(
        a, "T5", "a-t5", [("viewing", at(28, 10, month=10)), ("viewing", at(28, 10, month=10) + timedelta(seconds=30))]
    )
    beats(b, "T1", "b-t1", [("viewing", t1), ("viewing", t1 + timedelta(seconds=30))])
    presence.flush_work()
    with read_session() as s:
        result = metrics.agent_metrics(s, actor=a, agent_id=a_user.id, start=at(1), end=at(8), interval="day")
    now, before = result.current, result.previous
    assert (now.handled, now.handling_median_seconds, now.handling_mean_seconds) == (2, 50.0, 50.0)
    assert (before.handled, before.handling_median_seconds) == (1, 30.0)
    by_day = {p.start.day: p for p in result.series}
    assert by_day[2].handling_median_seconds == 40.0 and by_day[5].handling_median_seconds == 60.0
    assert by_day[3].handled == 0 and by_day[3].handling_median_seconds is None


def _ids_by_subject() -> dict[str, int]:
    """The desk fixture's tickets by name: T1..T5 in the order they were made."""
    with read_session() as s:
        ids = [int(i) for i in s.exec(select(Ticket.id).order_by(col(Ticket.id))).all()]
    return {f"T{n}": ticket_id for n, ticket_id in enumerate(ids, start=1)}
