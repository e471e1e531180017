"""The passes into a ticket's shared drafts (`services/coedit.py`): who gets one, and when one stops working."""

from __future__ import annotations

import time
from typing import Any

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import coedit, users
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.factories import make_ticket


def test_staff_get_a_pass_per_draft_and_customers_none(people: Any) -> None:
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    ticket = make_ticket(requester=customer, by=agent)
    with read_session() as session:
        note = coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="note")
        assert coedit.check_token(session, note, f"ticket-{ticket.id}-note") == agent.id
        assert coedit.check_token(session, note, f"ticket-{ticket.id}-reply") is None
        assert coedit.check_token(session, note, f"ticket-{ticket.id + 1}-note") is None
        assert coedit.check_token(session, note, "../etc") is None
        with pytest.raises(PermissionDenied):
            coedit.room_token(session, actor=people.actor(customer), ticket_id=ticket.id, mode="note")
        with pytest.raises(NotFound):
            coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id + 1000, mode="note")
        with pytest.raises(ValidationFailed):
            coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="chat")


def test_a_deactivated_agent_and_an_expired_pass_are_refused(people: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = people.make(Role.agent)
    ticket = make_ticket(requester=people.make(Role.customer), by=agent)
    room = coedit.room_name(ticket.id, "reply")
    with read_session() as session:
        token = coedit.room_token(session, actor=people.actor(agent), ticket_id=ticket.id, mode="reply")
    with read_session() as session:
        assert coedit.check_token(session, token, room) == agent.id
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 16 * 60)  # past the 15 minutes a token lasts
    with read_session() as session:
        assert coedit.check_token(session, token, room) is None
    monkeypatch.setattr(time, "time", real_time)
    with write_session() as session:
        users.update_user(session, actor=Actor.system("tests"), user_id=agent.id, is_active=False)
    with read_session() as session:
        assert coedit.check_token(session, token, room) is None
