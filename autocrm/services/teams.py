"""Teams: their focus, members and leads, how they hand out work, and when they are covered.

- A **team** has a name, a focus (its description), members (an agent may be in several teams) and leads.
  Admins create, rename and delete teams and choose leads; a team's leads may change its focus, members,
  coverage and balancing mode, and manage its shifts.
- **Coverage**: a team works its shifts, weekly patterns of wall-clock windows in the team's time zone, each
  worked by some of its members; on a public holiday of the team's country (the `holidays` package) or on one
  of its own days off nobody is on shift. A team without shifts is covered round the clock (holidays aside).
  The maths is `business_hours`, so a shift keeps its wall-clock times across a change of the clocks.
- **Balancing**: the team's `balancing` column picks how `services/balancing.py` hands its unassigned tickets
  out (or `manual`: it does not).

Keys need `users:write` to change teams and members, and `routing:manage` for shifts and the balancing mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, delete, func, select, update

from autocrm.core.db import stored_id
from autocrm.core.i18n import ngettext, t
from autocrm.models import Balancing, StatusCategory, Team, TeamMembership, TeamShift, TeamShiftMember, Ticket, User
from autocrm.models.base import utcnow
from autocrm.models.tickets import TicketStatus
from autocrm.services import audit, events
from autocrm.services.actor import ROUTING_MANAGE, TICKETS_READ, USERS_READ, USERS_WRITE, Actor
from autocrm.services.business_hours import Calendar
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, field_error
from autocrm.services.inputs import DbId, ServiceInput, is_valid_id, one_printable_line
from autocrm.services.user_shapes import TeamPublic

MAX_SHIFTS = 50
# Events other parts listen to: a member or a shift can make someone able to take a waiting ticket.
MEMBERS_CHANGED = "team.members_changed"
SHIFTS_CHANGED = "team.shifts_changed"
TEAM_UPDATED = "team.updated"


# ---- shapes ------------------------------------------------------------------------------------------


class ShiftWindow(ServiceInput):
    start: time
    # 00:00 ends at midnight; an end before the start runs past midnight into the next day.
    end: time


def _checked_weekly(weekly: dict[int, list[ShiftWindow]]) -> dict[int, list[ShiftWindow]]:
    for day, windows in weekly.items():
        if day not in range(7):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        if any(window.start == window.end for window in windows):
            raise ValueError("a window ends after it starts")
    return weekly


class ShiftInput(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    weekly: dict[int, list[ShiftWindow]] = Field(default_factory=dict)  # 0 = Monday
    member_ids: list[DbId] = Field(default_factory=list, max_length=500)

    @field_validator("weekly")
    @classmethod
    def _days(cls, weekly: dict[int, list[ShiftWindow]]) -> dict[int, list[ShiftWindow]]:
        return _checked_weekly(weekly)


class ShiftUpdate(ServiceInput):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    weekly: dict[int, list[ShiftWindow]] | None = None
    member_ids: list[DbId] | None = Field(default=None, max_length=500)

    @field_validator("weekly")
    @classmethod
    def _days(cls, weekly: dict[int, list[ShiftWindow]] | None) -> dict[int, list[ShiftWindow]] | None:
        return _checked_weekly(weekly) if weekly is not None else None


class TeamInput(ServiceInput):
    """What `create_team` and `update_team` take; on update only the fields that are set change."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=1000)
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    holiday_country: str | None = Field(default=None, max_length=2)
    holiday_subdivision: str | None = Field(default=None, max_length=10)
    holidays: list[date] | None = Field(default=None, max_length=366)
    balancing: Balancing | None = None
    member_ids: list[DbId] | None = Field(default=None, max_length=500)


class ShiftPublic(BaseModel):
    id: int
    team_id: int
    name: str
    weekly: dict[str, list[list[str]]]
    member_ids: list[int]


class TeamMember(BaseModel):
    user_id: int
    name: str
    email: str
    lead: bool


class TeamDetail(BaseModel):
    team: TeamPublic
    members: list[TeamMember]
    shifts: list[ShiftPublic]


class MemberCoverage(BaseModel):
    user_id: int
    name: str
    on_shift: bool
    availability: str
    open_tickets: int
    max_open_tickets: int | None
    # On shift, online and under capacity: load balancing may give them a ticket now.
    can_take_tickets: bool


class TeamCoverage(BaseModel):
    team_id: int
    at: datetime
    holiday: bool
    members: list[MemberCoverage]
    waiting_tickets: int  # the team's unassigned, unsolved tickets


# ---- who may ------------------------------------------------------------------------------------------


def is_lead(session: Session, actor: Actor, team_id: int) -> bool:
    if actor.user_id is None:
        return False
    membership = session.get(TeamMembership, (team_id, actor.user_id))
    return membership is not None and membership.lead


def led_team_ids(session: Session, actor: Actor) -> set[int]:
    if actor.user_id is None:
        return set()
    return set(
        session.exec(
            select(TeamMembership.team_id).where(
                TeamMembership.user_id == actor.user_id, col(TeamMembership.lead).is_(True)
            )
        )
    )


def require_team_manager(session: Session, actor: Actor, team_id: int, scope: str = USERS_WRITE) -> None:
    """Admins manage every team; a team's leads manage theirs."""
    actor.require_scope(scope)
    if actor.is_admin:
        return
    actor.require_staff()
    if not is_lead(session, actor, team_id):
        raise PermissionDenied(t("Only admins and this team's leads may do this."))


def _team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id) if is_valid_id(team_id) else None
    if team is None:
        raise NotFound(t("Team {team_id} not found.", team_id=team_id))
    return team


# ---- teams -------------------------------------------------------------------------------------------


def _clean_team_name(name: str) -> str:
    try:
        name = one_printable_line(name or "")
    except ValueError:
        name = ""
    if not name or len(name) > 120:
        raise field_error("name", t("Enter a name of 1 to 120 characters."))
    return name


def _agents(session: Session, user_ids: Iterable[int], field: str) -> list[int]:
    wanted = sorted(set(user_ids))
    found = {
        stored_id(u.id): u
        for u in session.exec(select(User).where(col(User.id).in_(wanted))).all()
        if u.role.is_staff and u.is_active
    }
    for user_id in wanted:
        if user_id not in found:
            raise field_error(field, t("User {user_id} is not an agent.", user_id=user_id))
    return wanted


def _coverage_fields(data: TeamInput, team: Team | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data.time_zone is not None:
        fields["time_zone"] = data.time_zone
    if "holiday_country" in data.model_fields_set:
        fields["holiday_country"] = data.holiday_country.upper() if data.holiday_country else None
    if "holiday_subdivision" in data.model_fields_set:
        fields["holiday_subdivision"] = data.holiday_subdivision or None
    if data.holidays is not None:
        fields["holidays"] = sorted({d.isoformat() for d in data.holidays})
    zone = fields.get("time_zone", team.time_zone if team else "UTC")
    country = fields.get("holiday_country", team.holiday_country if team else None)
    subdivision = fields.get("holiday_subdivision", team.holiday_subdivision if team else None)
    try:
        calendar = Calendar(time_zone=zone, country=country, subdivision=subdivision)
        _ = calendar.zone
        calendar.is_holiday(date(2026, 1, 1))
    except Exception as error:  # zoneinfo and holidays raise several kinds for unknown names
        field = "time_zone" if "time_zone" in fields else "holiday_country"
        raise field_error(field, t("Unknown time zone, country or region: {error}", error=error)) from error
    return fields


def _lead_ids(session: Session, team_id: int) -> list[int]:
    return sorted(
        session.exec(
            select(TeamMembership.user_id).where(TeamMembership.team_id == team_id, col(TeamMembership.lead).is_(True))
        )
    )


def _member_ids(session: Session, team_id: int) -> list[int]:
    return sorted(session.exec(select(TeamMembership.user_id).where(TeamMembership.team_id == team_id)))


def team_public(session: Session, team: Team, member_ids: list[int] | None = None) -> TeamPublic:
    team_id = stored_id(team.id)
    return TeamPublic(
        id=team_id,
        name=team.name,
        description=team.description,
        member_ids=member_ids if member_ids is not None else _member_ids(session, team_id),
        lead_ids=_lead_ids(session, team_id),
        time_zone=team.time_zone,
        holiday_country=team.holiday_country,
        holiday_subdivision=team.holiday_subdivision,
        holidays=list(team.holidays),
        balancing=team.balancing,
    )


def _record(
    session: Session, *, actor: Actor, team_id: int, action: str, changes: dict[str, tuple[Any, Any]], event: str
) -> None:
    audit.record(session, actor=actor, action=action, object_type="team", object_id=team_id, changes=changes)
    events.emit(session, event, actor=actor, data={"team_id": team_id, "changes": audit.plain_changes(changes)})


def create_team(
    session: Session,
    *,
    actor: Actor,
    name: str,
    description: str = "",
    member_ids: Sequence[int] = (),
    settings: TeamInput | None = None,
) -> TeamPublic:
    """A new team (admins only); `settings` may set its coverage and balancing mode at once."""
    actor.require_admin()
    actor.require_scope(USERS_WRITE)
    name = _clean_team_name(name)
    settings = settings or TeamInput()
    if settings.balancing is not None:
        actor.require_scope(ROUTING_MANAGE)
    if session.exec(select(Team.id).where(Team.name == name)).first() is not None:
        raise Conflict(t("A team named {name} already exists.", name=repr(name)), {"name": "taken"})
    members = _agents(session, member_ids, "member_ids")
    fields = _coverage_fields(settings, None)
    team = Team(
        name=name,
        description=(description or "").strip()[:1000],
        balancing=settings.balancing or Balancing.manual,
        **fields,
    )
    session.add(team)
    session.flush()
    team_id = stored_id(team.id)
    for user_id in members:
        session.add(TeamMembership(team_id=team_id, user_id=user_id))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="team.create",
        object_type="team",
        object_id=team_id,
        changes={
            "name": (None, name),
            "members": (None, list(member_ids)),
            **({"balancing": (None, team.balancing.value)} if team.balancing != Balancing.manual else {}),
            **{key: (None, value) for key, value in fields.items()},
        },
    )
    events.emit(session, "team.created", actor=actor, data={"team_id": team_id, "member_ids": members})
    return team_public(session, team, list(member_ids))


def list_teams(session: Session, *, actor: Actor) -> list[TeamPublic]:
    """Every team by name, with its members (staff only: the queue's filters and bulk changes name teams, so a
    key may read them with `tickets:read` as well as `users:read`)."""
    actor.require_staff()
    if actor.scopes is not None and not actor.scopes & {USERS_READ, TICKETS_READ}:
        actor.require_scope(USERS_READ)
    members: dict[int, list[int]] = {}
    leads: dict[int, list[int]] = {}
    for team_id, user_id, lead in session.exec(
        select(TeamMembership.team_id, TeamMembership.user_id, TeamMembership.lead).order_by(
            col(TeamMembership.user_id)
        )
    ):
        members.setdefault(team_id, []).append(user_id)
        if lead:
            leads.setdefault(team_id, []).append(user_id)
    out = []
    for team in session.exec(select(Team).order_by(col(Team.name))):
        team_id = stored_id(team.id)
        out.append(
            TeamPublic(
                id=team_id,
                name=team.name,
                description=team.description,
                member_ids=members.get(team_id, []),
                lead_ids=leads.get(team_id, []),
                time_zone=team.time_zone,
                holiday_country=team.holiday_country,
                holiday_subdivision=team.holiday_subdivision,
                holidays=list(team.holidays),
                balancing=team.balancing,
            )
        )
    return out


def get_team(session: Session, *, actor: Actor, team_id: int) -> TeamDetail:
    """A team with its members (and who leads) and its shifts (staff only)."""
    actor.require_staff()
    actor.require_scope(USERS_READ)
    team = _team(session, team_id)
    rows = session.exec(
        select(TeamMembership.user_id, TeamMembership.lead, User.name, User.email)
        .join(User, col(User.id) == col(TeamMembership.user_id))
        .where(TeamMembership.team_id == team_id)
        .order_by(col(User.name), col(User.id))
    ).all()
    members = [TeamMember(user_id=user_id, name=name, email=email, lead=lead) for user_id, lead, name, email in rows]
    return TeamDetail(
        team=team_public(session, team, sorted(m.user_id for m in members)),
        members=members,
        shifts=[_shift_public(session, shift) for shift in _shifts(session, team_id)],
    )


def update_team(session: Session, *, actor: Actor, team_id: int, data: TeamInput) -> TeamPublic:
    """Changes a team: admins anything, its leads all but its name. `member_ids` replaces the members."""
    team = _team(session, team_id)
    require_team_manager(session, actor, team_id)
    if data.name is not None and not actor.is_admin:
        raise PermissionDenied(t("Only admins may rename a team."))
    if data.balancing is not None:
        actor.require_scope(ROUTING_MANAGE)
    before: dict[str, Any] = {
        "name": team.name,
        "description": team.description,
        "time_zone": team.time_zone,
        "holiday_country": team.holiday_country,
        "holiday_subdivision": team.holiday_subdivision,
        "holidays": list(team.holidays),
        "balancing": team.balancing.value,
    }
    after = dict(before)
    if data.name is not None:
        name = _clean_team_name(data.name)
        if name != team.name and session.exec(select(Team.id).where(Team.name == name)).first() is not None:
            raise Conflict(t("A team named {name} already exists.", name=repr(name)), {"name": "taken"})
        after["name"] = name
    if data.description is not None:
        after["description"] = data.description.strip()
    after.update(_coverage_fields(data, team))
    if data.balancing is not None:
        after["balancing"] = data.balancing.value
    members_before = _member_ids(session, team_id)
    members_after = _agents(session, data.member_ids, "member_ids") if data.member_ids is not None else members_before
    changes = audit.diff(before, after)
    if changes:
        for key, value in after.items():
            setattr(team, key, Balancing(value) if key == "balancing" else value)
        team.updated_at = utcnow()
        session.add(team)
        _record(session, actor=actor, team_id=team_id, action="team.update", changes=changes, event=TEAM_UPDATED)
    if members_after != members_before:
        _set_members(session, actor=actor, team_id=team_id, before=members_before, after=members_after)
    session.flush()
    return team_public(session, team)


def delete_team(session: Session, *, actor: Actor, team_id: int) -> None:
    """Deletes a team (admins only) once no unsolved ticket is in it; its solved and closed tickets keep no team."""
    actor.require_admin()
    actor.require_scope(USERS_WRITE)
    team = _team(session, team_id)
    unsolved = session.exec(
        select(func.count())
        .select_from(Ticket)
        .join(TicketStatus, col(TicketStatus.key) == col(Ticket.status))
        .where(
            Ticket.team_id == team_id,
            col(TicketStatus.category).not_in([StatusCategory.solved, StatusCategory.closed]),
        )
    ).one()
    if unsolved:
        raise Conflict(
            ngettext(
                "{n} unsolved ticket is in this team: move it to another team first.",
                "{n} unsolved tickets are in this team: move them to another team first.",
                unsolved,
            ),
            {"team_id": "has unsolved tickets"},
        )
    finished = session.exec(select(func.count()).select_from(Ticket).where(Ticket.team_id == team_id)).one()
    # Solved and closed tickets are history: they lose the team rather than keep the team from going.
    session.exec(update(Ticket).where(col(Ticket.team_id) == team_id).values(team_id=None))
    _record(
        session,
        actor=actor,
        team_id=team_id,
        action="team.delete",
        changes={"name": (team.name, None), "finished_tickets_released": (None, finished)},
        event="team.deleted",
    )
    session.delete(team)
    session.flush()


# ---- members and leads ---------------------------------------------------------------------------------


def _set_members(session: Session, *, actor: Actor, team_id: int, before: list[int], after: list[int]) -> None:
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    for user_id in added:
        session.add(TeamMembership(team_id=team_id, user_id=user_id))
    if removed:
        session.exec(
            delete(TeamMembership).where(
                col(TeamMembership.team_id) == team_id, col(TeamMembership.user_id).in_(removed)
            )
        )
        # A member who leaves the team leaves its shifts too.
        shift_ids = select(TeamShift.id).where(TeamShift.team_id == team_id)
        session.exec(
            delete(TeamShiftMember).where(
                col(TeamShiftMember.shift_id).in_(shift_ids), col(TeamShiftMember.user_id).in_(removed)
            )
        )
    session.flush()
    changes = {"members": (before, after)}
    audit.record(session, actor=actor, action="team.members", object_type="team", object_id=team_id, changes=changes)
    events.emit(session, MEMBERS_CHANGED, actor=actor, data={"team_id": team_id, "added": added, "removed": removed})


def add_member(session: Session, *, actor: Actor, team_id: int, user_id: int, lead: bool = False) -> TeamDetail:
    """Adds an agent to the team (they may be in others too); making them lead is for admins."""
    _team(session, team_id)
    require_team_manager(session, actor, team_id)
    before = _member_ids(session, team_id)
    if user_id not in before:
        _agents(session, [user_id], "user_id")
        _set_members(session, actor=actor, team_id=team_id, before=before, after=sorted([*before, user_id]))
    if lead:
        set_team_lead(session, actor=actor, team_id=team_id, user_id=user_id, lead=True)
    return get_team(session, actor=actor, team_id=team_id)


def remove_member(session: Session, *, actor: Actor, team_id: int, user_id: int) -> None:
    _team(session, team_id)
    require_team_manager(session, actor, team_id)
    before = _member_ids(session, team_id)
    if user_id not in before:
        raise NotFound(t("User {user_id} is not a member of team {team_id}.", user_id=user_id, team_id=team_id))
    _set_members(session, actor=actor, team_id=team_id, before=before, after=[u for u in before if u != user_id])


def set_team_lead(session: Session, *, actor: Actor, team_id: int, user_id: int, lead: bool) -> None:
    """Makes a team's member its lead (or not), admins only: leads approve shared macros and manage the team."""
    actor.require_admin()
    actor.require_scope(USERS_WRITE)
    membership = session.get(TeamMembership, (team_id, user_id))
    if membership is None:
        raise NotFound(t("User {user_id} is not a member of team {team_id}.", user_id=user_id, team_id=team_id))
    if membership.lead == lead:
        return
    membership.lead = lead
    session.add(membership)
    audit.record(
        session,
        actor=actor,
        action="team.lead",
        object_type="team",
        object_id=team_id,
        changes={"lead": (None if lead else user_id, user_id if lead else None)},
    )
    events.emit(session, "team.lead_changed", actor=actor, data={"team_id": team_id, "user_id": user_id, "lead": lead})


def team_ids_of(session: Session, user_ids: Iterable[int]) -> set[int]:
    ids = list(set(user_ids))
    if not ids:
        return set()
    return set(session.exec(select(TeamMembership.team_id).where(col(TeamMembership.user_id).in_(ids))))


# ---- shifts and coverage -------------------------------------------------------------------------------


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


def _weekly_rows(weekly: dict[int, list[ShiftWindow]]) -> dict[str, list[list[str]]]:
    """Windows as stored; one that runs past midnight becomes two, the second on the next day."""
    days: dict[int, list[list[str]]] = {}
    for day, windows in sorted(weekly.items()):
        for window in windows:
            if window.end == time(0) or window.end > window.start:
                days.setdefault(day, []).append(
                    [_clock(window.start), "24:00" if window.end == time(0) else _clock(window.end)]
                )
            else:
                days.setdefault(day, []).append([_clock(window.start), "24:00"])
                days.setdefault((day + 1) % 7, []).append(["00:00", _clock(window.end)])
    return {str(day): sorted(windows) for day, windows in sorted(days.items())}


def _shifts(session: Session, team_id: int) -> list[TeamShift]:
    return list(session.exec(select(TeamShift).where(TeamShift.team_id == team_id).order_by(col(TeamShift.id))))


def _shift_members(session: Session, shift_id: int) -> list[int]:
    return sorted(session.exec(select(TeamShiftMember.user_id).where(TeamShiftMember.shift_id == shift_id)))


def _shift_public(session: Session, shift: TeamShift) -> ShiftPublic:
    shift_id = stored_id(shift.id)
    return ShiftPublic(
        id=shift_id,
        team_id=shift.team_id,
        name=shift.name,
        weekly={k: [list(w) for w in v] for k, v in shift.weekly.items()},
        member_ids=_shift_members(session, shift_id),
    )


def _shift_member_ids(session: Session, team_id: int, member_ids: list[int]) -> list[int]:
    members = set(_member_ids(session, team_id))
    for user_id in member_ids:
        if user_id not in members:
            raise field_error(
                "member_ids", t("User {user_id} is not a member of team {team_id}.", user_id=user_id, team_id=team_id)
            )
    return sorted(set(member_ids))


def _shift_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or not name.isprintable():
        raise field_error("name", t("Give the shift a name of plain text."))
    return name


def _shift_changed(
    session: Session, *, actor: Actor, team_id: int, shift_id: int, action: str, changes: dict[str, tuple[Any, Any]]
) -> None:
    audit.record(session, actor=actor, action=f"shift.{action}", object_type="team", object_id=team_id, changes=changes)
    events.emit(
        session,
        SHIFTS_CHANGED,
        actor=actor,
        data={"team_id": team_id, "shift_id": shift_id, "action": action, "changes": audit.plain_changes(changes)},
    )


def create_shift(session: Session, *, actor: Actor, team_id: int, data: ShiftInput) -> ShiftPublic:
    _team(session, team_id)
    require_team_manager(session, actor, team_id, ROUTING_MANAGE)
    if len(_shifts(session, team_id)) >= MAX_SHIFTS:
        raise field_error("name", t("A team keeps at most {MAX_SHIFTS} shifts.", MAX_SHIFTS=MAX_SHIFTS))
    name = _shift_name(data.name)
    members = _shift_member_ids(session, team_id, data.member_ids)
    shift = TeamShift(team_id=team_id, name=name, weekly=_weekly_rows(data.weekly))
    session.add(shift)
    session.flush()
    shift_id = stored_id(shift.id)
    for user_id in members:
        session.add(TeamShiftMember(shift_id=shift_id, user_id=user_id))
    session.flush()
    _shift_changed(
        session,
        actor=actor,
        team_id=team_id,
        shift_id=shift_id,
        action="created",
        changes={"shift": (None, name), "weekly": (None, shift.weekly), "members": (None, members)},
    )
    return _shift_public(session, shift)


def _shift(session: Session, team_id: int, shift_id: int) -> TeamShift:
    shift = session.get(TeamShift, shift_id) if is_valid_id(shift_id) else None
    if shift is None or shift.team_id != team_id:
        raise NotFound(t("Team {team_id} has no shift {shift_id}.", team_id=team_id, shift_id=shift_id))
    return shift


def update_shift(session: Session, *, actor: Actor, team_id: int, shift_id: int, data: ShiftUpdate) -> ShiftPublic:
    _team(session, team_id)
    require_team_manager(session, actor, team_id, ROUTING_MANAGE)
    shift = _shift(session, team_id, shift_id)
    members_before = _shift_members(session, shift_id)
    before: dict[str, Any] = {"shift": shift.name, "weekly": dict(shift.weekly), "members": members_before}
    after = dict(before)
    if data.name is not None:
        after["shift"] = _shift_name(data.name)
    if data.weekly is not None:
        after["weekly"] = _weekly_rows(data.weekly)
    if data.member_ids is not None:
        after["members"] = _shift_member_ids(session, team_id, data.member_ids)
    changes = audit.diff(before, after)
    if changes:
        shift.name, shift.weekly = after["shift"], after["weekly"]
        shift.updated_at = utcnow()
        session.add(shift)
        if after["members"] != members_before:
            session.exec(delete(TeamShiftMember).where(col(TeamShiftMember.shift_id) == shift_id))
            for user_id in after["members"]:
                session.add(TeamShiftMember(shift_id=shift_id, user_id=user_id))
        session.flush()
        _shift_changed(session, actor=actor, team_id=team_id, shift_id=shift_id, action="updated", changes=changes)
    return _shift_public(session, shift)


def delete_shift(session: Session, *, actor: Actor, team_id: int, shift_id: int) -> None:
    _team(session, team_id)
    require_team_manager(session, actor, team_id, ROUTING_MANAGE)
    shift = _shift(session, team_id, shift_id)
    _shift_changed(
        session,
        actor=actor,
        team_id=team_id,
        shift_id=shift_id,
        action="deleted",
        changes={"shift": (shift.name, None)},
    )
    session.delete(shift)
    session.flush()


def _calendar(team: Team, weekly: dict[str, Any]) -> Calendar:
    return Calendar(
        time_zone=team.time_zone,
        weekly={
            int(day): tuple(
                (time.fromisoformat(start), time(0) if end == "24:00" else time.fromisoformat(end))
                for start, end in windows
            )
            for day, windows in weekly.items()
        },
        country=team.holiday_country,
        subdivision=team.holiday_subdivision,
        extra_holidays=frozenset(date.fromisoformat(d) for d in team.holidays),
    )


def is_holiday(team: Team, at: datetime) -> bool:
    calendar = _calendar(team, {})
    return calendar.is_holiday(at.astimezone(calendar.zone).date())


def on_shift(session: Session, team: Team, at: datetime) -> set[int]:
    """The team's members on shift at `at`: every member of a team without shifts (but on no holiday), else
    those working a shift whose window is open then."""
    team_id = stored_id(team.id)
    members = set(_member_ids(session, team_id))
    shifts = _shifts(session, team_id)
    if not shifts:
        return set() if is_holiday(team, at) else members
    working: set[int] = set()
    for shift in shifts:
        # A window that began yesterday evening may still be open: `is_open` looks at the days around `at`.
        if _calendar(team, shift.weekly).is_open(at):
            working.update(_shift_members(session, stored_id(shift.id)))
    return working & members


def coverage(session: Session, *, actor: Actor, team_id: int, at: datetime | None = None) -> TeamCoverage:
    """Who of the team is on shift at `at` (default now), their availability and load, and who can take a ticket."""
    from autocrm.services import balancing

    actor.require_staff()
    actor.require_scope(USERS_READ)
    team = _team(session, team_id)
    at = at or utcnow()
    pool = balancing.team_pool(session, team, at)
    users = {
        stored_id(u.id): u for u in session.exec(select(User).where(col(User.id).in_(_member_ids(session, team_id))))
    }
    members = [
        MemberCoverage(
            user_id=state.user_id,
            name=users[state.user_id].name,
            on_shift=state.on_shift,
            availability=state.availability.value,
            open_tickets=state.load,
            max_open_tickets=state.capacity,
            can_take_tickets=state.can_take,
        )
        for state in sorted(pool, key=lambda s: (users[s.user_id].name, s.user_id))
        if state.user_id in users
    ]
    return TeamCoverage(
        team_id=team_id,
        at=at,
        holiday=is_holiday(team, at),
        members=members,
        waiting_tickets=balancing.waiting_count(session, team_id),
    )
