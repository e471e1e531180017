"""Teams as admins and team leads manage them: focus, members (an agent in several teams), leads, shifts,
skills, capacity and availability; every write audited and emitted, rights checked in the services.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import col, select

from autocrm.core.db import read_session, write_session
from autocrm.events import schedule
from autocrm.events.listeners import AFTER_COMMIT, IN_TRANSACTION
from autocrm.models import AuditEntry, Availability, Balancing, EventRecord, Role, TeamShiftMember
from autocrm.services import agents, balancing, teams, users
from autocrm.services.actor import ROUTING_MANAGE, USERS_WRITE, Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.teams import ShiftInput, ShiftUpdate, ShiftWindow, TeamInput
from tests.factories import make_ticket, make_user

ADMIN = Actor.system("tests")


def _events(kind: str) -> list[EventRecord]:
    with read_session() as s:
        return list(s.exec(select(EventRecord).where(EventRecord.type == kind).order_by(col(EventRecord.id))))


def _audit(action: str) -> list[AuditEntry]:
    with read_session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))))


def test_a_team_with_a_focus_members_in_several_teams_and_a_lead(db_url):
    ana, ben = make_user(Role.agent), make_user(Role.agent)
    with write_session() as s:
        network = teams.create_team(
            s,
            actor=ADMIN,
            name="Network",
            description="VPN and Wi-Fi",
            member_ids=[ana.id, ben.id],
            settings=TeamInput(time_zone="Europe/Madrid", holiday_country="es", holidays=[date(2026, 8, 3)]),
        )
        billing = teams.create_team(s, actor=ADMIN, name="Billing", member_ids=[ana.id])
        teams.set_team_lead(s, actor=ADMIN, team_id=network.id, user_id=ben.id, lead=True)
    assert (network.holiday_country, network.holidays, network.balancing) == ("ES", ["2026-08-03"], Balancing.manual)
    with read_session() as s:
        listed = {t.name: t for t in users.list_teams(s, actor=Actor.for_user(ana))}  # the old name still works
        detail = teams.get_team(s, actor=Actor.for_user(ana), team_id=network.id)
        profile = agents.get_agent(s, actor=ADMIN, user_id=ana.id)
    assert listed["Network"].member_ids == sorted([ana.id, ben.id]) and listed["Network"].lead_ids == [ben.id]
    assert listed["Billing"].member_ids == [ana.id]
    assert detail.team.description == "VPN and Wi-Fi" and [m.lead for m in detail.members if m.user_id == ben.id] == [
        True
    ]
    assert profile.team_ids == sorted([network.id, billing.id])
    assert [e.object_id for e in _audit("team.create")] == [network.id, billing.id]
    assert [e.data["team_id"] for e in _events("team.created")] == [network.id, billing.id]
    assert _events("team.lead_changed")[0].data == {"team_id": network.id, "user_id": ben.id, "lead": True}


def test_leads_manage_their_own_team_but_not_others_nor_its_name(db_url):
    lead, member, outsider = make_user(Role.agent), make_user(Role.agent), make_user(Role.agent)
    with write_session() as s:
        mine = teams.create_team(s, actor=ADMIN, name="Mine", member_ids=[lead.id])
        theirs = teams.create_team(s, actor=ADMIN, name="Theirs")
        teams.set_team_lead(s, actor=ADMIN, team_id=mine.id, user_id=lead.id, lead=True)
    as_lead = Actor.for_user(lead)
    with write_session() as s:
        teams.add_member(s, actor=as_lead, team_id=mine.id, user_id=member.id)
        updated = teams.update_team(
            s, actor=as_lead, team_id=mine.id, data=TeamInput(description="Our focus", balancing=Balancing.least_loaded)
        )
        teams.create_shift(
            s,
            actor=as_lead,
            team_id=mine.id,
            data=ShiftInput(name="Day", weekly={0: [ShiftWindow(start=time(9), end=time(17))]}, member_ids=[member.id]),
        )
        agents.set_capacity(s, actor=as_lead, user_id=member.id, max_open_tickets=5)
    assert (updated.description, updated.balancing, updated.member_ids) == (
        "Our focus",
        Balancing.least_loaded,
        sorted([lead.id, member.id]),
    )
    for refused in (
        lambda s: teams.update_team(s, actor=as_lead, team_id=mine.id, data=TeamInput(name="Renamed")),
        lambda s: teams.update_team(s, actor=as_lead, team_id=theirs.id, data=TeamInput(description="x")),
        lambda s: teams.add_member(s, actor=as_lead, team_id=theirs.id, user_id=member.id),
        lambda s: teams.set_team_lead(s, actor=as_lead, team_id=mine.id, user_id=member.id, lead=True),
        lambda s: teams.create_team(s, actor=as_lead, name="New"),
        lambda s: teams.delete_team(s, actor=as_lead, team_id=mine.id),
        lambda s: agents.set_capacity(s, actor=as_lead, user_id=outsider.id, max_open_tickets=1),
        lambda s: agents.create_skill(s, actor=as_lead, name="Anything"),
        lambda s: teams.update_team(s, actor=Actor.for_user(member), team_id=mine.id, data=TeamInput(description="x")),
    ):
        with write_session() as s, pytest.raises(PermissionDenied):
            refused(s)
    assert [e.changes["members"] for e in _audit("team.members")][-1] == [[lead.id], sorted([lead.id, member.id])]
    assert _events(teams.SHIFTS_CHANGED)[0].data["team_id"] == mine.id
    assert _events(agents.CAPACITY_CHANGED)[0].data["user_id"] == member.id


def test_keys_need_users_write_for_teams_and_routing_manage_for_balancing_and_shifts(db_url):
    from autocrm.services import api_keys
    from tests.factories import make_api_key

    def key_actor(scopes: list[str]) -> Actor:
        raw = make_api_key(role=Role.admin, scopes=scopes)
        with read_session() as s:
            return api_keys.api_key_actor(s, raw)

    users_only, routing_only = key_actor([USERS_WRITE]), key_actor([ROUTING_MANAGE])
    with write_session() as s:
        team = teams.create_team(s, actor=users_only, name="Keys")
    for change in (
        lambda s: teams.create_team(s, actor=routing_only, name="No"),
        lambda s: teams.update_team(
            s, actor=users_only, team_id=team.id, data=TeamInput(balancing=Balancing.round_robin)
        ),
        lambda s: teams.create_shift(s, actor=users_only, team_id=team.id, data=ShiftInput(name="S")),
    ):
        with write_session() as s, pytest.raises(PermissionDenied):
            change(s)


def test_bad_input_changes_nothing(db_url):
    agent, customer = make_user(Role.agent), make_user(Role.customer)
    with write_session() as s:
        team = teams.create_team(s, actor=ADMIN, name="Checked", member_ids=[agent.id])
    for bad, field in (
        (lambda s: teams.create_team(s, actor=ADMIN, name="Checked"), "name"),
        (lambda s: teams.create_team(s, actor=ADMIN, name="X", member_ids=[customer.id]), "member_ids"),
        (
            lambda s: teams.create_team(s, actor=ADMIN, name="Y", settings=TeamInput(time_zone="Nowhere/City")),
            "time_zone",
        ),
        (
            lambda s: teams.create_team(s, actor=ADMIN, name="Z", settings=TeamInput(holiday_country="QQ")),
            "holiday_country",
        ),
        (lambda s: teams.create_team(s, actor=ADMIN, name="   "), "name"),
        (
            lambda s: teams.create_shift(
                s, actor=ADMIN, team_id=team.id, data=ShiftInput(name="Outsider", member_ids=[customer.id])
            ),
            "member_ids",
        ),
        (lambda s: agents.create_skill(s, actor=ADMIN, name="\x07"), "name"),
        (lambda s: agents.set_capacity(s, actor=ADMIN, user_id=agent.id, max_open_tickets=-1), "max_open_tickets"),
    ):
        with write_session() as s, pytest.raises((ValidationFailed, Conflict)) as refused:
            bad(s)
        assert field in refused.value.details, (field, refused.value.details)
    with pytest.raises(ValueError):
        ShiftInput(name="Empty", weekly={0: [ShiftWindow(start=time(9), end=time(9))]})
    with write_session() as s, pytest.raises(NotFound):
        teams.remove_member(s, actor=ADMIN, team_id=team.id, user_id=customer.id)
    with read_session() as s:
        assert [t.name for t in teams.list_teams(s, actor=ADMIN)] == ["Checked"]


def test_leaving_a_team_leaves_its_shifts_and_deleting_keeps_solved_tickets(db_url):
    agent = make_user(Role.agent)
    with write_session() as s:
        team = teams.create_team(s, actor=ADMIN, name="Leaving", member_ids=[agent.id])
        shift = teams.create_shift(s, actor=ADMIN, team_id=team.id, data=ShiftInput(name="All", member_ids=[agent.id]))
        teams.update_shift(s, actor=ADMIN, team_id=team.id, shift_id=shift.id, data=ShiftUpdate(name="Every day"))
        teams.remove_member(s, actor=ADMIN, team_id=team.id, user_id=agent.id)
    with read_session() as s:
        assert list(s.exec(select(TeamShiftMember))) == []
        assert teams.get_team(s, actor=ADMIN, team_id=team.id).shifts[0].name == "Every day"
    ticket = make_ticket(by=make_user(Role.admin), requester=make_user(Role.customer), team_id=team.id)
    with write_session() as s, pytest.raises(Conflict):
        teams.delete_team(s, actor=ADMIN, team_id=team.id)
    from autocrm.services import tickets

    with write_session() as s:
        tickets.update_ticket(s, actor=ADMIN, ticket_id=ticket.id, data=tickets.TicketUpdate(status="solved"))
    with write_session() as s:
        teams.delete_team(s, actor=ADMIN, team_id=team.id)
    with read_session() as s:
        assert tickets.get_ticket(s, actor=ADMIN, ticket_id=ticket.id).team is None
    assert _audit("team.delete")[0].changes["finished_tickets_released"] == [None, 1]
    assert _events("team.deleted")[0].data["team_id"] == team.id


def test_availability_is_the_agents_own_and_audited(db_url):
    agent, customer = make_user(Role.agent), make_user(Role.customer)
    with write_session() as s:
        mine = agents.set_availability(s, actor=Actor.for_user(agent), availability="away")
        again = agents.set_availability(s, actor=Actor.for_user(agent), availability=Availability.away)
    assert mine.availability == again.availability == Availability.away
    assert [e.data["availability"] for e in _events(agents.AVAILABILITY_CHANGED)] == ["away"]  # once: no change twice
    assert _audit("agent.availability")[0].changes == {"availability": ["online", "away"]}
    for who, value in ((Actor.for_user(customer), "online"), (ADMIN, "online"), (Actor.for_user(agent), "asleep")):
        with write_session() as s, pytest.raises((PermissionDenied, ValidationFailed)):
            agents.set_availability(s, actor=who, availability=value)


def test_balancing_listens_where_it_should_and_runs_every_minute(db_url):
    assert [listener.name for listener in IN_TRANSACTION["ticket.created"]] == [
        "routing.rules",
        balancing.LISTENER,
        "sla.clock",
    ]
    for kind in ("ticket.updated", agents.AVAILABILITY_CHANGED, agents.CAPACITY_CHANGED, teams.SHIFTS_CHANGED):
        assert balancing.OFFER_LISTENER in [listener.name for listener in AFTER_COMMIT[kind]]
    job = schedule.scheduled_job("balancing.offer")
    assert job is not None and job.every_seconds == 60
