"""Who may call what: every endpoint against every kind of caller.

API keys act as agents or admins (the role is on the key) and carry scopes; customers have no API keys,
so what a customer may see is checked at the service layer, which the API calls for every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import api_keys, tickets
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.tickets import MessageCreate, TicketUpdate
from tests.api.support import PNG_BYTES, ApiWorld, assert_error, nothing_written
from tests.factories import make_message


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    scope: str | None  # None: public
    success_status: int
    request: Callable[[ApiWorld], dict[str, Any]] = lambda world: {}

    def url(self, world: ApiWorld) -> str:
        # {message}: the newest one, which the caller wrote with the endpoint before (the reply "On it").
        message = world.latest_message_id() if "{message}" in self.path else None
        return self.path.format(ticket=world.ticket.id, message=message, attachment=world.attachment_id)


ENDPOINTS = [
    Endpoint("GET", "/api/health", None, 200),
    Endpoint("GET", "/api/v1/tickets", TICKETS_READ, 200),
    Endpoint(
        "POST",
        "/api/v1/tickets",
        TICKETS_WRITE,
        201,
        lambda world: {"json": {"subject": "Via API", "body": "Hello", "requester_id": world.customer.id}},
    ),
    Endpoint("GET", "/api/v1/tickets/{ticket}", TICKETS_READ, 200),
    Endpoint("PATCH", "/api/v1/tickets/{ticket}", TICKETS_WRITE, 200, lambda world: {"json": {"priority": "high"}}),
    Endpoint("GET", "/api/v1/tickets/{ticket}/messages", TICKETS_READ, 200),
    Endpoint(
        "POST", "/api/v1/tickets/{ticket}/messages", TICKETS_WRITE, 201, lambda world: {"json": {"body": "On it"}}
    ),
    Endpoint("GET", "/api/v1/tickets/{ticket}/audit", TICKETS_READ, 200),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/messages/{message}/attachments",
        TICKETS_WRITE,
        201,
        lambda world: {"files": {"file": ("shot.png", PNG_BYTES, "image/png")}},
    ),
    Endpoint("GET", "/api/v1/attachments/{attachment}", TICKETS_READ, 200),
]
UNAUTHENTICATED_CALLERS = ["no_auth", "garbage", "control_chars", "unknown", "tampered", "revoked"]
KEY_OF_STAFF_CALLER = {"agent_key": "agent", "admin_key": "admin"}


def _headers(world: ApiWorld, caller: str, endpoint: Endpoint) -> dict[str, str]:
    if caller == "no_auth":
        return {}
    if caller == "key_lacking_scope":
        # The key has the other ticket scope, so only the scope this endpoint needs is missing.
        return world.headers("write_only" if endpoint.scope == TICKETS_READ else "read_only")
    return world.headers(KEY_OF_STAFF_CALLER.get(caller, caller))


def _expected_status(caller: str, endpoint: Endpoint) -> int:
    if endpoint.scope is None or caller in KEY_OF_STAFF_CALLER:
        return endpoint.success_status
    if caller in UNAUTHENTICATED_CALLERS:
        return 401
    return 403


def _call(world: ApiWorld, caller: str, endpoint: Endpoint):
    return world.client.request(
        endpoint.method, endpoint.url(world), headers=_headers(world, caller, endpoint), **endpoint.request(world)
    )


@pytest.mark.parametrize("caller", [*UNAUTHENTICATED_CALLERS, *KEY_OF_STAFF_CALLER, "key_lacking_scope"])
def test_every_endpoint_admits_exactly_the_callers_it_should(api, caller):
    unexpected = []
    for endpoint in ENDPOINTS:
        expected = _expected_status(caller, endpoint)
        if expected < 400:
            response = _call(api, caller, endpoint)
        else:
            with nothing_written():
                response = _call(api, caller, endpoint)
            if response.status_code == expected == 401:
                assert_error(response, 401, "unauthenticated")
                assert response.headers["WWW-Authenticate"] == "Bearer"
            elif response.status_code == expected == 403:
                assert assert_error(response, 403, "forbidden")["details"] == {"required_scope": endpoint.scope}
        if response.status_code != expected:
            unexpected.append((endpoint.method, endpoint.path, expected, response.status_code, response.text[:200]))
    assert unexpected == []


def test_write_by_a_key_is_attributed_to_that_key(api):
    response = api.client.patch(
        f"/api/v1/tickets/{api.ticket.id}", headers=api.headers("admin"), json={"priority": "urgent"}
    )
    assert response.status_code == 200
    history = api.client.get(f"/api/v1/tickets/{api.ticket.id}/audit", headers=api.headers("read_only")).json()
    assert history[-1]["action"] == "ticket.update"
    assert history[-1]["actor"].startswith("api_key:") and history[-1]["actor"].endswith(":admin key")
    assert history[-1]["changes"] == {"priority": ["normal", "urgent"]}


def test_api_keys_never_act_as_customers(db_url):
    with write_session() as session, pytest.raises(ValidationFailed) as info:
        api_keys.create_api_key(
            session, actor=Actor.system(), name="customer key", scopes=[TICKETS_READ], role=Role.customer
        )
    assert "role" in info.value.details


def test_customer_sees_own_tickets_only_and_never_internal_notes(api):
    """What the API would serve a customer, through the same service calls its routes make."""
    make_message(ticket_id=api.ticket.id, by=api.agent, body="Customer is on the free plan", internal=True)
    as_owner, as_stranger = Actor.for_user(api.customer), Actor.for_user(api.other_customer)
    with read_session() as session:
        assert tickets.customer_ticket(session, actor=as_owner, ticket_id=api.ticket.id).id == api.ticket.id
        assert [m.body_text for m in tickets.customer_messages(session, actor=as_owner, ticket_id=api.ticket.id)] == [
            "Help!"
        ]
        assert tickets.customer_tickets(session, actor=as_stranger).total == 0
        for read in (tickets.customer_ticket, tickets.customer_messages):
            with pytest.raises(NotFound):
                read(session, actor=as_stranger, ticket_id=api.ticket.id)
        with pytest.raises(NotFound):
            tickets.read_attachment(session, actor=as_stranger, attachment_id=api.attachment_id)
        with pytest.raises(PermissionDenied):
            tickets.ticket_audit(session, actor=as_owner, ticket_id=api.ticket.id)
    with write_session() as session, pytest.raises(PermissionDenied):
        tickets.update_ticket(session, actor=as_owner, ticket_id=api.ticket.id, data=TicketUpdate(priority="urgent"))
    with write_session() as session, pytest.raises(PermissionDenied):
        tickets.add_message(
            session, actor=as_owner, ticket_id=api.ticket.id, data=MessageCreate(body="psst", internal=True)
        )
    # The staff view over HTTP has the note the customer never got.
    staff_view = api.client.get(f"/api/v1/tickets/{api.ticket.id}/messages", headers=api.headers("agent")).json()
    assert [m["internal"] for m in staff_view] == [False, True]
