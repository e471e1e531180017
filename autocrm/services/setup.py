"""The desk's own settings kept as data, and the first-run set-up that creates the first admin.

A desk with no admin (a production start without the demo) is set up in the browser: `autocrm serve`
stores the hash of a fresh set-up code and prints the link that carries it, so only whoever can read the
server's console can claim the desk. Completing it writes the `first_admin` row in the same transaction as
the admin; that row's primary key lets only one of two simultaneous set-ups commit.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.models import DeskSetting, Role, User
from autocrm.models.base import utcnow
from autocrm.services import audit, auth
from autocrm.services.actor import Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.user_shapes import UserPublic

COMPANY_NAME = "company_name"
SETUP_CODE = "setup_code"
FIRST_ADMIN = "first_admin"
DEMO_PASSWORDS = "demo_passwords"  # the published demo password's hash while demo accounts still carry it
MAX_COMPANY_NAME = 120
SETUP_CLOSED = "This desk is already set up. Sign in instead."


def get_value(session: Session, key: str) -> Any:
    row = session.get(DeskSetting, key)
    return row.value if row is not None else None


def set_value(session: Session, key: str, value: Any) -> None:
    row = session.get(DeskSetting, key) or DeskSetting(key=key)
    row.value, row.updated_at = value, utcnow()
    session.add(row)


def delete_value(session: Session, key: str) -> None:
    row = session.get(DeskSetting, key)
    if row is not None:
        session.delete(row)


def company_name(session: Session) -> str:
    """The desk's name as set at first run (or by an admin), else AUTOCRM_COMPANY_NAME's default."""
    value = get_value(session, COMPANY_NAME)
    return value if isinstance(value, str) and value else get_settings().company_name


def has_admin(session: Session) -> bool:
    return session.exec(select(User.id).where(User.role == Role.admin).limit(1)).first() is not None


def needs_setup(session: Session) -> bool:
    return not has_admin(session) and session.get(DeskSetting, FIRST_ADMIN) is None


def open_setup(session: Session) -> str | None:
    """A new set-up code for this start (the previous one stops working), or None once the desk has an admin."""
    if not needs_setup(session):
        delete_value(session, SETUP_CODE)
        return None
    code = secrets.token_urlsafe(24)
    set_value(session, SETUP_CODE, auth.sha256(code))
    return code


def check_setup_code(session: Session, code: str) -> None:
    """NotFound once the desk is set up; PermissionDenied for a code that is not this start's."""
    if not needs_setup(session):
        raise NotFound(SETUP_CLOSED)
    stored = get_value(session, SETUP_CODE)
    if not isinstance(stored, str) or not code or not hmac.compare_digest(stored, auth.sha256(code)):
        raise PermissionDenied(
            t("This set-up link is not valid. Open the link that `autocrm serve` printed when it started.")
        )


def _clean_company(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_COMPANY_NAME or not name.isprintable():
        raise ValidationFailed(
            t("Enter a desk name of 1 to {MAX_COMPANY_NAME} characters.", MAX_COMPANY_NAME=MAX_COMPANY_NAME),
            {"company_name": f"Enter a desk name of 1 to {MAX_COMPANY_NAME} characters."},
        )
    return name


def complete_setup(session: Session, *, code: str, company: str, email: str, name: str, password: str) -> UserPublic:
    """Names the desk and creates its first admin, once. Every field's error comes back together."""
    from autocrm.services.users import clean_name, create_user

    check_setup_code(session, code)
    errors: dict[str, Any] = {} if (name or "").strip() else {"name": "Enter your name."}
    checks: list[Callable[[], object]] = [
        lambda: _clean_company(company),
        lambda: auth.normalize_email(email),
        lambda: auth.check_password_policy(password),
    ]
    if not errors:
        checks.append(lambda: clean_name(name))
    for check in checks:
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.details)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    try:
        with session.begin_nested():
            session.add(DeskSetting(key=FIRST_ADMIN, value=None))
    except IntegrityError:
        raise Conflict(SETUP_CLOSED) from None
    admin = create_user(
        session, actor=Actor.system("setup"), email=email, name=name, role=Role.admin, password=password
    )
    company = _clean_company(company)
    set_value(session, FIRST_ADMIN, admin.id)
    set_value(session, COMPANY_NAME, company)
    delete_value(session, SETUP_CODE)
    audit.record(
        session,
        actor=Actor.for_user(admin),
        action="desk.setup",
        object_type="desk",
        object_id=None,
        changes={"company_name": (None, company), "first_admin": (None, admin.email)},
    )
    return admin
