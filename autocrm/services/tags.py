"""Tags as the desk uses them: the tags tickets carry, with how many carry each, and renaming or merging them.

A tag is no row of its own (`ticket_tag` holds each ticket's), so renaming `old` to `new` and merging tags into
one are the same change: every ticket with one of them gets `new` instead, each through `tickets.update_ticket`
by `bulk.bulk_update` (validated, audited, its own `ticket.updated` event; more than `bulk.SYNC_LIMIT` tickets
become a background bulk job). The rename itself is one `tag.rename` / `tag.merge` audit entry.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import format_number, t
from autocrm.models import TicketTag
from autocrm.services import audit, bulk, tickets
from autocrm.services.actor import DESK_MANAGE, DESK_READ, TICKETS_READ, TICKETS_WRITE, Actor
from autocrm.services.bulk import BulkChanges, BulkJobPublic, BulkRequest, BulkResult
from autocrm.services.errors import ValidationFailed, field_error
from autocrm.services.inputs import ServiceInput, like_pattern

MAX_LISTED = 500
MAX_MERGED = tickets.MAX_TAGS
TagText = Annotated[str, Field(min_length=1, max_length=50)]


class TagPublic(BaseModel):
    tag: str
    tickets: int


class TagRename(ServiceInput):
    """`tags` (one to rename, or several to merge) all become `into`, which may be new or one already in use."""

    tags: list[TagText] = Field(min_length=1, max_length=MAX_MERGED)
    into: TagText


class TagChange(BaseModel):
    tags: list[str]
    into: str
    tickets: int  # tickets that had one of `tags`
    result: BulkResult | None = None  # changed in this request
    job: BulkJobPublic | None = None  # or in a background job (more than bulk.SYNC_LIMIT tickets)


def list_tags(session: Session, *, actor: Actor, query: str = "", limit: int = 200) -> list[TagPublic]:
    """The tags tickets carry, the most used first, optionally only those containing `query`."""
    actor.require_staff()
    if actor.scopes is not None and not actor.scopes & {DESK_READ, DESK_MANAGE, TICKETS_READ}:
        actor.require_scope(DESK_READ)
    count = func.count().label("n")
    statement = select(TicketTag.tag, count).group_by(col(TicketTag.tag))
    text = (query or "").strip().lower()[:50]
    if text:
        statement = statement.where(col(TicketTag.tag).like(like_pattern(text), escape="\\"))
    rows = session.exec(statement.order_by(count.desc(), col(TicketTag.tag)).limit(max(1, min(limit, MAX_LISTED))))
    return [TagPublic(tag=tag, tickets=int(n)) for tag, n in rows]


def rename_tags(session: Session, *, actor: Actor, data: TagRename) -> TagChange:
    """Every ticket with one of `data.tags` gets `data.into` in their place (admins; keys need desk:manage and
    tickets:write). A ticket that cannot change (closed meanwhile) is listed among the failures."""
    actor.require_admin()
    actor.require_scope(DESK_MANAGE)
    actor.require_scope(TICKETS_WRITE)
    data = TagRename.model_validate(data.model_dump())
    sources = tickets.clean_tags(list(data.tags))  # its refusal names the field `tags`
    into = _one_tag(data.into)
    sources = [tag for tag in sources if tag != into]
    if not sources:
        raise field_error("into", t("Choose a name other than the tag's own."))
    ids = [
        stored_id(ticket_id)
        for ticket_id in session.exec(
            select(TicketTag.ticket_id)
            .where(col(TicketTag.tag).in_(sources))
            .distinct()
            .order_by(col(TicketTag.ticket_id))
            .limit(bulk.MAX_TICKETS + 1)
        )
    ]
    if not ids:
        raise field_error("tags", t("No ticket has that tag."))
    if len(ids) > bulk.MAX_TICKETS:
        raise field_error("tags", t("Change at most {limit} tickets at once.", limit=format_number(bulk.MAX_TICKETS)))
    action = "tag.rename" if len(sources) == 1 else "tag.merge"
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="tag",
        object_id=None,
        changes={"tags": (sources, into), "tickets": (None, len(ids))},
    )
    outcome = bulk.bulk_update(
        session,
        actor=actor,
        request=BulkRequest(ids=ids, changes=BulkChanges(add_tags=[into], remove_tags=sources)),
    )
    change = TagChange(tags=sources, into=into, tickets=len(ids))
    if isinstance(outcome, BulkResult):
        change.result = outcome
    else:
        change.job = outcome
    return change


def _one_tag(value: str) -> str:
    try:
        return tickets.clean_tags([value])[0]
    except ValidationFailed as exc:
        raise field_error("into", exc.message) from None
