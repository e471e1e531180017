"""Bulk changes: one change (status, priority, assignee, team, tags added or removed) to many tickets.

Each ticket is changed on its own through `tickets.update_ticket` (so it is validated, audited and emits its
own `ticket.updated`, and routing rules, SLA clocks, mails and webhooks follow as for one change), each in a
savepoint: a ticket that fails (closed meanwhile, a status that no longer exists) rolls back alone and is
listed with its error's code and message, never hidden.

Up to `SYNC_LIMIT` tickets change in the request's own transaction. More become a `bulk_job` row and a
`bulk.requested` event whose after-commit listener (`bulk.run`, on the job runner) changes `CHUNK` tickets
per run, commits them with the progress, and asks the runner for the next run (`events.run_again`). A worker
killed mid-chunk loses only that chunk's uncommitted work; the next run starts again from `processed`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import format_number, t, using_locale
from autocrm.core.validation_text import validation_message
from autocrm.models import BulkJob, BulkStatus, Ticket, TicketTag, User
from autocrm.models.base import utcnow
from autocrm.services import api_keys, events, tickets
from autocrm.services.actor import TICKETS_WRITE, Actor
from autocrm.services.errors import DomainError, NotFound, PermissionDenied, field_error
from autocrm.services.events import Event
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.tickets import TicketFilter, TicketUpdate
from autocrm.services.tickets.queue import SORTS, _list_conditions

LISTENER = "bulk.run"
REQUESTED = "bulk.requested"
SYNC_LIMIT = 100  # at most this many change in the request; more run as a background job
MAX_TICKETS = 10_000
CHUNK = 50  # tickets per committed step of a background job (its progress moves this often)


class BulkChanges(ServiceInput):
    """Only the fields set change; `"assignee_id": null` unassigns, `"team_id": null` clears the team."""

    status: str | None = Field(default=None, max_length=40)
    priority: str | None = Field(default=None, max_length=40)
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    add_tags: list[str] = Field(default_factory=list, max_length=tickets.MAX_TAGS)
    remove_tags: list[str] = Field(default_factory=list, max_length=tickets.MAX_TAGS)


class BulkRequest(ServiceInput):
    ids: list[DbId] | None = Field(default=None, max_length=MAX_TICKETS)
    filter: TicketFilter | None = None
    changes: BulkChanges

    @model_validator(mode="after")
    def _ids_or_filter(self) -> BulkRequest:
        if (self.ids is None) == (self.filter is None):
            raise ValueError(t("give either ids or a filter"))
        return self


class BulkFailure(BaseModel):
    id: int
    code: str
    message: str


class BulkResult(BaseModel):
    updated: list[int]
    failed: list[BulkFailure]


class BulkJobPublic(BaseModel):
    id: int
    status: Literal["pending", "running", "done"]
    total: int
    processed: int
    progress: float  # 0 to 1
    updated: list[int]
    failed: list[BulkFailure]
    created_at: datetime
    finished_at: datetime | None


def _clean_changes(session: Session, changes: BulkChanges) -> dict[str, Any]:
    """The changes as stored and applied, checked once up front so a request that can never work is refused
    whole (a ticket-by-ticket failure is for what changed since)."""
    values = changes.model_dump(exclude_unset=True)
    for required in ("status", "priority"):
        if required in values and values[required] is None:
            raise field_error(f"changes.{required}", t("{field} cannot be empty.", field=required))
    add, remove = tickets.clean_tags(changes.add_tags), tickets.clean_tags(changes.remove_tags)
    if set(add) & set(remove):
        raise field_error("changes", t("A tag cannot be both added and removed."))
    values["add_tags"], values["remove_tags"] = add, remove
    plain = {key: value for key, value in values.items() if key not in ("add_tags", "remove_tags") or value}
    if not plain:
        raise field_error("changes", t("Say what to change: status, priority, assignee_id, team_id or tags."))
    if "status" in plain:
        tickets.TicketUpdate(status=plain["status"])  # its length and text; the desk's statuses per ticket
    if plain.get("assignee_id") is not None:
        tickets.active_staff(session, plain["assignee_id"], "changes.assignee_id")
    if plain.get("team_id") is not None:
        tickets.existing_team(session, plain["team_id"])
    return plain


def _ticket_ids(session: Session, actor: Actor, request: BulkRequest) -> list[int]:
    if request.ids is not None:
        ids = list(dict.fromkeys(request.ids))
    else:
        f = request.filter or TicketFilter()
        column, ascending = SORTS[f.sort]
        order = [
            column.asc() if ascending else column.desc(),
            col(Ticket.id).asc() if ascending else col(Ticket.id).desc(),
        ]
        ids = [
            stored_id(ticket_id)
            for ticket_id in session.exec(
                select(Ticket.id).where(*_list_conditions(session, actor, f)).order_by(*order).limit(MAX_TICKETS + 1)
            )
        ]
    if len(ids) > MAX_TICKETS:
        raise field_error(
            "filter" if request.filter is not None else "ids",
            t("Change at most {limit} tickets at once.", limit=format_number(MAX_TICKETS)),
        )
    if not ids:
        raise field_error("filter" if request.filter is not None else "ids", t("No tickets to change."))
    return ids


def _update_for(session: Session, ticket_id: int, changes: dict[str, Any]) -> TicketUpdate:
    fields = {key: value for key, value in changes.items() if key not in ("add_tags", "remove_tags")}
    if changes.get("add_tags") or changes.get("remove_tags"):
        current = session.exec(
            select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id).order_by(col(TicketTag.tag))
        ).all()
        removed = set(changes.get("remove_tags", []))
        fields["tags"] = [t for t in dict.fromkeys([*current, *changes.get("add_tags", [])]) if t not in removed]
    return TicketUpdate(**fields)


def _change_one(session: Session, actor: Actor, ticket_id: int, changes: dict[str, Any]) -> BulkFailure | None:
    try:
        with session.begin_nested():
            tickets.update_ticket(
                session, actor=actor, ticket_id=ticket_id, data=_update_for(session, ticket_id, changes)
            )
    except DomainError as exc:
        return BulkFailure(id=ticket_id, code=exc.code, message=exc.message)
    except ValidationError as exc:
        error = exc.errors()[0]
        return BulkFailure(id=ticket_id, code="validation_failed", message=validation_message(error, with_field=True))
    return None


def _change_all(session: Session, actor: Actor, ids: list[int], changes: dict[str, Any]) -> BulkResult:
    updated, failed = [], []
    for ticket_id in ids:
        failure = _change_one(session, actor, ticket_id, changes)
        if failure is None:
            updated.append(ticket_id)
        else:
            failed.append(failure)
    return BulkResult(updated=updated, failed=failed)


def bulk_update(session: Session, *, actor: Actor, request: BulkRequest) -> BulkResult | BulkJobPublic:
    """Changes the tickets now (up to SYNC_LIMIT) or starts a background job for more (its public shape)."""
    actor.require_scope(TICKETS_WRITE)
    actor.require_staff()
    changes = _clean_changes(session, request.changes)
    ids = _ticket_ids(session, actor, request)
    if len(ids) <= SYNC_LIMIT:
        return _change_all(session, actor, ids, changes)
    job = BulkJob(
        requested_by_id=actor.user_id,
        api_key_id=actor.api_key_id,
        ticket_ids=ids,
        changes=changes,
        total=len(ids),
    )
    session.add(job)
    session.flush()
    events.emit(session, REQUESTED, actor=actor, data={"bulk_job_id": job.id, "total": len(ids), "changes": changes})
    return _job_public(job)


def _job_public(job: BulkJob) -> BulkJobPublic:
    return BulkJobPublic(
        id=stored_id(job.id),
        status=job.status,
        total=job.total,
        processed=job.processed,
        progress=round(job.processed / job.total, 4) if job.total else 1.0,
        updated=list(job.updated),
        failed=[BulkFailure(**failure) for failure in job.failed],
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def get_job(session: Session, *, actor: Actor, job_id: int) -> BulkJobPublic:
    """The job's progress and results so far, for whoever asked for it (and admins)."""
    actor.require_staff()
    job = session.get(BulkJob, job_id)
    mine = job is not None and (
        (actor.user_id is not None and job.requested_by_id == actor.user_id)
        or (actor.api_key_id is not None and job.api_key_id == actor.api_key_id)
    )
    if job is None or not (mine or actor.is_admin):
        raise NotFound(t("There is no job #{id} of yours.", id=job_id))
    return _job_public(job)


def _requester_of(session: Session, job: BulkJob) -> Actor | None:
    """Who the job acts as, checked again at each step: a deactivated agent's or revoked key's job stops."""
    if job.api_key_id is not None:
        return api_keys.actor_for_key_id(session, job.api_key_id)
    user = session.get(User, job.requested_by_id) if job.requested_by_id is not None else None
    if user is None or not user.is_active or not user.role.is_staff:
        return None
    return Actor.for_user(user)


def run_chunk(session: Session, event: Event) -> None:
    """The `bulk.run` listener: the next CHUNK tickets of the job, its progress, and the next run if any."""
    job = session.get(BulkJob, event.data.get("bulk_job_id"))
    if job is None or job.status == BulkStatus.done:
        return
    asker = session.get(User, job.requested_by_id) if job.requested_by_id is not None else None
    # The failures listed are read by whoever asked, so they are written in their language, not the runner's.
    with using_locale(asker.locale if asker is not None else None):
        _run_chunk(session, event, job)


def _run_chunk(session: Session, event: Event, job: BulkJob) -> None:
    actor = _requester_of(session, job)
    chunk = job.ticket_ids[job.processed : job.processed + CHUNK]
    if actor is None:
        refused = PermissionDenied(t("The person or key that asked for this change may no longer change tickets."))
        result = BulkResult(
            updated=[],
            failed=[BulkFailure(id=i, code=refused.code, message=refused.message) for i in chunk],
        )
    else:
        result = _change_all(session, actor, chunk, dict(job.changes))
    job.processed += len(chunk)
    job.updated = [*job.updated, *result.updated]
    job.failed = [*job.failed, *(failure.model_dump() for failure in result.failed)]
    job.updated_at = utcnow()
    if job.processed >= job.total:
        job.status, job.finished_at = BulkStatus.done, job.updated_at
    else:
        job.status = BulkStatus.running
        events.run_again(session, event, LISTENER, step=str(job.processed))
    session.add(job)
