"""Test data, made through the real services: every row is as valid, and as audited, as the app's own.

Each factory takes an open write session as its first argument, or None to commit its work in a write
session of its own. Keyword overrides replace the defaults; anything left out gets a fresh, unique value.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import api_keys, tickets, users
from autocrm.services.actor import ALL_SCOPES, Actor
from autocrm.services.users import TeamPublic, UserPublic

TEST_PASSWORD = "correct horse"  # noqa: S105 (the throwaway password of every made user)
_serial = itertools.count(1)


@contextmanager
def _within(session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
        return
    with write_session() as own:
        yield own


def make_user(
    role: Role = Role.customer,
    session: Session | None = None,
    *,
    name: str | None = None,
    email: str | None = None,
    password: str = TEST_PASSWORD,
    organization_id: int | None = None,
    is_active: bool = True,
) -> UserPublic:
    """A user of `role`, created by an admin through `users.create_user` (and deactivated if asked)."""
    n = next(_serial)
    with _within(session) as s:
        user = users.create_user(
            s,
            actor=Actor.system("tests"),
            email=email or f"{role.value}{n}-{uuid.uuid4().hex[:4]}@example.com",
            name=name or f"{role.value.title()} {n}",
            role=role,
            password=password,
            organization_id=organization_id,
        )
        if not is_active:
            user = users.update_user(s, actor=Actor.system("tests"), user_id=user.id, is_active=False)
    return user


def make_ticket(
    session: Session | None = None,
    *,
    requester: UserPublic | None = None,
    by: UserPublic | None = None,
    subject: str = "Printer is on fire",
    body: str = "Help!",
    **fields: Any,
) -> tickets.TicketPublic:
    """A ticket opened by `by` (default: its requester, a new customer unless given) through
    `tickets.create_ticket`; `fields` are any other `TicketCreate` fields (priority, tags, ...)."""
    if requester is None and (by is None or not by.role.is_staff):
        requester = by or make_user(Role.customer, session)
    opener = by or requester
    if opener.role.is_staff and requester is not None:
        fields.setdefault("requester_id", requester.id)
    with _within(session) as s:
        return tickets.create_ticket(
            s, actor=Actor.for_user(opener), data=tickets.TicketCreate(subject=subject, body=body, **fields)
        )


def make_message(
    session: Session | None = None,
    *,
    ticket_id: int,
    by: UserPublic,
    body: str = "<p>Thanks, looking into it.</p>",
    internal: bool = False,
    **fields: Any,
) -> tickets.MessagePublic:
    """A reply (or, with internal=True, a note) by `by` on the ticket, through `tickets.add_message`."""
    with _within(session) as s:
        return tickets.add_message(
            s,
            actor=Actor.for_user(by),
            ticket_id=ticket_id,
            data=tickets.MessageCreate(body=body, internal=internal, **fields),
        ).message


def make_api_key(
    session: Session | None = None,
    *,
    name: str | None = None,
    scopes: list[str] | tuple[str, ...] = ALL_SCOPES,
    role: Role = Role.agent,
    revoked: bool = False,
    by: UserPublic | None = None,
    expires_in_days: int | None = None,
) -> str:
    """The raw secret of a new key made through `api_keys.create_api_key` by the admin `by` (default: the
    command line, as `autocrm create-api-key` makes keys); revoked=True revokes it at once."""
    actor = Actor.for_user(by) if by is not None else Actor.system("tests")
    with _within(session) as s:
        key, raw = api_keys.create_api_key(
            s,
            actor=actor,
            name=name or f"key {next(_serial)}",
            scopes=list(scopes),
            role=role,
            expires_in_days=expires_in_days,
        )
        if revoked:
            api_keys.revoke_api_key(s, actor=actor, key_id=key.id)
    return raw


def make_team(
    session: Session | None = None, *, name: str | None = None, member_ids: list[int] | None = None
) -> TeamPublic:
    """A team made by an admin through `users.create_team`."""
    with _within(session) as s:
        return users.create_team(
            s, actor=Actor.system("tests"), name=name or f"Team {next(_serial)}", member_ids=member_ids or []
        )


def listed_for(actor: Actor, session: Session | None = None, **filters: Any) -> list[Any]:
    """The tickets `actor`'s list shows with these filters: the queue for staff, "my requests" for a customer."""
    from autocrm.core.db import read_session

    def read(s: Session) -> list[Any]:
        f = tickets.TicketFilter(per_page=100, **filters)
        page = tickets.list_tickets(s, actor=actor, filters=f) if actor.is_staff else None
        return page.items if page is not None else tickets.customer_tickets(s, actor=actor, filters=f).items

    if session is not None:
        return read(session)
    with read_session() as own:
        return read(own)


def run_coroutine(coroutine: Any) -> Any:
    """`asyncio.run` on a thread of its own, in a copy of this context (the locale set by the test): the
    browser tests' Playwright keeps an event loop running on the main thread for the rest of the session."""
    import asyncio
    import contextvars
    import threading

    context = contextvars.copy_context()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = context.run(asyncio.run, coroutine)
        except BaseException as error:  # noqa: BLE001 - raised again on the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
