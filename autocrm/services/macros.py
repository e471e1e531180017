"""Macros: canned replies with placeholders and ticket actions, kept with every version.

- **Personal** macros are their owner's; each save is a new version usable at once.
- **Shared** macros are every agent's, and go through approval: a save makes a *draft* version; its author
  submits it (*pending*: the approval queue); a team lead or an admin approves it (with a comment) or sends it
  back (*rejected*). Agents apply the newest *approved* version, so a shared macro no one approved yet cannot
  be applied, and an edit waiting for review does not change what agents send. A lead may not approve their
  own version (an admin may: a desk's only admin must be able to publish).
- Versions are never rewritten once saved: the history says who wrote what, and `version_diff` compares two.
- **Applying** renders the body for one ticket (`{{customer.first_name}}`, `{{ticket.number}}`,
  `{{agent.name}}`, `{{ticket.custom_fields.<key>}}`, …) and lists what its actions would change, without
  writing (`preview_macro`); `apply_macro` then sends the (reviewed, maybe edited) body and makes the changes,
  through the ticket services, so the changes are audited and emitted as any other.
"""

from __future__ import annotations

import difflib
import html
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import Macro, MacroVersion, TeamMembership, User
from autocrm.models.base import utcnow
from autocrm.models.macros import MacroScope, VersionState
from autocrm.services import audit, content, desk, events, tickets
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.tickets import MessageCreate, PersonRef, TicketUpdate, clean_tags

MAX_BODY_CHARS = 20_000
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z0-9_]+)+)\s*\}\}")
PLACEHOLDERS = (
    "customer.name",
    "customer.first_name",
    "customer.email",
    "ticket.number",
    "ticket.subject",
    "ticket.status",
    "ticket.priority",
    "agent.name",
    "agent.first_name",
)
CUSTOM_FIELD_PREFIX = "ticket.custom_fields."


# ---- shapes ------------------------------------------------------------------------------------------


class MacroActions(ServiceInput):
    """What applying the macro changes on the ticket; only the keys given act."""

    status: str | None = Field(default=None, max_length=40)
    priority: str | None = Field(default=None, max_length=40)
    # "me" is whoever applies the macro; "none" unassigns.
    assignee_id: DbId | Literal["me", "none"] | None = None
    team_id: DbId | Literal["none"] | None = None
    add_tags: list[str] = Field(default_factory=list, max_length=20)
    remove_tags: list[str] = Field(default_factory=list, max_length=20)


class MacroCreate(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=MAX_BODY_CHARS)
    scope: Literal["personal", "shared"] = "personal"
    actions: MacroActions = Field(default_factory=MacroActions)


class MacroUpdate(ServiceInput):
    """Only the fields sent change; a changed name, body or actions is a new version."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    body: str | None = Field(default=None, max_length=MAX_BODY_CHARS)
    actions: MacroActions | None = None
    archived: bool | None = None


class MacroVersionPublic(BaseModel):
    number: int
    name: str
    body: str
    actions: dict[str, Any]
    state: str
    author: PersonRef | None
    created_at: datetime
    reviewer: PersonRef | None
    review_comment: str
    reviewed_at: datetime | None


class MacroPublic(BaseModel):
    id: int
    scope: str
    owner: PersonRef | None
    archived: bool
    # The newest version, whatever its state (what an editor sees) ...
    latest: MacroVersionPublic
    # ... and the number of the one agents apply: None while a shared macro has no approved version.
    approved_version: int | None
    # The approved version's name: what agents see in the composer's menu (the newest may be renamed meanwhile).
    approved_name: str | None = None
    usable: bool
    updated_at: datetime


class DiffLine(BaseModel):
    kind: Literal["same", "added", "removed"]
    text: str


class VersionDiff(BaseModel):
    macro_id: int
    from_version: int
    to_version: int
    fields: dict[str, list[Any]]  # name / actions: [before, after], only those that changed
    body: list[DiffLine]


class MacroChange(BaseModel):
    field: str
    before: Any
    after: Any


class MacroPreview(BaseModel):
    macro_id: int
    version: int
    name: str
    body: str  # rendered for this ticket, safe HTML
    changes: list[MacroChange]  # what the actions would change; empty when they change nothing


class MacroApplied(MacroPreview):
    applied: bool
    message_id: int | None


# ---- who may do what ----------------------------------------------------------------------------------


def _is_lead(session: Session, actor: Actor) -> bool:
    if actor.user_id is None:
        return False
    statement = select(TeamMembership.team_id).where(
        TeamMembership.user_id == actor.user_id, col(TeamMembership.lead).is_(True)
    )
    return session.exec(statement.limit(1)).first() is not None


def can_review(session: Session, actor: Actor) -> bool:
    """Team leads and admins approve shared macros."""
    return actor.is_staff and (actor.is_admin or _is_lead(session, actor))


def _visible(actor: Actor, macro: Macro) -> bool:
    return macro.scope == MacroScope.shared or (actor.user_id is not None and macro.owner_id == actor.user_id)


def _macro(session: Session, actor: Actor, macro_id: int) -> Macro:
    actor.require_staff()
    macro = session.get(Macro, macro_id)
    if macro is None or not _visible(actor, macro):
        raise NotFound(t("There is no macro #{macro_id}.", macro_id=macro_id))
    return macro


def _require_editor(actor: Actor, macro: Macro) -> None:
    if macro.scope == MacroScope.personal and macro.owner_id != actor.user_id:
        raise PermissionDenied(t("Only its owner may change a personal macro."))


# ---- validation ----------------------------------------------------------------------------------------


def _check_placeholders(session: Session, body: str) -> None:
    known_fields = set(desk.custom_field_definitions(session))
    unknown = []
    for name in PLACEHOLDER.findall(body):
        if name in PLACEHOLDERS:
            continue
        if name.startswith(CUSTOM_FIELD_PREFIX) and name.removeprefix(CUSTOM_FIELD_PREFIX) in known_fields:
            continue
        unknown.append(name)
    if unknown:
        raise field_error(
            "body",
            t(
                "Unknown placeholder {placeholder}. Use one of: {known}, or {custom} for a custom field.",
                placeholder="{{" + unknown[0] + "}}",
                known=", ".join("{{" + name + "}}" for name in PLACEHOLDERS),
                custom="{{" + CUSTOM_FIELD_PREFIX + "<key>}}",
            ),
        )


def _valid_actions(session: Session, actions: MacroActions) -> dict[str, Any]:
    if actions.status is not None:
        desk.status_named(session, actions.status)
    if actions.priority is not None:
        desk.priority_named(session, actions.priority)
    if isinstance(actions.assignee_id, int):
        tickets.active_staff(session, actions.assignee_id, "actions.assignee_id")
    if isinstance(actions.team_id, int):
        tickets.existing_team(session, actions.team_id)
    add, remove = clean_tags(actions.add_tags), clean_tags(actions.remove_tags)
    if set(add) & set(remove):
        raise field_error("actions", t("A tag cannot be both added and removed."))
    plain = actions.model_dump(exclude_none=True)
    plain["add_tags"], plain["remove_tags"] = add, remove
    return {key: value for key, value in plain.items() if value not in ([], None)}


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or not name.isprintable():
        raise field_error("name", t("Give the macro a name of plain text."))
    return name


def _clean_body(session: Session, body: str) -> str:
    safe = content.sanitize_html(body) if body.strip() else ""
    _check_placeholders(session, safe)
    return safe


# ---- shapes out ----------------------------------------------------------------------------------------


def _people(session: Session, ids: set[int | None]) -> dict[int, PersonRef]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User).where(col(User.id).in_(wanted)))
    return {stored_id(u.id): PersonRef(id=stored_id(u.id), name=u.name, role=u.role) for u in rows}


def _version_public(row: MacroVersion, people: dict[int, PersonRef]) -> MacroVersionPublic:
    return MacroVersionPublic(
        number=row.number,
        name=row.name,
        body=row.body,
        actions=dict(row.actions),
        state=row.state,
        author=people.get(row.author_id) if row.author_id is not None else None,
        created_at=row.created_at,
        reviewer=people.get(row.reviewer_id) if row.reviewer_id is not None else None,
        review_comment=row.review_comment,
        reviewed_at=row.reviewed_at,
    )


def _publics(session: Session, macros: list[Macro]) -> list[MacroPublic]:
    version_ids = {m.latest_version_id for m in macros} | {m.approved_version_id for m in macros}
    versions = {
        stored_id(v.id): v
        for v in session.exec(select(MacroVersion).where(col(MacroVersion.id).in_(version_ids - {None})))
    }
    people = _people(
        session,
        {m.owner_id for m in macros}
        | {v.author_id for v in versions.values()}
        | {v.reviewer_id for v in versions.values()},
    )
    out = []
    for macro in macros:
        latest = versions[macro.latest_version_id or 0]
        approved = versions.get(macro.approved_version_id or 0)
        out.append(
            MacroPublic(
                id=stored_id(macro.id),
                scope=macro.scope,
                owner=people.get(macro.owner_id) if macro.owner_id is not None else None,
                archived=macro.archived,
                latest=_version_public(latest, people),
                approved_version=approved.number if approved is not None else None,
                approved_name=approved.name if approved is not None else None,
                usable=approved is not None and not macro.archived,
                updated_at=macro.updated_at,
            )
        )
    return out


def _public(session: Session, macro: Macro) -> MacroPublic:
    return _publics(session, [macro])[0]


# ---- writes --------------------------------------------------------------------------------------------


def _audit_and_emit(
    session: Session, *, actor: Actor, macro: Macro, action: str, changes: dict[str, tuple[Any, Any]]
) -> None:
    audit.record(
        session, actor=actor, action=f"macro.{action}", object_type="macro", object_id=macro.id, changes=changes
    )
    events.emit(
        session,
        f"macro.{action}",
        actor=actor,
        data={"macro_id": macro.id, "scope": macro.scope, "changes": audit.plain_changes(changes)},
    )


def _add_version(
    session: Session, actor: Actor, macro: Macro, *, name: str, body: str, actions: dict[str, Any]
) -> MacroVersion:
    previous = session.exec(
        select(func.max(MacroVersion.number)).where(MacroVersion.macro_id == stored_id(macro.id))
    ).one()
    personal = macro.scope == MacroScope.personal
    now = utcnow()
    version = MacroVersion(
        macro_id=stored_id(macro.id),
        number=(previous or 0) + 1,
        name=name,
        body=body,
        actions=actions,
        state=VersionState.approved if personal else VersionState.draft,
        author_id=actor.user_id,
        created_at=now,
    )
    session.add(version)
    session.flush()
    if not personal:
        # A newer text replaces one still in the approval queue: reviewers judge only the newest.
        for waiting in session.exec(
            select(MacroVersion).where(
                MacroVersion.macro_id == stored_id(macro.id),
                MacroVersion.state == VersionState.pending,
                MacroVersion.id != version.id,
            )
        ):
            waiting.state = VersionState.draft
            session.add(waiting)
    macro.latest_version_id = version.id
    if personal:
        macro.approved_version_id = version.id
    macro.updated_at = now
    session.add(macro)
    return version


def create_macro(session: Session, *, actor: Actor, data: MacroCreate) -> MacroPublic:
    actor.require_staff()
    actor.require_scope(TICKETS_WRITE)
    if data.scope == MacroScope.personal and actor.user_id is None:
        raise field_error("scope", t("An API key has no personal macros: make it shared."))
    name, body = _clean_name(data.name), _clean_body(session, data.body)
    actions = _valid_actions(session, data.actions)
    if not body and not actions:
        raise field_error("body", t("A macro needs a body or at least one action."))
    macro = Macro(scope=data.scope, owner_id=actor.user_id if data.scope == MacroScope.personal else None)
    session.add(macro)
    session.flush()
    _add_version(session, actor, macro, name=name, body=body, actions=actions)
    _audit_and_emit(
        session,
        actor=actor,
        macro=macro,
        action="created",
        changes={"name": (None, name), "body": (None, body), "actions": (None, actions), "version": (None, 1)},
    )
    return _public(session, macro)


def update_macro(session: Session, *, actor: Actor, macro_id: int, data: MacroUpdate) -> MacroPublic:
    actor.require_scope(TICKETS_WRITE)
    macro = _macro(session, actor, macro_id)
    _require_editor(actor, macro)
    latest = session.get(MacroVersion, macro.latest_version_id)
    if latest is None:
        raise NotFound(t("There is no macro #{macro_id}.", macro_id=macro_id))
    changes: dict[str, tuple[Any, Any]] = {}
    name = _clean_name(data.name) if data.name is not None else latest.name
    body = _clean_body(session, data.body) if data.body is not None else latest.body
    actions = _valid_actions(session, data.actions) if data.actions is not None else dict(latest.actions)
    if not body and not actions:
        raise field_error("body", t("A macro needs a body or at least one action."))
    if (name, body, actions) != (latest.name, latest.body, dict(latest.actions)):
        version = _add_version(session, actor, macro, name=name, body=body, actions=actions)
        changes.update(
            audit.diff(
                {"name": latest.name, "body": latest.body, "actions": dict(latest.actions)},
                {"name": name, "body": body, "actions": actions},
            )
        )
        changes["version"] = (latest.number, version.number)
    if data.archived is not None and data.archived != macro.archived:
        if macro.scope == MacroScope.shared and not can_review(session, actor):
            raise PermissionDenied(t("Only team leads and admins archive shared macros."))
        changes["archived"] = (macro.archived, data.archived)
        macro.archived = data.archived
        macro.updated_at = utcnow()
        session.add(macro)
    if changes:
        _audit_and_emit(session, actor=actor, macro=macro, action="updated", changes=changes)
    return _public(session, macro)


def _latest(session: Session, macro: Macro) -> MacroVersion:
    version = session.get(MacroVersion, macro.latest_version_id)
    if version is None:
        raise NotFound(t("There is no macro #{id}.", id=macro.id))
    return version


def submit_macro(session: Session, *, actor: Actor, macro_id: int) -> MacroPublic:
    """Puts a shared macro's newest draft in the approval queue."""
    actor.require_scope(TICKETS_WRITE)
    macro = _macro(session, actor, macro_id)
    if macro.scope != MacroScope.shared:
        raise Conflict(t("A personal macro needs no approval: it is usable as saved."))
    version = _latest(session, macro)
    if version.state not in (VersionState.draft, VersionState.rejected):
        raise Conflict(t("Version {number} is {state}, not a draft.", number=version.number, state=version.state))
    if version.state == VersionState.rejected:
        raise Conflict(t("This version was sent back: save a changed version, then submit that."))
    version.state = VersionState.pending
    session.add(version)
    _audit_and_emit(
        session, actor=actor, macro=macro, action="submitted", changes={"state": (VersionState.draft, version.state)}
    )
    return _public(session, macro)


def review_macro(
    session: Session, *, actor: Actor, macro_id: int, approve: bool, comment: str = "", version: int | None = None
) -> MacroPublic:
    """A lead's or an admin's verdict on the version waiting for approval (the newest one)."""
    actor.require_scope(TICKETS_WRITE)
    macro = _macro(session, actor, macro_id)
    if not can_review(session, actor):
        raise PermissionDenied(t("Only team leads and admins approve shared macros."))
    if macro.scope != MacroScope.shared:
        raise Conflict(t("A personal macro needs no approval."))
    latest = _latest(session, macro)
    if version is not None and version != latest.number:
        raise Conflict(
            t(
                "Version {version} is not the newest (version {number} is): review that one.",
                version=version,
                number=latest.number,
            )
        )
    if latest.state != VersionState.pending:
        raise Conflict(
            t(
                "Version {number} is {state}: only a submitted version can be reviewed.",
                number=latest.number,
                state=latest.state,
            )
        )
    if latest.author_id is not None and latest.author_id == actor.user_id and not actor.is_admin:
        raise PermissionDenied(t("Someone else must approve your own version."))
    comment = comment.strip()
    if len(comment) > 1000:
        raise field_error("comment", t("Keep the comment under 1,000 characters."))
    if not approve and not comment:
        raise field_error("comment", t("Say what should change, so the author can fix it."))
    latest.state = VersionState.approved if approve else VersionState.rejected
    latest.reviewer_id = actor.user_id
    latest.review_comment = comment
    latest.reviewed_at = utcnow()
    session.add(latest)
    before_approved = macro.approved_version_id
    if approve:
        macro.approved_version_id = latest.id
    macro.updated_at = utcnow()
    session.add(macro)
    _audit_and_emit(
        session,
        actor=actor,
        macro=macro,
        action="approved" if approve else "rejected",
        changes={
            "state": (VersionState.pending, latest.state),
            "comment": (None, comment),
            **({"approved_version_id": (before_approved, latest.id)} if approve else {}),
        },
    )
    return _public(session, macro)


# ---- reads ---------------------------------------------------------------------------------------------


def list_macros(
    session: Session,
    *,
    actor: Actor,
    usable_only: bool = False,
    pending_only: bool = False,
    include_archived: bool = False,
) -> list[MacroPublic]:
    """The actor's personal macros and every shared one; `pending_only` is the approval queue."""
    actor.require_staff()
    actor.require_scope(TICKETS_READ)
    mine = col(Macro.owner_id) == actor.user_id if actor.user_id is not None else col(Macro.id).is_(None)
    statement = select(Macro).where((col(Macro.scope) == MacroScope.shared) | mine)
    if not include_archived:
        statement = statement.where(col(Macro.archived).is_(False))
    if usable_only:
        statement = statement.where(col(Macro.approved_version_id).is_not(None))
    if pending_only:
        statement = statement.join(MacroVersion, col(MacroVersion.id) == col(Macro.latest_version_id)).where(
            MacroVersion.state == VersionState.pending
        )
    macros = list(session.exec(statement.order_by(col(Macro.updated_at).desc()).limit(500)))
    publics = _publics(session, macros)
    return sorted(publics, key=lambda m: (m.scope != MacroScope.personal, m.latest.name.lower()))


def get_macro(session: Session, *, actor: Actor, macro_id: int) -> MacroPublic:
    actor.require_scope(TICKETS_READ)
    return _public(session, _macro(session, actor, macro_id))


def list_versions(session: Session, *, actor: Actor, macro_id: int) -> list[MacroVersionPublic]:
    """Every version, newest first, with who wrote and who reviewed it."""
    actor.require_scope(TICKETS_READ)
    macro = _macro(session, actor, macro_id)
    rows = list(
        session.exec(
            select(MacroVersion)
            .where(MacroVersion.macro_id == stored_id(macro.id))
            .order_by(col(MacroVersion.number).desc())
        )
    )
    people = _people(session, {r.author_id for r in rows} | {r.reviewer_id for r in rows})
    return [_version_public(row, people) for row in rows]


def version_diff(session: Session, *, actor: Actor, macro_id: int, from_version: int, to_version: int) -> VersionDiff:
    """What changed between two versions: the name and actions as before/after, the body line by line."""
    actor.require_scope(TICKETS_READ)
    macro = _macro(session, actor, macro_id)
    rows = {
        row.number: row
        for row in session.exec(
            select(MacroVersion).where(
                MacroVersion.macro_id == stored_id(macro.id),
                col(MacroVersion.number).in_([from_version, to_version]),
            )
        )
    }
    missing = [n for n in (from_version, to_version) if n not in rows]
    if missing:
        raise NotFound(t("Macro #{macro_id} has no version {value}.", macro_id=macro_id, value=missing[0]))
    old, new = rows[from_version], rows[to_version]
    fields = {
        key: [before, after]
        for key, (before, after) in {
            "name": (old.name, new.name),
            "actions": (dict(old.actions), dict(new.actions)),
        }.items()
        if before != after
    }
    kinds: dict[str, Literal["same", "added", "removed"]] = {" ": "same", "+": "added", "-": "removed"}
    body = [
        DiffLine(kind=kinds[line[0]], text=line[2:])
        for line in difflib.ndiff(
            content.html_to_text(old.body).splitlines(), content.html_to_text(new.body).splitlines()
        )
        if line[0] in kinds
    ]
    return VersionDiff(
        macro_id=stored_id(macro.id), from_version=from_version, to_version=to_version, fields=fields, body=body
    )


# ---- applying ------------------------------------------------------------------------------------------


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else ""


def _placeholder_values(ticket: tickets.TicketPublic, actor: Actor, requester_email: str) -> dict[str, str]:
    agent_name = actor.name or ""
    values = {
        "customer.name": ticket.requester.name,
        "customer.first_name": _first_name(ticket.requester.name),
        "customer.email": requester_email,
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "ticket.status": ticket.status_name,
        "ticket.priority": ticket.priority_name,
        "agent.name": agent_name,
        "agent.first_name": _first_name(agent_name),
    }
    for key, value in ticket.custom_fields.items():
        values[CUSTOM_FIELD_PREFIX + key] = "" if value is None else str(value)
    return values


def render(body: str, values: dict[str, str]) -> str:
    """The body with each placeholder replaced by its value, escaped (the body is HTML); unknown ones empty."""
    return PLACEHOLDER.sub(lambda match: html.escape(values.get(match.group(1), "")), body)


def _resolved_actions(actions: dict[str, Any], actor: Actor) -> dict[str, Any]:
    resolved = dict(actions)
    if resolved.get("assignee_id") == "me":
        if actor.user_id is None:
            raise field_error("actions.assignee_id", t("An API key cannot be assigned tickets: use a person's id."))
        resolved["assignee_id"] = actor.user_id
    for key in ("assignee_id", "team_id"):
        if resolved.get(key) == "none":
            resolved[key] = None
    return resolved


def _update_for(ticket: tickets.TicketPublic, actions: dict[str, Any]) -> tuple[TicketUpdate, list[MacroChange]]:
    changes: list[MacroChange] = []
    update: dict[str, Any] = {}
    if "status" in actions and actions["status"] != ticket.status:
        update["status"] = actions["status"]
        changes.append(MacroChange(field="status", before=ticket.status, after=actions["status"]))
    if "priority" in actions and actions["priority"] != ticket.priority:
        update["priority"] = actions["priority"]
        changes.append(MacroChange(field="priority", before=ticket.priority, after=actions["priority"]))
    current_assignee = ticket.assignee.id if ticket.assignee else None
    if "assignee_id" in actions and actions["assignee_id"] != current_assignee:
        update["assignee_id"] = actions["assignee_id"]
        changes.append(MacroChange(field="assignee_id", before=current_assignee, after=actions["assignee_id"]))
    current_team = ticket.team.id if ticket.team else None
    if "team_id" in actions and actions["team_id"] != current_team:
        update["team_id"] = actions["team_id"]
        changes.append(MacroChange(field="team_id", before=current_team, after=actions["team_id"]))
    tags = set(ticket.tags) | set(actions.get("add_tags", []))
    tags -= set(actions.get("remove_tags", []))
    if tags != set(ticket.tags):
        update["tags"] = sorted(tags)
        changes.append(MacroChange(field="tags", before=sorted(ticket.tags), after=sorted(tags)))
    return TicketUpdate(**update), changes


def _usable_version(session: Session, actor: Actor, macro_id: int) -> tuple[Macro, MacroVersion]:
    macro = _macro(session, actor, macro_id)
    if macro.archived:
        raise Conflict(t("This macro is archived."))
    version = session.get(MacroVersion, macro.approved_version_id) if macro.approved_version_id else None
    if version is None:
        raise Conflict(t("This shared macro has no approved version yet: a team lead or an admin must approve it."))
    return macro, version


def _requester_email(session: Session, ticket: tickets.TicketPublic) -> str:
    user = session.get(User, ticket.requester.id)
    return user.email if user is not None else ""


def preview_macro(session: Session, *, actor: Actor, ticket_id: int, macro_id: int) -> MacroPreview:
    """The body rendered for this ticket and what the actions would change; nothing is written."""
    actor.require_scope(TICKETS_READ)
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    macro, version = _usable_version(session, actor, macro_id)
    values = _placeholder_values(ticket, actor, _requester_email(session, ticket))
    _, changes = _update_for(ticket, _resolved_actions(dict(version.actions), actor))
    return MacroPreview(
        macro_id=stored_id(macro.id),
        version=version.number,
        name=version.name,
        body=render(version.body, values),
        changes=changes,
    )


def apply_macro(
    session: Session,
    *,
    actor: Actor,
    ticket_id: int,
    macro_id: int,
    body: str | None = None,
    internal: bool = False,
    send: bool = True,
    body_format: Literal["html", "text"] = "html",
) -> MacroApplied:
    """Sends the body (the rendered one, or the agent's edit of it, in `body_format`: the composer's text
    area writes text) and makes the actions' changes, as the actor, through the ticket services. `send=False`
    makes only the changes."""
    actor.require_scope(TICKETS_WRITE)
    preview = preview_macro(session, actor=actor, ticket_id=ticket_id, macro_id=macro_id)
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    version = session.get(MacroVersion, _usable_version(session, actor, macro_id)[0].approved_version_id)
    if version is None:  # pragma: no cover - _usable_version refuses this
        raise Conflict(t("This macro has no approved version."))
    update, changes = _update_for(ticket, _resolved_actions(dict(version.actions), actor))
    text, text_format = (preview.body, "html") if body is None else (body, body_format)
    message_id = None
    if send and text.strip():
        added = tickets.add_message(
            session,
            actor=actor,
            ticket_id=ticket_id,
            data=MessageCreate(body=text, body_format=text_format, internal=internal),
        )
        message_id = added.message.id
    try:
        if changes:
            tickets.update_ticket(session, actor=actor, ticket_id=ticket_id, data=update)
    except ValidationFailed as error:
        raise ValidationFailed(
            t("The macro's actions no longer fit this desk: {message}", message=error.message), error.details
        ) from error
    audit.record(
        session,
        actor=actor,
        action="macro.applied",
        object_type="ticket",
        object_id=ticket_id,
        changes={
            "macro": (None, {"id": preview.macro_id, "version": preview.version}),
            "message_id": (None, message_id),
        },
    )
    return MacroApplied(**preview.model_dump(exclude={"changes"}), changes=changes, applied=True, message_id=message_id)
