"""Alerts on a team's queue (or the whole desk's): thresholds admins set, checked every minute.

A rule measures one thing (`KINDS`): unassigned unsolved tickets, the age of the oldest ticket still waiting for
its first reply, or SLA breaches in the last 24 hours, and fires while the measure is above its threshold. The
scheduled `alerts.check` job (`check_all`) compares each enabled rule with its measure and emits
`alert.triggered` when one starts firing and `alert.cleared` when it stops: one event per episode, however
many minutes it lasts. After commit, `notify_leads` gives the team's leads (every admin, for a desk-wide rule) a
notification in the bell; webhooks may subscribe to `alert.triggered`, and the dashboards show what fires now.

Admins manage the rules (keys with `desk:manage`); admins and team leads read them and their team's alerts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import N_, ngettext, t, using_locale
from autocrm.models import AlertRule, EventRecord, InboxNotification, Team, TeamMembership, Ticket, TicketStatus, User
from autocrm.models.base import utcnow
from autocrm.models.enums import Role
from autocrm.services import audit, events, teams
from autocrm.services.actor import DESK_MANAGE, TICKETS_READ, Actor
from autocrm.services.errors import NotFound, PermissionDenied, field_error
from autocrm.services.events import Event
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.tickets import UNSOLVED_CATEGORIES, existing_team

TRIGGERED = "alert.triggered"
CLEARED = "alert.cleared"
ALERT = "alert"  # the bell's kind for an alert
SCHEDULE_NAME = "alerts.check"
BREACH_WINDOW = timedelta(hours=24)
MAX_THRESHOLD = 1_000_000

Kind = Literal["unassigned", "oldest_waiting_minutes", "breaches_24h"]
# What each kind measures, as the screens name it (msgids).
KINDS: dict[str, str] = {
    "unassigned": N_("Unassigned tickets"),
    "oldest_waiting_minutes": N_("Oldest ticket waiting for a first reply (minutes)"),
    "breaches_24h": N_("SLA breaches in the last 24 hours"),
}
_WAITING = ("new", "open")  # the status categories in which a ticket waits on the desk for its first reply


class AlertRuleCreate(ServiceInput):
    team_id: DbId | None = None  # None: the whole desk
    kind: Kind
    threshold: int = Field(ge=0, le=MAX_THRESHOLD)


class AlertRuleUpdate(ServiceInput):
    threshold: int | None = Field(default=None, ge=0, le=MAX_THRESHOLD)
    enabled: bool | None = None


class AlertRulePublic(BaseModel):
    id: int
    team_id: int | None
    team_name: str | None
    kind: str
    threshold: int
    enabled: bool
    firing: bool
    active_since: datetime | None
    active_value: int


class AlertPublic(BaseModel):
    """A rule firing now, with the measure it began at and says in words."""

    rule_id: int
    team_id: int | None
    team_name: str | None
    kind: str
    threshold: int
    value: int
    since: datetime
    summary: str


# ---- reading and managing the rules ------------------------------------------------------------------------


def _team_names(session: Session, rules: list[AlertRule]) -> dict[int, str]:
    ids = {rule.team_id for rule in rules if rule.team_id is not None}
    if not ids:
        return {}
    return {stored_id(team.id): team.name for team in session.exec(select(Team).where(col(Team.id).in_(ids)))}


def _public(rule: AlertRule, names: dict[int, str]) -> AlertRulePublic:
    return AlertRulePublic(
        id=stored_id(rule.id),
        team_id=rule.team_id,
        team_name=names.get(rule.team_id) if rule.team_id is not None else None,
        kind=rule.kind,
        threshold=rule.threshold,
        enabled=rule.enabled,
        firing=rule.active_since is not None,
        active_since=rule.active_since,
        active_value=rule.active_value,
    )


def _readable_teams(session: Session, actor: Actor) -> set[int] | None:
    """The teams whose alerts the actor reads: every team (None) for admins, their own for team leads."""
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    if actor.role == Role.admin:
        return None
    led = teams.led_team_ids(session, actor)
    if not led:
        raise PermissionDenied(t("Alerts are for admins and team leads."))
    return led


def _require_manager(actor: Actor) -> None:
    actor.require_scope(DESK_MANAGE)
    actor.require_admin()


def list_rules(session: Session, *, actor: Actor, team_id: int | None = None) -> list[AlertRulePublic]:
    """The rules the actor may read; with `team_id`, that team's and the desk-wide ones (for admins)."""
    readable = _readable_teams(session, actor)
    statement = select(AlertRule).order_by(col(AlertRule.id))
    if team_id is not None:
        statement = statement.where(AlertRule.team_id == team_id)
    rules = [
        rule
        for rule in session.exec(statement)
        if readable is None or (rule.team_id is not None and rule.team_id in readable)
    ]
    names = _team_names(session, rules)
    return [_public(rule, names) for rule in rules]


def _rule(session: Session, rule_id: int) -> AlertRule:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(t("Alert rule {rule_id} not found.", rule_id=rule_id))
    return rule


def create_rule(session: Session, *, actor: Actor, data: AlertRuleCreate) -> AlertRulePublic:
    _require_manager(actor)
    if data.team_id is not None:
        existing_team(session, data.team_id)
    duplicate = session.exec(
        select(AlertRule.id).where(AlertRule.kind == data.kind, AlertRule.team_id == data.team_id)
        if data.team_id is not None
        else select(AlertRule.id).where(AlertRule.kind == data.kind, col(AlertRule.team_id).is_(None))
    ).first()
    if duplicate is not None:
        raise field_error("kind", t("This team already has an alert on that; change its threshold instead."))
    rule = AlertRule(team_id=data.team_id, kind=data.kind, threshold=data.threshold, created_by_id=actor.user_id)
    session.add(rule)
    session.flush()
    _check(session, rule, utcnow())  # the admin sees at once whether it fires; then every minute
    audit.record(
        session,
        actor=actor,
        action="alert_rule.create",
        object_type="alert_rule",
        object_id=stored_id(rule.id),
        changes={"rule": (None, {"team_id": rule.team_id, "kind": rule.kind, "threshold": rule.threshold})},
    )
    return _public(rule, _team_names(session, [rule]))


def update_rule(session: Session, *, actor: Actor, rule_id: int, data: AlertRuleUpdate) -> AlertRulePublic:
    _require_manager(actor)
    rule = _rule(session, rule_id)
    before = {"threshold": rule.threshold, "enabled": rule.enabled}
    if data.threshold is not None:
        rule.threshold = data.threshold
    if data.enabled is not None:
        rule.enabled = data.enabled
    changes = audit.diff(before, {"threshold": rule.threshold, "enabled": rule.enabled})
    if changes:
        _check(
            session, rule, utcnow()
        )  # a switched-off rule stops firing (`alert.cleared`), a new threshold counts now
        rule.updated_at = utcnow()
        session.add(rule)
        audit.record(
            session,
            actor=actor,
            action="alert_rule.update",
            object_type="alert_rule",
            object_id=rule_id,
            changes=changes,
        )
    return _public(rule, _team_names(session, [rule]))


def delete_rule(session: Session, *, actor: Actor, rule_id: int) -> None:
    _require_manager(actor)
    rule = _rule(session, rule_id)
    audit.record(
        session,
        actor=actor,
        action="alert_rule.delete",
        object_type="alert_rule",
        object_id=rule_id,
        changes={"rule": ({"team_id": rule.team_id, "kind": rule.kind, "threshold": rule.threshold}, None)},
    )
    session.delete(rule)


# ---- measuring and firing ----------------------------------------------------------------------------------


def _status_keys(session: Session, categories: tuple[str, ...]) -> list[str]:
    return list(session.exec(select(TicketStatus.key).where(col(TicketStatus.category).in_(categories))))


def _for_team(statement: Any, team_id: int | None) -> Any:
    return statement if team_id is None else statement.where(Ticket.team_id == team_id)


def measure(session: Session, kind: str, team_id: int | None, *, now: datetime | None = None) -> int:
    """What a rule of `kind` watches, now, for one team or (None) the whole desk."""
    now = now or utcnow()
    if kind == "breaches_24h":
        breaches = (
            select(func.count())
            .select_from(EventRecord)
            .join(Ticket, col(Ticket.id) == EventRecord.ticket_id)
            .where(EventRecord.type == "sla.breached", col(EventRecord.created_at) >= now - BREACH_WINDOW)
        )
        return int(session.exec(_for_team(breaches, team_id)).one())
    if kind == "unassigned":
        unassigned = (
            select(func.count())
            .select_from(Ticket)
            .where(
                col(Ticket.assignee_id).is_(None), col(Ticket.status).in_(_status_keys(session, UNSOLVED_CATEGORIES))
            )
        )
        return int(session.exec(_for_team(unassigned, team_id)).one())
    waiting = select(func.min(Ticket.created_at)).where(
        col(Ticket.first_response_at).is_(None), col(Ticket.status).in_(_status_keys(session, _WAITING))
    )
    oldest: datetime | None = session.exec(_for_team(waiting, team_id)).one()
    if oldest is None:
        return 0
    if oldest.tzinfo is None:  # SQLite's aggregate gives the stored text back without its zone: it is UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(0, int((now - oldest).total_seconds() // 60))


def check_all(session: Session, *, now: datetime | None = None) -> int:
    """The scheduled check: each enabled rule against its measure. Emits `alert.triggered` when a rule starts
    firing and `alert.cleared` when it stops; returns how many rules changed."""
    now = now or utcnow()
    rules = list(session.exec(select(AlertRule).where(col(AlertRule.enabled)).order_by(col(AlertRule.id))))
    changed = sum(_check(session, rule, now) for rule in rules)
    session.flush()
    return changed


def _check(session: Session, rule: AlertRule, now: datetime) -> bool:
    """One rule against its measure; True when it started or stopped firing (and said so)."""
    value = measure(session, rule.kind, rule.team_id, now=now)
    firing = rule.enabled and value > rule.threshold
    if firing == (rule.active_since is not None):
        return False
    facts = {"rule_id": rule.id, "team_id": rule.team_id, "kind": rule.kind, "threshold": rule.threshold}
    system = Actor.system("alerts")
    if firing:
        rule.active_since, rule.active_value = now, value
        events.emit(session, TRIGGERED, actor=system, data={**facts, "value": value})
    else:
        rule.active_since = None
        events.emit(session, CLEARED, actor=system, data={**facts, "value": value})
    session.add(rule)
    return True


def summary(kind: str, value: int, threshold: int, team_name: str | None) -> str:
    """The alert in the reader's words: "Billing: 14 unassigned tickets (alert above 10)"."""
    where = team_name or t("The whole desk")
    if kind == "unassigned":
        what = ngettext("{count} unassigned ticket", "{count} unassigned tickets", value, count=value)
    elif kind == "oldest_waiting_minutes":
        what = ngettext(
            "a ticket has waited {count} minute for a first reply",
            "a ticket has waited {count} minutes for a first reply",
            value,
            count=value,
        )
    else:
        what = ngettext(
            "{count} SLA breach in the last 24 hours", "{count} SLA breaches in the last 24 hours", value, count=value
        )
    return t("{where}: {what} (alert above {threshold})", where=where, what=what, threshold=threshold)


def active_alerts(session: Session, *, actor: Actor, team_id: int | None = None) -> list[AlertPublic]:
    """The rules firing now that the actor may read (one team's with `team_id`), oldest first."""
    rules = [
        rule
        for rule in list_rules(session, actor=actor, team_id=team_id)
        if rule.firing and rule.enabled and rule.active_since is not None
    ]
    return [
        AlertPublic(
            rule_id=rule.id,
            team_id=rule.team_id,
            team_name=rule.team_name,
            kind=rule.kind,
            threshold=rule.threshold,
            value=rule.active_value,
            since=rule.active_since,
            summary=summary(rule.kind, rule.active_value, rule.threshold, rule.team_name),
        )
        for rule in sorted(rules, key=lambda r: r.active_since or utcnow())
        if rule.active_since is not None
    ]


def _recipients(session: Session, team_id: int | None) -> list[User]:
    if team_id is None:
        statement = select(User).where(User.role == Role.admin)
    else:
        leads = select(TeamMembership.user_id).where(TeamMembership.team_id == team_id, col(TeamMembership.lead))
        statement = select(User).where(col(User.id).in_(leads))
    return [user for user in session.exec(statement.order_by(col(User.id))) if user.is_active]


def notify_leads(session: Session, event: Event) -> None:
    """After an alert fires: a bell notification for the team's leads (admins, for a desk-wide rule), one per
    person and event, each with its `notification.created` for the live bell."""
    from autocrm.services.inbox import NOTIFICATION_CREATED

    team_id = event.data.get("team_id")
    team = session.get(Team, team_id) if isinstance(team_id, int) else None
    value, threshold = int(event.data.get("value", 0)), int(event.data.get("threshold", 0))
    for user in _recipients(session, team_id if isinstance(team_id, int) else None):
        user_id = stored_id(user.id)
        already = session.exec(
            select(InboxNotification.id).where(
                InboxNotification.user_id == user_id, InboxNotification.event_id == event.id
            )
        ).first()
        if already is not None:
            continue
        with using_locale(user.locale):  # the bell shows the words as written: in the reader's language
            said = summary(str(event.data.get("kind")), value, threshold, team.name if team else None)
        row = InboxNotification(user_id=user_id, kind=ALERT, event_id=event.id, excerpt=said[:300])
        session.add(row)
        session.flush()
        events.emit(
            session,
            NOTIFICATION_CREATED,
            actor=Actor.system("alerts"),
            data={"notification_id": row.id, "user_id": user_id, "kind": ALERT},
        )
