"""Load balancing: a team's unassigned tickets go to members who are online, on shift, under capacity and
skilled enough, in the team's mode, inside the ticket's own transaction (audited, named in the timeline);
tickets nobody can take wait and are offered again when someone can. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import AuditEntry, Availability, Balancing, EventRecord, Role
from autocrm.services import agents, balancing, routing, sla, teams, tickets
from autocrm.services.actor import Actor
from autocrm.services.agents import SkillLevel
from autocrm.services.balancing import SkillNeed
from autocrm.services.errors import NotFound, ValidationFailed
from autocrm.services.routing import RuleActions, RuleCreate
from autocrm.services.teams import ShiftInput, ShiftWindow, TeamInput
from tests.factories import make_ticket, make_user

SYSTEM = Actor.system("tests")


def _team(mode: Balancing, members, **settings) -> teams.TeamPublic:
    with write_session() as s:
        return teams.create_team(
            s,
            actor=SYSTEM,
            name=f"Team {mode.value} {len(members)}",
            member_ids=[m.id for m in members],
            settings=TeamInput(balancing=mode, **settings),
        )


def _ticket(team_id: int, **fields) -> tickets.TicketPublic:
    opener = make_user(Role.admin)
    return make_ticket(by=opener, requester=make_user(Role.customer), team_id=team_id, **fields)


def _assignee(ticket_id: int) -> int | None:
    with read_session() as s:
        found = tickets.get_ticket(s, actor=SYSTEM, ticket_id=ticket_id)
    return found.assignee.id if found.assignee else None


def _solve(ticket_id: int) -> None:
    with write_session() as s:
        tickets.update_ticket(s, actor=SYSTEM, ticket_id=ticket_id, data=tickets.TicketUpdate(status="solved"))


def _set_availability(agent, availability: Availability) -> None:
    with write_session() as s:
        agents.set_availability(s, actor=Actor.for_user(agent), availability=availability)


def test_round_robin_takes_turns_in_member_order_and_names_itself_in_the_timeline(db_url):
    a, b, c = (make_user(Role.agent) for _ in range(3))
    team = _team(Balancing.round_robin, [c, a, b])
    order = [_assignee(_ticket(team.id).id) for _ in range(4)]
    assert order == [a.id, b.id, c.id, a.id]
    ticket = _ticket(team.id)
    assert ticket.assignee is not None and ticket.assignee.id == b.id  # what create_ticket returned already
    with read_session() as s:
        entry = s.exec(
            select(AuditEntry).where(AuditEntry.object_id == ticket.id, AuditEntry.action == "ticket.update")
        ).one()
        updated = s.exec(
            select(EventRecord).where(EventRecord.ticket_id == ticket.id, EventRecord.type == "ticket.updated")
        ).one()
        timeline = tickets.timeline(s, actor=SYSTEM, ticket_id=ticket.id, kinds=frozenset({"change"}))
    assert entry.actor_label == f"balancing:round_robin:{team.name}"
    assert entry.changes["assignee_id"] == [None, b.id]
    assert updated.via == "rule" and updated.caused_by == balancing.LISTENER
    assert timeline[-1].actor_label == f"balancing:round_robin:{team.name}"
    assert timeline[-1].changes[0].after_label == b.name


def test_least_loaded_gives_the_ticket_to_whoever_has_fewest_unsolved(db_url):
    busy, free = make_user(Role.agent), make_user(Role.agent)
    team = _team(Balancing.least_loaded, [busy, free])
    for _ in range(2):
        make_ticket(by=make_user(Role.admin), requester=make_user(Role.customer), assignee_id=busy.id)
    solved = make_ticket(by=make_user(Role.admin), requester=make_user(Role.customer), assignee_id=free.id)
    _solve(solved.id)  # solved tickets are no load
    assert [_assignee(_ticket(team.id).id) for _ in range(3)] == [free.id, free.id, busy.id]


def test_skills_first_prefers_the_best_match_and_never_someone_without_the_skill(db_url):
    novice, expert, none = make_user(Role.agent), make_user(Role.agent), make_user(Role.agent)
    team = _team(Balancing.skills_first, [novice, expert, none])
    with write_session() as s:
        networking = agents.create_skill(s, actor=SYSTEM, name="Networking")
        agents.set_skill(s, actor=SYSTEM, user_id=novice.id, skill_id=networking.id, level=2)
        agents.set_skill(s, actor=SYSTEM, user_id=expert.id, skill_id=networking.id, level=5)
        routing.create_rule(
            s,
            actor=SYSTEM,
            data=RuleCreate(
                name="VPN needs networking",
                conditions={"field": "text", "op": "contains", "value": "vpn"},
                actions=RuleActions(team_id=team.id, required_skills=[SkillNeed(skill_id=networking.id, level=2)]),
            ),
        )
    first = make_ticket(subject="VPN down", body="vpn")
    assert first.team is not None and first.team.id == team.id
    assert first.assignee is not None and first.assignee.id == expert.id
    with write_session() as s:
        agents.set_capacity(s, actor=SYSTEM, user_id=expert.id, max_open_tickets=1)
    assert _assignee(make_ticket(subject="VPN again", body="vpn").id) == novice.id
    with write_session() as s:
        agents.set_capacity(s, actor=SYSTEM, user_id=novice.id, max_open_tickets=1)
    waiting = make_ticket(subject="VPN third", body="vpn")
    assert _assignee(waiting.id) is None  # `none` is free but has no networking: the ticket waits
    with read_session() as s:
        assert balancing.get_requirements(s, actor=SYSTEM, ticket_id=waiting.id).required_skills == [
            {"skill_id": networking.id, "level": 2}
        ]
        timeline = tickets.timeline(s, actor=SYSTEM, ticket_id=waiting.id, kinds=frozenset({"change"}))
    assert any(change.after_label == "Networking 2+" for entry in timeline for change in entry.changes)
    with write_session() as s:
        agents.delete_skill(s, actor=SYSTEM, skill_id=networking.id)
    runner.run_pending_jobs()
    assert _assignee(waiting.id) == none.id  # a deleted skill is needed no more


def test_capacity_is_respected_and_a_solved_ticket_frees_a_place_for_a_waiting_one(db_url):
    agent = make_user(Role.agent)
    team = _team(Balancing.least_loaded, [agent])
    with write_session() as s:
        agents.set_capacity(s, actor=SYSTEM, user_id=agent.id, max_open_tickets=2)
    first, second, third = (_ticket(team.id) for _ in range(3))
    assert [_assignee(t.id) for t in (first, second, third)] == [agent.id, agent.id, None]
    _solve(first.id)
    runner.run_pending_jobs()
    assert _assignee(third.id) == agent.id


def test_away_and_offline_agents_get_nothing_until_they_are_back_online(db_url):
    agent, other = make_user(Role.agent), make_user(Role.agent)
    team = _team(Balancing.round_robin, [agent, other])
    _set_availability(agent, Availability.away)
    _set_availability(other, Availability.offline)
    waiting = _ticket(team.id)
    assert _assignee(waiting.id) is None
    with read_session() as s:
        assert agents.my_availability(s, actor=Actor.for_user(agent)).availability == Availability.away
        assert teams.coverage(s, actor=SYSTEM, team_id=team.id).waiting_tickets == 1
    _set_availability(other, Availability.online)
    runner.run_pending_jobs()
    assert _assignee(waiting.id) == other.id


def test_an_off_shift_agent_is_skipped_and_a_waiting_ticket_goes_out_when_a_shift_begins(db_url):
    early, late = make_user(Role.agent), make_user(Role.agent)
    team = _team(Balancing.round_robin, [early, late], time_zone="Europe/Berlin")
    with write_session() as s:
        teams.create_shift(
            s,
            actor=SYSTEM,
            team_id=team.id,
            data=ShiftInput(
                name="Early",
                weekly={d: [ShiftWindow(start=time(6), end=time(14))] for d in range(7)},
                member_ids=[early.id],
            ),
        )
        teams.create_shift(
            s,
            actor=SYSTEM,
            team_id=team.id,
            data=ShiftInput(
                name="Late",
                weekly={d: [ShiftWindow(start=time(14), end=time(22))] for d in range(7)},
                member_ids=[late.id],
            ),
        )
    morning = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 in Berlin (summer time)
    night = datetime(2026, 7, 1, 21, 0, tzinfo=UTC)  # 23:00: nobody on shift
    with read_session() as s:
        team_row = s.get(teams.Team, team.id)
        assert teams.on_shift(s, team_row, morning) == {early.id}
        assert teams.on_shift(s, team_row, night) == set()
    ticket = _ticket(team.id)
    assigned_now = _assignee(ticket.id)
    with write_session() as s:
        if assigned_now is not None:  # the test ran while a shift is on: hand it back to see it wait
            tickets.update_ticket(s, actor=SYSTEM, ticket_id=ticket.id, data=tickets.TicketUpdate(assignee_id=None))
    with write_session() as s:
        assert balancing.offer_waiting(s, now=night) == 0
    with write_session() as s:
        if _assignee(ticket.id) is None:
            assert balancing.offer_waiting(s, now=morning) == 1
    assert _assignee(ticket.id) == early.id


def test_shifts_keep_their_wall_clock_times_across_a_change_of_the_clocks(db_url):
    agent = make_user(Role.agent)
    team = _team(Balancing.round_robin, [agent], time_zone="Europe/Berlin")
    with write_session() as s:
        teams.create_shift(
            s,
            actor=SYSTEM,
            team_id=team.id,
            data=ShiftInput(
                name="Day",
                weekly={6: [ShiftWindow(start=time(9), end=time(17))]}
                | {0: [ShiftWindow(start=time(9), end=time(17))]},
                member_ids=[agent.id],
            ),
        )
        # An overnight shift, Saturday 22:00 to Sunday 06:00, split in two around midnight.
        night = teams.create_shift(
            s,
            actor=SYSTEM,
            team_id=team.id,
            data=ShiftInput(
                name="Night", weekly={5: [ShiftWindow(start=time(22), end=time(6))]}, member_ids=[agent.id]
            ),
        )
    assert night.weekly == {"5": [["22:00", "24:00"]], "6": [["00:00", "06:00"]]}
    with read_session() as s:
        row = s.get(teams.Team, team.id)
        # Sunday 2026-03-29: Berlin goes from UTC+1 to UTC+2 at 02:00. 09:00 local is 07:00 UTC that day.
        assert teams.on_shift(s, row, datetime(2026, 3, 29, 7, 30, tzinfo=UTC)) == {agent.id}
        assert teams.on_shift(s, row, datetime(2026, 3, 29, 6, 30, tzinfo=UTC)) == set()  # 08:30 local
        # Monday 2026-03-30 and the Sunday before the change, 09:00 local is 07:00 / 08:00 UTC.
        assert teams.on_shift(s, row, datetime(2026, 3, 30, 7, 5, tzinfo=UTC)) == {agent.id}
        assert teams.on_shift(s, row, datetime(2026, 3, 22, 7, 30, tzinfo=UTC)) == set()  # 08:30 in winter
        assert teams.on_shift(s, row, datetime(2026, 3, 22, 8, 5, tzinfo=UTC)) == {agent.id}
        # The night shift on the night the clocks go forward: 05:30 local Sunday is 03:30 UTC.
        assert teams.on_shift(s, row, datetime(2026, 3, 29, 3, 30, tzinfo=UTC)) == {agent.id}
        assert teams.on_shift(s, row, datetime(2026, 3, 29, 4, 30, tzinfo=UTC)) == set()  # 06:30 local


def test_holidays_leave_nobody_on_shift(db_url):
    agent = make_user(Role.agent)
    team = _team(
        Balancing.round_robin, [agent], time_zone="Europe/Berlin", holiday_country="DE", holidays=["2026-08-03"]
    )
    with read_session() as s:
        row = s.get(teams.Team, team.id)
        assert teams.on_shift(s, row, datetime(2026, 12, 25, 10, 0, tzinfo=UTC)) == set()  # Christmas
        assert teams.on_shift(s, row, datetime(2026, 8, 3, 10, 0, tzinfo=UTC)) == set()  # the team's own day
        assert teams.on_shift(s, row, datetime(2026, 8, 4, 10, 0, tzinfo=UTC)) == {agent.id}


def test_agents_whose_working_day_it_is_come_first(db_url):
    sydney, madrid = make_user(Role.agent), make_user(Role.agent)
    with write_session() as s:
        from autocrm.services import users

        users.set_own_preferences(s, actor=Actor.for_user(sydney), time_zone="Australia/Sydney")
        users.set_own_preferences(s, actor=Actor.for_user(madrid), time_zone="Europe/Madrid")
    team = _team(Balancing.round_robin, [sydney, madrid])
    with read_session() as s:
        row = s.get(teams.Team, team.id)
        pool = balancing.team_pool(s, row, datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
        madrid_day = balancing.choose(row, pool, [], datetime(2026, 7, 1, 9, 0, tzinfo=UTC))  # 11:00 in Madrid
        sydney_day = balancing.choose(row, pool, [], datetime(2026, 7, 1, 1, 0, tzinfo=UTC))  # 11:00 in Sydney
    assert (madrid_day.user_id, sydney_day.user_id) == (madrid.id, sydney.id)


def test_manual_teams_and_assigned_tickets_are_left_alone(db_url):
    agent = make_user(Role.agent)
    manual = _team(Balancing.manual, [agent])
    assert _assignee(_ticket(manual.id).id) is None
    balanced = _team(Balancing.round_robin, [agent])
    chosen = make_user(Role.agent)
    assert _assignee(_ticket(balanced.id, assignee_id=chosen.id).id) == chosen.id


def test_a_rule_can_choose_the_sla_policy(db_url):
    with write_session() as s:
        usual = sla.create_policy(
            s, actor=SYSTEM, data=sla.PolicyCreate(name="Usual", targets={"normal": {"first_response": 480}})
        )
        vip = sla.create_policy(
            s,
            actor=SYSTEM,
            data=sla.PolicyCreate(
                name="VIP",
                targets={"normal": {"first_response": 30}},
                conditions={"field": "tags", "op": "has", "value": "never"},
            ),
        )
        routing.create_rule(
            s,
            actor=SYSTEM,
            data=RuleCreate(
                name="Big customers",
                conditions={"field": "text", "op": "contains", "value": "enterprise"},
                actions=RuleActions(sla_policy_id=vip.id),
            ),
        )
    chosen = make_ticket(subject="Enterprise outage", body="enterprise")
    usual_one = make_ticket(subject="Hello", body="hi")
    with read_session() as s:
        assert sla.ticket_sla(s, actor=SYSTEM, ticket_id=chosen.id).policy.id == vip.id
        assert sla.ticket_sla(s, actor=SYSTEM, ticket_id=usual_one.id).policy.id == usual.id


def test_requirements_refuse_unknown_skills_and_policies(db_url):
    ticket = make_ticket()
    with write_session() as s, pytest.raises(ValidationFailed) as refused:
        balancing.set_requirements(s, actor=SYSTEM, ticket_id=ticket.id, required_skills=[SkillNeed(skill_id=999)])
    assert refused.value.details == {"required_skills": "There is no skill #999."}
    with write_session() as s, pytest.raises(ValidationFailed) as refused:
        balancing.set_requirements(s, actor=SYSTEM, ticket_id=ticket.id, sla_policy_id=999)
    assert "sla_policy_id" in refused.value.details
    customer = make_user(Role.customer)
    with write_session() as s, pytest.raises(NotFound):  # customers see only their own tickets
        balancing.set_requirements(s, actor=Actor.for_user(customer), ticket_id=ticket.id, required_skills=[])


def test_skill_levels_are_checked(db_url):
    agent = make_user(Role.agent)
    with write_session() as s:
        skill = agents.create_skill(s, actor=SYSTEM, name="Billing")
    with write_session() as s, pytest.raises(ValidationFailed) as refused:
        agents.set_skill(s, actor=SYSTEM, user_id=agent.id, skill_id=skill.id, level=6)
    assert "level" in refused.value.details
    with write_session() as s:
        profile = agents.set_skills(s, actor=SYSTEM, user_id=agent.id, skills=[SkillLevel(skill_id=skill.id, level=4)])
    assert [(x.name, x.level) for x in profile.skills] == [("Billing", 4)]


def test_tickets_arriving_at_once_never_push_an_agent_past_capacity(db_url):
    import threading

    agent, customer, opener = make_user(Role.agent), make_user(Role.customer), make_user(Role.admin)
    team = _team(Balancing.least_loaded, [agent])
    with write_session() as s:
        agents.set_capacity(s, actor=SYSTEM, user_id=agent.id, max_open_tickets=2)
    start = threading.Barrier(4)
    made: list[int] = []
    failures: list[BaseException] = []

    def arrive() -> None:
        try:
            start.wait()
            made.append(make_ticket(by=opener, requester=customer, team_id=team.id).id)
        except BaseException as error:  # noqa: BLE001 (reported below, in the test's thread)
            failures.append(error)

    threads = [threading.Thread(target=arrive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and len(made) == 4
    assert sorted(_assignee(ticket_id) is not None for ticket_id in made) == [False, False, True, True]
