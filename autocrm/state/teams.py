"""Admin: teams. Each team's focus, members (leads marked), how it hands out its tickets, who of it can take
tickets right now (on shift, online, under capacity) and its shifts; new teams, members added and removed,
leads chosen; each agent's skills (with levels) and capacity; the desk's list of skills."""

from __future__ import annotations

from datetime import time
from typing import Any

import reflex as rx
from babel.dates import get_day_names

from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.models import Balancing
from autocrm.services import agents, teams, users
from autocrm.services.agents import AgentPublic, SkillLevel
from autocrm.services.teams import ShiftInput, ShiftWindow, TeamCoverage, TeamDetail, TeamInput
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import form_text
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

SHIFT_FORM = Form(
    message="shift_error",
    errors="shift_errors",
    fields=("name", "weekly", "member_ids"),
    labels={"name": N_("Name"), "weekly": N_("Days and hours"), "member_ids": N_("Who works it")},
)
CREATE_FORM = Form(
    message="create_error",
    errors="create_errors",
    fields=("name", "description", "time_zone"),
    labels={"name": N_("Name"), "description": N_("Focus"), "time_zone": N_("Time zone")},
)
BALANCING_LABELS = {
    Balancing.manual.value: N_("Manual: agents pick tickets"),
    Balancing.round_robin.value: N_("Round robin"),
    Balancing.least_loaded.value: N_("Least loaded"),
    Balancing.skills_first.value: N_("Skills first"),
}
AGENT_FORM = Form(
    message="agent_error",
    errors="agent_errors",
    fields=("max_open_tickets", "skills"),
    labels={"max_open_tickets": N_("Capacity"), "skills": N_("Skills")},
)
SKILL_FORM = Form(message="skill_error", errors="skill_errors", fields=("name",), labels={"name": N_("Skill")})
NO_LEVEL = "0"  # the agent does not have the skill
AVAILABILITY_LABELS = {"online": N_("Online"), "away": N_("Away"), "offline": N_("Offline")}
AVAILABILITY_COLORS = {"online": "grass", "away": "amber", "offline": "gray"}


def _clock(text: str) -> str:
    return "24:00" if text == "24:00" else time.fromisoformat(text).strftime("%H:%M")


def shift_summary(weekly: dict[str, list[list[str]]], locale: str) -> str:
    """A shift's week as people read it: days with the same hours together ("Mon, Tue, Wed 09:00–17:00")."""
    days = get_day_names("abbreviated", locale=locale)
    windows = {int(day): [(w[0], w[1]) for w in weekly[day]] for day in weekly}

    # A window stored as two around midnight (22:00-24:00, then 00:00-06:00 the next day) reads as one.
    def morning_after(day: int) -> tuple[str, str] | None:
        return next((w for w in windows.get((day + 1) % 7, []) if w[0] == "00:00"), None)

    carried = {
        (day + 1) % 7
        for day, day_windows in windows.items()
        if any(end == "24:00" for _start, end in day_windows) and morning_after(day) is not None
    }
    joined: dict[int, list[tuple[str, str]]] = {}
    for day in sorted(windows):
        for start, end in windows[day]:
            if start == "00:00" and day in carried:
                continue
            overnight = morning_after(day) if end == "24:00" else None
            joined.setdefault(day, []).append((start, overnight[1] if overnight else end))
    by_hours: dict[str, list[str]] = {}
    for day in sorted(joined):
        hours = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in joined[day])
        by_hours.setdefault(hours, []).append(str(days[day]))
    return "; ".join(f"{', '.join(names)} {hours}" for hours, names in by_hours.items())


def skills_text(agent: AgentPublic | None) -> str:
    """An agent's skills as the team card lists them: "Billing 4 · Spanish 5"."""
    return " · ".join(f"{skill.name} {skill.level}" for skill in agent.skills) if agent else ""


def team_row(
    detail: TeamDetail,
    cover: TeamCoverage,
    staff: list[Any],
    locale: str,
    agents_by_id: dict[int, AgentPublic] | None = None,
) -> dict[str, Any]:
    members_by_id = {m.user_id: m for m in detail.members}
    known = agents_by_id or {}
    members = [
        {
            "user_id": state.user_id,
            "name": state.name,
            "skills": skills_text(known.get(state.user_id)),
            "lead": members_by_id[state.user_id].lead if state.user_id in members_by_id else False,
            "on_shift": state.on_shift,
            "availability": AVAILABILITY_LABELS.get(state.availability, state.availability),
            "availability_color": AVAILABILITY_COLORS.get(state.availability, "gray"),
            "load": str(state.open_tickets)
            + (f" / {state.max_open_tickets}" if state.max_open_tickets is not None else ""),
            "can_take": state.can_take_tickets,
        }
        for state in cover.members
    ]
    in_team = set(members_by_id)
    return {
        "id": detail.team.id,
        "name": detail.team.name,
        "focus": detail.team.description,
        "balancing": detail.team.balancing.value,
        "time_zone": detail.team.time_zone,
        "waiting": cover.waiting_tickets,
        "ready": sum(1 for m in members if m["can_take"]),
        "size": len(members),
        "holiday": cover.holiday,
        "members": members,
        "shifts": [{"id": s.id, "name": s.name, "summary": shift_summary(s.weekly, locale)} for s in detail.shifts],
        "add_options": [{"value": str(p.id), "label": p.name} for p in staff if p.id not in in_team],
    }


class AdminTeamsState(ConfirmMixin, StaffState):
    rows: list[dict[str, Any]] = []
    skills: list[dict[str, Any]] = []  # the desk's skills: {"id", "name"}
    skill_errors: dict[str, str] = {}
    skill_error: str = ""
    # The agent dialog: one agent's capacity (text, "" for no limit) and level per skill id (NO_LEVEL: none).
    agent_open: bool = False
    agent_user_id: int = 0
    agent_name: str = ""
    agent_capacity: str = ""
    agent_levels: dict[str, str] = {}
    agent_errors: dict[str, str] = {}
    agent_error: str = ""
    _agents: dict[int, AgentPublic] = {}  # the members' skills and capacity as last read (backend only)
    loaded: bool = False
    create_open: bool = False
    create_errors: dict[str, str] = {}
    create_error: str = ""
    # The new-shift dialog: for which team, on which days (0 = Monday), worked by whom.
    shift_open: bool = False
    shift_team_id: int = 0
    shift_team_name: str = ""
    shift_days: list[str] = ["0", "1", "2", "3", "4"]
    shift_member_ids: list[int] = []
    shift_people: list[dict[str, Any]] = []
    shift_errors: dict[str, str] = {}
    shift_error: str = ""

    @rx.var
    def day_options(self) -> list[dict[str, Any]]:
        names = get_day_names("abbreviated", locale=self.locale or "en")
        return [{"value": str(day), "label": str(names[day]), "on": str(day) in self.shift_days} for day in range(7)]

    @rx.var
    def shift_people_options(self) -> list[dict[str, Any]]:
        return [{**person, "on": person["user_id"] in self.shift_member_ids} for person in self.shift_people]

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    def _fetch(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        with read_session() as session:
            staff = users.list_staff(session, actor=actor)
            found = [
                (
                    teams.get_team(session, actor=actor, team_id=team.id),
                    teams.coverage(session, actor=actor, team_id=team.id),
                )
                for team in teams.list_teams(session, actor=actor)
            ]
            member_ids = sorted({m.user_id for detail, _cover in found for m in detail.members})
            agents_by_id = {user_id: agents.get_agent(session, actor=actor, user_id=user_id) for user_id in member_ids}
            self.skills = [{"id": s.id, "name": s.name} for s in agents.list_skills(session, actor=actor)]
        self._agents = agents_by_id
        self.rows = [team_row(detail, cover, staff, self.locale or "en", agents_by_id) for detail, cover in found]

    def _refresh_for_language(self) -> None:
        self._fetch()

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        self.create_open = False
        self._fetch()
        self._load_counts(actor)
        self.loaded = True
        return None

    @rx.event
    def refresh(self):
        self._fetch()

    @rx.event
    def open_create(self):
        self.create_open, self.create_errors, self.create_error = True, {}, ""

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)
        self.create_errors, self.create_error = {}, ""

    @rx.event
    def create(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name, focus, zone = form_text(form, "name"), form_text(form, "description"), form_text(form, "time_zone")
        written = self._write(
            lambda session: teams.create_team(
                session, actor=actor, name=name, description=focus, settings=TeamInput(time_zone=zone or "UTC")
            ),
            form=CREATE_FORM,
            success=self._t("Team created: add its members."),
        )
        if written.ok:
            self.create_open = False
            self._fetch()
        return written.events

    @rx.event
    def set_balancing(self, team_id: int, value: str):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        if value not in BALANCING_LABELS:
            return None
        written = self._write(
            lambda session: teams.update_team(
                session, actor=actor, team_id=int(team_id), data=TeamInput(balancing=Balancing(value))
            ),
            success=self._t("Ticket hand-out changed."),
        )
        self._fetch()
        return written.events

    @rx.event
    def add_member(self, team_id: int, user_id: str):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        if not str(user_id).isdigit():
            return None
        written = self._write(
            lambda session: teams.add_member(session, actor=actor, team_id=int(team_id), user_id=int(user_id)),
            success=self._t("Member added."),
        )
        self._fetch()
        return written.events

    @rx.event
    def remove_member(self, team_id: int, user_id: int):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        written = self._write(
            lambda session: teams.remove_member(session, actor=actor, team_id=int(team_id), user_id=int(user_id)),
            success=self._t("Member removed."),
        )
        self._fetch()
        return written.events

    @rx.event
    def toggle_lead(self, team_id: int, user_id: int):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        row = next((r for r in self.rows if r["id"] == int(team_id)), None)
        member = next((m for m in (row or {}).get("members", []) if m["user_id"] == int(user_id)), None)
        if member is None:
            return None
        lead = not member["lead"]
        written = self._write(
            lambda session: teams.set_team_lead(
                session, actor=actor, team_id=int(team_id), user_id=int(user_id), lead=lead
            ),
            success=self._t("Now a team lead.") if lead else self._t("No longer a team lead."),
        )
        self._fetch()
        return written.events

    # ---- an agent's skills and capacity ------------------------------------------------------------------

    @rx.var
    def agent_skill_rows(self) -> list[dict[str, Any]]:
        return [
            {"id": str(skill["id"]), "name": skill["name"], "level": self.agent_levels.get(str(skill["id"]), NO_LEVEL)}
            for skill in self.skills
        ]

    @rx.event
    def open_agent(self, user_id: int):
        agent = self._agents.get(int(user_id))
        if agent is None:
            return None
        self.agent_open, self.agent_user_id, self.agent_name = True, agent.user_id, agent.name
        self.agent_capacity = "" if agent.max_open_tickets is None else str(agent.max_open_tickets)
        self.agent_levels = {str(skill.skill_id): str(skill.level) for skill in agent.skills}
        self.agent_errors, self.agent_error = {}, ""
        return None

    @rx.event
    def set_agent_open(self, value: bool):
        self.agent_open = bool(value)

    @rx.event
    def set_agent_level(self, skill_id: str, level: str):
        if level in (NO_LEVEL, "1", "2", "3", "4", "5"):
            self.agent_levels = {**self.agent_levels, str(skill_id): level}

    @rx.event
    def save_agent(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.agent_capacity = capacity = form_text(form, "max_open_tickets")
        if capacity and not capacity.isdigit():
            self.agent_errors, self.agent_error = (
                {"max_open_tickets": t("Enter a whole number, or leave it empty.")},
                "",
            )
            return None
        limit = int(capacity) if capacity else None
        levels = [
            SkillLevel(skill_id=int(skill_id), level=int(level))
            for skill_id, level in self.agent_levels.items()
            if level != NO_LEVEL and skill_id.isdigit()
        ]
        user_id = self.agent_user_id

        def change(session: Any) -> AgentPublic:
            agents.set_capacity(session, actor=actor, user_id=user_id, max_open_tickets=limit)
            return agents.set_skills(session, actor=actor, user_id=user_id, skills=levels)

        written = self._write(
            change, form=AGENT_FORM, success=self._t("Saved {name}'s skills and capacity.", name=self.agent_name)
        )
        if written.ok:
            self.agent_open = False
            self._fetch()
        return written.events

    # ---- the desk's skills ---------------------------------------------------------------------------------

    @rx.event
    def add_skill(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name = form_text(form, "name")
        written = self._write(
            lambda session: agents.create_skill(session, actor=actor, name=name),
            form=SKILL_FORM,
            success=self._t("Skill added: give it to agents from their team."),
        )
        if written.ok:
            self._fetch()
            return [*written.events, rx.set_value("new-skill", "")]
        return written.events

    @rx.event
    def ask_delete_skill(self, skill_id: int):
        skill = next((s for s in self.skills if s["id"] == int(skill_id)), None)
        if skill is not None:
            self._ask(id=skill["id"], title=self._t("Delete the skill {name}?", name=skill["name"]))

    @rx.event
    def confirm_delete_skill(self):
        return self._write_confirmed(
            ADMIN,
            lambda session, actor, skill_id: agents.delete_skill(session, actor=actor, skill_id=skill_id),
            success=self._t("Skill deleted: no agent has it, and tickets no longer need it."),
            then=lambda _actor: self._fetch(),
        )

    # ---- shifts ---------------------------------------------------------------------------------------------

    @rx.event
    def open_shift(self, team_id: int):
        row = next((r for r in self.rows if r["id"] == int(team_id)), None)
        if row is None:
            return
        self.shift_team_id, self.shift_team_name = int(team_id), row["name"]
        self.shift_people = [{"user_id": m["user_id"], "name": m["name"]} for m in row["members"]]
        self.shift_member_ids = [m["user_id"] for m in row["members"]]
        self.shift_days = ["0", "1", "2", "3", "4"]
        self.shift_errors, self.shift_error = {}, ""
        self.shift_open = True

    @rx.event
    def set_shift_open(self, value: bool):
        self.shift_open = bool(value)

    @rx.event
    def toggle_shift_day(self, day: str, on: bool):
        chosen = set(self.shift_days) - {str(day)} | ({str(day)} if on else set())
        self.shift_days = sorted(d for d in chosen if d in {str(n) for n in range(7)})

    @rx.event
    def toggle_shift_member(self, user_id: int, on: bool):
        chosen = set(self.shift_member_ids) - {int(user_id)} | ({int(user_id)} if on else set())
        self.shift_member_ids = sorted(chosen)

    @rx.event
    def save_shift(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name, start, end = form_text(form, "name"), form_text(form, "start"), form_text(form, "end")
        try:
            window = ShiftWindow(start=start, end=end)
        except ValueError:
            self.shift_errors, self.shift_error = {"weekly": self._t("Give a start and an end time, like 09:00.")}, ""
            return None
        if not self.shift_days:
            self.shift_errors, self.shift_error = {"weekly": self._t("Choose at least one day.")}, ""
            return None
        team_id, members = self.shift_team_id, list(self.shift_member_ids)
        weekly = {int(day): [window] for day in self.shift_days}
        written = self._write(
            lambda session: teams.create_shift(
                session, actor=actor, team_id=team_id, data=ShiftInput(name=name, weekly=weekly, member_ids=members)
            ),
            form=SHIFT_FORM,
            success=self._t("Shift added."),
        )
        if written.ok:
            self.shift_open = False
            self._fetch()
        return written.events

    @rx.event
    def delete_shift(self, team_id: int, shift_id: int):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        written = self._write(
            lambda session: teams.delete_shift(session, actor=actor, team_id=int(team_id), shift_id=int(shift_id)),
            success=self._t("Shift removed."),
        )
        self._fetch()
        return written.events
