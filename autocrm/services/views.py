"""Saved views of the agent's queue: a name, filters in the ticket list's own shape (`TicketFilter`), a sort,
the columns shown, and who sees it.

- **Who sees a view**: a `personal` view only its owner (admins included: it is nobody else's business); a
  `team` view the members of its team, and admins, who manage shared views; an `everyone` view every agent
  and admin. An API key has no person: it sees the `everyone` views (an admin key the team views too), and a
  view that filters on "me" cannot be opened with it. Reading views needs `views:read` or `tickets:read`.
- **Who changes a view**: agents create, change, reorder and delete their own (personal) views; shared ones
  (team, everyone) are admins' (`views:write` for keys). Anyone may duplicate a view they see into one of their own.
- **The sidebar**: shared views first in their order, then the agent's own in theirs, each with its count:
  all the counts come from ONE statement (`tickets.queue_totals`).
- The four built-in views ("Unsolved", "Assigned to me", "Unassigned", "All tickets") are rows too
  (`builtin_key`), made by migration 0024 or `ensure_builtin_views` on a database made from the models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, col, or_, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import N_, t
from autocrm.core.validation_text import validation_message
from autocrm.models import SavedView, Team, TeamMembership, ViewVisibility
from autocrm.models.base import utcnow
from autocrm.services import audit, events, tickets
from autocrm.services.actor import TICKETS_READ, VIEWS_READ, VIEWS_WRITE, Actor
from autocrm.services.errors import NotFound, PermissionDenied, field_error
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.tickets import UNSOLVED_CATEGORIES, QueueTotal, TicketFilter, TicketPage

Visibility = Literal["personal", "team", "everyone"]
Sort = Literal["updated_at", "-updated_at", "created_at", "-created_at", "number", "-number"]
COLUMNS = ("number", "subject", "requester", "status", "priority", "assignee", "team", "channel", "updated", "created")
DEFAULT_COLUMNS = ["number", "subject", "requester", "status", "priority", "assignee", "updated"]
MAX_VIEWS = 200  # an agent's own, and the desk's shared ones: a sidebar, not a database
_NOT_STORED = frozenset({"sort", "page", "per_page"})
_UNSOLVED = [category.value for category in UNSOLVED_CATEGORIES]
# key -> (name, filters). Kept in step with migration 0024, which seeds the same rows.
BUILTIN_VIEWS: dict[str, tuple[str, dict[str, Any]]] = {
    "unsolved": (N_("Unsolved"), {"status_category": _UNSOLVED}),
    "mine": (N_("Assigned to me"), {"status_category": _UNSOLVED, "assignee_id": "me"}),
    "unassigned": (N_("Unassigned"), {"status_category": _UNSOLVED, "assignee_id": "none"}),
    "all": (N_("All tickets"), {}),
}


class ViewCreate(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    filters: dict[str, Any] = Field(default_factory=dict)
    sort: Sort = "-updated_at"
    columns: list[str] = Field(default_factory=lambda: list(DEFAULT_COLUMNS), max_length=len(COLUMNS))
    visibility: Visibility = "personal"
    team_id: DbId | None = None


class ViewUpdate(ServiceInput):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    filters: dict[str, Any] | None = None
    sort: Sort | None = None
    columns: list[str] | None = Field(default=None, max_length=len(COLUMNS))
    visibility: Visibility | None = None
    team_id: DbId | None = None


class ViewPublic(BaseModel):
    id: int
    name: str
    filters: dict[str, Any]
    sort: str
    columns: list[str]
    visibility: str
    owner_id: int | None
    team_id: int | None
    position: int
    builtin_key: str | None
    can_edit: bool  # whether the reader may change, reorder and delete it
    updated_at: datetime


class ViewCount(BaseModel):
    view_id: int
    total: int
    total_is_estimate: bool = False


# ---- who sees and who manages --------------------------------------------------------------------------


def _require_read(actor: Actor) -> None:
    """`views:read`, or `tickets:read`, which implies reading the views it may see."""
    actor.require_staff()
    if actor.scopes is not None and VIEWS_READ not in actor.scopes:
        actor.require_scope(TICKETS_READ)


def _require_write(actor: Actor) -> None:
    actor.require_staff()
    actor.require_scope(VIEWS_WRITE)


def _team_ids(session: Session, actor: Actor) -> list[int]:
    if actor.user_id is None:
        return []
    return list(session.exec(select(TeamMembership.team_id).where(TeamMembership.user_id == actor.user_id)))


def _visible(session: Session, actor: Actor) -> Any:
    visibility = col(SavedView.visibility)
    seen: list[Any] = [visibility == ViewVisibility.everyone]
    if actor.is_admin:
        seen.append(visibility == ViewVisibility.team)
    elif teams := _team_ids(session, actor):
        seen.append((visibility == ViewVisibility.team) & col(SavedView.team_id).in_(teams))
    if actor.user_id is not None:
        seen.append((visibility == ViewVisibility.personal) & (col(SavedView.owner_id) == actor.user_id))
    return or_(*seen)


def _can_manage(actor: Actor, row: SavedView) -> bool:
    if row.visibility == ViewVisibility.personal:
        return actor.user_id is not None and row.owner_id == actor.user_id
    return actor.is_admin


def _require_manage(actor: Actor, row: SavedView) -> None:
    if not _can_manage(actor, row):
        if row.visibility == ViewVisibility.personal:
            raise PermissionDenied(t("Only its owner may change a personal view."))
        raise PermissionDenied(t("Only admins may change shared views; duplicate it to make one of your own."))


def _public(actor: Actor, row: SavedView) -> ViewPublic:
    return ViewPublic(
        id=stored_id(row.id),
        name=row.name,
        filters=dict(row.filters),
        sort=row.sort,
        columns=list(row.columns) or list(DEFAULT_COLUMNS),
        visibility=row.visibility,
        owner_id=row.owner_id,
        team_id=row.team_id,
        position=row.position,
        builtin_key=row.builtin_key,
        can_edit=_can_manage(actor, row),
        updated_at=row.updated_at,
    )


def _ordered_visible(session: Session, actor: Actor) -> list[SavedView]:
    personal_last = col(SavedView.visibility) == ViewVisibility.personal
    return list(
        session.exec(
            select(SavedView)
            .where(_visible(session, actor))
            .order_by(personal_last, col(SavedView.position), col(SavedView.id))
            .limit(2 * MAX_VIEWS)
        )
    )


def _visible_view(session: Session, actor: Actor, view_id: int) -> SavedView:
    row = session.exec(select(SavedView).where(SavedView.id == view_id, _visible(session, actor))).first()
    if row is None:
        raise NotFound(t("There is no view #{id} you can see.", id=view_id))
    return row


# ---- validation ----------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or not name.isprintable():
        raise field_error("name", t("Give the view a name of plain text."))
    return name


def clean_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as stored: checked as the ticket list checks them, without sort and paging, defaults left out."""
    stray = sorted(_NOT_STORED & filters.keys())
    if stray:
        raise field_error(f"filters.{stray[0]}", t("Sort and paging are not part of a view's filters."))
    try:
        parsed = TicketFilter(**filters)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise field_error(f"filters.{where}", validation_message(error)) from None
    return parsed.model_dump(mode="json", exclude_defaults=True, exclude=set(_NOT_STORED))


def _clean_columns(columns: list[str]) -> list[str]:
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise field_error(
            "columns",
            t("“{name}” is not a column; use any of {columns}.", name=unknown[0][:40], columns=", ".join(COLUMNS)),
        )
    if not columns:
        raise field_error("columns", t("Show at least one column."))
    return list(dict.fromkeys(columns))


def _sharing(session: Session, actor: Actor, visibility: str, team_id: int | None) -> int | None:
    """The team a view is shared with (None unless `team`), after checking the actor may share it so."""
    if visibility != ViewVisibility.personal:
        if not actor.is_admin:
            raise PermissionDenied(t("Only admins may share views; agents keep personal ones."))
    elif actor.user_id is None:
        raise field_error("visibility", t("An API key has no person to keep a personal view for: share it."))
    if visibility == ViewVisibility.team:
        if team_id is None or session.get(Team, team_id) is None:
            raise field_error("team_id", t("Name the team that sees this view."))
        return team_id
    if team_id is not None:
        raise field_error("team_id", t("Only a team view has a team."))
    return None


def _audit_and_emit(
    session: Session, *, actor: Actor, row: SavedView, action: str, changes: dict[str, tuple[Any, Any]]
) -> None:
    audit.record(
        session, actor=actor, action=f"view.{action}", object_type="saved_view", object_id=row.id, changes=changes
    )
    events.emit(
        session, f"view.{action}", actor=actor, data={"view_id": row.id, "changes": audit.plain_changes(changes)}
    )


def _next_position(session: Session, visibility: str, owner_id: int | None) -> int:
    group = (
        (SavedView.visibility == ViewVisibility.personal) & (SavedView.owner_id == owner_id)
        if visibility == ViewVisibility.personal
        else SavedView.visibility != ViewVisibility.personal
    )
    rows = list(session.exec(select(SavedView.position).where(group).order_by(col(SavedView.position).desc())))
    if len(rows) >= MAX_VIEWS:
        raise field_error("name", t("Keep at most {limit} views here; delete one you no longer use.", limit=MAX_VIEWS))
    return (rows[0] + 1) if rows else 0


# ---- use cases -----------------------------------------------------------------------------------------


def list_views(session: Session, *, actor: Actor) -> list[ViewPublic]:
    """The views this actor sees, in the sidebar's order: shared ones, then their own."""
    _require_read(actor)
    return [_public(actor, row) for row in _ordered_visible(session, actor)]


def get_view(session: Session, *, actor: Actor, view_id: int) -> ViewPublic:
    _require_read(actor)
    return _public(actor, _visible_view(session, actor, view_id))


def create_view(session: Session, *, actor: Actor, data: ViewCreate) -> ViewPublic:
    _require_write(actor)
    name = _clean_name(data.name)
    filters = clean_filters(data.filters)
    columns = _clean_columns(data.columns)
    team_id = _sharing(session, actor, data.visibility, data.team_id)
    row = SavedView(
        name=name,
        filters=filters,
        sort=data.sort,
        columns=columns,
        visibility=data.visibility,
        owner_id=actor.user_id,
        team_id=team_id,
        position=_next_position(session, data.visibility, actor.user_id),
    )
    session.add(row)
    session.flush()
    _audit_and_emit(
        session,
        actor=actor,
        row=row,
        action="created",
        changes={"name": (None, name), "filters": (None, filters), "visibility": (None, data.visibility)},
    )
    return _public(actor, row)


def update_view(session: Session, *, actor: Actor, view_id: int, data: ViewUpdate) -> ViewPublic:
    _require_write(actor)
    row = _visible_view(session, actor, view_id)
    _require_manage(actor, row)
    fields = data.model_fields_set
    for required in ("name", "filters", "sort", "columns", "visibility"):
        if required in fields and getattr(data, required) is None:
            raise field_error(required, t("{field} cannot be empty.", field=required))
    before = {
        "name": row.name,
        "filters": dict(row.filters),
        "sort": row.sort,
        "columns": list(row.columns),
        "visibility": row.visibility,
        "team_id": row.team_id,
    }
    after = dict(before)
    if data.name is not None:
        after["name"] = _clean_name(data.name)
    if data.filters is not None:
        after["filters"] = clean_filters(data.filters)
    if data.sort is not None:
        after["sort"] = data.sort
    if data.columns is not None:
        after["columns"] = _clean_columns(data.columns)
    if "visibility" in fields or "team_id" in fields:
        visibility = data.visibility or row.visibility
        team_id = data.team_id if "team_id" in fields else (row.team_id if visibility == ViewVisibility.team else None)
        if row.builtin_key is not None and visibility == ViewVisibility.personal:
            raise field_error("visibility", t("A built-in view stays shared."))
        after["team_id"] = _sharing(session, actor, visibility, team_id)
        after["visibility"] = visibility
    changes = audit.diff(before, after)
    if changes:
        if "visibility" in changes and ViewVisibility.personal in (before["visibility"], after["visibility"]):
            row.position = _next_position(session, str(after["visibility"]), row.owner_id)
        for key, value in after.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.add(row)
        _audit_and_emit(session, actor=actor, row=row, action="updated", changes=changes)
    return _public(actor, row)


def delete_view(session: Session, *, actor: Actor, view_id: int) -> None:
    _require_write(actor)
    row = _visible_view(session, actor, view_id)
    _require_manage(actor, row)
    _audit_and_emit(session, actor=actor, row=row, action="deleted", changes={"name": (row.name, None)})
    session.delete(row)


def duplicate_view(session: Session, *, actor: Actor, view_id: int, name: str | None = None) -> ViewPublic:
    """A personal copy of a view the actor sees, last among their own."""
    _require_write(actor)
    original = _visible_view(session, actor, view_id)
    # A built-in view's name is a msgid: the copy is named in the words its owner reads.
    original_name = t(original.name) if original.builtin_key else original.name
    copy_name = name if name is not None else t("Copy of {name}", name=original_name)[:120]
    columns = list(original.columns) or list(DEFAULT_COLUMNS)
    data = ViewCreate(name=copy_name, filters=dict(original.filters), sort=original.sort, columns=columns)
    return create_view(session, actor=actor, data=data)


def reorder_views(session: Session, *, actor: Actor, ids: list[int]) -> list[ViewPublic]:
    """Puts views in the order given: `ids` are views the actor manages (their own, or for admins the shared
    ones), all of one group; the group's other views keep their places after them."""
    _require_write(actor)
    if not ids or len(set(ids)) != len(ids):
        raise field_error("ids", t("Name each view once, in the new order."))
    visible = {stored_id(row.id): row for row in _ordered_visible(session, actor)}
    rows = []
    for view_id in ids:
        row = visible.get(view_id)
        if row is None:
            raise NotFound(t("There is no view #{id} you can see.", id=view_id))
        _require_manage(actor, row)
        rows.append(row)
    personal = {row.visibility == ViewVisibility.personal for row in rows}
    if len(personal) > 1:
        raise field_error("ids", t("Shared views and your own are ordered apart: name views of one kind."))
    named = set(ids)
    rest = [
        row
        for row in visible.values()
        if stored_id(row.id) not in named and (row.visibility == ViewVisibility.personal) in personal
    ]
    before = [stored_id(row.id) for row in sorted(rows + rest, key=lambda r: (r.position, stored_id(r.id)))]
    after = [*ids, *(stored_id(row.id) for row in sorted(rest, key=lambda r: (r.position, stored_id(r.id))))]
    for position, row in enumerate([*rows, *sorted(rest, key=lambda r: (r.position, stored_id(r.id)))]):
        if row.position != position:
            row.position = position
            session.add(row)
    if before != after:
        audit.record(
            session,
            actor=actor,
            action="view.reordered",
            object_type="saved_view",
            object_id=None,
            changes={"order": (before, after)},
        )
        events.emit(session, "view.reordered", actor=actor, data={"order": after})
    return [_public(actor, row) for row in _ordered_visible(session, actor)]


# ---- reading a view's tickets --------------------------------------------------------------------------


def needs_a_person(filters: dict[str, Any]) -> bool:
    """The view filters on "me": only a signed-in person can open it."""
    return filters.get("assignee_id") == "me" or "mine" in filters.get("quick", [])


def view_filter(view: ViewPublic, **overrides: Any) -> TicketFilter:
    """The ticket list's filter for a view, narrowed by `overrides` (quick filters and words are added to the
    view's own; a sort or a page replaces it)."""
    values: dict[str, Any] = {**view.filters, "sort": view.sort}
    for key, value in overrides.items():
        if value in (None, [], ""):
            continue
        if key == "quick":
            values["quick"] = list(dict.fromkeys([*values.get("quick", []), *value]))
        elif key == "q" and values.get("q"):
            values["q"] = f"{values['q']} {value}"[:200]
        else:
            values[key] = value
    try:
        return TicketFilter(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise field_error(".".join(str(part) for part in error["loc"]), validation_message(error)) from None


def view_tickets(
    session: Session,
    *,
    actor: Actor,
    view_id: int,
    page: int = 1,
    per_page: int = 25,
    quick: list[str] | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> TicketPage:
    """A page of the view's tickets, in the shape of the ticket list (`tickets.list_tickets` reads it)."""
    view = get_view(session, actor=actor, view_id=view_id)
    filters = view_filter(view, page=page, per_page=per_page, quick=quick or [], q=q, sort=sort)
    return tickets.list_tickets(session, actor=actor, filters=filters)


def view_counts(
    session: Session, *, actor: Actor, views: list[ViewPublic] | None = None, quick: list[str] | None = None
) -> dict[int, QueueTotal]:
    """The count of every view the actor sees (or of `views`, already read), each narrowed by `quick`, from
    ONE statement. A view on "me" has no count for an API key (it cannot be opened with one)."""
    listed = views if views is not None else list_views(session, actor=actor)
    queues = {
        view.id: view_filter(view, quick=quick or [], per_page=1)
        for view in listed
        if actor.user_id is not None or not needs_a_person(view.filters)
    }
    totals = tickets.queue_totals(session, actor=actor, queues={str(key): f for key, f in queues.items()})
    return {int(key): total for key, total in totals.items()}


def ensure_builtin_views(session: Session) -> None:
    """Adds the built-in views to a desk that has none (a database made from the models rather than the
    migrations); a desk whose admins deleted some of them keeps its choice."""
    if session.exec(select(SavedView.id).where(col(SavedView.builtin_key).is_not(None)).limit(1)).first():
        return
    for position, (key, (name, filters)) in enumerate(BUILTIN_VIEWS.items()):
        session.add(
            SavedView(
                name=name,
                filters=filters,
                columns=[],
                visibility=ViewVisibility.everyone,
                position=position,
                builtin_key=key,
            )
        )
    session.flush()
