"""Fixtures and helpers shared by the API tests: a client, people, API keys of each kind, and row counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import func, select

from autocrm.api import create_app
from autocrm.core.db import read_session, write_session
from autocrm.core.settings import get_settings
from autocrm.models import Attachment, AuditEntry, Message, Role, Ticket, TicketTag, User
from autocrm.models.base import utcnow
from autocrm.services import auth, tickets
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketPublic

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
COUNTED_TABLES = (Ticket, Message, AuditEntry, User, TicketTag, Attachment)


def bearer(raw_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw_key}"}


def row_counts() -> dict[str, int]:
    """Rows per counted table, and the attachment files on disk (they are written before their row)."""
    with read_session() as session:
        counts = {table.__name__: session.exec(select(func.count()).select_from(table)).one() for table in COUNTED_TABLES}
    counts["attachment files"] = sum(1 for path in get_settings().attachments_dir.rglob("*") if path.is_file())
    return counts


@contextmanager
def nothing_written() -> Iterator[None]:
    """Asserts that the requests made inside the block left every counted table and the file store as they were."""
    before = row_counts()
    yield
    assert row_counts() == before


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the API's error envelope with this status (and code); returns the error object."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


@dataclass
class ApiWorld:
    """A desk with one ticket (with an attachment), the people around it, and API keys of every kind."""

    client: TestClient
    customer: User
    other_customer: User
    agent: User
    ticket: TicketPublic
    first_message_id: int
    attachment_id: int
    keys: dict[str, str] = field(default_factory=dict)

    def headers(self, key_kind: str = "agent") -> dict[str, str]:
        return bearer(self.keys[key_kind])

    def open_ticket(self, *, subject: str = "Printer on fire", requester: User | None = None) -> TicketPublic:
        with write_session() as session:
            return tickets.create_ticket(
                session, actor=Actor.for_user(requester or self.customer), data=TicketCreate(subject=subject, body="<p>Help!</p>")
            )


def _make_key(*, name: str, scopes: list[str], role: Role = Role.agent, revoked: bool = False) -> str:
    with write_session() as session:
        key, raw = auth.create_api_key(session, actor=Actor.system(), name=name, scopes=scopes, role=role)
        if revoked:
            key.revoked_at = utcnow()
            session.add(key)
    return raw


@pytest.fixture
def api(db_url, people, monkeypatch) -> ApiWorld:
    # These tests are about HTTP, not password hashing: cheap argon2 parameters keep each setup fast.
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    customer, other_customer, agent = people.make(Role.customer), people.make(Role.customer), people.make(Role.agent)
    with write_session() as session:
        ticket = tickets.create_ticket(
            session, actor=Actor.for_user(customer), data=TicketCreate(subject="Printer on fire", body="<p>Help!</p>")
        )
        first_message_id = tickets.list_messages(session, actor=Actor.for_user(customer), ticket_id=ticket.id)[0].id
        attachment = tickets.add_attachment(
            session, actor=Actor.for_user(customer), ticket_id=ticket.id, message_id=first_message_id, filename="shot.png", data=PNG_BYTES
        )
    both = [TICKETS_READ, TICKETS_WRITE]
    keys = {
        "agent": _make_key(name="agent key", scopes=both),
        "admin": _make_key(name="admin key", scopes=both, role=Role.admin),
        "read_only": _make_key(name="read-only key", scopes=[TICKETS_READ]),
        "write_only": _make_key(name="write-only key", scopes=[TICKETS_WRITE]),
        "revoked": _make_key(name="revoked key", scopes=both, revoked=True),
    }
    brand, prefix, secret = keys["agent"].split("_", 2)
    keys["tampered"] = f"{brand}_{prefix}_{'x' * len(secret)}"
    keys["unknown"] = "acrm_00000000_" + "y" * 43
    keys["garbage"] = "not-a-key"
    keys["control_chars"] = "acrm_\x00\x01_" + "z" * 43
    return ApiWorld(
        client=TestClient(create_app()), customer=customer, other_customer=other_customer, agent=agent, ticket=ticket,
        first_message_id=first_message_id, attachment_id=attachment.id, keys=keys,
    )


def add_note(world: ApiWorld, *, ticket_id: int, body: str) -> None:
    with write_session() as session:
        tickets.add_message(session, actor=Actor.for_user(world.agent), ticket_id=ticket_id, data=MessageCreate(body=body, internal=True))
