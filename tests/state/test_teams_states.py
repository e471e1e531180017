"""The teams admin as a state: handlers called as methods, no browser."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import agents
from autocrm.services.actor import Actor
from autocrm.services.teams import ShiftInput, ShiftWindow, create_shift
from autocrm.state.teams import AdminTeamsState, shift_summary
from tests.factories import make_ticket
from tests.state.test_states import _signed_in


def test_the_teams_admin_creates_a_team_adds_members_and_chooses_balancing(people):
    admin, agent = people.make(Role.admin), people.make(Role.agent, name="Ana Agent")
    state = _signed_in(AdminTeamsState, admin)
    state.load()
    assert state.loaded and state.rows == [] and not state.has_rows
    state.open_create()
    state.create({"name": "", "description": "", "time_zone": ""})
    assert "name" in state.create_errors and state.create_open
    state.create({"name": "Network", "description": "VPN", "time_zone": "Mars/Base"})
    assert "time_zone" in state.create_errors
    state.create({"name": "Network", "description": "VPN and Wi-Fi", "time_zone": "Europe/Madrid"})
    assert not state.create_open
    (row,) = state.rows
    assert (row["name"], row["focus"], row["balancing"], row["time_zone"]) == (
        "Network",
        "VPN and Wi-Fi",
        "manual",
        "Europe/Madrid",
    )
    assert {o["label"] for o in row["add_options"]} >= {"Ana Agent"}
    state.add_member(row["id"], str(agent.id))
    (member,) = state.rows[0]["members"]
    assert (member["name"], member["availability"], member["lead"], member["load"]) == (
        "Ana Agent",
        "Online",
        False,
        "0",
    )
    assert state.rows[0]["ready"] == 1  # no shifts: covered round the clock
    state.toggle_lead(row["id"], agent.id)
    assert state.rows[0]["members"][0]["lead"]
    state.set_balancing(row["id"], "round_robin")
    state.set_balancing(row["id"], "random")  # not a mode: ignored
    assert state.rows[0]["balancing"] == "round_robin"
    ticket = make_ticket(by=admin, requester=people.make(Role.customer), team_id=row["id"])
    assert ticket.assignee is not None and ticket.assignee.id == agent.id
    with write_session() as session:
        agents.set_availability(session, actor=Actor.for_user(agent), availability="away")
        create_shift(
            session,
            actor=Actor.system("tests"),
            team_id=row["id"],
            data=ShiftInput(name="Days", weekly={0: [ShiftWindow(start="09:00", end="17:00")]}, member_ids=[agent.id]),
        )
    state.refresh()
    member = state.rows[0]["members"][0]
    assert (member["availability"], member["load"], member["can_take"]) == ("Away", "1", False)
    assert state.rows[0]["shifts"][0]["name"] == "Days"
    state.remove_member(row["id"], agent.id)
    assert state.rows[0]["members"] == []


def test_the_teams_admin_is_for_admins_only(people):
    state = _signed_in(AdminTeamsState, people.make(Role.agent))
    assert state.load() is not None and not state.loaded


def test_shift_summaries_group_days_with_the_same_hours():
    weekly = {str(d): [["09:00", "17:00"]] for d in range(3)} | {"5": [["22:00", "24:00"]]}
    assert shift_summary(weekly, "en") == "Mon, Tue, Wed 09:00–17:00; Sat 22:00–24:00"
    assert shift_summary(weekly, "de").startswith("Mo., Di., Mi.")


def test_the_top_bar_switch_sets_the_agents_own_availability(people):
    agent = people.make(Role.agent)
    state = _signed_in(AdminTeamsState, agent)
    state.load()  # refused (admins only), but any staff page loads the switch the same way
    state._load_counts(Actor.for_user(agent))
    assert state.my_availability == "online"
    state.set_my_availability("away")
    assert state.my_availability == "away"
    state.set_my_availability("asleep")  # refused with a toast, unchanged
    assert state.my_availability == "away"


def test_the_teams_admin_adds_and_removes_a_shift(people):
    admin, agent = people.make(Role.admin), people.make(Role.agent, name="Nina Night")
    state = _signed_in(AdminTeamsState, admin)
    state.load()
    state.create({"name": "Nights", "description": "", "time_zone": "Europe/Berlin"})
    team_id = state.rows[0]["id"]
    state.add_member(team_id, str(agent.id))
    state.open_shift(team_id)
    assert state.shift_open and state.shift_member_ids == [agent.id]
    assert [d["on"] for d in state.day_options] == [True] * 5 + [False] * 2
    state.toggle_shift_day("4", False)
    state.toggle_shift_day("6", True)
    state.save_shift({"name": "Late", "start": "", "end": "06:00"})
    assert "weekly" in state.shift_errors and state.shift_open
    state.save_shift({"name": "", "start": "22:00", "end": "06:00"})
    assert "name" in state.shift_errors
    state.save_shift({"name": "Late", "start": "22:00", "end": "06:00"})
    assert not state.shift_open
    (shift,) = state.rows[0]["shifts"]
    assert shift["summary"] == "Mon, Tue, Wed, Thu, Sun 22:00–06:00"
    state.delete_shift(team_id, shift["id"])
    assert state.rows[0]["shifts"] == []


def test_an_admin_sets_an_agents_skills_and_capacity_and_keeps_the_desks_skill_list(people):
    from autocrm.core.db import read_session
    from autocrm.services import teams

    admin, agent = people.make(Role.admin), people.make(Role.agent, name="Ana Agent")
    with write_session() as session:
        team = teams.create_team(session, actor=Actor.for_user(admin), name="Billing")
        teams.add_member(session, actor=Actor.for_user(admin), team_id=team.id, user_id=agent.id)
    state = _signed_in(AdminTeamsState, admin)
    state.load()
    state.add_skill({"name": "  "})
    assert state.skill_errors.get("name") or state.skill_error
    state.add_skill({"name": "Spanish"})
    state.add_skill({"name": "Refunds"})
    assert [s["name"] for s in state.skills] == ["Refunds", "Spanish"]
    spanish = next(s["id"] for s in state.skills if s["name"] == "Spanish")

    state.open_agent(agent.id)
    assert state.agent_open and state.agent_name == "Ana Agent" and state.agent_capacity == ""
    assert [(r["name"], r["level"]) for r in state.agent_skill_rows] == [("Refunds", "0"), ("Spanish", "0")]
    state.set_agent_level(str(spanish), "5")
    state.set_agent_level(str(spanish), "9")  # not a level: ignored
    state.save_agent({"max_open_tickets": "lots"})
    assert "max_open_tickets" in state.agent_errors and state.agent_open  # nothing written, dialog kept
    state.save_agent({"max_open_tickets": "8"})
    assert not state.agent_open
    (member,) = state.rows[0]["members"]
    assert member["skills"] == "Spanish 5" and member["load"] == "0 / 8"
    with read_session() as session:
        shown = agents.get_agent(session, actor=Actor.for_user(admin), user_id=agent.id)
    assert shown.max_open_tickets == 8 and [(s.name, s.level) for s in shown.skills] == [("Spanish", 5)]

    state.open_agent(agent.id)
    assert state.agent_capacity == "8" and state.agent_levels == {str(spanish): "5"}
    state.save_agent({"max_open_tickets": ""})  # no limit again
    assert state.rows[0]["members"][0]["load"] == "0"

    state.ask_delete_skill(spanish)
    assert state.confirming
    state.confirm_delete_skill()
    assert [s["name"] for s in state.skills] == ["Refunds"] and state.rows[0]["members"][0]["skills"] == ""
