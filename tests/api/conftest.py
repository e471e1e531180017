"""The `api` fixture: a desk with one ticket, the people around it, and API keys of every kind."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from autocrm.api import create_app
from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import auth, tickets
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor
from tests.api.support import PNG_BYTES, ApiWorld
from tests.factories import make_api_key, make_ticket, make_user


@pytest.fixture
def api(db_url, monkeypatch) -> ApiWorld:
    # These tests are about HTTP, not password hashing: cheap argon2 parameters keep each setup fast.
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    customer, other_customer, agent = make_user(Role.customer), make_user(Role.customer), make_user(Role.agent)
    with write_session() as session:
        ticket = make_ticket(session, requester=customer, subject="Printer on fire", body="Help!")
        first_message_id = tickets.customer_messages(session, actor=Actor.for_user(customer), ticket_id=ticket.id)[0].id
        attachment = tickets.add_attachment(
            session,
            actor=Actor.for_user(customer),
            ticket_id=ticket.id,
            message_id=first_message_id,
            filename="shot.png",
            data=PNG_BYTES,
        )
    both = [TICKETS_READ, TICKETS_WRITE]
    keys = {
        "agent": make_api_key(name="agent key", scopes=both),
        "admin": make_api_key(name="admin key", scopes=both, role=Role.admin),
        "read_only": make_api_key(name="read-only key", scopes=[TICKETS_READ]),
        "write_only": make_api_key(name="write-only key", scopes=[TICKETS_WRITE]),
        "revoked": make_api_key(name="revoked key", scopes=both, revoked=True),
    }
    brand, prefix, secret = keys["agent"].split("_", 2)
    keys["tampered"] = f"{brand}_{prefix}_{'x' * len(secret)}"
    keys["unknown"] = "acrm_00000000_" + "y" * 43
    keys["garbage"] = "not-a-key"
    keys["control_chars"] = "acrm_\x00\x01_" + "z" * 43
    return ApiWorld(
        client=TestClient(create_app()),
        customer=customer,
        other_customer=other_customer,
        agent=agent,
        ticket=ticket,
        first_message_id=first_message_id,
        attachment_id=attachment.id,
        keys=keys,
    )
