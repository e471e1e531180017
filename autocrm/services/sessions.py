"""A person's browser sessions: which are signed in, from what device, and ending them.

Everyone sees and ends their own; admins may end anyone's (the people admin's "End sessions"). Ending a
session revokes it in the database, where every request's session check looks (`auth.user_for_session_token`),
so that browser's next event finds no session, on every worker.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import LoginSession, User
from autocrm.models.base import utcnow
from autocrm.services import audit
from autocrm.services.actor import Actor
from autocrm.services.auth import sha256
from autocrm.services.errors import NotFound, PermissionDenied

UNKNOWN_DEVICE = "Unknown browser"


class SessionPublic(BaseModel):
    """A signed-in browser as its owner sees it. Never the token or its hash."""

    id: int
    device: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    # The session the request asking came from ("this device").
    current: bool


# (what the user agent says, the name people know). Order matters: Edge and Opera also say "Chrome", Chrome
# also says "Safari", and Chrome on iOS says "CriOS" with "Safari".
_BROWSERS = (
    (re.compile(r"\bEdg(?:e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(?:OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\b(?:Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\bVivaldi/"), "Vivaldi"),
    (re.compile(r"\b(?:Chrome|CriOS|HeadlessChrome)/"), "Chrome"),
    (re.compile(r"\bChromium/"), "Chromium"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
    (re.compile(r"\bcurl/", re.IGNORECASE), "curl"),
)
_SYSTEMS = (
    (re.compile(r"\b(?:iPhone|iPod)\b"), "iPhone"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bMac OS X\b|\bMacintosh\b"), "macOS"),
    (re.compile(r"\bLinux\b|\bX11\b"), "Linux"),
)


def describe_device(user_agent: str | None) -> str:
    """A User-Agent header as people say it: "Chrome on Linux", "Safari on iPhone", or "Unknown browser"."""
    text = user_agent or ""
    browser = next((name for pattern, name in _BROWSERS if pattern.search(text)), "")
    system = next((name for pattern, name in _SYSTEMS if pattern.search(text)), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return UNKNOWN_DEVICE


def _live(now: datetime) -> tuple[object, ...]:
    return (
        col(LoginSession.claimed_at).is_not(None),
        col(LoginSession.revoked_at).is_(None),
        col(LoginSession.expires_at) > now,
    )


def _public(row: LoginSession, current_hash: str) -> SessionPublic:
    return SessionPublic(
        id=stored_id(row.id),
        device=describe_device(row.user_agent),
        user_agent=row.user_agent,
        created_at=row.claimed_at or row.created_at,
        last_seen_at=row.last_seen_at or row.claimed_at or row.created_at,
        expires_at=row.expires_at,
        current=bool(current_hash) and row.token_hash == current_hash,
    )


def _require_person(actor: Actor) -> None:
    if actor.api_key_id is not None:
        raise PermissionDenied(t("Browser sessions are managed in the app, not with an API key."))


def _may_manage(actor: Actor, user_id: int) -> None:
    _require_person(actor)
    if actor.user_id != user_id and not actor.is_admin:
        # A person asking about someone else's sessions learns nothing, not even that they exist.
        raise NotFound(t("That session has ended or is not yours."))


def list_sessions(
    session: Session, *, actor: Actor, user_id: int | None = None, current_token: str | None = None
) -> list[SessionPublic]:
    """The signed-in sessions of `user_id` (default: the actor's own), the current one first, then by last seen."""
    target = user_id if user_id is not None else actor.user_id
    if target is None:
        raise PermissionDenied(t("Sign in to see your sessions."))
    _may_manage(actor, target)
    rows = session.exec(select(LoginSession).where(LoginSession.user_id == target, *_live(utcnow())))  # type: ignore[arg-type]  # SQLAlchemy expressions
    current_hash = sha256(current_token) if current_token else ""
    found = [_public(row, current_hash) for row in rows]
    return sorted(found, key=lambda s: (not s.current, -s.last_seen_at.timestamp(), -s.id))


def _end(session: Session, actor: Actor, row: LoginSession, now: datetime, reason: str) -> None:
    row.revoked_at = now
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="auth.session_end",
        object_type="login_session",
        object_id=row.id,
        changes={"revoked_at": (None, now), "reason": (None, reason)},
    )


def end_session(session: Session, *, actor: Actor, session_id: int) -> SessionPublic:
    """Ends one session: the actor's own, or (for an admin) anyone's. An ended or unknown one is NotFound."""
    now = utcnow()
    row = session.get(LoginSession, session_id)
    live = row is not None and row.claimed_at is not None and row.revoked_at is None and row.expires_at > now
    if row is None or not live:
        _require_person(actor)
        raise NotFound(t("That session has ended or is not yours."))
    _may_manage(actor, row.user_id)
    shown = _public(row, "")
    _end(session, actor, row, now, "by its owner" if actor.user_id == row.user_id else "by an admin")
    return shown


def end_other_sessions(session: Session, *, actor: Actor, current_token: str) -> int:
    """ "Sign out everywhere else": ends every session of the actor but the one `current_token` belongs to."""
    if actor.user_id is None:
        raise PermissionDenied(t("Sign in to end your sessions."))
    _require_person(actor)
    now = utcnow()
    current_hash = sha256(current_token) if current_token else ""
    rows = session.exec(
        select(LoginSession).where(
            LoginSession.user_id == actor.user_id,
            LoginSession.token_hash != current_hash,
            *_live(now),  # type: ignore[arg-type]  # SQLAlchemy expressions
        )
    ).all()
    for row in rows:
        _end(session, actor, row, now, "signed out everywhere else")
    return len(rows)


def end_all_sessions(session: Session, *, actor: Actor, user_id: int) -> int:
    """An admin signs a person out of every browser at once; returns how many sessions ended."""
    _require_person(actor)
    actor.require_admin()
    if session.get(User, user_id) is None:
        raise NotFound(t("There is no user #{user_id}.", user_id=user_id))
    now = utcnow()
    rows = session.exec(select(LoginSession).where(LoginSession.user_id == user_id, *_live(now))).all()  # type: ignore[arg-type]  # SQLAlchemy expressions
    for row in rows:
        _end(session, actor, row, now, "by an admin")
    return len(rows)
