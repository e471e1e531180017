"""Helpers shared by the API tests: the world they run in, error and row-count checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import func, select

from autocrm.core.db import read_session
from autocrm.core.settings import get_settings
from autocrm.models import Attachment, AuditEntry, Message, Ticket, TicketTag, User
from autocrm.services.tickets import TicketPublic
from autocrm.services.users import UserPublic

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
COUNTED_TABLES = (Ticket, Message, AuditEntry, User, TicketTag, Attachment)


def bearer(raw_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw_key}"}


def row_counts() -> dict[str, int]:
    """Rows per counted table, and the attachment files on disk (they are written before their row)."""
    with read_session() as session:
        counts = {
            table.__name__: session.exec(select(func.count()).select_from(table)).one() for table in COUNTED_TABLES
        }
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
    customer: UserPublic
    other_customer: UserPublic
    agent: UserPublic
    ticket: TicketPublic
    first_message_id: int
    attachment_id: int
    keys: dict[str, str] = field(default_factory=dict)

    def latest_message_id(self) -> int:
        """The ticket's newest message: what a caller wrote just before (files go on one's own messages)."""
        from autocrm.core.db import read_session
        from autocrm.services import tickets
        from autocrm.services.actor import Actor

        with read_session() as session:
            return tickets.list_messages(session, actor=Actor.system("tests"), ticket_id=self.ticket.id)[-1].id

    def headers(self, key_kind: str = "agent") -> dict[str, str]:
        return bearer(self.keys[key_kind])
