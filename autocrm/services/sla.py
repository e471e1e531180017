"""SLAs: business calendars, policies with targets per priority, and each ticket's clock.

- A **policy** has targets per priority (first response, next response, resolution, in minutes of working
  time), an optional business calendar (none: round the clock) and conditions (`rule_conditions`; none: every
  ticket). The first enabled policy, in order, whose conditions match a ticket applies to it.
- **The clock** (`ticket_sla`) is recomputed inside every write that can move it (an in-transaction listener on
  `ticket.created`, `ticket.updated` and `message.created`, after the routing rules): first response is due
  the target after creation until an agent answers; next response is due the target after a customer's
  message that no agent has answered yet; resolution is due the target after creation, not counting the time
  the ticket waited on the customer or on hold (its status history in the audit trail), and stops while it
  waits and once it is solved. `next_due_at` is the earliest target still running.
- **Breaches**: the scheduled `sla.check` job emits `sla.breached` once per ticket and target whose due time
  passed while it ran; the ticket page and the API read the state (`on_track`, `at_risk` with less than a
  quarter of a target left, `breached`, `paused`, or none).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import (
    AuditEntry,
    BusinessCalendar,
    Message,
    Role,
    SlaPolicy,
    StatusCategory,
    Ticket,
    TicketRouting,
    TicketSla,
    User,
)
from autocrm.models.base import utcnow
from autocrm.services import audit, business_hours, desk, events, rule_conditions
from autocrm.services.actor import ROUTING_MANAGE, TICKETS_READ, Actor
from autocrm.services.business_hours import Calendar
from autocrm.services.errors import Conflict, NotFound, field_error
from autocrm.services.events import Event
from autocrm.services.inputs import DbId, ServiceInput

LISTENER = "sla.clock"
BREACHED = "sla.breached"
TARGETS = ("first_response", "next_response", "resolution")
AT_RISK_SHARE = 0.25
_PAUSED = (StatusCategory.pending, StatusCategory.on_hold)
_DONE = (StatusCategory.solved, StatusCategory.closed)
Target = Literal["first_response", "next_response", "resolution"]
State = Literal["on_track", "at_risk", "breached", "paused", "none"]


# ---- shapes ------------------------------------------------------------------------------------------


class Window(ServiceInput):
    start: time
    end: time  # 00:00 ends at midnight


class CalendarInput(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    time_zone: str = Field(min_length=1, max_length=64)
    weekly: dict[int, list[Window]] = Field(default_factory=dict)  # 0 = Monday
    country: str | None = Field(default=None, min_length=2, max_length=2)
    subdivision: str | None = Field(default=None, max_length=10)
    holidays: list[date] = Field(default_factory=list, max_length=366)

    @field_validator("weekly")
    @classmethod
    def _days(cls, weekly: dict[int, list[Window]]) -> dict[int, list[Window]]:
        for day, windows in weekly.items():
            if day not in range(7):
                raise ValueError(t("weekdays are 0 (Monday) to 6 (Sunday)"))
            for window in windows:
                if window.end != time(0) and window.end <= window.start:
                    raise ValueError(t("a window ends after it starts"))
        return weekly


class TargetMinutes(ServiceInput):
    first_response: int | None = Field(default=None, ge=1, le=525_600)
    next_response: int | None = Field(default=None, ge=1, le=525_600)
    resolution: int | None = Field(default=None, ge=1, le=525_600)


class PolicyCreate(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    targets: dict[str, TargetMinutes]  # priority key -> targets
    conditions: dict[str, Any] = Field(default_factory=dict)
    calendar_id: DbId | None = None
    enabled: bool = True


class PolicyUpdate(ServiceInput):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    targets: dict[str, TargetMinutes] | None = None
    conditions: dict[str, Any] | None = None
    calendar_id: DbId | None = None
    enabled: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class CalendarPublic(BaseModel):
    id: int
    name: str
    time_zone: str
    weekly: dict[str, list[list[str]]]
    country: str | None
    subdivision: str | None
    holidays: list[str]


class PolicyPublic(BaseModel):
    id: int
    name: str
    position: int
    enabled: bool
    conditions: dict[str, Any]
    calendar_id: int | None
    targets: dict[str, dict[str, int]]


class TargetStatus(BaseModel):
    target: Target
    due_at: datetime | None
    state: Literal["running", "met", "missed", "breached", "paused"]


class TicketSlaPublic(BaseModel):
    policy: PolicyPublic | None
    state: State
    next_due_at: datetime | None
    targets: list[TargetStatus]


# ---- calendars and policies ----------------------------------------------------------------------------


def _require_manager(actor: Actor) -> None:
    actor.require_scope(ROUTING_MANAGE)
    actor.require_admin()


def _clock_text(moment: time) -> str:
    return moment.strftime("%H:%M")


def _calendar_public(row: BusinessCalendar) -> CalendarPublic:
    return CalendarPublic(
        id=stored_id(row.id),
        name=row.name,
        time_zone=row.time_zone,
        weekly={k: [list(w) for w in v] for k, v in row.weekly.items()},
        country=row.country,
        subdivision=row.subdivision,
        holidays=list(row.holidays),
    )


def calendar_of(row: BusinessCalendar | None) -> Calendar:
    if row is None:
        return Calendar.always()
    weekly = {
        int(day): tuple(
            (time.fromisoformat(start), time(0) if end == "24:00" else time.fromisoformat(end))
            for start, end in windows
        )
        for day, windows in row.weekly.items()
    }
    return Calendar(
        time_zone=row.time_zone,
        weekly=weekly,
        country=row.country,
        subdivision=row.subdivision,
        extra_holidays=frozenset(date.fromisoformat(d) for d in row.holidays),
    )


def _calendar_fields(data: CalendarInput) -> dict[str, Any]:
    try:
        calendar = Calendar(
            time_zone=data.time_zone,
            country=data.country.upper() if data.country else None,
            subdivision=data.subdivision,
        )
        _ = calendar.zone
        calendar.is_holiday(date(2026, 1, 1))
    except Exception as error:  # zoneinfo and holidays raise several kinds for unknown names
        raise field_error("time_zone", t("Unknown time zone, country or region: {error}", error=error)) from error
    return {
        "name": " ".join(data.name.split()),
        "time_zone": data.time_zone,
        "weekly": {
            str(day): [[_clock_text(w.start), "24:00" if w.end == time(0) else _clock_text(w.end)] for w in windows]
            for day, windows in sorted(data.weekly.items())
            if windows
        },
        "country": data.country.upper() if data.country else None,
        "subdivision": data.subdivision,
        "holidays": sorted({d.isoformat() for d in data.holidays}),
    }


def create_calendar(session: Session, *, actor: Actor, data: CalendarInput) -> CalendarPublic:
    _require_manager(actor)
    fields = _calendar_fields(data)
    if session.exec(select(BusinessCalendar.id).where(BusinessCalendar.name == fields["name"])).first() is not None:
        raise Conflict(t("A calendar named {value} already exists.", value=repr(fields["name"])), {"name": "taken"})
    row = BusinessCalendar(**fields)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="calendar.created",
        object_type="calendar",
        object_id=row.id,
        changes={k: (None, v) for k, v in fields.items()},
    )
    events.emit(session, "calendar.created", actor=actor, data={"calendar_id": row.id})
    return _calendar_public(row)


def list_calendars(session: Session, *, actor: Actor) -> list[CalendarPublic]:
    _require_manager(actor)
    return [
        _calendar_public(row) for row in session.exec(select(BusinessCalendar).order_by(col(BusinessCalendar.name)))
    ]


def _policy_public(row: SlaPolicy) -> PolicyPublic:
    return PolicyPublic(
        id=stored_id(row.id),
        name=row.name,
        position=row.position,
        enabled=row.enabled,
        conditions=dict(row.conditions),
        calendar_id=row.calendar_id,
        targets={k: dict(v) for k, v in row.targets.items()},
    )


def _valid_targets(session: Session, targets: dict[str, TargetMinutes]) -> dict[str, dict[str, int]]:
    cleaned: dict[str, dict[str, int]] = {}
    for priority, minutes in targets.items():
        key = desk.priority_named(session, priority).key
        values = minutes.model_dump(exclude_none=True)
        if values:
            cleaned[key] = values
    if not cleaned:
        raise field_error("targets", t("Give at least one target for at least one priority."))
    return cleaned


def _valid_policy_parts(session: Session, conditions: dict[str, Any], calendar_id: int | None) -> None:
    if conditions:
        rule_conditions.parse(conditions)
    if calendar_id is not None and session.get(BusinessCalendar, calendar_id) is None:
        raise field_error("calendar_id", t("There is no calendar #{calendar_id}.", calendar_id=calendar_id))


def create_policy(session: Session, *, actor: Actor, data: PolicyCreate) -> PolicyPublic:
    _require_manager(actor)
    targets = _valid_targets(session, data.targets)
    _valid_policy_parts(session, data.conditions, data.calendar_id)
    last = session.exec(select(SlaPolicy.position).order_by(col(SlaPolicy.position).desc())).first()
    row = SlaPolicy(
        name=" ".join(data.name.split()),
        position=(last + 1) if last is not None else 0,
        enabled=data.enabled,
        conditions=data.conditions,
        calendar_id=data.calendar_id,
        targets=targets,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sla_policy.created",
        object_type="sla_policy",
        object_id=row.id,
        changes={"name": (None, row.name), "targets": (None, targets)},
    )
    events.emit(session, "sla_policy.created", actor=actor, data={"policy_id": row.id})
    return _policy_public(row)


def update_policy(session: Session, *, actor: Actor, policy_id: int, data: PolicyUpdate) -> PolicyPublic:
    """Changes a policy; tickets' clocks follow at their next change."""
    _require_manager(actor)
    row = session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFound(t("There is no SLA policy #{policy_id}.", policy_id=policy_id))
    before = _policy_public(row).model_dump()
    if data.targets is not None:
        row.targets = _valid_targets(session, data.targets)
    if data.conditions is not None or "calendar_id" in data.model_fields_set:
        _valid_policy_parts(session, data.conditions or {}, data.calendar_id)
    if data.conditions is not None:
        row.conditions = data.conditions
    if "calendar_id" in data.model_fields_set:
        row.calendar_id = data.calendar_id
    for name in ("enabled", "position"):
        if getattr(data, name) is not None:
            setattr(row, name, getattr(data, name))
    if data.name is not None:
        row.name = " ".join(data.name.split())
    changes = audit.diff(before, _policy_public(row).model_dump())
    if changes:
        row.updated_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="sla_policy.updated",
            object_type="sla_policy",
            object_id=row.id,
            changes=changes,
        )
        events.emit(session, "sla_policy.updated", actor=actor, data={"policy_id": row.id})
    return _policy_public(row)


def list_policies(session: Session, *, actor: Actor) -> list[PolicyPublic]:
    _require_manager(actor)
    return [_policy_public(row) for row in _policies(session)]


def _policies(session: Session) -> list[SlaPolicy]:
    return list(session.exec(select(SlaPolicy).order_by(col(SlaPolicy.position), col(SlaPolicy.id))))


# ---- the clock -----------------------------------------------------------------------------------------


def _pauses(session: Session, ticket: Ticket, now: datetime) -> tuple[list[tuple[datetime, datetime]], bool]:
    """The intervals the ticket spent waiting (pending, on hold), from its status history, and whether it
    waits now."""
    categories = {s.key: s.category for s in desk.statuses(session)}
    entries = session.exec(
        select(AuditEntry.created_at, AuditEntry.changes)
        .where(AuditEntry.object_type == "ticket", AuditEntry.object_id == ticket.id)
        .order_by(col(AuditEntry.id))
    )
    pauses: list[tuple[datetime, datetime]] = []
    paused_since: datetime | None = None
    for at, changes in entries:
        status = (changes or {}).get("status")
        if not status or status[1] is None:
            continue
        waiting = categories.get(status[1]) in _PAUSED
        if waiting and paused_since is None:
            paused_since = at
        elif not waiting and paused_since is not None:
            pauses.append((paused_since, at))
            paused_since = None
    now_waiting = categories.get(ticket.status) in _PAUSED
    if paused_since is not None:
        pauses.append((paused_since, now))
    return pauses, now_waiting


def _awaiting_reply_since(session: Session, ticket: Ticket) -> datetime | None:
    """When the oldest customer message no agent has answered yet was written (None if all are answered)."""
    rows = session.exec(
        select(Message.created_at, User.role)
        .join(User, col(User.id) == col(Message.author_id), isouter=True)
        .where(Message.ticket_id == ticket.id, col(Message.internal).is_(False))
        .order_by(col(Message.id))
    )
    waiting_since: datetime | None = None
    for at, role in rows:
        if role is not None and Role(role).is_staff:
            waiting_since = None
        elif waiting_since is None:
            waiting_since = at
    return waiting_since


def _policy_for(session: Session, ticket: Ticket) -> SlaPolicy | None:
    from autocrm.services import routing, tickets

    chosen = session.get(TicketRouting, ticket.id)
    if chosen is not None and chosen.sla_policy_id is not None:
        # A routing rule (or an agent) chose the policy: it applies whatever the policies' conditions say.
        policy = session.get(SlaPolicy, chosen.sla_policy_id)
        if policy is not None and policy.enabled:
            return policy
    policies = [p for p in _policies(session) if p.enabled]
    if not policies:
        return None
    facts = routing.facts_of_ticket(
        session, tickets.get_ticket(session, actor=Actor.system(LISTENER), ticket_id=stored_id(ticket.id))
    )
    for policy in policies:
        if not policy.conditions or rule_conditions.matches(rule_conditions.parse(policy.conditions), facts):
            return policy
    return None


def recompute(session: Session, ticket_id: int, *, now: datetime | None = None) -> TicketSla | None:
    """The ticket's clock from its policy and history, written to `ticket_sla` (removed when no policy applies)."""
    now = now or utcnow()
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    row = session.get(TicketSla, ticket_id)
    policy = _policy_for(session, ticket)
    targets = dict(policy.targets.get(ticket.priority, {})) if policy is not None else {}
    if policy is None or not targets:
        if row is not None:
            session.delete(row)
        return None
    calendar = calendar_of(session.get(BusinessCalendar, policy.calendar_id) if policy.calendar_id else None)
    category = desk.status_of(session, ticket.status).category
    pauses, waiting = _pauses(session, ticket, now)
    first_due = next_due = resolution_due = None
    if "first_response" in targets:
        first_due = business_hours.add(calendar, ticket.created_at, timedelta(minutes=targets["first_response"]))
    if "next_response" in targets and ticket.first_response_at is not None and category not in _DONE:
        since = _awaiting_reply_since(session, ticket)
        if since is not None and since > ticket.first_response_at:
            next_due = business_hours.add(calendar, since, timedelta(minutes=targets["next_response"]))
    if "resolution" in targets and not waiting:
        resolution_due = business_hours.add(
            calendar, ticket.created_at, timedelta(minutes=targets["resolution"]), pauses=pauses
        )
    running = [
        due
        for due, still in (
            (first_due, ticket.first_response_at is None and category not in _DONE),
            (next_due, True),
            (resolution_due, category not in _DONE),
        )
        if due is not None and still
    ]
    if row is None:
        row = TicketSla(ticket_id=ticket_id)
    row.policy_id = policy.id
    row.first_response_due_at, row.next_response_due_at, row.resolution_due_at = first_due, next_due, resolution_due
    row.next_due_at = min(running) if running else None
    row.updated_at = now
    session.add(row)
    return row


def follow_ticket(session: Session, event: Event) -> bool:
    """The in-transaction listener: every change that can move a ticket's clock recomputes it."""
    if event.ticket_id is not None and session.exec(select(SlaPolicy.id).limit(1)).first() is not None:
        recompute(session, event.ticket_id)
    elif event.ticket_id is not None and session.get(TicketSla, event.ticket_id) is not None:
        session.delete(session.get(TicketSla, event.ticket_id))
    return False  # the ticket itself is unchanged


def _target_states(
    ticket: Ticket, row: TicketSla, category: StatusCategory, waiting: bool, now: datetime
) -> list[TargetStatus]:
    out: list[TargetStatus] = []
    if row.first_response_due_at is not None:
        if ticket.first_response_at is not None:
            state = "met" if ticket.first_response_at <= row.first_response_due_at else "missed"
        else:
            state = "breached" if row.first_response_due_at <= now else "running"
        out.append(TargetStatus(target="first_response", due_at=row.first_response_due_at, state=state))
    if row.next_response_due_at is not None:
        state = "breached" if row.next_response_due_at <= now else "running"
        out.append(TargetStatus(target="next_response", due_at=row.next_response_due_at, state=state))
    if category in _DONE and row.resolution_due_at is not None:
        solved = ticket.solved_at or ticket.closed_at or now
        out.append(
            TargetStatus(
                target="resolution",
                due_at=row.resolution_due_at,
                state="met" if solved <= row.resolution_due_at else "missed",
            )
        )
    elif waiting:
        out.append(TargetStatus(target="resolution", due_at=None, state="paused"))
    elif row.resolution_due_at is not None:
        state = "breached" if row.resolution_due_at <= now else "running"
        out.append(TargetStatus(target="resolution", due_at=row.resolution_due_at, state=state))
    return out


def ticket_sla(session: Session, *, actor: Actor, ticket_id: int, now: datetime | None = None) -> TicketSlaPublic:
    """The ticket's policy, each target's due time and state, and the overall state (staff only)."""
    from autocrm.services.tickets.reads import visible_ticket

    actor.require_scope(TICKETS_READ)
    ticket = visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    now = now or utcnow()
    row = session.get(TicketSla, ticket_id)
    policy = session.get(SlaPolicy, row.policy_id) if row is not None and row.policy_id is not None else None
    if row is None or policy is None:
        return TicketSlaPublic(policy=None, state="none", next_due_at=None, targets=[])
    category = desk.status_of(session, ticket.status).category
    waiting = category in _PAUSED
    targets = _target_states(ticket, row, category, waiting, now)
    running = [t for t in targets if t.state == "running"]
    state: State
    if any(t.state == "breached" for t in targets):
        state = "breached"
    elif running:
        calendar = calendar_of(session.get(BusinessCalendar, policy.calendar_id) if policy.calendar_id else None)
        minutes = dict(policy.targets.get(ticket.priority, {}))
        at_risk = any(
            t.due_at is not None
            and business_hours.between(calendar, now, t.due_at)
            < timedelta(minutes=minutes.get(t.target, 0) * AT_RISK_SHARE)
            for t in running
        )
        state = "at_risk" if at_risk else "on_track"
    elif waiting:
        state = "paused"
    else:
        state = "none"
    return TicketSlaPublic(policy=_policy_public(policy), state=state, next_due_at=row.next_due_at, targets=targets)


def check_breaches(session: Session, *, now: datetime | None = None) -> int:
    """The scheduled check: `sla.breached` once per ticket and target whose due time has passed."""
    now = now or utcnow()
    announced = 0
    due_rows = session.exec(
        select(TicketSla).where(col(TicketSla.next_due_at).is_not(None), col(TicketSla.next_due_at) <= now).limit(500)
    )
    for row in list(due_rows):
        ticket = session.get(Ticket, row.ticket_id)
        if ticket is None:
            continue
        category = desk.status_of(session, ticket.status).category
        states = _target_states(ticket, row, category, category in _PAUSED, now)
        breaches = dict(row.breaches)
        for target in states:
            # Keyed by the due time too: a new customer message starts a new next-response target.
            key = f"{target.target}@{target.due_at.isoformat()}" if target.due_at is not None else ""
            if target.state == "breached" and key and key not in breaches and target.due_at is not None:
                breaches[key] = now.isoformat()
                events.emit(
                    session,
                    BREACHED,
                    actor=Actor.system(LISTENER),
                    ticket_id=row.ticket_id,
                    data={"target": target.target, "due_at": target.due_at.isoformat(), "policy_id": row.policy_id},
                )
                announced += 1
        if breaches != row.breaches:
            row.breaches = breaches
            session.add(row)
    return announced


def run_breach_check(session: Session) -> None:
    check_breaches(session)
