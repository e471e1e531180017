"""A ticket's timeline and its requester's context, for the staff's ticket page.

The timeline is one chronological list of what happened: public replies and internal notes (from the
conversation), and the ticket's own changes (status, priority, assignee, team, tags, fields, subject, due
date) with who made them and when, read from the audit trail, so nothing is recorded twice. Values come out
named for people (the status's name, the assignee's name), with the stored keys beside them.

The context is the requester seen from the desk: who they are, their organization, how they rated past
tickets, and their other tickets, each one click away.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.models import (
    CallDirection,
    CallLog,
    Organization,
    SatisfactionRating,
    Skill,
    SlaPolicy,
    StatusCategory,
    Team,
    Ticket,
    User,
)
from autocrm.services import audit, desk
from autocrm.services.actor import Actor
from autocrm.services.tickets.reads import list_messages, visible_ticket
from autocrm.services.tickets.shapes import MessagePublic, PersonRef

EntryKind = Literal["reply", "note", "call", "change", "rating"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("reply", "note", "call", "change", "rating")
# The audit actions whose changes the timeline shows, and the fields of theirs it names.
_CHANGE_ACTIONS = ("ticket.update", "ticket.reply", "ticket.note", "ticket.rate", "macro.applied")
_SHOWN_FIELDS = (
    "status",
    "priority",
    "assignee_id",
    "team_id",
    "tags",
    "custom_fields",
    "subject",
    "due_at",
    "required_skills",
    "sla_policy_id",
)
_FIELD_NAMES = {
    "assignee_id": "assignee",
    "team_id": "team",
    "custom_fields": "fields",
    "required_skills": "skills",
    "sla_policy_id": "sla_policy",
}
PREVIOUS_TICKETS = 20


class FieldChange(BaseModel):
    field: str  # status, priority, assignee, team, tags, fields, subject, due_at, skills, sla_policy
    before: Any  # the stored value (a key, an id, a list)
    after: Any
    before_label: str  # the same value as people read it ("Waiting on customer", "Maya Agent", "none")
    after_label: str


class CallDetails(BaseModel):
    direction: CallDirection
    duration_seconds: int


class TimelineEntry(BaseModel):
    kind: EntryKind
    at: datetime
    actor: PersonRef | None  # None when the system, a rule or an API key acted
    actor_label: str  # who acted, as the audit trail names them (an API key's name, "system")
    message: MessagePublic | None = None  # replies, notes and calls (a call's summary)
    call: CallDetails | None = None  # calls
    changes: list[FieldChange] = []  # changes
    macro: dict[str, Any] | None = None  # a change made by applying a macro: {"id", "version"}
    score: int | None = None  # ratings


class PreviousTicket(BaseModel):
    id: int
    number: int
    subject: str
    status_name: str
    status_category: StatusCategory
    updated_at: datetime


class PastRating(BaseModel):
    ticket_id: int
    ticket_number: int
    score: int
    comment: str
    created_at: datetime


class RequesterContext(BaseModel):
    id: int
    name: str
    email: str
    organization: str | None
    time_zone: str | None  # the requester's own (their profile), for their local time; None when unknown
    customer_since: datetime
    open_tickets: int
    satisfaction_average: float | None
    ratings: list[PastRating]
    previous_tickets: list[PreviousTicket]


def _label(session: Session, field: str, value: Any, people: dict[int, str], teams: dict[int, str]) -> str:
    if value is None or value == [] or value == {}:
        return "none"
    if field == "status":
        return desk.status_of(session, str(value)).name
    if field == "priority":
        return desk.priority_named(session, str(value)).name
    if field == "assignee_id":
        return people.get(int(value), f"#{value}")
    if field == "team_id":
        return teams.get(int(value), f"#{value}")
    if field == "tags":
        return ", ".join(str(v) for v in value)
    if field == "custom_fields" and isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    if field == "required_skills" and isinstance(value, list):
        names = {stored_id(s.id): s.name for s in session.exec(select(Skill))}
        return ", ".join(
            f"{names.get(need.get('skill_id'), '#' + str(need.get('skill_id')))} {need.get('level')}+" for need in value
        )
    if field == "sla_policy_id":
        policy = session.get(SlaPolicy, int(value))
        return policy.name if policy is not None else f"#{value}"
    return str(value)


def _names(session: Session, model: type[User] | type[Team], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(model.id, model.name).where(col(model.id).in_(ids)))
    return {stored_id(row_id): name for row_id, name in rows}


def timeline(
    session: Session, *, actor: Actor, ticket_id: int, kinds: frozenset[str] | None = None
) -> list[TimelineEntry]:
    """Everything that happened on the ticket, oldest first; `kinds` keeps only some (reply, note, call,
    change, rating). Staff only: customers read their conversation."""
    visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    wanted = kinds or frozenset(ENTRY_KINDS)
    entries: list[TimelineEntry] = []
    if wanted & {"reply", "note", "call"}:
        messages = list_messages(session, actor=actor, ticket_id=ticket_id)
        calls = {
            row.message_id: CallDetails(direction=row.direction, duration_seconds=row.duration_seconds)
            for row in session.exec(
                select(CallLog).where(col(CallLog.message_id).in_([m.id for m in messages if m.internal]))
            )
        }
        for message in messages:
            kind: EntryKind = "call" if message.id in calls else "note" if message.internal else "reply"
            if kind in wanted:
                entries.append(
                    TimelineEntry(
                        kind=kind,
                        at=message.created_at,
                        actor=message.author,
                        actor_label=message.author.name if message.author else "system",
                        message=message,
                        call=calls.get(message.id),
                    )
                )
    if wanted & {"change", "rating"}:
        rows = [
            row
            for row in audit.entries_for(session, object_type="ticket", object_id=ticket_id)
            if row.action in _CHANGE_ACTIONS
        ]
        people_ids: set[int] = {row.actor_user_id for row in rows if row.actor_user_id is not None}
        team_ids: set[int] = set()
        for row in rows:
            for field, key in (("assignee_id", people_ids), ("team_id", team_ids)):
                for value in (row.changes or {}).get(field, []):
                    if isinstance(value, int):
                        key.add(value)
        people, teams = _names(session, User, people_ids), _names(session, Team, team_ids)
        for row in rows:
            who = (
                PersonRef(id=row.actor_user_id, name=people.get(row.actor_user_id, ""))
                if row.actor_user_id is not None
                else None
            )
            changes = row.changes or {}
            if row.action == "ticket.rate":
                if "rating" in wanted:
                    score = changes.get("rating", [None, None])[1]
                    entries.append(
                        TimelineEntry(
                            kind="rating", at=row.created_at, actor=who, actor_label=row.actor_label, score=score
                        )
                    )
                continue
            if "change" not in wanted:
                continue
            shown = [
                FieldChange(
                    field=_FIELD_NAMES.get(field, field),
                    before=changes[field][0],
                    after=changes[field][1],
                    before_label=_label(session, field, changes[field][0], people, teams),
                    after_label=_label(session, field, changes[field][1], people, teams),
                )
                for field in _SHOWN_FIELDS
                if field in changes
            ]
            macro = changes.get("macro", [None, None])[1] if row.action == "macro.applied" else None
            if shown or macro:
                entries.append(
                    TimelineEntry(
                        kind="change",
                        at=row.created_at,
                        actor=who,
                        actor_label=row.actor_label,
                        changes=shown,
                        macro=macro,
                    )
                )
    # Replies before the changes they caused (a reply reopening a ticket) when both carry the same instant.
    order = {"reply": 0, "note": 0, "call": 0, "change": 1, "rating": 2}
    entries.sort(key=lambda entry: (entry.at, order[entry.kind]))
    return entries


def requester_context(session: Session, *, actor: Actor, ticket_id: int) -> RequesterContext:
    """The ticket's requester as the desk knows them: organization, ratings and their other tickets."""
    ticket = visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    requester = session.get(User, ticket.requester_id)
    if requester is None:  # pragma: no cover - the foreign key keeps the requester
        raise RuntimeError("A ticket without its requester.")
    organization = session.get(Organization, requester.organization_id) if requester.organization_id else None
    statuses = {status.key: status for status in desk.statuses(session)}
    others = list(
        session.exec(
            select(Ticket)
            .where(Ticket.requester_id == requester.id, Ticket.id != ticket_id)
            .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
            .limit(PREVIOUS_TICKETS)
        )
    )
    open_count = sum(
        1
        for t in [ticket, *others]
        if statuses[t.status].category not in (StatusCategory.solved, StatusCategory.closed)
    )
    rated = list(
        session.exec(
            select(SatisfactionRating, Ticket.number)
            .join(Ticket, col(Ticket.id) == col(SatisfactionRating.ticket_id))
            .where(SatisfactionRating.requester_id == requester.id)
            .order_by(col(SatisfactionRating.created_at).desc())
            .limit(PREVIOUS_TICKETS)
        )
    )
    ratings = [
        PastRating(
            ticket_id=rating.ticket_id,
            ticket_number=number,
            score=rating.score,
            comment=rating.comment,
            created_at=rating.created_at,
        )
        for rating, number in rated
    ]
    return RequesterContext(
        id=stored_id(requester.id),
        name=requester.name,
        email=requester.email,
        organization=organization.name if organization else None,
        time_zone=requester.time_zone,
        customer_since=requester.created_at,
        open_tickets=open_count,
        satisfaction_average=sum(r.score for r in ratings) / len(ratings) if ratings else None,
        ratings=ratings,
        previous_tickets=[
            PreviousTicket(
                id=stored_id(t.id),
                number=t.number,
                subject=t.subject,
                status_name=statuses[t.status].name,
                status_category=statuses[t.status].category,
                updated_at=t.updated_at,
            )
            for t in others
        ],
    )
