"""Admin: teams. Each team's focus, members (leads marked), how it hands out its tickets, who of it can take
tickets right now (on shift, online, under capacity) and its shifts; new teams, members added and removed,
leads chosen."""

from __future__ import annotations

from datetime import time
from typing import Any

import reflex as rx
from babel.dates import get_day_names

from autocrm.core.db import read_session
from autocrm.core.i18n import N_
from autocrm.models import Balancing
from autocrm.services import teams, users
from autocrm.services.teams import TeamCoverage, TeamDetail, TeamInput
from autocrm.state.format import form_text
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

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
AVAILABILITY_LABELS = {"online": N_("Online"), "away": N_("Away"), "offline": N_("Offline")}
AVAILABILITY_COLORS = {"online": "grass", "away": "amber", "offline": "gray"}


def _clock(text: str) -> str:
    return "24:00" if text == "24:00" else time.fromisoformat(text).strftime("%H:%M")


def shift_summary(weekly: dict[str, list[list[str]]], locale: str) -> str:
    """A shift's week as people read it: days with the same hours together ("Mon, Tue, Wed 09:00–17:00")."""
    days = get_day_names("abbreviated", locale=locale)
    by_hours: dict[str, list[str]] = {}
    for day in sorted(weekly, key=int):
        hours = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in weekly[day])
        by_hours.setdefault(hours, []).append(str(days[int(day)]))
    return "; ".join(f"{', '.join(names)} {hours}" for hours, names in by_hours.items())


def team_row(detail: TeamDetail, cover: TeamCoverage, staff: list[Any], locale: str) -> dict[str, Any]:
    members_by_id = {m.user_id: m for m in detail.members}
    members = [
        {
            "user_id": state.user_id,
            "name": state.name,
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


class AdminTeamsState(StaffState):
    rows: list[dict[str, Any]] = []
    loaded: bool = False
    create_open: bool = False
    create_errors: dict[str, str] = {}
    create_error: str = ""

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    def _fetch(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        with read_session() as session:
            staff = users.list_staff(session, actor=actor)
            rows = []
            for team in teams.list_teams(session, actor=actor):
                detail = teams.get_team(session, actor=actor, team_id=team.id)
                cover = teams.coverage(session, actor=actor, team_id=team.id)
                rows.append(team_row(detail, cover, staff, self.locale or "en"))
        self.rows = rows

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
