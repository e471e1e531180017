"""Issue 13 finding 2 through the REST API: a ticket opened for an address whose only account is an
unverified sign-up attaches to it but stays hidden from it until it verifies."""

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import User
from autocrm.services import auth, tickets, verification
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound
from autocrm.services.tickets import TicketFilter


def test_api_ticket_for_an_unverified_address_waits_for_verification(api):
    with write_session() as s:
        auth.sign_up_customer(s, email="ceo@victim.example", name="Not The CEO", password="squatter-pass")
    with read_session() as s:
        squatter = s.exec(select(User).where(User.email == "ceo@victim.example")).one()
    response = api.client.post(
        "/api/v1/tickets",
        headers=api.headers("agent"),
        json={"subject": "Board pack", "body": "<p>Attached</p>", "requester_email": "ceo@victim.example"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["requester"]["id"] == squatter.id
    as_squatter = Actor.for_user(squatter)
    with read_session() as s:
        assert tickets.customer_tickets(s, actor=as_squatter, filters=TicketFilter()).items == []
        with pytest.raises(NotFound):
            tickets.customer_ticket(s, actor=as_squatter, ticket_id=created["id"])
    with write_session() as s:
        verification.mark_verified(s, s.get(User, squatter.id), how="test")
    with read_session() as s:
        assert [t.id for t in tickets.customer_tickets(s, actor=as_squatter, filters=TicketFilter()).items] == [
            created["id"]
        ]
