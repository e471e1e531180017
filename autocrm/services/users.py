"""Accounts and their roles. Teams have a service of their own (`teams`); their names stay here too, for the
callers written before it."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from autocrm.core import i18n
from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import Organization, Role, User
from autocrm.models.base import utcnow
from autocrm.models.enums import STAFF_ROLES
from autocrm.services import audit, events
from autocrm.services.actor import USERS_READ, USERS_WRITE, Actor
from autocrm.services.auth import check_password_policy, hash_password, normalize_email
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error
from autocrm.services.inputs import is_valid_id, like_pattern, one_printable_line
from autocrm.services.teams import create_team as create_team
from autocrm.services.teams import list_teams as list_teams
from autocrm.services.teams import set_team_lead as set_team_lead
from autocrm.services.user_shapes import TeamPublic as TeamPublic
from autocrm.services.user_shapes import UserPage, UserPublic


def clean_name(name: str) -> str:
    try:
        name = one_printable_line(name or "")
    except ValueError:
        name = ""
    if not name or len(name) > 200:
        raise field_error("name", t("Enter a name of 1 to 200 characters."))
    return name


def create_user(
    session: Session,
    *,
    actor: Actor,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    organization_id: int | None = None,
    self_signup: bool = False,
    vouched: bool = True,
) -> UserPublic:
    """Admins create any account; anyone may sign themselves up as a customer. `vouched=False`: nobody vouched
    for the address (a channel saw mail from it), so it stays unverified until its owner proves it."""
    if not self_signup:
        actor.require_admin()
        actor.require_scope(USERS_WRITE)
    elif role != Role.customer:
        raise PermissionDenied(t("Sign-up creates customer accounts only."))
    email = normalize_email(email)
    name = clean_name(name)
    if password is not None or self_signup:
        check_password_policy(password or "")
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(t("An account with this e-mail already exists."), {"email": "already registered"})
    if organization_id is not None and session.get(Organization, organization_id) is None:
        raise field_error(
            "organization_id", t("Organization {organization_id} does not exist.", organization_id=organization_id)
        )
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password) if password else None,
        organization_id=organization_id,
        # Whoever made the account vouched for the address; a self-sign-up proves it by a mailed link.
        email_verified_at=None if self_signup or not vouched else utcnow(),
    )
    session.add(user)
    session.flush()
    if self_signup:
        actor = Actor.for_user(user)
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        changes={"email": (None, email), "name": (None, name), "role": (None, role)},
    )
    events.emit(session, "user.created", actor=actor, data={"user_id": user.id, "role": role.value})
    return UserPublic.model_validate(user)


def list_users(
    session: Session, *, actor: Actor, role: Role | None = None, q: str | None = None, page: int = 1, per_page: int = 50
) -> UserPage:
    actor.require_admin()
    actor.require_scope(USERS_READ)
    per_page = max(1, min(per_page, 200))
    page = max(1, page)
    statement = select(User)
    if role is not None:
        statement = statement.where(User.role == role)
    if q:
        pattern = like_pattern(q.replace("\x00", "").strip())
        statement = statement.where(
            col(User.email).ilike(pattern, escape="\\") | col(User.name).ilike(pattern, escape="\\")
        )
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(statement.order_by(col(User.name), col(User.id)).offset((page - 1) * per_page).limit(per_page))
    return UserPage(items=[UserPublic.model_validate(u) for u in rows], total=total, page=page, per_page=per_page)


def list_staff(session: Session, *, actor: Actor) -> list[UserPublic]:
    """The agents and admins a ticket may be assigned to."""
    actor.require_staff()
    rows = session.exec(
        select(User).where(col(User.role).in_(STAFF_ROLES), col(User.is_active).is_(True)).order_by(col(User.name))
    )
    return [UserPublic.model_validate(u) for u in rows]


class OrganizationRef(BaseModel):
    id: int
    name: str


def list_organizations(session: Session, *, actor: Actor, limit: int = 500) -> list[OrganizationRef]:
    """The requesters' organizations by name, for staff choosing one (a routing rule's condition)."""
    actor.require_staff()
    actor.require_scope(USERS_READ)
    rows = session.exec(select(Organization).order_by(col(Organization.name)).limit(limit))
    return [OrganizationRef(id=stored_id(row.id), name=row.name) for row in rows]


def update_user(
    session: Session,
    *,
    actor: Actor,
    user_id: int,
    role: Role | None = None,
    is_active: bool | None = None,
    name: str | None = None,
) -> UserPublic:
    actor.require_admin()
    actor.require_scope(USERS_WRITE)
    user = session.get(User, user_id) if is_valid_id(user_id) else None
    if user is None:
        raise NotFound(t("User {user_id} not found.", user_id=user_id))
    if user.id == actor.user_id and ((role is not None and role != Role.admin) or is_active is False):
        raise ValidationFailed(t("You cannot demote or deactivate your own account."), {"role": "own account"})
    before = {"role": user.role, "is_active": user.is_active, "name": user.name}
    if role is not None:
        user.role = Role(role)
    if is_active is not None:
        user.is_active = is_active
    if name is not None:
        user.name = clean_name(name)
    changes = audit.diff(before, {"role": user.role, "is_active": user.is_active, "name": user.name})
    if changes:
        user.updated_at = utcnow()
        session.add(user)
        audit.record(session, actor=actor, action="user.update", object_type="user", object_id=user.id, changes=changes)
        events.emit(
            session, "user.updated", actor=actor, data={"user_id": user.id, "changes": audit.plain_changes(changes)}
        )
    return UserPublic.model_validate(user)


def set_kb_editor(session: Session, *, actor: Actor, user_id: int, editor: bool) -> None:
    """Lets an agent write and publish knowledge-base articles (or no longer); admins always may."""
    actor.require_admin()
    user = session.get(User, user_id)
    if user is None or not user.role.is_staff:
        raise NotFound(f"No agent {user_id}.")
    if user.kb_editor == editor:
        return
    user.kb_editor = editor
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="user.kb_editor",
        object_type="user",
        object_id=user_id,
        changes={"kb_editor": (not editor, editor)},
    )
    events.emit(
        session, "user.updated", actor=actor, data={"user_id": user_id, "changes": {"kb_editor": [not editor, editor]}}
    )


def set_own_preferences(
    session: Session, *, actor: Actor, locale: str | None = None, time_zone: str | None = None
) -> UserPublic:
    """A signed-in person's own language and time zone ("" clears one: the browser's and the desk's apply)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.is_active:
        raise NotFound(t("Only a signed-in person has preferences."))
    before = {"locale": user.locale, "time_zone": user.time_zone}
    if locale is not None:
        chosen = i18n.normalize_locale(locale) if locale else None
        if locale and chosen is None:
            raise field_error(
                "locale", t("Choose one of the languages: {languages}.", languages=", ".join(i18n.SUPPORTED_LOCALES))
            )
        user.locale = chosen
    if time_zone is not None:
        if time_zone and not is_time_zone(time_zone):
            raise field_error(
                "time_zone", t("{zone} is not a time zone: use a name such as Europe/Madrid.", zone=time_zone)
            )
        user.time_zone = time_zone or None
    changes = audit.diff(before, {"locale": user.locale, "time_zone": user.time_zone})
    if changes:
        user.updated_at = utcnow()
        session.add(user)
        audit.record(
            session, actor=actor, action="user.preferences", object_type="user", object_id=user.id, changes=changes
        )
        events.emit(
            session, "user.updated", actor=actor, data={"user_id": user.id, "changes": audit.plain_changes(changes)}
        )
    return UserPublic.model_validate(user)


def is_time_zone(name: str) -> bool:
    if len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
